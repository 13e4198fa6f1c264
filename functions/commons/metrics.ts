import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { ConsumedUnits } from '#adapters/capacity.ts';

/**
 * The embedded metrics an operator watches (CloudWatch, namespace LeadLoop):
 * what scoring did and what it cost, how long a hand-off took, how many
 * journeys started. Built by a handler's wiring, published once per
 * invocation by `publishMetrics`; a function that imports none of this
 * carries none of it.
 */
export const METRIC = {
  /** events applied to their leads (Count) */
  eventsScored: 'EventsScored',
  /** DynamoDB write and read units one invocation consumed (Count) */
  writeUnits: 'WriteUnits',
  readUnits: 'ReadUnits',
  /** an invocation's units over the events it scored (Count): the figure the cost per event follows */
  writeUnitsPerEvent: 'WriteUnitsPerEvent',
  readUnitsPerEvent: 'ReadUnitsPerEvent',
  /** event that qualified the lead → hand-off email sent (Milliseconds) */
  handoffLatency: 'HandoffLatency',
  /** hand-off journeys started (Count) */
  journeysStarted: 'JourneysStarted',
} as const;

export const METRICS_NAMESPACE = 'LeadLoop';

/** One per function, built by its wiring at the cold start. */
export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadloop' });
}

/**
 * Sums what the adapters report through `onConsumed` and the events an
 * invocation scored; `publishMetrics` turns them into metrics at its end.
 */
export function createUnitMeter() {
  let units = { read: 0, write: 0 };
  let events = 0;
  return {
    onConsumed: (consumed: ConsumedUnits) => {
      units = { read: units.read + consumed.readUnits, write: units.write + consumed.writeUnits };
    },
    countEvents: (n: number) => {
      events += n;
    },
    /** What was counted since the last call, and a fresh start. */
    take: () => {
      const taken = { ...units, events };
      units = { read: 0, write: 0 };
      events = 0;
      return taken;
    },
  };
}
export type UnitMeter = ReturnType<typeof createUnitMeter>;

/** Adds an invocation's units (and, when it scored events, units per event) to the metrics. */
export function addUnitMetrics(metrics: Metrics, { read, write, events }: ReturnType<UnitMeter['take']>): void {
  if (write > 0) metrics.addMetric(METRIC.writeUnits, MetricUnit.Count, write);
  if (read > 0) metrics.addMetric(METRIC.readUnits, MetricUnit.Count, read);
  if (events === 0) return;
  metrics.addMetric(METRIC.eventsScored, MetricUnit.Count, events);
  metrics.addMetric(METRIC.writeUnitsPerEvent, MetricUnit.Count, write / events);
  metrics.addMetric(METRIC.readUnitsPerEvent, MetricUnit.Count, read / events);
}

/** Event → hand-off email: from when the stage change to MQL happened (the qualifying event's time) to `sentAt`. */
export function addHandoffLatency(metrics: Metrics, qualifiedAt: string | undefined, sentAt: Date): void {
  if (qualifiedAt === undefined) return;
  const ms = sentAt.getTime() - Date.parse(qualifiedAt);
  if (Number.isFinite(ms) && ms >= 0) metrics.addMetric(METRIC.handoffLatency, MetricUnit.Milliseconds, ms);
}

/**
 * Middleware for a handler's wiring (`handler.use(publishMetrics(metrics, meter))`):
 * at the end of each invocation, failed or not, adds what the meter counted
 * and flushes the metrics as one EMF line. Nothing is written when nothing was added.
 */
export function publishMetrics(metrics: Metrics, meter?: UnitMeter): MiddlewareObj {
  const publish = async () => {
    if (meter) addUnitMetrics(metrics, meter.take());
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/** When a lead last became an MQL (its stage history's last change to `mql`), if it did. */
export function qualifiedAt(stageHistory: readonly { to: string; at: string }[]): string | undefined {
  return stageHistory.findLast((change) => change.to === 'mql')?.at;
}
