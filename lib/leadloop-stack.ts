import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { digest } from '../config/digest.ts';
import { Alarms } from './constructs/alarms.ts';
import { Api } from './constructs/api.ts';
import { Digest, type DigestProps } from './constructs/digest.ts';
import { Email } from './constructs/email.ts';
import { Journey } from './constructs/journey.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { Nurture } from './constructs/nurture.ts';
import { Privacy } from './constructs/privacy.ts';
import { QueueDrain } from './constructs/queue-drain.ts';
import { Scoring } from './constructs/scoring.ts';
import { Tables } from './constructs/tables.ts';
import { Tracker } from './constructs/tracker.ts';

export interface LeadLoopStackProps extends StackProps {
  /** The From address of every LeadLoop email; its domain must be verified in SES. */
  readonly sender: string;
  /** When the weekly digest is sent and in which time zone. @default config/digest.json's */
  readonly digest?: DigestProps['digest'];
}

/** LeadLoop: the whole closed loop in one stack. Stateful tables apart; the rest composes around them. */
export class LeadLoopStack extends Stack {
  constructor(scope: Construct, id: string, props: LeadLoopStackProps) {
    super(scope, id, props);
    const tables = new Tables(this, 'Tables');
    const email = new Email(this, 'Email', { sender: props.sender });
    const api = new Api(this, 'Api', { tables });
    new Tracker(this, 'Tracker', { httpApi: api.httpApi });
    const nurture = new Nurture(this, 'Nurture', { tables, email, httpApi: api.httpApi });
    const journey = new Journey(this, 'Journey', { tables, email, apiUrl: api.httpApi.apiEndpoint, nurture });
    const scoring = new Scoring(this, 'Scoring', { tables, journey: journey.stateMachine, nurture });
    new Privacy(this, 'Privacy', { tables, httpApi: api.httpApi, journey: journey.stateMachine, nurture });
    new QueueDrain(this, 'QueueDrain', { tables, journey: journey.stateMachine });
    new Digest(this, 'Digest', { tables, email, apiUrl: api.httpApi.apiEndpoint, digest: props.digest ?? digest });

    new Alarms(this, 'Alarms', { tables, apiAccessLogs: api.accessLogs });

    // cdk-nag AwsSolutions: the findings kept, each with its reason (test/infra/nag.test.ts)
    acknowledgeNagFindings(this, { api: api.httpApi, leadsTable: tables.leads, failedRecords: scoring.failedRecords });

    // Stack-level outputs keep their names, so operators and `leadloop --stack` can find them.
    new CfnOutput(this, 'ApiUrl', { value: api.httpApi.apiEndpoint, description: 'Point Segment-compatible sources here' });
    new CfnOutput(this, 'LeadsTableName', { value: tables.leads.tableName, description: 'Where API keys (hashes), leads and reports live' });
    new CfnOutput(this, 'EventsTableName', { value: tables.events.tableName, description: 'Every tracking event and outcome, once' });
    new CfnOutput(this, 'EmailSender', { value: email.sender, description: 'The From address of LeadLoop emails (leadloop digest --send)' });
    new CfnOutput(this, 'EmailConfigurationSetName', { value: email.configurationSet.configurationSetName, description: 'The SES configuration set LeadLoop emails are sent with' });
    new CfnOutput(this, 'NurtureStateMachineArn', { value: nurture.stateMachine.stateMachineArn, description: 'The nurture program of each known or recycled lead' });
    new CfnOutput(this, 'JourneyStateMachineArn', { value: journey.stateMachine.stateMachineArn, description: 'The hand-off journey of each MQL cycle' });
  }
}
