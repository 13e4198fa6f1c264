import { Duration } from 'aws-cdk-lib';
import { HttpMethod, type HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { LeadFunction } from './lead-function.ts';
import type { Nurture } from './nurture.ts';
import type { Tables } from './tables.ts';

export interface PrivacyProps {
  readonly tables: Tables;
  /** the API the two routes are added to */
  readonly httpApi: HttpApi;
  /** the journeys an erasure stops */
  readonly journey: StateMachine;
  /** the nurture programs an erasure stops */
  readonly nurture: Nurture;
}

/**
 * The GDPR rights of a person, by server key: erasure (DELETE /v1/leads/{leadId})
 * and access (GET /v1/leads/{leadId}/export). Two functions: the export only reads.
 */
export class Privacy extends Construct {
  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    const { events, leads } = props.tables;

    const forget = new LeadFunction(this, 'Forget', {
      entry: 'leads/forget-handler.ts',
      description: 'Erases a person: their leads, events, cycles, feedback, email records; leaves tombstones (hashes)',
      // one call erases a bounded number of items (forget-lead.ts ERASE_BUDGET), well within this
      timeout: Duration.seconds(25),
      environment: settingsEnvironment({
        leadsTable: leads.tableName,
        eventsTable: events.tableName,
        journeyStateMachineArn: props.journey.stateMachineArn,
        nurtureStateMachineArn: props.nurture.stateMachine.stateMachineArn,
      }),
    });
    // the key, the identity link, the profiles and partitions (Query), tombstones (BatchGet, BatchWrite), the deletes (BatchWrite);
    // stopping nurture marks the enrollment ended on the profile (UpdateItem)
    leads.grant(forget, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem');
    events.grant(forget, 'dynamodb:BatchWriteItem');
    props.journey.grantExecution(forget, 'states:StopExecution');
    props.nurture.stateMachine.grantExecution(forget, 'states:StopExecution');
    props.httpApi.addRoutes({ path: '/v1/leads/{leadId}', methods: [HttpMethod.DELETE], integration: new HttpLambdaIntegration('ForgetIntegration', forget) });

    const exporter = new LeadFunction(this, 'Export', {
      entry: 'leads/export-handler.ts',
      description: 'Everything held about a person, as JSON',
      timeout: Duration.seconds(25),
      environment: settingsEnvironment({ leadsTable: leads.tableName, eventsTable: events.tableName }),
    });
    leads.grant(exporter, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem');
    events.grant(exporter, 'dynamodb:BatchGetItem');
    props.httpApi.addRoutes({ path: '/v1/leads/{leadId}/export', methods: [HttpMethod.GET], integration: new HttpLambdaIntegration('ExportIntegration', exporter) });
  }
}
