import { funnelReport, type FunnelCounters, type FunnelReport } from '#core/funnel.ts';
import type { ReportDimension } from '#core/report-counts.ts';
import { periodFunnel, type SegmentFunnel } from '#core/reports/period-funnel.ts';
import { reportPeriod, type ReportQuery } from '#core/reports/period.ts';

export interface FunnelPorts {
  /** the counters the stream path keeps; never a scan */
  getFunnelCounters: () => Promise<FunnelCounters>;
  /** the report counts of a family over days, per value of a dimension; one Query per day */
  sliceCounts: (family: string, days: readonly string[], dimension: string) => Promise<Map<string, Record<string, number>>>;
  now: () => Date;
}

/** The funnel: how many leads reached each stage and are in it now. */
export async function readFunnel(ports: Pick<FunnelPorts, 'getFunnelCounters'>): Promise<FunnelReport> {
  return funnelReport(await ports.getFunnelCounters());
}

export interface FunnelOfPeriod extends FunnelReport {
  period: { from: string; to: string; days: number };
  by: ReportDimension;
  segments: SegmentFunnel[];
}

/**
 * The funnel of a period, sliced: per segment of `by`, each stage's leads,
 * conversion, time in stage and where leads left, the decisions and deals;
 * with the whole funnel now (`stages`: reached and current, all time).
 */
export async function funnelOfPeriod(query: ReportQuery, ports: FunnelPorts): Promise<FunnelOfPeriod> {
  const period = reportPeriod(query, ports.now());
  const by = query.by ?? 'all';
  const [now, sums] = await Promise.all([readFunnel(ports), ports.sliceCounts('funnel', period.days, by)]);
  return { ...now, period: { from: period.from, to: period.to, days: period.days.length }, by, segments: periodFunnel(sums) };
}
