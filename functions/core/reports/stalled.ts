import { addWorkingDays } from '../business-hours.ts';
import type { Lead, Owner } from '../lead.ts';
import type { Stage } from '../lifecycle.ts';
import { calendarOrDefault, defaultCalendar, type RepCalendars } from '../rep-calendars.ts';
import type { ServiceAgreement } from '../service-agreement.ts';
import { funnelShardOf, OPEN_STAGE, openStageKey, STAGE_SINCE, STALLED_SHARDS } from '../table-layout.ts';
import * as z from '../zod.ts';

/**
 * Stalled leads: leads that sit in a stage longer than allowed. Which stages
 * are watched, each one's limit (from the service agreement where it says,
 * else `stalledAfterDays`), the index attributes a lead's profile carries
 * while it is in one, and the report's rows. Pure.
 */

/**
 * The stages a lead can stall in: on its way to MQL (engaged), waiting for
 * sales to accept (mql), and worked by sales before it is won or lost (sal,
 * sql, opportunity). Fixed, not configured: the lead store indexes a lead in
 * any of them, so a limit added to the config later finds its leads at once.
 */
export const watchedStages = ['engaged', 'mql', 'sal', 'sql', 'opportunity'] as const satisfies readonly Stage[];
export type WatchedStage = (typeof watchedStages)[number];

export const isWatched = (stage: Stage): stage is WatchedStage => (watchedStages as readonly Stage[]).includes(stage);

/** How long a lead may sit in a stage, and which term of the agreement says so. */
export interface StallLimit {
  stage: WatchedStage;
  /** plain hours; for a limit in working days, the least it can be (N working days never end before N × 24 hours) */
  hours: number;
  /** a limit counted in working days of the lead's owner (sal: the follow-up window), as the sales clocks count it */
  workingDays?: number;
  /** the config field the limit comes from: `acceptWithinHours`, `sales.followUp.withinDays`, `stalledAfterDays.sql` */
  from: string;
}

/**
 * Each watched stage's limit: mql, the time a rep has to accept
 * (`acceptWithinHours`); sal, the follow-up window (`sales.followUp.withinDays`:
 * by then an accepted lead has had every follow-up the agreement asks for, and
 * one not yet sales-qualified has stalled; a missed first contact is the sales
 * clocks' business, not this report's); engaged, sql and opportunity, their
 * `stalledAfterDays`. A stage without a limit is not reported. In stage order.
 */
export function stallLimits(agreement: Pick<ServiceAgreement, 'acceptWithinHours' | 'sales' | 'stalledAfterDays'>): StallLimit[] {
  const days = agreement.stalledAfterDays ?? {};
  const limits: Record<WatchedStage, Omit<StallLimit, 'stage'> | undefined> = {
    engaged: days.engaged === undefined ? undefined : { hours: days.engaged * 24, from: 'stalledAfterDays.engaged' },
    mql: { hours: agreement.acceptWithinHours, from: 'acceptWithinHours' },
    sal: { hours: agreement.sales.followUp.withinDays * 24, workingDays: agreement.sales.followUp.withinDays, from: 'sales.followUp.withinDays' },
    sql: days.sql === undefined ? undefined : { hours: days.sql * 24, from: 'stalledAfterDays.sql' },
    opportunity: days.opportunity === undefined ? undefined : { hours: days.opportunity * 24, from: 'stalledAfterDays.opportunity' },
  };
  return watchedStages.flatMap((stage) => {
    const limit = limits[stage];
    return limit ? [{ stage, ...limit }] : [];
  });
}

/** When the lead entered the stage it is in: its latest change into it, else its creation (a lead the CRM reported first). */
export function enteredStageAt(lead: Pick<Lead, 'stage' | 'stageHistory' | 'createdAt'>): string {
  return lead.stageHistory.findLast((change) => change.to === lead.stage)?.at ?? lead.createdAt;
}

/**
 * The stalled-index attributes of a lead's profile: its stage and shard, and
 * when it entered the stage, while it is in a watched stage; none otherwise
 * (nor for a lead merged into another), so it leaves the sparse index.
 */
export function stalledIndexAttributes(lead: Pick<Lead, 'leadId' | 'stage' | 'stageHistory' | 'createdAt' | 'mergedInto'>): Record<string, string> {
  if (!isWatched(lead.stage) || lead.mergedInto !== undefined) return {};
  return { [OPEN_STAGE]: openStageKey(lead.stage, funnelShardOf(lead.leadId, STALLED_SHARDS)), [STAGE_SINCE]: new Date(enteredStageAt(lead)).toISOString() };
}

/** One stage's part of a stalled-leads read: the leads that entered it before `before`. */
export interface StallCutoff {
  stage: WatchedStage;
  before: string;
}

/**
 * The cutoffs at `now`: a lead that entered a stage before its cutoff has
 * been in it longer than the limit. For a limit in working days the cutoff
 * is the plain-hours lower bound (N × 24 hours: addWorkingDays never ends
 * sooner), so the index read holds every lead that can be past it; the
 * report then keeps only those past the deadline on their owner's calendar
 * (stalledReport).
 */
export function stallCutoffs(limits: readonly StallLimit[], now: Date): StallCutoff[] {
  return limits.map((limit) => ({ stage: limit.stage, before: new Date(now.getTime() - limit.hours * 3_600_000).toISOString() }));
}

export const MAX_STALLED_LIMIT = 200;
export const DEFAULT_STALLED_LIMIT = 50;

const ownerId = z.string().check(z.minLength(1), z.maxLength(100));

/** `GET /v1/reports/stalled?stage=&team=&rep=&limit=`. */
export const stalledQuerySchema = z.strictObject({
  stage: z.optional(z.enum(watchedStages)),
  team: z.optional(ownerId),
  rep: z.optional(ownerId),
  limit: z.optional(z.coerce.number().check(z.int('a whole number'), z.gte(1, 'at least 1'), z.lte(MAX_STALLED_LIMIT, `at most ${MAX_STALLED_LIMIT}`))),
  format: z.optional(z.enum(['json', 'csv'])),
});
export type StalledQuery = z.infer<typeof stalledQuerySchema>;

/** A stalled lead as the index and its profile hold it. */
export interface StalledRecord {
  leadId: string;
  stage: WatchedStage;
  since: string;
  owner?: Owner | undefined;
  email?: string | undefined;
  traits: Record<string, unknown>;
}

export interface StalledLead {
  leadId: string;
  /** lead-supplied text (traits): the name, `firstName lastName`, else null; shown escaped */
  name: string | null;
  /** lead-supplied text (the `company` trait), else null */
  company: string | null;
  email: string | null;
  stage: WatchedStage;
  /** when the lead entered the stage */
  since: string;
  hoursInStage: number;
  /** the limit it passed */
  limit: { hours: number; workingDays?: number; from: string };
  /** who owns it (none before a rep is assigned) */
  owner: { teamId: string; repId: string } | null;
}

export interface StalledReport {
  /** the instant the report was worked out at */
  at: string;
  /** the limit of each stage reported, in stage order */
  limits: StallLimit[];
  filters: { stage: WatchedStage | null; team: string | null; rep: string | null };
  limit: number;
  /** the leads past their stage's limit, longest in stage first (oldest `since`) */
  leads: StalledLead[];
  /** more leads than `limit` have stalled */
  more: boolean;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/** The lead's name as its traits give it: `name`, else `firstName lastName`; null when none is given. */
export function nameOf(traits: Record<string, unknown>): string | null {
  const full = text(traits.name) ?? [text(traits.firstName), text(traits.lastName)].filter((part) => part !== null).join(' ');
  return full === '' ? null : full;
}

/** One row: the record as the lead view shows it, with its time in stage and its limit. */
export function stalledLeadOf(record: StalledRecord, limit: StallLimit, now: Date): StalledLead {
  const hours = (now.getTime() - Date.parse(record.since)) / 3_600_000;
  return {
    leadId: record.leadId,
    name: nameOf(record.traits),
    company: text(record.traits.company),
    email: record.email ?? null,
    stage: record.stage,
    since: record.since,
    hoursInStage: Math.round(hours * 10) / 10,
    limit: { hours: limit.hours, ...(limit.workingDays !== undefined && { workingDays: limit.workingDays }), from: limit.from },
    owner: record.owner ? { teamId: record.owner.teamId, repId: record.owner.repId } : null,
  };
}

/**
 * Whether a record is past its stage's limit at `now`: a limit in working days
 * ends as the sales clock does, addWorkingDays from the stage entry on the
 * owner's calendar (a rep config/ no longer knows, or no owner: the default
 * calendar in UTC), so a lead whose follow-up window is still open is never
 * listed; any other, by plain hours (the cutoff).
 */
function pastLimit(record: StalledRecord, limit: StallLimit, cutoff: string, now: Date, calendars: RepCalendars): boolean {
  if (!(record.since < cutoff)) return false;
  if (limit.workingDays === undefined) return true;
  const calendar = record.owner ? calendarOrDefault(calendars, record.owner.repId).calendar : defaultCalendar();
  return addWorkingDays(new Date(record.since), limit.workingDays, calendar).getTime() < now.getTime();
}

/**
 * The report from the records read (each stage's, past its cutoff, in any
 * order): those still past their stage's limit at `now` (pastLimit) and
 * matching the filters, longest in stage first, at most `limit`; `more` when
 * more were read.
 */
export function stalledReport(input: { records: readonly StalledRecord[]; limits: readonly StallLimit[]; query: StalledQuery; now: Date; calendars: RepCalendars }): StalledReport {
  const { limits, query, now, calendars } = input;
  const limit = query.limit ?? DEFAULT_STALLED_LIMIT;
  const byStage = new Map(limits.map((l) => [l.stage, l]));
  const cutoff = new Map(stallCutoffs(limits, now).map((c) => [c.stage, c.before]));
  const rows = input.records
    .filter((r) => (query.stage === undefined || r.stage === query.stage) && byStage.has(r.stage) && pastLimit(r, byStage.get(r.stage)!, cutoff.get(r.stage)!, now, calendars))
    .filter((r) => (query.team === undefined || r.owner?.teamId === query.team) && (query.rep === undefined || r.owner?.repId === query.rep))
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0));
  return {
    at: now.toISOString(),
    limits: [...limits],
    filters: { stage: query.stage ?? null, team: query.team ?? null, rep: query.rep ?? null },
    limit,
    leads: rows.slice(0, limit).map((r) => stalledLeadOf(r, byStage.get(r.stage)!, now)),
    more: rows.length > limit,
  };
}
