import { beforeAll, describe, expect, it } from 'vitest';
import { API_METRICS_NAMESPACE, SES_BOUNCE_RATE_ALARM, SES_COMPLAINT_RATE_ALARM } from '../../lib/constructs/alarms.ts';
import { LeadLoopTemplate, type CfnResource } from './helpers.ts';

/** Every alarm the operations issue asks for, by what it watches and when it goes off. */
describe('alarms', () => {
  let t: LeadLoopTemplate;
  const alarm = (path: string) => t.resource(t.logicalId(path), 'AWS::CloudWatch::Alarm').Properties as Record<string, unknown>;
  /** The metrics an alarm reads: its own, or those of its math expression. */
  const metricsOf = (properties: Record<string, unknown>) => {
    const own = properties.MetricName ? [{ Namespace: properties.Namespace, MetricName: properties.MetricName, Dimensions: properties.Dimensions }] : [];
    const math = ((properties.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[] | undefined) ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    return [...own, ...math] as { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] }[];
  };
  const goesOffAtOrAbove = (properties: Record<string, unknown>, threshold: number) => {
    expect(properties.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(properties.Threshold).toBe(threshold);
    expect(properties.TreatMissingData).toBe('notBreaching');
  };

  beforeAll(() => {
    t = new LeadLoopTemplate();
  });

  it('watches the stream’s iterator age and the failed-events queue', () => {
    const behind = alarm('Scoring/StreamBehindAlarm');
    expect(metricsOf(behind).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/Lambda IteratorAge']);
    const failed = alarm('Scoring/FailedRecordsAlarm');
    expect(metricsOf(failed).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/SQS ApproximateNumberOfMessagesVisible']);
    goesOffAtOrAbove(failed, 1);
  });

  it('watches failed journeys', () => {
    const failed = alarm('Journey/JourneyFailedAlarm');
    expect(metricsOf(failed).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/States ExecutionsFailed']);
    goesOffAtOrAbove(failed, 1);
  });

  it('watches the SES bounce and complaint rates, below the levels at which SES reviews the account', () => {
    const bounce = alarm('Alarms/SesBounceRateAlarm');
    expect(metricsOf(bounce).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/SES Reputation.BounceRate']);
    goesOffAtOrAbove(bounce, SES_BOUNCE_RATE_ALARM);
    expect(SES_BOUNCE_RATE_ALARM).toBeLessThan(0.05);
    const complaint = alarm('Alarms/SesComplaintRateAlarm');
    expect(metricsOf(complaint).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/SES Reputation.ComplaintRate']);
    goesOffAtOrAbove(complaint, SES_COMPLAINT_RATE_ALARM);
    expect(SES_COMPLAINT_RATE_ALARM).toBeLessThan(0.001);
  });

  it('watches throttling: each table’s reads and writes, the functions, and the API’s 429s', () => {
    for (const [path, table] of [
      ['Alarms/EventsTableThrottlesAlarm', 'Tables/Events'],
      ['Alarms/LeadsTableThrottlesAlarm', 'Tables/Leads'],
    ] as const) {
      const throttles = alarm(path);
      const metrics = metricsOf(throttles);
      expect(metrics.map((m) => `${m.Namespace} ${m.MetricName}`).sort()).toEqual(['AWS/DynamoDB ReadThrottleEvents', 'AWS/DynamoDB WriteThrottleEvents']);
      for (const m of metrics) expect(m.Dimensions).toEqual([{ Name: 'TableName', Value: { Ref: t.logicalId(table) } }]);
      goesOffAtOrAbove(throttles, 1);
    }
    const functions = alarm('Alarms/FunctionThrottlesAlarm');
    expect(metricsOf(functions).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual(['AWS/Lambda Throttles']);
    goesOffAtOrAbove(functions, 1);

    const api = alarm('Alarms/ApiThrottledRequestsAlarm');
    expect(metricsOf(api).map((m) => `${m.Namespace} ${m.MetricName}`)).toEqual([`${API_METRICS_NAMESPACE} ThrottledRequests`]);
    // counted from the API's access log: a 429 line is one
    const filter = t.resource(t.logicalId('Alarms/ApiThrottledRequests'), 'AWS::Logs::MetricFilter').Properties as Record<string, unknown>;
    expect(filter.FilterPattern).toBe('{ $.status = 429 }');
    expect(filter.LogGroupName).toEqual({ Ref: t.logicalId('Api/AccessLogs') });
    expect(filter.MetricTransformations).toEqual([{ MetricNamespace: API_METRICS_NAMESPACE, MetricName: 'ThrottledRequests', MetricValue: '1', DefaultValue: 0 }]);
  });

  it('has a description that says what to do for every alarm', () => {
    const alarms = Object.values(t.template.findResources('AWS::CloudWatch::Alarm')) as CfnResource[];
    expect(alarms.length).toBeGreaterThanOrEqual(9);
    for (const { Properties } of alarms) expect(String(Properties?.AlarmDescription).length).toBeGreaterThan(40);
  });
});
