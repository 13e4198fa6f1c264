import { calibration, supportedThreshold, type CalibrationReport, type CalibrationTally, type SupportedThreshold } from '#core/reports/calibration.ts';
import { reportPeriod, type ReportQuery } from '#core/reports/period.ts';
import type { MarketingCommitment } from '#core/service-agreement.ts';
import type { FunnelPorts } from './funnel.ts';

export interface CalibrationPorts extends Pick<FunnelPorts, 'sliceCounts' | 'now'> {
  marketing: Pick<MarketingCommitment, 'minAcceptanceRate'>;
}

export interface CalibrationOfPeriod extends CalibrationReport {
  period: { from: string; to: string; days: number };
  /** the lowest score band edge whose hand-offs sales accepted at the agreed rate, with the decisions it rests on */
  threshold: SupportedThreshold;
  /** the acceptance rate the threshold is held to: the agreement's `marketing.minAcceptanceRate` */
  target: number;
}

/** A band's or grade's tally from the report counts: decisions (not-accepted hand-offs too) and closed deals counted in the period, under the band at hand-off. */
function tallyOf(counts: Readonly<Record<string, number>>): CalibrationTally {
  const n = (name: string) => counts[name] ?? 0;
  return { accepted: n('decided.accepted'), rejected: n('decided.rejected'), notAccepted: n('decided.not-accepted'), won: n('won.count'), lost: n('lost.count') };
}

/**
 * Acceptance and win rate per score band and per grade over a period, and
 * the MQL threshold the data supports (`supportedThreshold` at the agreed
 * acceptance rate): what marketing and sales set the threshold from together.
 */
export async function calibrationOfPeriod(query: Pick<ReportQuery, 'from' | 'to'>, ports: CalibrationPorts): Promise<CalibrationOfPeriod> {
  const period = reportPeriod(query, ports.now());
  const [bands, grades] = await Promise.all([ports.sliceCounts('funnel', period.days, 'scoreBand'), ports.sliceCounts('funnel', period.days, 'grade')]);
  const report = calibration({
    bands: Object.fromEntries([...bands].map(([label, counts]) => [label, tallyOf(counts)])),
    grades: Object.fromEntries([...grades].map(([grade, counts]) => [grade, tallyOf(counts)])),
  });
  const target = ports.marketing.minAcceptanceRate;
  return { period: { from: period.from, to: period.to, days: period.days.length }, ...report, threshold: supportedThreshold(report, { target }), target };
}
