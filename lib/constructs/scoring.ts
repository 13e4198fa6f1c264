import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { LeadFunction } from './lead-function.ts';
import type { Nurture } from './nurture.ts';
import type { Tables } from './tables.ts';

export interface ScoringProps {
  readonly tables: Tables;
  readonly journey: StateMachine;
  /** The nurture programs a known or recycled lead enters, and leaves on the global exit. */
  readonly nurture: Nurture;
}

/** Retries of a failing batch (a batch of one record, once bisection has isolated it) before it is set aside. */
const RETRY_ATTEMPTS = 5;
/**
 * A record not applied this long after it was written is set aside. The stream keeps records
 * for 24 hours, so 18 hours remain to redrive it from the stream (the events table keeps it for good).
 */
const MAX_RECORD_AGE = Duration.hours(6);
/** Well before MAX_RECORD_AGE: scoring is this far behind and someone should look. */
const ITERATOR_AGE_ALARM = Duration.minutes(15);

/**
 * The stream path: new events are applied to their leads in batches, and a
 * lead that qualifies starts its journey. A record that keeps failing is
 * isolated (partial batch responses, bisection), retried a bounded number of
 * times, then set aside in an alarmed queue, so it never holds back the others.
 */
export class Scoring extends Construct {
  /** Where the stream puts what it could not apply: Lambda's failure metadata (shard, sequence range), not the records. */
  readonly failedRecords: Queue;
  /** The function the stream invokes: `leadloop failed replay` invokes it the same way. */
  readonly score: LeadFunction;

  constructor(scope: Construct, id: string, props: ScoringProps) {
    super(scope, id);
    const { events, leads } = props.tables;
    const score = (this.score = new LeadFunction(this, 'Score', {
      entry: 'score/handler.ts',
      description: 'Applies new events to leads: identity, score, stage; starts journeys',
      timeout: Duration.seconds(60),
      environment: settingsEnvironment({
        leadsTable: leads.tableName,
        eventsTable: events.tableName,
        journeyStateMachineArn: props.journey.stateMachineArn,
        nurtureStateMachineArn: props.nurture.stateMachine.stateMachineArn,
      }),
    }));
    // (DeleteItem: a merge removes the absorbed lead's items from the teams' queues)
    leads.grant(score, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem');
    // merging two leads of one person recomputes the survivor from the stored events of both
    events.grant(score, 'dynamodb:BatchGetItem');
    // an event of an erased person is deleted, not applied (core/erasure.ts)
    events.grant(score, 'dynamodb:BatchWriteItem');
    props.journey.grantStartExecution(score);
    // an outcome resumes the waiting journey (SendTaskSuccess only: the journey itself handles timeouts)
    props.journey.grant(score, 'states:SendTaskSuccess');
    // a merge stops the absorbed lead's journeys (its executions, by name)
    props.journey.grantExecution(score, 'states:StopExecution');
    // a lead entering nurture starts its program; one leaving (an MQL now) has it stopped
    props.nurture.grantStartAndStop(score);

    this.failedRecords = new Queue(this, 'FailedRecords', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    score.addEventSource(
      new DynamoEventSource(events, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: RETRY_ATTEMPTS,
        maxRecordAge: MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.failedRecords),
      }),
    );

    new Alarm(this, 'FailedRecordsAlarm', {
      alarmDescription:
        'Stream records could not be applied to their leads and were set aside: each message in the queue names a shard and a sequence-number range of the events stream. Find the cause in the Score function logs, fix it, then redrive the range.',
      metric: this.failedRecords.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    new Alarm(this, 'StreamBehindAlarm', {
      alarmDescription: `Scoring is more than ${ITERATOR_AGE_ALARM.toMinutes()} minutes behind the events stream: new events are not reaching their leads. Records older than ${MAX_RECORD_AGE.toHours()} hours are set aside unapplied.`,
      metric: score.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: ITERATOR_AGE_ALARM.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
