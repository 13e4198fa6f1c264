import type { ReportDimension } from '../../core/report-counts.ts';
import type { CalibrationOfPeriod } from '../../reports/calibration.ts';
import type { FunnelOfPeriod } from '../../reports/funnel.ts';

/**
 * How the dashboard words the reports' numbers, and the queries it sends: pure, no DOM, so
 * they are tested on their own (test/unit/dashboard/format.test.ts) and shared by the page.
 */

export type Segment = FunnelOfPeriod['segments'][number];
export type StageRow = Segment['stages'][number];

/** The dimensions every count is kept under, as the page offers them (the funnel report's `by`). */
export const slices = [
  ['all', 'All leads'],
  ['source', 'Source'],
  ['campaign', 'Campaign'],
  ['campaignType', 'Campaign type'],
  ['grade', 'Grade'],
  ['scoreBand', 'Score band'],
  ['team', 'Team'],
  ['rep', 'Rep'],
] as const satisfies readonly (readonly [ReportDimension | 'campaignType', string])[];

/** A slice the funnel report takes: a dimension above, or `trait:<name>` for a trait config/reports.json keeps. */
export type Slice = (typeof slices)[number][0] | `trait:${string}`;

/**
 * The slices the page offers: the dimensions, campaign type (the campaigns' types of
 * config/campaigns.json), then one per trait config/reports.json keeps (`trait:industry`,
 * `trait:employees` in its bands), as GET /v1/reports/funnel takes them; no other trait has counts.
 */
export function sliceOptions(traits: Readonly<Record<string, { bands?: readonly number[] | undefined }>>): [Slice, string][] {
  return [
    ...slices.map(([value, label]): [Slice, string] => [value, label]),
    ...Object.entries(traits).map(([name, trait]): [Slice, string] => [`trait:${name}`, `Trait: ${name}${trait.bands ? ' (bands)' : ''}`]),
  ];
}

/** Stages a lead leaves by: shown in the table and in where leads left, not as steps of the funnel chart. */
const exits = new Set(['lost', 'recycled', 'disqualified']);

const stageNames: Record<string, string> = {
  visitor: 'Visitor',
  known: 'Known',
  engaged: 'Engaged',
  mql: 'MQL',
  sal: 'SAL',
  sql: 'SQL',
  opportunity: 'Opportunity',
  won: 'Won',
  lost: 'Lost',
  recycled: 'Recycled',
  disqualified: 'Disqualified',
};

export const stageLabel = (stage: string): string => stageNames[stage] ?? stage;

/** The stages a funnel chart draws, in order: those a lead moves forward through. */
export const funnelSteps = <T extends { stage: string }>(rows: readonly T[]): T[] => rows.filter((row) => !exits.has(row.stage));

const reasonNames: Record<string, string> = {
  'not-accepted': 'not accepted in time',
  rejected: 'rejected by sales',
  lost: 'deal lost',
  crm: 'reported by the CRM',
  recycled: 'recycled',
  disqualified: 'disqualified',
};

export const reasonLabel = (reason: string): string => reasonNames[reason] ?? reason;

/** A count as people read it: 1,234. */
export const count = (n: number, locale?: string): string => n.toLocaleString(locale ?? 'en-US');

/** A rate (0.425) as a percentage to one decimal (42.5%); none when there was nothing to divide by. */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '–';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** A duration in hours, in the unit that reads best: minutes under an hour, days from two days. */
export function duration(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours) || hours < 0) return '–';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} d`;
}

/** An amount in a currency (ISO 4217 code); a code Intl does not know is written after the number. */
export function money(amount: number, currency: string, locale = 'en-US'): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toLocaleString(locale)} ${currency}`;
  }
}

/** The share of decisions made before the owner's deadline: "3 of 4 (75.0%)". */
export function deadlineShare(decisions: Segment['decisions']): string {
  const decided = decisions.accepted + decisions.rejected + decisions.notAccepted;
  if (decided === 0) return 'no decisions in this period';
  return `${count(decisions.beforeDeadline)} of ${count(decided)} (${percent(decisions.beforeDeadlineShare)})`;
}

/** Pipeline and revenue side by side, one row per currency either holds, by code. */
export function currencyRows(deals: Segment['deals']): { currency: string; pipeline: number; revenue: number }[] {
  const codes = [...new Set([...Object.keys(deals.pipeline), ...Object.keys(deals.revenue)])].sort();
  return codes.map((currency) => ({ currency, pipeline: deals.pipeline[currency] ?? 0, revenue: deals.revenue[currency] ?? 0 }));
}

/** Where leads left and why, most first (then in the order of the stages). */
export function leftRows(stages: readonly StageRow[]): { stage: string; reason: string; leads: number }[] {
  const rows = stages.flatMap((row, index) => Object.entries(row.left).map(([reason, leads]) => ({ stage: row.stage, reason, leads, index })));
  return rows.sort((a, b) => b.leads - a.leads || a.index - b.index || (a.reason < b.reason ? -1 : 1)).map(({ index: _index, ...row }) => row);
}

/** A slice's value as people read it: a campaign by its name, marked when config/campaigns.json does not define it. */
export function sliceLabel(value: string, campaign?: { name: string; defined: boolean }): string {
  if (!campaign) return value;
  return campaign.defined ? campaign.name : `${campaign.name} (not defined)`;
}

/** A segment's name as shown: the whole, named; a campaign by its name; any other value as the report calls it. */
export const segmentLabel = (segment: Pick<Segment, 'segment' | 'campaign'>, by: string): string =>
  by === 'all' && segment.segment === 'all' ? 'All leads' : sliceLabel(segment.segment, segment.campaign);

/** The query string of a report request; nothing but the period and the slice (never a key). */
export function reportQuery(query: { from?: string | undefined; to?: string | undefined; by?: Slice | undefined }): string {
  const params = new URLSearchParams();
  if (query.from) params.set('from', query.from);
  if (query.to) params.set('to', query.to);
  if (query.by) params.set('by', query.by);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** What an error answer of the API says, as one sentence: its message, then each field it names. */
export function apiErrorText(status: number, body: unknown): string {
  const answer = (body ?? {}) as { error?: unknown; message?: unknown; issues?: { path?: unknown; message?: unknown }[] };
  const message = typeof answer.error === 'string' ? answer.error : typeof answer.message === 'string' ? answer.message : `the API answered ${status}`;
  const issues = Array.isArray(answer.issues) ? answer.issues.map((issue) => `${String(issue.path)}: ${String(issue.message)}`) : [];
  return [message.charAt(0).toUpperCase() + message.slice(1), ...issues].join('; ');
}

/** What threshold the data supports at the agreed acceptance rate, in one sentence, with the decisions it rests on. */
export function thresholdText({ threshold, target }: Pick<CalibrationOfPeriod, 'threshold' | 'target'>): string {
  const agreed = `the agreed acceptance rate of ${percent(target)}`;
  if (threshold.threshold !== null) {
    return `At ${agreed}, the decisions support an MQL threshold of ${count(threshold.threshold)} engagement points (band ${threshold.band}): ${count(threshold.accepted)} of ${count(threshold.decisions)} hand-offs from there up were accepted (${percent(threshold.acceptanceRate)}).`;
  }
  const decisions = `${count(threshold.decisions)} decision${threshold.decisions === 1 ? '' : 's'} in all`;
  if (threshold.reason === 'too-few-decisions') return `Too few decisions yet to support a threshold (${decisions}).`;
  return `No threshold with enough decisions above it reaches ${agreed} (${decisions}).`;
}
