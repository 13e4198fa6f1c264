import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

export interface QueueDrainProps {
  readonly tables: Tables;
  /** the journey whose queued leads wait on a task token */
  readonly journey: StateMachine;
}

/**
 * The backstop for leads nobody could take: a function that hands each
 * team's queued leads to reps who can take them now and resumes their
 * journeys, fired by EventBridge Scheduler every quarter of an hour. (A rep
 * back through `leadloop reps back` drains their team at once; this catches
 * reps whose time away simply ended, or whose open leads dropped.)
 */
export class QueueDrain extends Construct {
  readonly function: LeadFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: QueueDrainProps) {
    super(scope, id);
    const { leads } = props.tables;
    this.function = new LeadFunction(this, 'Function', {
      entry: 'routing/drain-handler.ts',
      description: 'Hands queued leads to reps who can take them now, and resumes their journeys',
      timeout: Duration.seconds(60),
      environment: settingsEnvironment({ leadsTable: leads.tableName }),
    });
    // the queues, reps and round robins (reads), the cycle's write with the rep's count and the round robin, the lead's owner
    leads.grant(this.function, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [props.journey.stateMachineArn] }));

    this.schedule = new Schedule(this, 'Backstop', {
      description: 'Drains the queues of leads nobody could take (every 15 minutes)',
      schedule: ScheduleExpression.expression('cron(0,15,30,45 * * * ? *)'),
      target: new LambdaInvoke(this.function, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 2, maxEventAge: Duration.minutes(15) }),
    });
  }
}
