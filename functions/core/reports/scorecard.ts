import { ratings, type FeedbackSummary, type Rating } from '../feedback.ts';
import type { ServiceAgreement } from '../service-agreement.ts';
import { histogramCount, mergeHistograms, quantile, type Histogram } from './histogram.ts';

/**
 * The service-agreement scorecard: whether each side kept its side over one
 * period, against the agreement and against the period before. Pure: the
 * period's sums in (the counts and histograms the stored aggregates keep, or
 * a recomputation from raw history gives), the scorecard out.
 *
 * The input, one `ScorecardSums` per period (and per team or rep: sums of
 * several reps add with `mergeScorecardSums`):
 *
 * ```
 * {
 *   from, to,                       // the period, [from, to), ISO instants
 *   mqls,                           // leads handed to sales in the period
 *   decisions: { accepted, rejected, notAccepted }, // hand-offs decided, or left until the ladder recycled them
 *   acceptance: { due, withinAgreement },       // hand-offs whose acceptance deadline fell in the period; of those, accepted by it
 *   timeToAccept, timeToFirstContact,           // Histogram (histogram.ts) of milliseconds, counted in the agreement's hours
 *   followUp: { leads, activities, met },       // leads whose follow-up window ended in the period; activities they got within it; leads with the committed number
 *   feedback: { handed, withFeedback, ratings } // as summarizeFeedback (feedback.ts) counts them: hand-offs, those with feedback, submissions per rating 1–5
 * }
 * ```
 *
 * Rates and shares are to 3 decimals, hours and averages to 2; a trend's
 * delta is this period's value less the previous one's, both as reported.
 */

export interface ScorecardSums {
  from: string;
  to: string;
  mqls: number;
  /** notAccepted: hand-offs nobody accepted before the escalation ladder recycled them (absent in sums read before it was kept) */
  decisions: { accepted: number; rejected: number; notAccepted?: number };
  acceptance: { due: number; withinAgreement: number };
  timeToAccept: Histogram;
  timeToFirstContact: Histogram;
  followUp: { leads: number; activities: number; met: number };
  feedback: Pick<FeedbackSummary, 'handed' | 'withFeedback'> & { ratings: Partial<Record<Rating, number>> };
}

/** A number of the scorecard with its trend: `better` says whether the change is good news (null when flat or unknown). */
export interface ScorecardMetric {
  value: number | null;
  previous: number | null;
  delta: number | null;
  direction: 'up' | 'down' | 'flat' | null;
  better: boolean | null;
}

/** A metric one side committed to: `met` when the unrounded value reaches the target (null when there is no value). */
export interface CommittedMetric extends ScorecardMetric {
  target: number;
  met: boolean | null;
}

export interface DurationMetrics {
  /** durations counted */
  count: number;
  /** hours, median and 95th percentile (nearest rank, from the histogram: see histogram.ts for the error bound) */
  medianHours: ScorecardMetric;
  p95Hours: ScorecardMetric;
  /** what the agreement allows, in hours */
  withinHours: number;
  /** what the hours are: the owner's working hours (their week, zone and public holidays), as the agreement counts them */
  counted: 'working hours';
}

export interface Scorecard {
  period: { from: string; to: string; days: number };
  marketing: {
    /** MQLs against `mqlsPerWeek` scaled to the period's days (the target shown to 1 decimal, met against the unrounded one) */
    mqls: CommittedMetric;
    /** accepted ÷ decisions (accepted, rejected, and not accepted before the ladder recycled them), against `minAcceptanceRate` */
    acceptanceRate: CommittedMetric & { decisions: number };
    /** mean feedback rating, 1 to 5 */
    averageRating: ScorecardMetric & { ratings: number };
    /** submissions per rating, every rating from 1 to 5 shown */
    ratingDistribution: Record<Rating, number>;
  };
  sales: {
    /** hand-offs accepted within the agreement ÷ hand-offs due */
    acceptedWithinAgreement: ScorecardMetric & { due: number };
    timeToAccept: DurationMetrics;
    timeToFirstContact: DurationMetrics;
    /** activities per lead within the follow-up window, against `sales.followUp.activities` */
    followUpActivitiesPerLead: CommittedMetric & { leads: number };
    /** leads that got the committed follow-up ÷ leads whose window ended */
    followUpMet: ScorecardMetric;
    /** hand-offs with feedback ÷ hand-offs (summarizeFeedback's coverage) */
    feedbackCoverage: ScorecardMetric & { handed: number };
  };
}

/** Sums that cannot be read as a period's; the message names the field and the value received. */
export class ScorecardSumsError extends Error {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super(`scorecard ${field} must be ${expected}, received ${String(value)}`);
    this.name = 'ScorecardSumsError';
    this.field = field;
    this.value = value;
  }
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const round = (n: number, decimals: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;
const ratio = (part: number, whole: number, decimals: number) => (whole === 0 ? null : round(part / whole, decimals));
const exactRatio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Sums with nothing counted, for a period in which nothing happened. */
export function emptyScorecardSums(from: string, to: string): ScorecardSums {
  return {
    from,
    to,
    mqls: 0,
    decisions: { accepted: 0, rejected: 0, notAccepted: 0 },
    acceptance: { due: 0, withinAgreement: 0 },
    timeToAccept: {},
    timeToFirstContact: {},
    followUp: { leads: 0, activities: 0, met: 0 },
    feedback: { handed: 0, withFeedback: 0, ratings: {} },
  };
}

/** Sums of the same period added (reps into their team, teams into the company); ScorecardSumsError when periods differ. */
export function mergeScorecardSums(first: ScorecardSums, ...rest: readonly ScorecardSums[]): ScorecardSums {
  return rest.reduce((a, b) => {
    if (b.from !== a.from || b.to !== a.to) throw new ScorecardSumsError('period', `${b.from}/${b.to}`, `${a.from}/${a.to} like the sums it is added to`);
    return {
      from: a.from,
      to: a.to,
      mqls: a.mqls + b.mqls,
      decisions: { accepted: a.decisions.accepted + b.decisions.accepted, rejected: a.decisions.rejected + b.decisions.rejected, notAccepted: (a.decisions.notAccepted ?? 0) + (b.decisions.notAccepted ?? 0) },
      acceptance: { due: a.acceptance.due + b.acceptance.due, withinAgreement: a.acceptance.withinAgreement + b.acceptance.withinAgreement },
      timeToAccept: mergeHistograms(a.timeToAccept, b.timeToAccept),
      timeToFirstContact: mergeHistograms(a.timeToFirstContact, b.timeToFirstContact),
      followUp: { leads: a.followUp.leads + b.followUp.leads, activities: a.followUp.activities + b.followUp.activities, met: a.followUp.met + b.followUp.met },
      feedback: {
        handed: a.feedback.handed + b.feedback.handed,
        withFeedback: a.feedback.withFeedback + b.feedback.withFeedback,
        ratings: Object.fromEntries(ratings.map((r) => [r, (a.feedback.ratings[r] ?? 0) + (b.feedback.ratings[r] ?? 0)])),
      },
    };
  }, first);
}

/** A value with its trend against the previous period's; `higherIsBetter` says which way is good news. */
export function trend(value: number | null, previous: number | null, higherIsBetter: boolean): ScorecardMetric {
  if (value === null || previous === null) return { value, previous, delta: null, direction: null, better: null };
  // Both are rounded already; the difference is rounded again to drop float noise (0.3 − 0.1).
  const delta = round(value - previous, 6);
  const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'flat';
  return { value, previous, delta, direction, better: direction === 'flat' ? null : (direction === 'up') === higherIsBetter };
}

/** `exact` is the unrounded value, so 59.96% does not meet a 60% target by rounding. */
function committed(metric: ScorecardMetric, target: number, exact: number | null): CommittedMetric {
  return { ...metric, target, met: exact === null ? null : exact >= target };
}

function periodDays(sums: ScorecardSums, field: string): number {
  const ms = Date.parse(sums.to) - Date.parse(sums.from);
  if (!(ms > 0)) throw new ScorecardSumsError(field, `${sums.from}/${sums.to}`, 'a period whose end is after its start');
  return ms / DAY_MS;
}

const hoursAt = (histogram: Histogram, q: number) => {
  const found = quantile(histogram, q);
  return found === null ? null : round(found.value / HOUR_MS, 2);
};

function averageRating(feedbackRatings: ScorecardSums['feedback']['ratings']): { value: number | null; count: number } {
  const count = ratings.reduce((sum, r) => sum + (feedbackRatings[r] ?? 0), 0);
  const total = ratings.reduce((sum, r) => sum + r * (feedbackRatings[r] ?? 0), 0);
  return { value: ratio(total, count, 2), count };
}

function durations(current: Histogram, previous: Histogram | undefined, withinHours: number): DurationMetrics {
  return {
    count: histogramCount(current),
    medianHours: trend(hoursAt(current, 0.5), previous ? hoursAt(previous, 0.5) : null, false),
    p95Hours: trend(hoursAt(current, 0.95), previous ? hoursAt(previous, 0.95) : null, false),
    withinHours,
    counted: 'working hours',
  };
}

/**
 * The scorecard of a period against the agreement, with the trend against the
 * previous period's sums (none: every trend is null).
 */
export function scorecard(
  current: ScorecardSums,
  previous: ScorecardSums | null,
  agreement: Pick<ServiceAgreement, 'acceptWithinHours' | 'sales' | 'marketing'>,
): Scorecard {
  const days = periodDays(current, 'period');
  if (previous) periodDays(previous, 'previous period');
  const prior = <T>(read: (sums: ScorecardSums) => T): T | null => (previous ? read(previous) : null);

  // a hand-off left unaccepted until the ladder recycled it counts against the rate, as calibration counts it
  const decided = (s: ScorecardSums) => s.decisions.accepted + s.decisions.rejected + (s.decisions.notAccepted ?? 0);
  const acceptanceRate = (s: ScorecardSums) => ratio(s.decisions.accepted, decided(s), 3);
  const withinAgreement = (s: ScorecardSums) => ratio(s.acceptance.withinAgreement, s.acceptance.due, 3);
  const perLead = (s: ScorecardSums) => ratio(s.followUp.activities, s.followUp.leads, 2);
  const followUpMet = (s: ScorecardSums) => ratio(s.followUp.met, s.followUp.leads, 3);
  const coverage = (s: ScorecardSums) => ratio(s.feedback.withFeedback, s.feedback.handed, 3);
  const rating = averageRating(current.feedback.ratings);
  const mqlTarget = (agreement.marketing.mqlsPerWeek * days) / 7;

  return {
    period: { from: current.from, to: current.to, days: round(days, 2) },
    marketing: {
      mqls: { ...trend(current.mqls, prior((s) => s.mqls), true), target: round(mqlTarget, 1), met: current.mqls >= mqlTarget },
      acceptanceRate: {
        ...committed(
          trend(acceptanceRate(current), prior(acceptanceRate), true),
          agreement.marketing.minAcceptanceRate,
          exactRatio(current.decisions.accepted, decided(current)),
        ),
        decisions: decided(current),
      },
      averageRating: { ...trend(rating.value, prior((s) => averageRating(s.feedback.ratings).value), true), ratings: rating.count },
      ratingDistribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, ...current.feedback.ratings },
    },
    sales: {
      acceptedWithinAgreement: { ...trend(withinAgreement(current), prior(withinAgreement), true), due: current.acceptance.due },
      timeToAccept: durations(current.timeToAccept, previous?.timeToAccept, agreement.acceptWithinHours),
      timeToFirstContact: durations(current.timeToFirstContact, previous?.timeToFirstContact, agreement.sales.firstContactWithinHours),
      followUpActivitiesPerLead: {
        ...committed(
          trend(perLead(current), prior(perLead), true),
          agreement.sales.followUp.activities,
          exactRatio(current.followUp.activities, current.followUp.leads),
        ),
        leads: current.followUp.leads,
      },
      followUpMet: trend(followUpMet(current), prior(followUpMet), true),
      feedbackCoverage: { ...trend(coverage(current), prior(coverage), true), handed: current.feedback.handed },
    },
  };
}
