import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { EVENTS_PARTITION_KEY, LEADS_PARTITION_KEY, LEADS_SORT_KEY, OPEN_STAGE, STAGE_SINCE, STALLED_INDEX } from '../../functions/core/table-layout.ts';

export interface TablesProps {
  /**
   * What happens to the tables when the stack is deleted.
   * @default RemovalPolicy.RETAIN - lead data outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The stateful part: events (immutable, one item per messageId, streamed to
 * scoring) and leads (profiles, identities, cycles, report counters; streamed
 * to the queue drain, which reads only reps' items).
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
      // Read only by the queue drain, filtered to reps' items (lib/constructs/queue-drain.ts): a rep's open
      // leads dropping drains their team's queue at once. Both images, to tell a drop from a rise.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy,
      globalSecondaryIndexes: [
        {
          // Sparse: only lead profiles in a watched stage carry its keys (core/reports/stalled.ts). The owner rides
          // along for the team and rep filters; the rest of a row is read from the profiles of the leads shown. The
          // index is written only when a lead enters or leaves a watched stage or changes owner, not on every profile write.
          indexName: STALLED_INDEX,
          partitionKey: { name: OPEN_STAGE, type: AttributeType.STRING },
          sortKey: { name: STAGE_SINCE, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: ['owner'],
        },
      ],
    });
  }
}
