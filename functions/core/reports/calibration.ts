import { resolveBacktestOptions, scoreBandOf, type BacktestOptions } from '../backtest.ts';
import { gradeSchema, type Grade } from '../scoring.ts';

/**
 * Calibration: how well the score and the grade predict what sales does with a
 * lead, so marketing and sales set the MQL threshold together from evidence.
 * Acceptance and win rate per score band (the bands of the backtest:
 * `scoreBandOf`) of the lead's engagement when it was handed off, and per
 * grade, and the engagement threshold the decisions support. The acceptance
 * rate is accepted ÷ every hand-off decided or left: a hand-off the window
 * ended on without a decision (not accepted: escalated) counts against it,
 * as a rejection does.
 *
 * Sums first, report second: `calibrationSumsOf` counts raw hand-off
 * decisions and closed deals into the same tallies the stored aggregates keep
 * (per band label and per grade), `mergeCalibrationSums` adds tallies, and
 * `calibration` turns tallies into rates, so both paths give the same report.
 */

export type CalibrationBandOptions = Pick<BacktestOptions, 'bandWidth' | 'bands'>;

/** A rep's decision on a hand-off: the lead's engagement and grade when it was handed off. */
export interface HandOffDecision {
  engagement: number;
  grade: Grade;
  accepted: boolean;
  /** not accepted in time (the acceptance window ended: escalated, reassigned or recycled); counted as not accepted, not as rejected */
  notAccepted?: boolean;
}

/** A closed deal: the lead's engagement and grade at its hand-off. */
export interface ClosedDeal {
  engagement: number;
  grade: Grade;
  won: boolean;
}

export interface CalibrationTally {
  accepted: number;
  rejected: number;
  /** hand-offs the window ended on without a decision (escalated): in the acceptance rate's denominator */
  notAccepted: number;
  won: number;
  lost: number;
}

/** Tallies per score band label (`20–39`, `100+`) and per grade: the shape the stored aggregates keep. */
export interface CalibrationSums {
  bands: Record<string, CalibrationTally>;
  grades: Record<string, CalibrationTally>;
}

export interface CalibrationRow extends CalibrationTally {
  /** hand-offs decided or left: accepted + rejected + notAccepted */
  decisions: number;
  /** accepted ÷ decisions (not-accepted hand-offs included), to 3 decimals; null when there was none */
  acceptanceRate: number | null;
  /** won + lost */
  closed: number;
  /** won ÷ closed, to 3 decimals; null when none closed */
  winRate: number | null;
}

export interface CalibrationBandRow extends CalibrationRow {
  label: string;
  /** lowest engagement in the band; null for a band the current options do not define (tallied under other bands) */
  from: number | null;
  /** first engagement of the next band; null for the open band */
  to: number | null;
}

export interface CalibrationReport {
  /** every band the options define, lowest first, empty ones included; then any other band label the sums hold */
  bands: CalibrationBandRow[];
  /** every grade, A first */
  grades: (CalibrationRow & { grade: string })[];
}

export type SupportedThreshold =
  | {
      /** the lowest edge of a band with decisions at which hand-offs from there up were accepted often enough */
      threshold: number;
      band: string;
      /** decisions on hand-offs with engagement from the threshold up: what the threshold rests on */
      decisions: number;
      accepted: number;
      /** accepted ÷ decisions, to 3 decimals */
      acceptanceRate: number;
    }
  | {
      threshold: null;
      /**
       * `too-few-decisions`: not even all bands together hold `minDecisions`;
       * `below-target`: no edge with enough decisions above it reaches the target
       */
      reason: 'too-few-decisions' | 'below-target';
      /** all decisions counted */
      decisions: number;
    };

/** Bad calibration options; the message names the option and the value received. */
export class CalibrationOptionsError extends Error {
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, value: unknown, expected: string) {
    super(`calibration option ${option} must be ${expected}, received ${String(value)}`);
    this.name = 'CalibrationOptionsError';
    this.option = option;
    this.value = value;
  }
}

const grades: readonly Grade[] = gradeSchema.options;

const emptyTally = (): CalibrationTally => ({ accepted: 0, rejected: 0, notAccepted: 0, won: 0, lost: 0 });
const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 1000);

function addTally(into: Map<string, CalibrationTally>, key: string, tally: Partial<CalibrationTally>): void {
  const row = into.get(key) ?? emptyTally();
  into.set(key, {
    accepted: row.accepted + (tally.accepted ?? 0),
    rejected: row.rejected + (tally.rejected ?? 0),
    notAccepted: row.notAccepted + (tally.notAccepted ?? 0),
    won: row.won + (tally.won ?? 0),
    lost: row.lost + (tally.lost ?? 0),
  });
}

/** The score bands the options define, lowest first. */
function definedBands(options: CalibrationBandOptions): { label: string; from: number; to: number | null }[] {
  const { bandWidth, bands } = resolveBacktestOptions(options);
  return Array.from({ length: bands + 1 }, (_, index) => scoreBandOf(index * bandWidth, { bandWidth, bands }));
}

/** Decisions and closed deals counted per band label and per grade. */
export function calibrationSumsOf(decisions: readonly HandOffDecision[], deals: readonly ClosedDeal[], options: CalibrationBandOptions = {}): CalibrationSums {
  const bands = new Map<string, CalibrationTally>();
  const byGrade = new Map<string, CalibrationTally>();
  for (const d of decisions) {
    const tally = d.accepted ? { accepted: 1 } : d.notAccepted ? { notAccepted: 1 } : { rejected: 1 };
    addTally(bands, scoreBandOf(d.engagement, options).label, tally);
    addTally(byGrade, d.grade, tally);
  }
  for (const d of deals) {
    const tally = d.won ? { won: 1 } : { lost: 1 };
    addTally(bands, scoreBandOf(d.engagement, options).label, tally);
    addTally(byGrade, d.grade, tally);
  }
  return { bands: Object.fromEntries(bands), grades: Object.fromEntries(byGrade) };
}

/** Tallies added band by band and grade by grade. */
export function mergeCalibrationSums(...sums: readonly CalibrationSums[]): CalibrationSums {
  const bands = new Map<string, CalibrationTally>();
  const byGrade = new Map<string, CalibrationTally>();
  for (const s of sums) {
    for (const [key, tally] of Object.entries(s.bands)) addTally(bands, key, tally);
    for (const [key, tally] of Object.entries(s.grades)) addTally(byGrade, key, tally);
  }
  return { bands: Object.fromEntries(bands), grades: Object.fromEntries(byGrade) };
}

function row(tally: CalibrationTally | undefined): CalibrationRow {
  const { accepted, rejected, notAccepted, won, lost } = { ...emptyTally(), ...tally };
  const decisions = accepted + rejected + notAccepted;
  return {
    accepted,
    rejected,
    notAccepted,
    won,
    lost,
    decisions,
    acceptanceRate: rate(accepted, decisions),
    closed: won + lost,
    winRate: rate(won, won + lost),
  };
}

/** Acceptance and win rate per score band and per grade, with their counts. */
export function calibration(sums: CalibrationSums, options: CalibrationBandOptions = {}): CalibrationReport {
  const defined = definedBands(options);
  const known = new Set(defined.map((band) => band.label));
  const others = Object.keys(sums.bands)
    .filter((label) => !known.has(label))
    .sort();
  return {
    bands: [
      ...defined.map((band) => ({ ...band, ...row(sums.bands[band.label]) })),
      ...others.map((label) => ({ label, from: null, to: null, ...row(sums.bands[label]) })),
    ],
    grades: [...grades, ...Object.keys(sums.grades).filter((g) => !(grades as readonly string[]).includes(g)).sort()].map((grade) => ({ grade, ...row(sums.grades[grade]) })),
  };
}

/**
 * The MQL threshold the decisions support: the lowest band edge at which the
 * hand-offs from there up were accepted at least `target` of the time (e.g.
 * the agreement's `marketing.minAcceptanceRate`) over at least `minDecisions`
 * decisions; null with the reason when no edge is.
 */
export function supportedThreshold(report: CalibrationReport, criteria: { target: number; minDecisions?: number }): SupportedThreshold {
  const { target, minDecisions = 30 } = criteria;
  if (!(target >= 0 && target <= 1)) throw new CalibrationOptionsError('target', target, 'a rate from 0 to 1');
  if (!(Number.isInteger(minDecisions) && minDecisions > 0)) throw new CalibrationOptionsError('minDecisions', minDecisions, 'a positive whole number');
  // Only the bands the options define have edges; bands are lowest first.
  const bands = report.bands.filter((band): band is CalibrationBandRow & { from: number } => band.from !== null);
  const total = bands.reduce((sum, band) => sum + band.decisions, 0);
  let decisions = total;
  let accepted = bands.reduce((sum, band) => sum + band.accepted, 0);
  for (const band of bands) {
    // The unrounded rate: a correctly rounded quotient meets a target it equals (7 of 10 meets 0.7; 0.7 × 10 would not).
    // An edge whose band holds no decision is one the data says nothing about: the next band's edge speaks for it.
    if (band.decisions > 0 && decisions >= minDecisions && accepted / decisions >= target) {
      return { threshold: band.from, band: band.label, decisions, accepted, acceptanceRate: rate(accepted, decisions)! };
    }
    decisions -= band.decisions;
    accepted -= band.accepted;
  }
  return { threshold: null, reason: total >= minDecisions ? 'below-target' : 'too-few-decisions', decisions: total };
}
