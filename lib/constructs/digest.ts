import { Duration, TimeZone } from 'aws-cdk-lib';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../../functions/commons/settings.ts';
import { digestCron, type DigestConfig } from '../../functions/core/digest-config.ts';
import type { Email } from './email.ts';
import { LeadFunction } from './lead-function.ts';
import type { Tables } from './tables.ts';

export interface DigestProps {
  readonly tables: Tables;
  readonly email: Email;
  /** the API's public URL: the dashboard's is beside it unless config/digest.json names one */
  readonly apiUrl: string;
  /** when and in which zone it is sent (config/digest.json) */
  readonly digest: Pick<DigestConfig, 'send' | 'timeZone'>;
}

/**
 * The weekly digest: a function that gathers the week's reports and mails
 * leadership, fired by EventBridge Scheduler on a cron read in the company's
 * time zone (so 08:00 stays 08:00 across daylight saving). The scheduler
 * passes its scheduled time, which decides the week; the function sends once
 * per week, so the scheduler's retries are safe.
 */
export class Digest extends Construct {
  readonly function: LeadFunction;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: DigestProps) {
    super(scope, id);
    const { leads } = props.tables;
    this.function = new LeadFunction(this, 'Function', {
      entry: 'digest/handler.ts',
      description: 'Sends the weekly digest to marketing and sales leadership, once per week',
      timeout: Duration.seconds(30),
      environment: settingsEnvironment({
        leadsTable: leads.tableName,
        apiUrl: props.apiUrl,
        senderAddress: props.email.sender,
        sesConfigurationSet: props.email.configurationSet.configurationSetName,
      }),
    });
    // the funnel counters, the week's report items and comments, the stalled-leads index (reads; a table grant covers its
    // indexes); the signing key and the send record (a conditional put, then an update)
    leads.grant(this.function, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.email.grantSend(this.function);

    this.schedule = new Schedule(this, 'Weekly', {
      description: 'The weekly digest (config/digest.json: send, timeZone)',
      schedule: ScheduleExpression.expression(digestCron(props.digest.send), TimeZone.of(props.digest.timeZone)),
      target: new LambdaInvoke(this.function, {
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
      }),
    });
  }
}
