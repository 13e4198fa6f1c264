import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Tables } from './tables.ts';

export interface AlarmsProps {
  readonly tables: Tables;
  /** the API's access log: its 429s are counted from it (an HTTP API has no metric of them) */
  readonly apiAccessLogs: ILogGroup;
}

/**
 * SES places an account under review at a 5% bounce rate and a 0.1% complaint rate
 * (and may pause sending at 10% and 0.5%): the alarms go off at four fifths of those,
 * while there is time to find the list or program that causes it.
 */
export const SES_BOUNCE_RATE_ALARM = 0.04;
export const SES_COMPLAINT_RATE_ALARM = 0.0008;
/** The namespace the API's throttled requests are counted in (from its access log). */
export const API_METRICS_NAMESPACE = 'LeadLoop/Api';

/**
 * The alarms that do not belong to one concern: the account's email reputation and
 * throttling anywhere (the tables, the functions, the API). The stream's and the
 * journey's own alarms live with them (scoring.ts, journey.ts).
 */
export class Alarms extends Construct {
  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const alarm = (name: string, description: string, metric: Metric | MathExpression, threshold: number) =>
      new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const period = Duration.minutes(5);

    const ses = (metricName: string) => new Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' });
    alarm(
      'SesBounceRateAlarm',
      `The account's SES bounce rate reached ${SES_BOUNCE_RATE_ALARM * 100}% (SES reviews an account at 5%): look for a nurture list or import with stale addresses; bounced addresses are already suppressed.`,
      ses('Reputation.BounceRate'),
      SES_BOUNCE_RATE_ALARM,
    );
    alarm(
      'SesComplaintRateAlarm',
      `The account's SES complaint rate reached ${SES_COMPLAINT_RATE_ALARM * 100}% (SES reviews an account at 0.1%): check the nurture programs' consent and cadence; complaining addresses are already suppressed.`,
      ses('Reputation.ComplaintRate'),
      SES_COMPLAINT_RATE_ALARM,
    );

    for (const [name, table] of [
      ['Events', props.tables.events],
      ['Leads', props.tables.leads],
    ] as const) {
      const events = (metricName: string) => new Metric({ namespace: 'AWS/DynamoDB', metricName, dimensionsMap: { TableName: table.tableName }, period, statistic: 'Sum' });
      alarm(
        `${name}TableThrottlesAlarm`,
        `Requests to the ${name.toLowerCase()} table were throttled (on-demand tables throttle past twice their previous peak, or on a hot partition): the SDK retries, but a lasting rise slows ingest or scoring.`,
        new MathExpression({ expression: 'reads + writes', usingMetrics: { reads: events('ReadThrottleEvents'), writes: events('WriteThrottleEvents') }, period, label: `${name} table throttle events` }),
        1,
      );
    }

    alarm(
      'FunctionThrottlesAlarm',
      'Lambda throttled invocations in this account and region (concurrency exhausted): ingest answers 5xx and clients retry, the stream falls behind.',
      new Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', period, statistic: 'Sum' }),
      1,
    );

    new MetricFilter(this, 'ApiThrottledRequests', {
      logGroup: props.apiAccessLogs,
      filterPattern: FilterPattern.numberValue('$.status', '=', 429),
      metricNamespace: API_METRICS_NAMESPACE,
      metricName: 'ThrottledRequests',
      metricValue: '1',
      defaultValue: 0,
    });
    alarm(
      'ApiThrottledRequestsAlarm',
      'The API refused requests with 429 (over a route’s throttle, README "Abuse limits"): a flood from one key or a client retrying too fast; the routeKey in the access log says which route.',
      new Metric({ namespace: API_METRICS_NAMESPACE, metricName: 'ThrottledRequests', period, statistic: 'Sum' }),
      100,
    );
  }
}
