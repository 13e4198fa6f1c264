import { Duration } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

export interface ScoringProps {
  readonly tables: Tables;
  readonly journey: StateMachine;
}

/**
 * The stream path: new events are applied to their leads in batches, and a
 * lead that qualifies starts its journey. Failed records are retried until
 * they succeed, never dropped.
 */
export class Scoring extends Construct {
  constructor(scope: Construct, id: string, props: ScoringProps) {
    super(scope, id);
    const { events, leads } = props.tables;
    const score = new LeadFunction(this, 'Score', {
      entry: 'score/handler.ts',
      description: 'Applies new events to leads: identity, score, stage; starts journeys',
      timeout: Duration.seconds(60),
      environment: {
        LEADS_TABLE: leads.tableName,
        EVENTS_TABLE: events.tableName,
        JOURNEY_STATE_MACHINE_ARN: props.journey.stateMachineArn,
      },
    });
    leads.grant(score, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem');
    // merging two leads of one person recomputes the survivor from the stored events of both
    events.grant(score, 'dynamodb:BatchGetItem');
    props.journey.grantStartExecution(score);
    // an outcome resumes the waiting journey (SendTaskSuccess only: the journey itself handles timeouts)
    props.journey.grant(score, 'states:SendTaskSuccess');
    score.addEventSource(
      new DynamoEventSource(events, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        retryAttempts: -1,
      }),
    );
  }
}
