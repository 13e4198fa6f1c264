import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { EVENTS_PARTITION_KEY, LEADS_PARTITION_KEY, LEADS_SORT_KEY } from '../../functions/core/table-layout.ts';

export interface TablesProps {
  /**
   * What happens to the tables when the stack is deleted.
   * @default RemovalPolicy.RETAIN - lead data outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateful part: events (immutable, one item per messageId, streamed to
 * scoring) and leads (profiles, identities, cycles, report counters).
 */
export class Tables extends Construct {
  readonly events: TableV2;
  readonly leads: TableV2;

  constructor(scope: Construct, id: string, props: TablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.events = new TableV2(this, 'Events', {
      partitionKey: { name: EVENTS_PARTITION_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      dynamoStream: StreamViewType.NEW_IMAGE,
      removalPolicy,
    });
    this.leads = new TableV2(this, 'Leads', {
      partitionKey: { name: LEADS_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: LEADS_SORT_KEY, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
  }
}
