import { campaignOfTouch, type CampaignsConfig } from './campaigns.ts';
import type { Lead } from './lead.ts';
import type { FeedbackEntry } from './records.ts';
import { traitDimension, traitSliceValue, type ReportTraits } from './report-traits.ts';
import { scoreBandOf } from './backtest.ts';
import { aggregateValue } from './personal-values.ts';
import { bucketOf } from './reports/histogram.ts';
import { workingMsBetween } from './business-hours.ts';
import { calendarOrDefault, defaultCalendar, type RepCalendars } from './rep-calendars.ts';
import type { Stage, StageChange } from './lifecycle.ts';

/**
 * The counts the closed-loop reports read, as a lead's save produces them:
 * per day (UTC, the day a change happened) and per slice of the lead
 * (all leads, its source, campaign, grade, team, rep, …), how many leads
 * reached each stage, how long they spent in the stage they left (a
 * histogram), left it and why, were decided, and what pipeline and revenue
 * they brought. Pure: the lead store adds them to the report items
 * exactly once, as it does the funnel counts (see lead-store.ts), and the
 * reports sum items of the days asked for, never a scan of leads.
 */

/**
 * The dimensions every count is kept under (once per dimension), besides the
 * configured traits (`trait:<name>`, report-traits.ts). Campaign type is not
 * one: it is read from the campaign slices (a campaign has one type).
 */
export const reportDimensions = ['all', 'source', 'campaign', 'grade', 'scoreBand', 'team', 'rep'] as const;
export type ReportDimension = (typeof reportDimensions)[number];

/**
 * What slicing and counting need from the configuration: the campaigns (a
 * lead's campaign slice is the campaign its first touch counts for, as
 * attribution names it), the traits kept as slices, and the reps' calendars
 * (the time to accept is counted in the deciding rep's working time).
 */
export interface ReportSlicing {
  campaigns: CampaignsConfig;
  traits: ReportTraits;
  /** each rep's working calendar (rep-calendars.ts); absent: everyone on defaultCalendar (Monday–Friday 09:00–17:00 UTC) */
  calendars?: RepCalendars;
}

/** Slicing with no campaign defined (a touch's campaign is its UTM name: `utm:spring`), no trait kept, reps on the default calendar. */
export const UNCONFIGURED_SLICING: ReportSlicing = { campaigns: { campaigns: [] }, traits: {} };

/** A slice's value when the lead has none (no touch, no owner). */
export const NONE = '(none)';
/** Values are part of keys and attribute names: bounded, and one line. */
export const MAX_SLICE_VALUE_LENGTH = 100;

/** Counts to add to one report item: one family (`funnel` when absent), day and slice (`dimension=value`). */
export interface ReportCount {
  /** the report family the item belongs to; `funnel` when absent */
  family?: string;
  /** YYYY-MM-DD (UTC) */
  day: string;
  /** `source=newsletter`, `all=all` */
  slice: string;
  counts: Record<string, number>;
}

/**
 * A value as a slice keeps it: one line, at most 100 characters, `(none)` for
 * nothing, and `(personal)` when it looks like an email address
 * (personal-values.ts: report items keep counts, never a person).
 */
function sliceValue(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return NONE;
  const text = String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text === '' ? NONE : aggregateValue(text).slice(0, MAX_SLICE_VALUE_LENGTH);
}

type SlicedLead = Pick<Lead, 'touches' | 'grade' | 'owner' | 'engagement' | 'traits'>;

/**
 * The slices a lead counts in, as it is at a change: its acquisition (the
 * first touch's source, and the campaign it counts for in config/campaigns.json:
 * the defined campaign's id, else `utm:<name>` or `source:<host>` as
 * campaignOfTouch names it; a lead belongs to one, so segments add up), its
 * fit grade, its score band (the backtest's bands of its engagement as
 * saved), who owns it, and each configured trait (`trait:employees` → `50-249`).
 */
export function leadSlices(lead: SlicedLead, slicing: ReportSlicing): Record<string, string> & Record<ReportDimension, string> {
  const first = lead.touches[0];
  const traits = Object.fromEntries(Object.entries(slicing.traits).map(([name, trait]) => [traitDimension(name), traitSliceValue(lead.traits[name], trait)]));
  return {
    all: 'all',
    source: sliceValue(first?.source ?? '(direct)'),
    campaign: first === undefined ? NONE : sliceValue(campaignOfTouch(slicing.campaigns, first).id),
    grade: sliceValue(lead.grade),
    scoreBand: scoreBandOf(lead.engagement).label,
    team: sliceValue(lead.owner?.teamId),
    rep: sliceValue(lead.owner?.repId),
    ...traits,
  };
}

/** Stages a lead reaches before sales: nobody owns it yet, so it is sliced by how it came and how it scores. */
const marketingStages = ['visitor', 'known', 'engaged'] as const satisfies readonly Stage[];
/** A new visitor's slices: how it came; its grade, score band and traits are nothing yet. */
const VISITOR_DIMENSIONS: readonly string[] = ['all', 'source', 'campaign'];
/** A lead on marketing's side: how it came, how it scores, and its traits; no team or rep owns it. */
const MARKETING_DIMENSIONS: readonly string[] = ['all', 'source', 'campaign', 'grade', 'scoreBand'];

/** The day (UTC) of an instant, as report items are keyed. */
export const dayOf = (at: string): string => new Date(at).toISOString().slice(0, 10);

/** Stages a lead leaves sales or marketing by: each counted with the stage left and why. */
const leavingStages: readonly Stage[] = ['recycled', 'lost', 'disqualified'];

/** Why a lead left, as counted: the hand-off's decision, else who reported it; never the free text of a reason. */
function leaveReason(change: StageChange): string {
  if (change.decision === 'not-accepted') return 'not-accepted';
  if (change.decision === 'rejected') return 'rejected';
  if (change.to === 'lost' || change.from === 'lost') return 'lost';
  if (change.by?.via !== undefined) return 'crm';
  return change.to;
}

/**
 * The report counts of one save: for each stage change, per slice of the
 * lead as saved, on the change's day. `reached.<stage>` for every stage
 * entered; `left.<from>.<reason>` for a lead going back to marketing or out;
 * `decided.<decision>` for a hand-off's decision (and `decided.in-time`
 * when it came before the owner's deadline: `withinAgreement`; for an
 * acceptance, `accepted.in-time` and `accept.<bucket>`, the time from the
 * hand-off to it in the working time of the rep who decided: acceptanceMs);
 * `pipeline.count` / `won.count` / `lost.count` with the deal's amount in
 * minor units per currency (`pipeline.EUR`, `revenue.EUR`). A new lead counts
 * `reached.visitor` on the day it was first seen. Counts before the lead
 * reaches mql are kept only in the slices that tell such leads apart (no team
 * or rep owns them; a new visitor has no grade, score or traits yet): each
 * slice is two writes. The configured traits are kept from `known` on.
 * `ownerBefore` is the owner the lead had before the save (its team and rep
 * slices when the save takes the lead from them). A hand-off's decision, a
 * win and a loss count under the score band the lead had when it was handed
 * off (handOffBand), when scoring recorded it: calibration is per band at
 * hand-off, not at the decision.
 */
export function reportCounts(
  after: SlicedLead & Pick<Lead, 'createdAt' | 'deal' | 'stageHistory'>,
  changes: readonly StageChange[],
  created: boolean,
  slicing: ReportSlicing,
  ownerBefore?: Lead['owner'],
): ReportCount[] {
  const byKey = new Map<string, ReportCount>();
  // A lead that leaves sales (rejected, not accepted, recycled) has no owner once saved: its changes count for the
  // team and rep that had it, so each rep's decisions, not only the acceptances, are in the rep's slices.
  const slices = Object.entries(leadSlices(after.owner === undefined && ownerBefore !== undefined ? { ...after, owner: ownerBefore } : after, slicing));
  const traits = Object.keys(slicing.traits).map(traitDimension);
  const marketing = [...MARKETING_DIMENSIONS, ...traits];
  const everything = [...reportDimensions, ...traits];
  let dimensions: readonly string[] = everything;
  // the score band a change is counted under: the lead's as saved, or for a hand-off's decision and its deal the band at hand-off
  let scoreBand: string | undefined;
  const add = (at: string, name: string, n = 1) => {
    const day = dayOf(at);
    for (const [dimension, sliced] of slices) {
      if (!dimensions.includes(dimension)) continue;
      const value = dimension === 'scoreBand' && scoreBand !== undefined ? scoreBand : sliced;
      const slice = `${dimension}=${value}`;
      const key = `${day}|${slice}`;
      const count = byKey.get(key) ?? { day, slice, counts: {} };
      count.counts[name] = (count.counts[name] ?? 0) + n;
      byKey.set(key, count);
    }
  };
  // Each count goes only to the slices that can tell leads apart at that point (every slice is two writes).
  dimensions = VISITOR_DIMENSIONS;
  if (created) add(after.createdAt, 'reached.visitor');
  for (const change of changes) {
    dimensions = (marketingStages as readonly Stage[]).includes(change.to) ? marketing : everything;
    scoreBand = change.decision !== undefined || change.to === 'won' || change.to === 'lost' ? handOffBand(after, change) : undefined;
    add(change.at, `reached.${change.to}`);
    // the time spent in the stage left, from when the lead entered it (a histogram: report-counts are sums)
    const entered = enteredAt(after, change);
    if (entered !== undefined) add(change.at, `dwell.${change.from}.${bucketOf(Math.max(0, Date.parse(change.at) - Date.parse(entered)))}`);
    if (leavingStages.includes(change.to)) add(change.at, `left.${change.from}.${leaveReason(change)}`);
    if (change.decision !== undefined) {
      add(change.at, `decided.${change.decision}`);
      if (change.withinAgreement === true) add(change.at, 'decided.in-time');
      if (change.decision === 'accepted') {
        if (change.withinAgreement === true) add(change.at, 'accepted.in-time');
        if (entered !== undefined) add(change.at, `accept.${bucketOf(acceptanceMs(entered, change.at, change.by?.repId ?? after.owner?.repId, slicing.calendars))}`);
      }
    }
    const deal = after.deal;
    const amount = deal?.amount !== undefined && deal.currency !== undefined ? minorUnits(deal.amount, deal.currency) : undefined;
    if (change.to === 'opportunity') {
      add(change.at, 'pipeline.count');
      if (amount !== undefined) add(change.at, `pipeline.${deal!.currency}`, amount);
    }
    if (change.to === 'won') {
      add(change.at, 'won.count');
      if (amount !== undefined) add(change.at, `revenue.${deal!.currency}`, amount);
    }
    if (change.to === 'lost') add(change.at, 'lost.count');
  }
  return [...byKey.values()];
}

/**
 * The score band of the lead when it was handed off: its engagement recorded
 * on the latest change into mql before this change (scoring records it);
 * undefined when none was recorded (a hand-off before it was, or the CRM's).
 */
export function handOffBand(lead: Pick<Lead, 'stageHistory'>, change: StageChange): string | undefined {
  const handOff = lead.stageHistory.findLast((c) => c.to === 'mql' && c !== change && c.at <= change.at);
  return handOff?.engagement === undefined ? undefined : scoreBandOf(handOff.engagement).label;
}

/**
 * The time to accept: from the hand-off (the lead entering mql) to the
 * acceptance, in the working time of the rep who decided (the hours the
 * agreement's acceptance clock counts): a lead handed over on Friday evening
 * and accepted on Monday at 09:30 took half an hour. A rep config/ no longer
 * knows, or no rep, counts on the default calendar (UTC). The scorecard's
 * recomputation from stored history uses this same function.
 */
export function acceptanceMs(handedAt: string, acceptedAt: string, repId: string | undefined, calendars: RepCalendars | undefined): number {
  const calendar = calendars && repId !== undefined ? calendarOrDefault(calendars, repId).calendar : defaultCalendar();
  return workingMsBetween(new Date(handedAt), new Date(acceptedAt), calendar);
}

/**
 * When the lead entered the stage a change leaves: the latest change into it
 * before this one in its history, or its creation for `visitor`; undefined
 * when its history does not say (a sales-sourced lead's entry).
 */
function enteredAt(lead: Pick<Lead, 'stageHistory' | 'createdAt'>, change: StageChange): string | undefined {
  const index = lead.stageHistory.indexOf(change);
  const earlier = index === -1 ? lead.stageHistory.filter((c) => c.at <= change.at && c !== change) : lead.stageHistory.slice(0, index);
  const into = earlier.findLast((c) => c.to === change.from);
  if (into) return into.at;
  return change.from === 'visitor' ? lead.createdAt : undefined;
}

/** Currencies without minor units (ISO 4217 exponent 0); every other is counted in hundredths. */
const WHOLE_UNIT_CURRENCIES = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);

/** An amount in the currency's minor units, as counters add them: integers, so sums are exact. */
export function minorUnits(amount: number, currency: string): number {
  return WHOLE_UNIT_CURRENCIES.has(currency) ? Math.round(amount) : Math.round(amount * 100);
}

/** An amount counted in minor units, back in the currency's units. */
export function fromMinorUnits(minor: number, currency: string): number {
  return WHOLE_UNIT_CURRENCIES.has(currency) ? minor : minor / 100;
}

/**
 * The report counts of a rep's feedback, on the day it was given, for all,
 * the rep's team and the rep: `feedback.given`, per occasion, per rating
 * (`rating.1` … `rating.5`) and per reason ticked; and `feedback.covered` for
 * the first feedback on its hand-off (the cycle), so coverage is hand-offs
 * with feedback ÷ hand-offs decided, per rep and team.
 */
export function feedbackCounts(entry: Pick<FeedbackEntry, 'occasion' | 'rating' | 'reasons' | 'repId' | 'at'>, teamId: string | undefined, firstOnHandOff: boolean): ReportCount[] {
  const counts: Record<string, number> = { 'feedback.given': 1, [`feedback.${entry.occasion}`]: 1, [`rating.${entry.rating}`]: 1 };
  for (const reason of new Set(entry.reasons)) counts[`reason.${entry.occasion}.${reason}`] = 1;
  if (firstOnHandOff) counts['feedback.covered'] = 1;
  return ownerReportCounts(entry.at, teamId, entry.repId, counts);
}

/**
 * Counts of what a rep did or missed (feedback, an activity, a deadline), on
 * the day it happened, for all, the rep's team and the rep: the slices the
 * service-agreement scorecard reads.
 */
export function ownerReportCounts(at: string, teamId: string | undefined, repId: string | undefined, counts: Readonly<Record<string, number>>): ReportCount[] {
  const day = dayOf(at);
  return [`all=all`, `team=${sliceValue(teamId)}`, `rep=${sliceValue(repId)}`].map((slice) => ({ day, slice, counts: { ...counts } }));
}
