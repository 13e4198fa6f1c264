import { Duration } from 'aws-cdk-lib';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

export interface JourneyReconcilerProps {
  readonly tables: Tables;
  /** the journey whose executions it resumes */
  readonly journey: StateMachine;
}

/**
 * The backstop for journeys that stopped before their cycle ended (an
 * operator's StopExecution, a failure the retries did not cure): a function
 * that resumes each open cycle's journey once, from where its cycle record
 * stands, fired by EventBridge Scheduler every quarter of an hour (between the
 * queue drain's firings). The local runtime also fires it at start, since a
 * restart forgets every running journey.
 */
export class JourneyReconciler extends Construct {
  readonly function: LeadFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: JourneyReconcilerProps) {
    super(scope, id);
    const { leads } = props.tables;
    this.function = new LeadFunction(this, 'Function', {
      entry: 'journey/reconcile-handler.ts',
      description: 'Resumes, once, the journeys of open cycles that are not running',
      timeout: Duration.minutes(5),
      environment: settingsEnvironment({ leadsTable: leads.tableName, journeyStateMachineArn: props.journey.stateMachineArn }),
    });
    // the open cycles (the index, then the cycles), a lead's profile (merged away?), the resumption count and the index entry of an ended cycle
    leads.grant(this.function, 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // which journeys run (the list, then one execution by name), and the start of a resumed one
    props.journey.grant(this.function, 'states:ListExecutions', 'states:StartExecution');
    props.journey.grantExecution(this.function, 'states:DescribeExecution');

    this.schedule = new Schedule(this, 'Backstop', {
      description: 'Resumes journeys that are not running (every 15 minutes)',
      schedule: ScheduleExpression.expression('cron(7,22,37,52 * * * ? *)'),
      target: new LambdaInvoke(this.function, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 2, maxEventAge: Duration.minutes(15) }),
    });
  }
}
