import { funnelReport } from '../funnel.ts';
import { stages, type Stage } from '../lifecycle.ts';
import { fromMinorUnits } from '../report-counts.ts';
import { quantile, type Histogram } from './histogram.ts';

/**
 * The funnel of a period, per segment, from the report counts summed over
 * its days (report-counts.ts): per stage, the leads that reached it, the
 * conversion from the stage before, the time spent in it (median and 90th
 * percentile, from its histogram), and where leads left and why; the
 * hand-off decisions (and those made before the owner's deadline); the
 * pipeline and revenue per currency. Pure.
 */

export interface StageInPeriod {
  stage: Stage;
  reached: number;
  /** reached ÷ reached of the stage before, to 3 decimals; null when none reached the one before */
  conversionFromPrevious: number | null;
  /** time spent in the stage by the leads that left it in the period; null when none left it */
  timeInStage: { leads: number; medianHours: number; p90Hours: number } | null;
  /** leads that left from this stage to marketing or out, by why */
  left: Record<string, number>;
}

export interface SegmentFunnel {
  /** the slice's value (`newsletter` for by=source; `all` for the whole) */
  segment: string;
  stages: StageInPeriod[];
  decisions: { accepted: number; rejected: number; notAccepted: number; beforeDeadline: number; beforeDeadlineShare: number | null };
  deals: { opportunities: number; won: number; lost: number; pipeline: Record<string, number>; revenue: Record<string, number> };
  /**
   * feedback given in the period: coverage is hand-offs whose first feedback came in the period ÷ hand-offs decided in
   * it (null when none was decided); every rating from 1 to 5 shown, not just an average; ticks per reason and occasion
   */
  feedback: { handed: number; withFeedback: number; coverage: number | null; submissions: number; ratings: Record<'1' | '2' | '3' | '4' | '5', number>; averageRating: number | null; reasons: Record<string, Record<string, number>> };
}

const HOUR_MS = 3_600_000;
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** One segment's funnel from its summed counts. */
export function segmentFunnel(segment: string, counts: Readonly<Record<string, number>>): SegmentFunnel {
  const n = (name: string) => counts[name] ?? 0;
  const reached = Object.fromEntries(stages.map((stage) => [stage, n(`reached.${stage}`)])) as Record<Stage, number>;
  const { stages: rows } = funnelReport({ reached, current: {} });
  const byStage = new Map(rows.map((row) => [row.stage, row]));
  const stageRows = stages.map((stage): StageInPeriod => {
    const histogram: Histogram = {};
    const left: Record<string, number> = {};
    for (const [name, value] of Object.entries(counts)) {
      if (name.startsWith(`dwell.${stage}.`)) histogram[name.slice(`dwell.${stage}.`.length)] = value;
      if (name.startsWith(`left.${stage}.`)) left[name.slice(`left.${stage}.`.length)] = value;
    }
    const median = quantile(histogram, 0.5);
    const p90 = quantile(histogram, 0.9);
    const leads = Object.values(histogram).reduce((sum, v) => sum + v, 0);
    return {
      stage,
      reached: reached[stage],
      conversionFromPrevious: byStage.get(stage)?.conversionFromPrevious ?? null,
      timeInStage: median && p90 ? { leads, medianHours: round(median.value / HOUR_MS, 2), p90Hours: round(p90.value / HOUR_MS, 2) } : null,
      left,
    };
  });
  const decided = n('decided.accepted') + n('decided.rejected') + n('decided.not-accepted');
  const amounts = (prefix: string) =>
    Object.fromEntries(
      Object.entries(counts)
        .filter(([name]) => name.startsWith(prefix) && name !== `${prefix}count`)
        .map(([name, value]) => [name.slice(prefix.length), fromMinorUnits(value, name.slice(prefix.length))]),
    );
  return {
    segment,
    stages: stageRows,
    decisions: {
      accepted: n('decided.accepted'),
      rejected: n('decided.rejected'),
      notAccepted: n('decided.not-accepted'),
      beforeDeadline: n('decided.in-time'),
      beforeDeadlineShare: decided === 0 ? null : round(n('decided.in-time') / decided, 3),
    },
    deals: { opportunities: n('pipeline.count'), won: n('won.count'), lost: n('lost.count'), pipeline: amounts('pipeline.'), revenue: amounts('revenue.') },
    feedback: feedbackOf(counts),
  };
}

/** A segment's feedback from its summed counts (the feedback report's segments too). */
export function feedbackOf(counts: Readonly<Record<string, number>>): SegmentFunnel['feedback'] {
  const n = (name: string) => counts[name] ?? 0;
  const handed = n('decided.accepted') + n('decided.rejected');
  const ratings = { '1': n('rating.1'), '2': n('rating.2'), '3': n('rating.3'), '4': n('rating.4'), '5': n('rating.5') };
  const rated = Object.values(ratings).reduce((sum, v) => sum + v, 0);
  const reasons: Record<string, Record<string, number>> = {};
  for (const [name, value] of Object.entries(counts)) {
    if (!name.startsWith('reason.')) continue;
    const [, occasion, id] = name.split('.') as [string, string, string];
    (reasons[occasion] ??= {})[id] = value;
  }
  return {
    handed,
    withFeedback: n('feedback.covered'),
    coverage: handed === 0 ? null : round(n('feedback.covered') / handed, 3),
    submissions: n('feedback.given'),
    ratings,
    averageRating: rated === 0 ? null : round(Object.entries(ratings).reduce((sum, [r, v]) => sum + Number(r) * v, 0) / rated, 2),
    reasons,
  };
}

/** Every segment of a period, the largest (most leads reached) first, then by name. */
export function periodFunnel(sums: ReadonlyMap<string, Readonly<Record<string, number>>>): SegmentFunnel[] {
  return [...sums]
    .map(([segment, counts]) => segmentFunnel(segment, counts))
    .sort((a, b) => totalReached(b) - totalReached(a) || (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
}

const totalReached = (segment: SegmentFunnel) => segment.stages.reduce((sum, s) => sum + s.reached, 0);

export { csvCell } from './csv.ts';
