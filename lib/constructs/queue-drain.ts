import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { REP_PREFIX } from '../../functions/core/table-layout.ts';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

export interface QueueDrainProps {
  readonly tables: Tables;
  /** the journey whose queued leads wait on a task token */
  readonly journey: StateMachine;
}

/**
 * Hands queued leads (nobody could take them) to reps who can take them now
 * and resumes their journeys: at once when a rep's open leads drop (the
 * leads table's stream, filtered to writes of reps' items: a rejection, the
 * first contact, a reassignment away, the recycle, a merge), at once when
 * `leadloop reps back` is run, and, as the backstop, every quarter of an
 * hour (EventBridge Scheduler) for reps whose time away simply ended. The
 * drain is safe to run from several places at once: a lead is taken once.
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
    // resumes the waiting journeys; a heartbeat tells whether a queued lead's wait is still open before it is handed out
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskHeartbeat'], resources: [props.journey.stateMachineArn] }));

    // Only modified reps' items reach the function (an item's first write adds a lead or time away, never frees one);
    // it drains the teams of reps whose count dropped. A failed batch is retried, then left to the schedule.
    this.function.addEventSource(
      new DynamoEventSource(leads, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        retryAttempts: 2,
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { Keys: { pk: { S: FilterRule.beginsWith(REP_PREFIX) } } } })],
      }),
    );

    this.schedule = new Schedule(this, 'Backstop', {
      description: 'Drains the queues of leads nobody could take (every 15 minutes)',
      schedule: ScheduleExpression.expression('cron(0,15,30,45 * * * ? *)'),
      target: new LambdaInvoke(this.function, { input: ScheduleTargetInput.fromObject({}), retryAttempts: 2, maxEventAge: Duration.minutes(15) }),
    });
  }
}
