import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './constructs/api.ts';
import { Email } from './constructs/email.ts';
import { Journey } from './constructs/journey.ts';
import { Scoring } from './constructs/scoring.ts';
import { Tables } from './constructs/tables.ts';
import { Tracker } from './constructs/tracker.ts';

export interface LeadLoopStackProps extends StackProps {
  /** The From address of every LeadLoop email; its domain must be verified in SES. */
  readonly sender: string;
}

/** LeadLoop: the whole closed loop in one stack. Stateful tables apart; the rest composes around them. */
export class LeadLoopStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadLoopStackProps) {
    super(scope, id, props);
    const tables = new Tables(this, 'Tables');
    const email = new Email(this, 'Email', { sender: props.sender });
    const api = new Api(this, 'Api', { tables });
    new Tracker(this, 'Tracker', { httpApi: api.httpApi });
    const journey = new Journey(this, 'Journey', { tables, email, apiUrl: api.httpApi.apiEndpoint });
    new Scoring(this, 'Scoring', { tables, journey: journey.stateMachine });

    // Stack-level outputs keep their names, so operators and `leadloop --stack` can find them.
    new CfnOutput(this, 'ApiUrl', { value: api.httpApi.apiEndpoint, description: 'Point Segment-compatible sources here' });
    new CfnOutput(this, 'LeadsTableName', { value: tables.leads.tableName, description: 'Where API keys (hashes), leads and reports live' });
    new CfnOutput(this, 'EventsTableName', { value: tables.events.tableName, description: 'Every tracking event and outcome, once' });
    new CfnOutput(this, 'JourneyStateMachineArn', { value: journey.stateMachine.stateMachineArn, description: 'The hand-off journey of each MQL cycle' });
  }
}
