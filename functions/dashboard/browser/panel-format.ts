import { attributionDimensions, attributionModels, type AttributionDimension, type AttributionModel } from '../../core/reports/attribution.ts';
import type { FeedbackReport } from '../../core/reports/feedback.ts';
import type { CommittedMetric, ScorecardMetric } from '../../core/reports/scorecard.ts';
import type { StalledReport } from '../../core/reports/stalled.ts';
import type { AttributionOfPeriod, AttributionRow } from '../../reports/attribution.ts';
import type { AgreementScorecard, ServiceAgreementReport } from '../../reports/service-agreement.ts';
import { count, duration, money, percent, sliceLabel } from './format.ts';

/**
 * How the dashboard's panels word the service-agreement scorecard, the MQL trend and the
 * attribution report: pure, no DOM, tested on their own (test/unit/dashboard/panel-format.test.ts).
 */

// ---- queries ----

/** A report's query string from its parameters, those without a value left out (never a key). */
export function queryString(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Why a report is not shown, in one sentence: a stack without the route says so plainly. */
export function unavailableText(name: string, path: string, answer: { status: number; message: string }): string {
  return answer.status === 404
    ? `This stack does not serve the ${name} yet (GET ${path} answered 404 Not Found), so this panel has nothing to show.`
    : `The ${name} could not be read: ${answer.message}`;
}

// ---- the service-agreement scorecard ----

export type AgreementPeriodKind = ServiceAgreementReport['period']['kind'];
export const agreementPeriodKinds = [
  ['week', 'Week'],
  ['month', 'Month'],
] as const satisfies readonly (readonly [AgreementPeriodKind, string])[];

/** What a number of the scorecard counts, so it is written in its unit. */
export type MetricKind = 'count' | 'rate' | 'hours' | 'average';

/** A scorecard number in its unit: 12, 62.5%, 3.5 h, 4.25; a missing one as a dash. */
export function metricText(value: number | null | undefined, kind: MetricKind): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  switch (kind) {
    case 'count':
      return count(value);
    case 'rate':
      return percent(value);
    case 'hours':
      return duration(value);
    case 'average':
      return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
}

/** The size of a change, in the unit (rates in percentage points), without its sign. */
function changeText(delta: number, kind: MetricKind): string {
  const size = Math.abs(delta);
  if (kind === 'rate') return `${(Math.round(size * 1000) / 10).toFixed(1)} pts`;
  return metricText(size, kind);
}

/**
 * A number's trend against the period before, in words (an arrow alone, or a colour, says
 * nothing to a screen reader or to someone who does not see red and green apart).
 */
export function trendText(metric: ScorecardMetric, kind: MetricKind): string {
  if (metric.value === null && metric.previous === null) return 'no figure this period or the period before';
  if (metric.previous === null) return 'no figure for the period before';
  if (metric.value === null) return `no figure this period (${metricText(metric.previous, kind)} the period before)`;
  if (metric.direction === 'flat' || metric.delta === null || metric.delta === 0) return `→ unchanged from ${metricText(metric.previous, kind)}`;
  const up = metric.delta > 0;
  const verdict = metric.better === null ? '' : metric.better ? ', better' : ', worse';
  return `${up ? '↑ up' : '↓ down'} ${changeText(metric.delta, kind)} from ${metricText(metric.previous, kind)}${verdict}`;
}

/** Whether the trend is good news, for the tile's class: better, worse or neither. */
export const trendClass = (metric: ScorecardMetric): 'better' | 'worse' | 'same' => (metric.better === null ? 'same' : metric.better ? 'better' : 'worse');

/** A committed number's target and whether it was met, in words. */
export function targetText(metric: CommittedMetric, kind: MetricKind): string {
  const target = `Target ${metricText(metric.target, kind)}`;
  if (metric.met === null) return `${target}: no figure yet`;
  return `${target}: ${metric.met ? 'met' : 'not met'}`;
}

/** Feedback ratings 1 to 5 with how many each: "1★ 0 · 2★ 1 · …". */
export function ratingsText(distribution: Readonly<Record<string, number>>): string {
  return [1, 2, 3, 4, 5].map((r) => `${r}★ ${count(distribution[r] ?? 0)}`).join(' · ');
}

const DAY_MS = 86_400_000;
const dayOf = (instant: string) => instant.slice(0, 10);
const dayBefore = (instant: string) => new Date(Date.parse(instant) - DAY_MS).toISOString().slice(0, 10);

/** The scorecard's period and the one it is compared with: "Week 2026-11-30 to 2026-12-06 (so far, to 2026-12-01), against …". */
export function agreementPeriodText(report: Pick<ServiceAgreementReport, 'period' | 'previous'>): string {
  const { period, previous } = report;
  const kind = period.kind === 'week' ? 'Week' : 'Month';
  const running = Date.parse(period.to) < Date.parse(period.ends) ? ` (so far, to ${dayBefore(period.to)})` : '';
  return `${kind} ${dayOf(period.from)} to ${dayBefore(period.ends)}${running}, against ${dayOf(previous.from)} to ${dayBefore(previous.to)} (UTC)`;
}

/** The columns of the per-team and per-rep tables, after the team's or rep's name. */
export const scorecardColumns = [
  'MQLs',
  'Acceptance rate',
  'Accepted within agreement',
  'Median time to accept (working hours)',
  'Median time to first contact (working hours)',
  'Follow-up activities per lead',
  'Feedback coverage',
  'First contacts missed',
] as const;

/** One team's or rep's scorecard as the table row's cells, in the order of `scorecardColumns`. */
export function scorecardCells(card: AgreementScorecard): string[] {
  const { marketing, sales } = card;
  return [
    metricText(marketing.mqls.value, 'count'),
    metricText(marketing.acceptanceRate.value, 'rate'),
    metricText(sales.acceptedWithinAgreement.value, 'rate'),
    metricText(sales.timeToAccept.medianHours.value, 'hours'),
    metricText(sales.timeToFirstContact.medianHours.value, 'hours'),
    metricText(sales.followUpActivitiesPerLead.value, 'average'),
    metricText(sales.feedbackCoverage.value, 'rate'),
    count(card.contacts.missed),
  ];
}

/** A rep as the tables name them: the configured name, else the id. */
export const repLabel = (rep: ServiceAgreementReport['reps'][number]): string => rep.name ?? rep.rep;

/** The MQL trend as the chart draws it: a label per period (its first day), the MQLs, and the target. */
export function mqlTrendSeries(trend: ServiceAgreementReport['mqlTrend']): { labels: string[]; mqls: number[]; targets: number[] } {
  return { labels: trend.map((p) => dayOf(p.from)), mqls: trend.map((p) => p.mqls), targets: trend.map((p) => p.target) };
}

// ---- attribution ----

const modelNames: Record<AttributionModel, string> = {
  first: 'First touch',
  last: 'Last touch',
  linear: 'Linear',
  'u-shaped': 'U-shaped (40/40/20)',
  'w-shaped': 'W-shaped (30/30/30/10)',
  'time-decay': 'Time decay',
};

const dimensionNames: Record<AttributionDimension, string> = { campaign: 'Campaign', campaignType: 'Campaign type', source: 'Source', medium: 'Medium' };

/** The attribution models, as the model select offers them. */
export const attributionModelOptions = attributionModels.map((model) => [model, modelNames[model]] as const);
/** What credit rolls up by, as the select offers it. */
export const attributionDimensionOptions = attributionDimensions.map((by) => [by, dimensionNames[by]] as const);

/** Whether a dashboard slice is one the attribution report rolls up by, so the panel can follow it. */
export const isAttributionDimension = (slice: string): slice is AttributionDimension => (attributionDimensions as readonly string[]).includes(slice);

/** What a campaign's cost bought, when the report carries it (campaign-cost.ts). */
export interface CampaignCostShown {
  amount: number;
  currency: string;
  perMql: number | null;
  perOpportunity: number | null;
  returnOnRevenue: number | null;
  revenueNotCompared?: string[];
}

/** A deals share: of all deals, those a kind of touch came before the opportunity of. */
export interface TouchedShareShown {
  deals: number;
  touchedDeals: number;
  share: number | null;
}

/**
 * The attribution report as the panel reads it: the fields every stack serves, and those a newer
 * one adds (a campaign's cost, the sales-touched share), shown when they are there.
 */
export type AttributionShown = Omit<AttributionOfPeriod, 'rows'> & {
  rows: (AttributionRow & { cost?: CampaignCostShown | null })[];
  salesTouched?: Record<'pipeline' | 'revenue', TouchedShareShown>;
};

/** Amounts in several currencies, each as money, by code: "€1,200.00 · $300.00"; none as a dash. */
export function amountsText(amounts: Readonly<Record<string, number>>): string {
  const codes = Object.keys(amounts).sort();
  return codes.length === 0 ? '–' : codes.map((code) => money(amounts[code]!, code)).join(' · ');
}

/** A credit row's name: the campaign's name (marked when config/campaigns.json does not define it), else the value. */
export function attributionLabel(row: Pick<AttributionRow, 'value' | 'campaign'>): string {
  return sliceLabel(row.value, row.campaign);
}

/** The currency the chart draws: the one with the most pipeline and revenue in it (the table shows every one). */
export function chartCurrency(rows: readonly Pick<AttributionRow, 'pipeline' | 'revenue'>[]): string | undefined {
  const totals = new Map<string, number>();
  for (const row of rows) for (const amounts of [row.pipeline, row.revenue]) for (const [code, amount] of Object.entries(amounts)) totals.set(code, (totals.get(code) ?? 0) + amount);
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

/** "2 of 3 opportunities (66.7%)": how many deals a kind of touch came before. */
export function touchedText(share: TouchedShareShown, deals: 'opportunities' | 'won deals'): string {
  if (share.deals === 0) return `no ${deals} in this period`;
  return `${count(share.touchedDeals)} of ${count(share.deals)} ${deals} (${percent(share.share)})`;
}

/** The cost columns' cells of a row: cost, per MQL, per opportunity, return on won revenue; dashes without a cost. */
export function costCells(cost: CampaignCostShown | null | undefined): string[] {
  if (!cost) return ['–', '–', '–', '–'];
  const per = (n: number | null) => (n === null ? '–' : money(n, cost.currency));
  const notCompared = cost.revenueNotCompared?.length ? `not set against revenue in ${cost.revenueNotCompared.join(', ')}` : '–';
  return [money(cost.amount, cost.currency), per(cost.perMql), per(cost.perOpportunity), cost.returnOnRevenue === null ? notCompared : `${metricText(cost.returnOnRevenue, 'average')}×`];
}

// ---- feedback ----

/** The feedback report as the panel reads it. */
export type FeedbackShown = FeedbackReport;

const occasionNames: Record<string, string> = { accepted: 'On acceptance', rejected: 'On rejection', closed: 'On close' };
export const occasionLabel = (occasion: string): string => occasionNames[occasion] ?? occasion;

/**
 * The feedback request of the page's period and slice: per team or per rep when the page is
 * sliced so (the segment chosen is the one shown), else the whole.
 */
export function feedbackQuery(path: string, query: { from: string; to: string; by: string; segment: string | undefined }, limit: number): { path: string; segment: string } {
  const by = query.by === 'team' || query.by === 'rep' ? query.by : 'all';
  const segment = by === 'all' ? 'all' : (query.segment ?? 'all');
  return { path: `${path}${queryString({ from: query.from, to: query.to, by, limit })}`, segment };
}

/** Ratings 1 to 5 as the chart draws them, those nobody gave as 0. */
export function ratingsSeries(ratings: Readonly<Record<string, number>>): { labels: string[]; counts: number[] } {
  return { labels: ['1', '2', '3', '4', '5'].map((r) => `${r}★`), counts: ['1', '2', '3', '4', '5'].map((r) => ratings[r] ?? 0) };
}

// ---- stalled leads ----

/** The stalled-leads report as the panel reads it. */
export type StalledShown = StalledReport;

/** The stalled-leads request: the stage chosen, and the team or rep chosen in the page's slice. */
export function stalledQuery(query: { by: string; segment: string | undefined }, stage: string, limit: number): string {
  return queryString({ stage, team: query.by === 'team' ? query.segment : undefined, rep: query.by === 'rep' ? query.segment : undefined, limit });
}

/** A stalled lead as the table names it: its name, else its email, else its id. */
export const stalledLeadLabel = (lead: Pick<StalledShown['leads'][number], 'leadId' | 'name' | 'email'>): string => lead.name ?? lead.email ?? lead.leadId;
