import * as z from './zod.ts';
import type { ActivityKind } from './activities.ts';
import { aggregateValue } from './personal-values.ts';

/**
 * Campaigns, defined once for both teams (config/campaigns.json): what each
 * one is (email, paid media, social, an event, content, a sales asset), who
 * owns it, when it runs, what it cost, and the rules that map touches to it.
 * Matching is pure: a marketing touch, a tracked event or a sales activity in,
 * the campaign it counts for out.
 *
 * - The first campaign in the file whose rules match, within its dates, wins:
 *   two campaigns may overlap (a broad "all paid search" after a narrow
 *   "spring search"), and the order says which is meant.
 * - A touch no defined campaign claims is still reported, never dropped: under
 *   its UTM campaign name, else its source, with `defined: false` and type
 *   `not-defined` (see campaignOfTouch).
 */

export const campaignTypes = ['email', 'paid', 'social', 'event', 'content', 'sales'] as const;
export type CampaignType = (typeof campaignTypes)[number];

/** The type a touch that matches no defined campaign is reported under. */
export const NOT_DEFINED = 'not-defined';

/**
 * The activity kinds a rule can name: activities.ts's, written out so that
 * every function loading the config (ingest too) does not bundle the
 * activity and outcome schemas for them; a test holds the two lists equal.
 */
export const campaignActivityKinds = ['call', 'email', 'meeting'] as const satisfies readonly ActivityKind[];
/** Larger than any cost, and exact as a double; as deal amounts (crm-outcomes.ts MAX_AMOUNT). */
const MAX_COST = 1e15;

const nonEmpty = () => z.string().check(z.minLength(1, 'must not be empty'));

const idSchema = z.string().check(z.regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes (it is kept in reports; do not rename one in use)'));

const DATE = z.iso.date();
const DATE_TIME = z.iso.datetime({ offset: true });
const isDate = (value: string) => z.safeParse(DATE, value).success;
/** A campaign's start or end: a day (UTC) or an instant with its offset. */
const whenSchema = z.string().check(
  z.refine(
    (value) => isDate(value) || z.safeParse(DATE_TIME, value).success,
    'a date (2026-03-01, a whole day in UTC) or a date-time with its offset (2026-03-01T09:00:00+01:00)',
  ),
);

const DAY_MS = 86_400_000;
/** The first instant a start covers (ms). */
const startMs = (start: string) => Date.parse(isDate(start) ? `${start}T00:00:00Z` : start);
/** The instant after the last one an end covers (ms): a day's end is included whole. */
const endMsExclusive = (end: string) => (isDate(end) ? Date.parse(`${end}T00:00:00Z`) + DAY_MS : Date.parse(end) + 1);

/**
 * A UTM value or a pattern: compared case-insensitively (and trimmed), `*`
 * stands for any run of characters (`spring-*`). A field a rule gives must be
 * on the touch: `*` alone means "any value, but one".
 */
const patternSchema = nonEmpty();

const utmFields = ['source', 'medium', 'campaign', 'content', 'term'] as const;
type UtmField = (typeof utmFields)[number];

const utmRuleSchema = z
  .strictObject({
    source: z.optional(patternSchema),
    medium: z.optional(patternSchema),
    campaign: z.optional(patternSchema),
    content: z.optional(patternSchema),
    term: z.optional(patternSchema),
  })
  .check(
    z.superRefine((rule, ctx) => {
      const given = utmFields.filter((field) => rule[field] !== undefined);
      if (given.length === 0) {
        ctx.addIssue({ code: 'custom', path: [], message: `give at least one of ${utmFields.join(', ')}` });
      } else if (given.every((field) => /^\*+$/.test(rule[field]!.trim()))) {
        // Such a rule claims every touch, so nothing would ever be reported as not defined.
        ctx.addIssue({ code: 'custom', path: [], message: 'this rule matches every touch: give at least one value that is not only *' });
      }
    }),
  );

/** A referring site: the host and every subdomain of it (`linkedin.com` covers `www.linkedin.com`). */
const hostSchema = z
  .string()
  .check(
    z.regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z0-9]$/i, 'a host name such as linkedin.com, without https:// or a path'),
  );

const eventRuleSchema = z.strictObject({
  /** the tracked event's name, exactly (as in the scoring model) */
  event: nonEmpty(),
  /** properties the event must carry, each with exactly this value */
  properties: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});

const activityRuleSchema = z
  .strictObject({
    kind: z.optional(z.enum(campaignActivityKinds)),
    /** text the activity's result contains, case-insensitively ("deck" for "sent the pricing deck") */
    resultContains: z.optional(nonEmpty()),
  })
  .check(z.refine((rule) => rule.kind !== undefined || rule.resultContains !== undefined, 'give kind, resultContains or both'));

const matchSchema = z
  .strictObject({
    utm: z.optional(z.array(utmRuleSchema)),
    referrers: z.optional(z.array(hostSchema)),
    events: z.optional(z.array(eventRuleSchema)),
    activities: z.optional(z.array(activityRuleSchema)),
  })
  .check(
    z.refine(
      (match) => (match.utm?.length ?? 0) + (match.referrers?.length ?? 0) + (match.events?.length ?? 0) + (match.activities?.length ?? 0) > 0,
      'give at least one rule: utm, referrers, events or activities',
    ),
  );

const costSchema = z.strictObject({
  /** in the currency's units, as deal amounts are (1200.50) */
  amount: z.number().check(z.nonnegative('a cost is not negative'), z.lte(MAX_COST)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code: three capital letters, e.g. EUR')),
});

const campaignSchema = z
  .strictObject({
    /** stable: reports keep it */
    id: idSchema,
    /** what both teams call it */
    name: nonEmpty(),
    type: z.enum(campaignTypes),
    /** who runs it: a person or a team */
    owner: nonEmpty(),
    start: whenSchema,
    /** the last day (included whole) or instant; open-ended when absent */
    end: z.optional(whenSchema),
    cost: z.optional(costSchema),
    match: matchSchema,
  })
  .check(
    z.superRefine((campaign, ctx) => {
      if (campaign.end !== undefined && endMsExclusive(campaign.end) <= startMs(campaign.start)) {
        ctx.addIssue({ code: 'custom', path: ['end'], message: `the end (${campaign.end}) is before the start (${campaign.start})` });
      }
    }),
  );

export const campaignsSchema = z
  .strictObject({
    /** in order: when two campaigns match the same touch, the first listed wins */
    campaigns: z.array(campaignSchema),
    /** how pipeline and revenue are credited to touches: the time-decay model's half-life (default 7 days) */
    attribution: z.optional(z.strictObject({ timeDecayHalfLifeDays: z.number().check(z.positive(), z.lte(3650)) })),
  })
  .check(
    z.superRefine((config, ctx) => {
      const ids = new Map<string, number>();
      const names = new Map<string, number>();
      config.campaigns.forEach((campaign, c) => {
        const sameId = ids.get(campaign.id);
        if (sameId !== undefined) ctx.addIssue({ code: 'custom', path: ['campaigns', c, 'id'], message: `duplicate id "${campaign.id}" (also campaigns[${sameId}])` });
        else ids.set(campaign.id, c);
        // Both teams must mean one campaign by a name, whatever its case.
        const name = campaign.name.trim().toLowerCase();
        const sameName = names.get(name);
        if (sameName !== undefined) ctx.addIssue({ code: 'custom', path: ['campaigns', c, 'name'], message: `duplicate name "${campaign.name}" (also campaigns[${sameName}])` });
        else names.set(name, c);
      });
    }),
  );

export type CampaignsConfig = z.infer<typeof campaignsSchema>;
export type Campaign = CampaignsConfig['campaigns'][number];
export type CampaignMatch = Campaign['match'];
export type UtmRule = NonNullable<CampaignMatch['utm']>[number];
export type EventRule = NonNullable<CampaignMatch['events']>[number];
export type ActivityRule = NonNullable<CampaignMatch['activities']>[number];

/**
 * The campaign something counts for. A defined one carries its config id,
 * name and type. One that is not defined (`defined: false`, type
 * `not-defined`) is named after what the touch said, and its id is prefixed
 * by where that came from, so it never collides with a defined id (those have
 * no colon) nor a UTM campaign with a source of the same name:
 * `utm:<campaign>`, `source:<source>`, `sales:<activity kind>`, lower-cased so
 * that `Spring_Sale` and `spring_sale` are one; `name` is as the touch gave it.
 */
export type CampaignRef =
  | { id: string; name: string; type: CampaignType; defined: true }
  | { id: string; name: string; type: typeof NOT_DEFINED; defined: false };

/** What campaign matching reads of a marketing touch (a lead's `Touch`). */
export interface TouchInput {
  at: string;
  source: string;
  medium?: string | undefined;
  campaign?: string | undefined;
  term?: string | undefined;
  content?: string | undefined;
  /** the campaign whose event rule claimed the tracked event this touch is (lead.ts touchOf) */
  campaignId?: string | undefined;
}

/** What it reads of a tracked event (a `StoredEvent`). */
export interface EventInput {
  type: string;
  event?: string | undefined;
  properties?: Record<string, unknown> | undefined;
  timestamp: string;
}

/** What it reads of a sales activity (an `ActivityRecord`). */
export interface ActivityInput {
  kind: ActivityKind;
  at: string;
  result?: string | undefined;
}

interface CompiledCampaign {
  ref: CampaignRef & { defined: true };
  from: number;
  until: number;
  utm: { field: UtmField; pattern: RegExp }[][];
  hosts: string[];
  events: EventRule[];
  activities: { kind?: ActivityKind | undefined; contains?: string | undefined }[];
}

const norm = (value: string) => value.trim().toLowerCase();

/** `spring-*` as an anchored regex over a normalized value; every other character is literal. */
function patternRegex(pattern: string): RegExp {
  const source = norm(pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}

// Compiled once per parsed config (it is parsed once, at start), not per touch.
const compiledConfigs = new WeakMap<CampaignsConfig, CompiledCampaign[]>();

function compiled(config: CampaignsConfig): CompiledCampaign[] {
  let campaigns = compiledConfigs.get(config);
  if (campaigns === undefined) {
    campaigns = config.campaigns.map((campaign) => ({
      ref: { id: campaign.id, name: campaign.name, type: campaign.type, defined: true },
      from: startMs(campaign.start),
      until: campaign.end === undefined ? Infinity : endMsExclusive(campaign.end),
      utm: (campaign.match.utm ?? []).map((rule) =>
        utmFields.flatMap((field) => (rule[field] === undefined ? [] : [{ field, pattern: patternRegex(rule[field]) }])),
      ),
      hosts: (campaign.match.referrers ?? []).map(norm),
      events: campaign.match.events ?? [],
      activities: (campaign.match.activities ?? []).map((rule) => ({ kind: rule.kind, contains: rule.resultContains && norm(rule.resultContains) })),
    }));
    compiledConfigs.set(config, campaigns);
  }
  return campaigns;
}

function runsAt(campaign: CompiledCampaign, at: string): boolean {
  const ms = Date.parse(at);
  return ms >= campaign.from && ms < campaign.until;
}

function firstMatching(config: CampaignsConfig, at: string, matches: (campaign: CompiledCampaign) => boolean): CampaignRef | undefined {
  return compiled(config).find((campaign) => runsAt(campaign, at) && matches(campaign))?.ref;
}

const REFERRAL = 'referral';

function touchMatches(campaign: CompiledCampaign, touch: TouchInput): boolean {
  const utm = campaign.utm.some((rule) =>
    rule.every(({ field, pattern }) => {
      const value = touch[field] === undefined ? '' : norm(touch[field]);
      return value !== '' && pattern.test(value);
    }),
  );
  if (utm) return true;
  // A referral touch (medium `referral`, the referring host as its source) matches the hosts the campaign lists, and their subdomains.
  if (campaign.hosts.length === 0 || touch.medium === undefined || norm(touch.medium) !== REFERRAL) return false;
  const host = norm(touch.source);
  return campaign.hosts.some((listed) => host === listed || host.endsWith(`.${listed}`));
}

/**
 * The campaign a marketing touch counts for: the first defined campaign whose
 * UTM or referrer rules match it, or whose event rule claimed it (a tracked
 * event's touch: `campaignId`), and that runs at the touch's time; else the
 * touch's own UTM campaign (`utm:<name>`), else its source (`source:<host>`
 * for a referral), not defined. Never nothing. A UTM name or source that
 * looks like an email address is named `(personal)` (`utm:(personal)`,
 * personal-values.ts): the id is kept in report keys, which hold no person.
 */
export function campaignOfTouch(config: CampaignsConfig, touch: TouchInput): CampaignRef {
  const defined = firstMatching(config, touch.at, (campaign) => campaign.ref.id === touch.campaignId || touchMatches(campaign, touch));
  if (defined) return defined;
  const campaign = touch.campaign?.trim();
  if (campaign) {
    const name = aggregateValue(campaign);
    return { id: `utm:${name.toLowerCase()}`, name, type: NOT_DEFINED, defined: false };
  }
  const source = aggregateValue(touch.source.trim() || '(none)');
  return { id: `source:${source.toLowerCase()}`, name: source, type: NOT_DEFINED, defined: false };
}

/**
 * The campaign a tracked event counts for (a webinar attended, an ebook
 * downloaded), or undefined: most events are not a campaign's, and an event
 * is counted under a campaign only when one claims it.
 */
export function campaignOfEvent(config: CampaignsConfig, event: EventInput): CampaignRef | undefined {
  if (event.type !== 'track' || event.event === undefined) return undefined;
  return firstMatching(config, event.timestamp, (campaign) =>
    campaign.events.some(
      (rule) =>
        rule.event === event.event && Object.entries(rule.properties ?? {}).every(([key, expected]) => event.properties?.[key] === expected),
    ),
  );
}

/**
 * The campaign a sales activity counts for: the first defined campaign whose
 * activity rules match it (kind, and text its result contains) and that runs
 * at its time; else `sales:<kind>`, not defined. Sales touches count as
 * touches, so an activity is never dropped either.
 */
export function campaignOfActivity(config: CampaignsConfig, activity: ActivityInput): CampaignRef {
  const result = activity.result === undefined ? undefined : norm(activity.result);
  const defined = firstMatching(config, activity.at, (campaign) =>
    campaign.activities.some(
      (rule) => (rule.kind === undefined || rule.kind === activity.kind) && (rule.contains === undefined || (result?.includes(rule.contains) ?? false)),
    ),
  );
  return defined ?? { id: `sales:${activity.kind}`, name: `sales ${activity.kind}`, type: NOT_DEFINED, defined: false };
}

/** Whether two `*` patterns (normalized) can match one same value. */
function patternsIntersect(a: string, b: string): boolean {
  const seen = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    if (i === a.length && j === b.length) return true;
    const key = i * (b.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result = false;
    // a star stands for nothing, or takes the other pattern's next character (a star there too)
    if (a[i] === '*') result = from(i + 1, j) || (j < b.length && from(i, j + 1));
    if (!result && b[j] === '*') result = from(i, j + 1) || (i < a.length && from(i + 1, j));
    if (!result && i < a.length && j < b.length && a[i] !== '*' && b[j] !== '*') result = a[i] === b[j] && from(i + 1, j + 1);
    seen.set(key, result);
    return result;
  };
  return from(0, 0);
}

const utmOverlap = (a: UtmRule, b: UtmRule) =>
  utmFields.every((field) => a[field] === undefined || b[field] === undefined || patternsIntersect(norm(a[field]), norm(b[field])));
const hostOverlap = (a: string, b: string) => {
  const [x, y] = [norm(a), norm(b)];
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
};
const eventOverlap = (a: EventRule, b: EventRule) =>
  a.event === b.event && Object.entries(a.properties ?? {}).every(([key, value]) => b.properties?.[key] === undefined || b.properties[key] === value);
// Two texts can both be in one result, so only the kinds can keep activity rules apart.
const activityOverlap = (a: ActivityRule, b: ActivityRule) => a.kind === undefined || b.kind === undefined || a.kind === b.kind;

function rulesOverlap(a: CampaignMatch, b: CampaignMatch): boolean {
  const any = <T>(x: readonly T[] | undefined, y: readonly T[] | undefined, overlap: (p: T, q: T) => boolean) =>
    (x ?? []).some((p) => (y ?? []).some((q) => overlap(p, q)));
  return (
    any(a.utm, b.utm, utmOverlap) || any(a.referrers, b.referrers, hostOverlap) || any(a.events, b.events, eventOverlap) || any(a.activities, b.activities, activityOverlap)
  );
}

/**
 * Pairs of campaigns one touch, event or activity could match both of (rules
 * of the same kind that can match one same thing, at dates both run): the
 * earlier one in the file wins those. Allowed (a narrow campaign before a
 * broad one is how "everything else" is said), and worth knowing.
 */
export function campaignOverlaps(config: CampaignsConfig): { earlier: string; later: string }[] {
  const campaigns = compiled(config);
  return config.campaigns.flatMap((later, l) =>
    config.campaigns.slice(0, l).flatMap((earlier, e) => {
      const [x, y] = [campaigns[e]!, campaigns[l]!];
      const datesMeet = x.from < y.until && y.from < x.until;
      return datesMeet && rulesOverlap(earlier.match, later.match) ? [{ earlier: earlier.id, later: later.id }] : [];
    }),
  );
}
