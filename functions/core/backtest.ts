import { replayLead, type Lead } from './lead.ts';
import type { StageChange } from './lifecycle.ts';
import { engagementAt, type LedgerEntry, type ScoringModel } from './scoring.ts';
import type { StoredEvent } from './tracking-event.ts';

/**
 * The backtest: a draft scoring model tried against history before it ships,
 * side by side with the current model, so marketing and sales can set the
 * qualification rule together on the same numbers. Pure: histories and models
 * in, the report as data out (the CLI words it for a terminal); nothing is
 * written and no clock is read.
 *
 * Two questions, each answered under both models:
 *
 * 1. Who would be an MQL, and when? Each lead's stored events are replayed from
 *    nothing under the model (`replayLead`); the first change to `mql` is when
 *    the model would have qualified the lead. A replay knows nothing of sales,
 *    so a lead qualifies at most once in it. From that: MQL count, MQLs per
 *    period of first qualifying (ISO week or calendar month, in UTC), the
 *    median days from a lead's first stored event to qualifying, and which
 *    leads the draft would newly qualify or no longer qualify.
 *
 * 2. How well does the score predict what sales did? Only leads that really
 *    reached `mql` (their stored stage history says so) have an outcome. Each
 *    such lead is put in a score band by its engagement under the model at the
 *    moment sales first saw it (the `at` of its first recorded `→ mql` change):
 *    the replayed ledger up to that instant, decayed to that instant. Its
 *    outcome is the one of that first cycle: the changes after the first
 *    `→ mql` and before the next. The change a rep's decision caused says so
 *    in its `decision` field (`accepted`, `rejected`; a recycling nobody
 *    accepted is no decision; older histories: see repDecision); a change to
 *    `won` or `lost` is the close. Later cycles are left out: their hand-off came at
 *    another score, so crediting them to the first one would blur the band.
 */

export interface LeadHistory {
  /** the lead as stored: its stage history records what sales did */
  lead: Lead;
  /** the lead's stored tracking events, in any order */
  events: StoredEvent[];
}

export type BacktestPeriod = 'week' | 'month';

export interface BacktestOptions {
  /**
   * How MQLs are counted over time: by ISO week (`2026-W06`) or calendar
   * month (`2026-02`) of first qualifying, in UTC.
   * @default 'week'
   */
  period?: BacktestPeriod;
  /**
   * Width of a score band in engagement points; a band holds engagement from
   * its lower edge up to, not including, the next band's.
   * @default 20
   */
  bandWidth?: number;
  /**
   * How many closed bands there are; the last band is open-ended and starts
   * where they end. With the defaults: 0–19, 20–39, 40–59, 60–79, 80–99, 100+.
   * Negative engagement counts in the lowest band.
   * @default 5
   */
  bands?: number;
}

/** A lead's first real hand-off, as its stored stage history records it. */
export interface HandOff {
  /** when sales first saw the lead as an MQL */
  at: string;
  decision: 'accepted' | 'rejected' | null;
  close: 'won' | 'lost' | null;
}

/** One lead under one model. */
export interface LeadUnderModel {
  /** when the replay first makes the lead an MQL; null when it never does */
  mqlAt: string | null;
  /** days from the lead's first stored event to `mqlAt`, unrounded */
  daysToMql: number | null;
  /** engagement at the real hand-off; null when the lead never reached mql in reality */
  engagementAtHandOff: number | null;
  /** label of the score band that engagement falls in */
  band: string | null;
}

export interface LeadBacktest {
  leadId: string;
  firstEventAt: string | null;
  handOff: HandOff | null;
  current: LeadUnderModel;
  draft: LeadUnderModel;
}

export interface ScoreBand {
  /** e.g. `20–39`, or `100+` for the open band */
  label: string;
  /** lowest engagement in the band (the lowest band also takes anything below) */
  from: number;
  /** first engagement of the next band; null for the open band */
  to: number | null;
  leads: number;
  accepted: number;
  rejected: number;
  /** accepted / (accepted + rejected), to 3 decimals; null when none was decided */
  acceptanceRate: number | null;
  won: number;
  lost: number;
  /** won / (won + lost), to 3 decimals; null when none closed */
  winRate: number | null;
}

export interface ModelBacktest {
  version: string;
  /** leads the model would make an MQL */
  mqls: number;
  /** median days from a lead's first event to qualifying, to 2 decimals; null when none qualifies */
  medianDaysToMql: number | null;
  /** every band, empty ones included, lowest first */
  bands: ScoreBand[];
}

export interface BacktestReport {
  period: BacktestPeriod;
  /** leads replayed */
  leads: number;
  /** leads that really reached mql: the ones in the band tables */
  handedOff: number;
  current: ModelBacktest;
  draft: ModelBacktest;
  /** MQLs per period of first qualifying, oldest first, with no gaps between the first and last */
  mqlsPerPeriod: { period: string; current: number; draft: number }[];
  qualification: {
    /** qualify under the draft and not under the current model */
    newly: number;
    /** qualify under the current model and not under the draft */
    noLonger: number;
    both: number;
    neither: number;
    newlyLeadIds: string[];
    noLongerLeadIds: string[];
  };
  /** each lead, in the order given */
  perLead: LeadBacktest[];
}

/** Options out of range; the message names the option and the value received. */
export class BacktestOptionsError extends Error {
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, value: unknown, expected: string) {
    super(`backtest option ${option} must be ${expected}, received ${String(value)}`);
    this.name = 'BacktestOptionsError';
    this.option = option;
    this.value = value;
  }
}

const DAY_MS = 86_400_000;

const round = (n: number, decimals: number) => Math.round(n * 10 ** decimals) / 10 ** decimals;
const rate = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 3));

/** The options with their defaults, or BacktestOptionsError naming the one out of range. */
export function resolveBacktestOptions(options: BacktestOptions): Required<BacktestOptions> {
  const { period = 'week', bandWidth = 20, bands = 5 } = options;
  if (period !== 'week' && period !== 'month') throw new BacktestOptionsError('period', period, '"week" or "month"');
  if (!(Number.isFinite(bandWidth) && bandWidth > 0)) throw new BacktestOptionsError('bandWidth', bandWidth, 'a positive number');
  if (!(Number.isInteger(bands) && bands > 0)) throw new BacktestOptionsError('bands', bands, 'a positive whole number');
  return { period, bandWidth, bands };
}

/** The label of a band's lower edge; whole widths read as `20–39`, fractional ones as `2.5–5`. */
function bandLabel(index: number, width: number, bands: number): string {
  const from = index * width;
  if (index === bands) return `${from}+`;
  return Number.isInteger(width) ? `${from}–${from + width - 1}` : `${from}–${(index + 1) * width}`;
}

/** The band index engagement falls in: 0 … bands, the last one open-ended. */
function bandIndex(engagement: number, width: number, bands: number): number {
  return Math.min(bands, Math.max(0, Math.floor(engagement / width)));
}

/**
 * The score band an engagement falls in: `[from, to)`, with negative
 * engagement in the lowest band and anything from `bands × bandWidth` up in
 * the open one.
 */
export function scoreBandOf(engagement: number, options: Pick<BacktestOptions, 'bandWidth' | 'bands'> = {}): { label: string; from: number; to: number | null } {
  const { bandWidth, bands } = resolveBacktestOptions(options);
  const index = bandIndex(engagement, bandWidth, bands);
  return { label: bandLabel(index, bandWidth, bands), from: index * bandWidth, to: index === bands ? null : (index + 1) * bandWidth };
}

/** Midnight UTC at the start of the ISO week (Monday) or month an instant falls in. */
function periodStart(ms: number, period: BacktestPeriod): number {
  const date = new Date(ms);
  if (period === 'month') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const day = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - (day - 1));
}

function nextPeriodStart(start: number, period: BacktestPeriod): number {
  const date = new Date(start);
  return period === 'month' ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) : start + 7 * DAY_MS;
}

/**
 * The period an instant falls in, in UTC: `2026-02` for a month, `2026-W06`
 * for an ISO week (weeks start on Monday; a week belongs to the year its
 * Thursday is in, so 2027-01-01 is in `2026-W53`).
 */
export function periodOf(at: string, period: BacktestPeriod): string {
  const start = new Date(periodStart(Date.parse(at), period));
  if (period === 'month') return `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  const thursday = new Date(start.getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The rep's decision a stage change records, or null (the change is no
 * decision, or nobody accepted the lead in time: a recycling, not a rejection).
 * Changes stored before StageChange had `decision` carry the decision only in
 * their words; for those, the rule that held when they were written: a move
 * mql → sal was always an acceptance, and a rejection's cause began
 * `rejected by` (what applyOutcome wrote then). New changes are never read
 * that way.
 */
function repDecision(change: StageChange): HandOff['decision'] {
  if (change.from !== 'mql') return null;
  if (change.decision !== undefined) return change.decision === 'not-accepted' ? null : change.decision;
  if (change.to === 'sal') return 'accepted';
  if (change.to === 'recycled' && change.cause.startsWith('rejected by')) return 'rejected';
  return null;
}

/**
 * The lead's first real hand-off and what sales made of it within that cycle,
 * from its stage history in the order recorded; null when it never reached mql.
 */
export function firstHandOff(stageHistory: readonly StageChange[]): HandOff | null {
  const start = stageHistory.findIndex((change) => change.to === 'mql');
  const first = stageHistory[start];
  if (!first) return null;
  const rest = stageHistory.slice(start + 1);
  const nextCycle = rest.findIndex((change) => change.to === 'mql');
  const cycle = nextCycle < 0 ? rest : rest.slice(0, nextCycle);
  let decision: HandOff['decision'] = null;
  let close: HandOff['close'] = null;
  for (const change of cycle) {
    decision ??= repDecision(change);
    if (close === null && (change.to === 'won' || change.to === 'lost')) close = change.to;
  }
  return { at: first.at, decision, close };
}

function engagementAtInstant(ledger: readonly LedgerEntry[], at: string): number {
  const instant = Date.parse(at);
  return engagementAt(
    ledger.filter((entry) => Date.parse(entry.at) <= instant),
    new Date(instant),
  );
}

function underModel(
  history: LeadHistory,
  firstEventAt: string | null,
  handOff: HandOff | null,
  model: ScoringModel,
  options: Required<BacktestOptions>,
): LeadUnderModel {
  const { lead, changes } = replayLead(history.lead.leadId, history.events, model);
  const mqlAt = changes.find((change) => change.to === 'mql')?.at ?? null;
  const daysToMql = mqlAt !== null && firstEventAt !== null ? (Date.parse(mqlAt) - Date.parse(firstEventAt)) / DAY_MS : null;
  const engagementAtHandOff = handOff ? engagementAtInstant(lead.ledger, handOff.at) : null;
  const band = engagementAtHandOff === null ? null : bandLabel(bandIndex(engagementAtHandOff, options.bandWidth, options.bands), options.bandWidth, options.bands);
  return { mqlAt, daysToMql, engagementAtHandOff, band };
}

function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return null;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function bandTable(perLead: readonly LeadBacktest[], which: 'current' | 'draft', options: Required<BacktestOptions>): ScoreBand[] {
  const { bandWidth, bands } = options;
  const rows = Array.from({ length: bands + 1 }, (_, index) => ({
    label: bandLabel(index, bandWidth, bands),
    from: index * bandWidth,
    to: index === bands ? null : (index + 1) * bandWidth,
    leads: 0,
    accepted: 0,
    rejected: 0,
    won: 0,
    lost: 0,
  }));
  for (const lead of perLead) {
    const engagement = lead[which].engagementAtHandOff;
    if (!lead.handOff || engagement === null) continue;
    const row = rows[bandIndex(engagement, bandWidth, bands)]!;
    row.leads += 1;
    if (lead.handOff.decision) row[lead.handOff.decision] += 1;
    if (lead.handOff.close) row[lead.handOff.close] += 1;
  }
  return rows.map((row) => ({
    ...row,
    acceptanceRate: rate(row.accepted, row.accepted + row.rejected),
    winRate: rate(row.won, row.won + row.lost),
  }));
}

function modelBacktest(perLead: readonly LeadBacktest[], which: 'current' | 'draft', model: ScoringModel, options: Required<BacktestOptions>): ModelBacktest {
  const qualified = perLead.map((lead) => lead[which]).filter((lead) => lead.mqlAt !== null);
  const days = median(qualified.flatMap((lead) => (lead.daysToMql === null ? [] : [lead.daysToMql])));
  return {
    version: model.version,
    mqls: qualified.length,
    medianDaysToMql: days === null ? null : round(days, 2),
    bands: bandTable(perLead, which, options),
  };
}

function mqlsPerPeriod(perLead: readonly LeadBacktest[], period: BacktestPeriod): BacktestReport['mqlsPerPeriod'] {
  const instants = perLead.flatMap((lead) => [lead.current.mqlAt, lead.draft.mqlAt]).flatMap((at) => (at === null ? [] : [Date.parse(at)]));
  if (instants.length === 0) return [];
  const rows = new Map<string, { period: string; current: number; draft: number }>();
  const last = periodStart(Math.max(...instants), period);
  for (let start = periodStart(Math.min(...instants), period); start <= last; start = nextPeriodStart(start, period)) {
    const label = periodOf(new Date(start).toISOString(), period);
    rows.set(label, { period: label, current: 0, draft: 0 });
  }
  for (const lead of perLead) {
    for (const which of ['current', 'draft'] as const) {
      const at = lead[which].mqlAt;
      if (at !== null) rows.get(periodOf(at, period))![which] += 1;
    }
  }
  return [...rows.values()];
}

/**
 * Replays every lead's history under the current and the draft model and
 * reports both side by side. Writes nothing; the same input gives the same report.
 */
export function backtest(histories: readonly LeadHistory[], current: ScoringModel, draft: ScoringModel, options: BacktestOptions = {}): BacktestReport {
  const resolved = resolveBacktestOptions(options);
  const perLead = histories.map((history): LeadBacktest => {
    const firstEventMs = history.events.length === 0 ? null : Math.min(...history.events.map((event) => Date.parse(event.timestamp)));
    const firstEventAt = firstEventMs === null ? null : new Date(firstEventMs).toISOString();
    const handOff = firstHandOff(history.lead.stageHistory);
    return {
      leadId: history.lead.leadId,
      firstEventAt,
      handOff,
      current: underModel(history, firstEventAt, handOff, current, resolved),
      draft: underModel(history, firstEventAt, handOff, draft, resolved),
    };
  });
  const underCurrentOnly = (lead: LeadBacktest) => lead.current.mqlAt !== null && lead.draft.mqlAt === null;
  const underDraftOnly = (lead: LeadBacktest) => lead.current.mqlAt === null && lead.draft.mqlAt !== null;
  const newlyLeadIds = perLead.filter(underDraftOnly).map((lead) => lead.leadId);
  const noLongerLeadIds = perLead.filter(underCurrentOnly).map((lead) => lead.leadId);
  const both = perLead.filter((lead) => lead.current.mqlAt !== null && lead.draft.mqlAt !== null).length;
  return {
    period: resolved.period,
    leads: perLead.length,
    handedOff: perLead.filter((lead) => lead.handOff !== null).length,
    current: modelBacktest(perLead, 'current', current, resolved),
    draft: modelBacktest(perLead, 'draft', draft, resolved),
    mqlsPerPeriod: mqlsPerPeriod(perLead, resolved.period),
    qualification: {
      newly: newlyLeadIds.length,
      noLonger: noLongerLeadIds.length,
      both,
      neither: perLead.length - newlyLeadIds.length - noLongerLeadIds.length - both,
      newlyLeadIds,
      noLongerLeadIds,
    },
    perLead,
  };
}
