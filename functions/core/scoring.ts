import * as z from './zod.ts';
import { EventType, type EventTypeName } from './event-types.ts';

/**
 * The scoring model: the shared, versioned definition of a qualified lead.
 * It is data (config/scoring-model.json), validated here, and every score
 * records the version that produced it.
 */

const grades = ['A', 'B', 'C', 'D'] as const;
export const gradeSchema = z.enum(grades);
export type Grade = z.infer<typeof gradeSchema>;

const ruleId = () => z.string().check(z.regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'));
const nonEmpty = () => z.string().check(z.minLength(1));

const engagementRuleSchema = z.strictObject({
  id: ruleId(),
  description: nonEmpty(),
  match: z.strictObject({
    type: z.enum([EventType.track, EventType.page, EventType.identify]),
    event: z.optional(nonEmpty()),
    /** substring of the page URL or path */
    urlPattern: z.optional(nonEmpty()),
    properties: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  }),
  points: z.number().check(z.int(), z.refine((n) => n !== 0, 'points must not be 0')),
  halfLifeDays: z.optional(z.number().check(z.positive())),
  cap: z.optional(z.strictObject({ points: z.number().check(z.int(), z.positive()), periodDays: z.number().check(z.positive()) })),
});

const fitTestSchema = z.union([
  z.strictObject({ exists: z.literal(true) }),
  z.strictObject({ notFreeMail: z.literal(true) }),
  /** a number within a band, both ends included (company size, revenue): min, max or both */
  z
    .strictObject({ min: z.optional(z.number()), max: z.optional(z.number()) })
    .check(z.refine((test) => test.min !== undefined || test.max !== undefined, 'give min, max or both')),
  z.strictObject({ keywords: z.array(nonEmpty()).check(z.minLength(1)) }),
  z.strictObject({ oneOf: z.array(nonEmpty()).check(z.minLength(1)) }),
]);

const fitRuleSchema = z.strictObject({
  id: ruleId(),
  description: nonEmpty(),
  trait: nonEmpty(),
  test: fitTestSchema,
  points: z.number().check(z.int()),
});

export const scoringModelSchema = z
  .strictObject({
    version: nonEmpty(),
    engagement: z.strictObject({
      /** engagement at which a known lead counts as engaged */
      engagedThreshold: z.number().check(z.positive()),
      rules: z.array(engagementRuleSchema).check(z.minLength(1)),
    }),
    fit: z.strictObject({
      rules: z.array(fitRuleSchema),
      /** minimum fit points for each grade; below C is D */
      grades: z.strictObject({ A: z.number(), B: z.number(), C: z.number() }),
    }),
    qualification: z.strictObject({
      minGrade: gradeSchema,
      minEngagement: z.number().check(z.positive()),
      /**
       * Other ways to qualify, by activity rather than score: at least
       * `atLeast` events scored by engagement rule `rule` within
       * `withinDays`, by a lead of grade `minGrade` or better (any grade when absent).
       */
      orActivity: z.optional(
        z.array(
          z.strictObject({
            rule: nonEmpty(),
            atLeast: z.number().check(z.int(), z.positive()),
            withinDays: z.number().check(z.positive()),
            minGrade: z.optional(gradeSchema),
          }),
        ),
      ),
    }),
  })
  .check(
    z.superRefine((model, ctx) => {
      const { A, B, C } = model.fit.grades;
      if (!(A > B && B > C)) {
        ctx.addIssue({ code: 'custom', path: ['fit', 'grades'], message: 'grade thresholds must satisfy A > B > C' });
      }
      const seen = new Set<string>();
      model.engagement.rules.forEach((rule, i) => {
        if (seen.has(rule.id)) {
          ctx.addIssue({ code: 'custom', path: ['engagement', 'rules', i, 'id'], message: `duplicate rule id "${rule.id}"` });
        }
        seen.add(rule.id);
      });
      model.qualification.orActivity?.forEach((activity, i) => {
        if (!seen.has(activity.rule)) {
          ctx.addIssue({
            code: 'custom',
            path: ['qualification', 'orActivity', i, 'rule'],
            message: `no engagement rule "${activity.rule}" (rules: ${[...seen].join(', ')})`,
          });
        }
      });
    }),
  );

export type ScoringModel = z.infer<typeof scoringModelSchema>;
export type EngagementRule = ScoringModel['engagement']['rules'][number];

/** What scoring needs to know about an event; a stored event maps onto it. */
export interface ScorableEvent {
  messageId: string;
  type: EventTypeName;
  event?: string;
  url?: string;
  properties?: Record<string, unknown>;
  /** ISO-8601, already corrected for client clock skew */
  timestamp: string;
}

/** One line of the score ledger: why a lead has the points it has. */
export interface LedgerEntry {
  ruleId: string;
  messageId: string;
  /** points as awarded (0 when a cap swallowed them) */
  points: number;
  at: string;
  halfLifeDays?: number;
  modelVersion: string;
  capped?: true;
  /**
   * on a capped entry, the points the rule would have awarded without the cap,
   * so the entry can take them back when an earlier event, arriving late,
   * re-allocates the cap (see addToLedger); entries written before this field
   * existed take the rule's points
   */
  base?: number;
  /** how many events this entry stands for once older entries were compacted (1 when absent) */
  events?: number;
  /** on a folded entry (see foldLedger), the earliest event it stands for, so rules keep their order of first appearance */
  first?: { at: string; messageId: string };
}

const DAY_MS = 86_400_000;

export function ruleMatches(rule: EngagementRule, event: ScorableEvent): boolean {
  const { match } = rule;
  if (match.type !== event.type) return false;
  if (match.event !== undefined && match.event !== event.event) return false;
  if (match.urlPattern !== undefined && !(event.url ?? '').includes(match.urlPattern)) return false;
  if (match.properties) {
    for (const [key, expected] of Object.entries(match.properties)) {
      if (event.properties?.[key] !== expected) return false;
    }
  }
  return true;
}

/** Whether a ledger entry comes before an event's entries in time order (then messageId). */
function entryBefore(entry: LedgerEntry, at: string, messageId: string): boolean {
  return entry.at < at || (entry.at === at && entry.messageId < messageId);
}

/**
 * Ledger entries an event earns, given the ledger so far (for caps).
 * Caps count the points a rule already awarded within `periodDays` before the
 * event: entries earlier in time order (time, then messageId), so entries of
 * events that came before it but happened after it do not count.
 */
export function scoreEvent(model: ScoringModel, ledger: readonly LedgerEntry[], event: ScorableEvent): LedgerEntry[] {
  const at = Date.parse(event.timestamp);
  // one form for every timestamp in the ledger, so they compare as strings
  const atIso = new Date(at).toISOString();
  const entries: LedgerEntry[] = [];
  for (const rule of model.engagement.rules) {
    if (!ruleMatches(rule, event)) continue;
    let points = rule.points;
    let capped = false;
    if (rule.cap && points > 0) {
      // Stored timestamps are all ISO-8601 in UTC with milliseconds, so they compare as strings:
      // no date parsing per ledger entry, which long histories would pay for every event.
      const since = new Date(at - rule.cap.periodDays * DAY_MS).toISOString();
      let awarded = 0;
      // folded entries (foldLedger, foldBefore) stand before any cap's window, or hold 0 points
      for (const e of ledger) if (e.ruleId === rule.id && e.events === undefined && e.at > since && entryBefore(e, atIso, event.messageId)) awarded += e.points;
      const room = Math.max(0, rule.cap.points - awarded);
      if (points > room) {
        points = room;
        capped = true;
      }
    }
    entries.push({
      ruleId: rule.id,
      messageId: event.messageId,
      points,
      at: atIso,
      modelVersion: model.version,
      ...(rule.halfLifeDays !== undefined && { halfLifeDays: rule.halfLifeDays }),
      ...(capped && { capped: true as const, base: rule.points }),
    });
  }
  return entries;
}

/**
 * Takes an event into the ledger: its entries go in at their place in time
 * order (time, then messageId), and when the event happened before entries of
 * a capped rule it scored, that rule's cap is re-allocated in time order from
 * the event on: a later entry gives back what the event now takes, or takes
 * back what it had given up. So the ledger is the same whatever order events
 * arrive in, and however they are batched: that of the events in time order.
 * Entries folded by foldBefore or foldLedger stand as they are (caps do not look that far
 * back; only an event arriving later than the model's look-back meets them).
 * Changes `ledger` in place.
 */
export function addToLedger(model: ScoringModel, ledger: LedgerEntry[], event: ScorableEvent): void {
  const entries = scoreEvent(model, ledger, event);
  const first = entries[0];
  if (!first) return;
  let index = ledger.length;
  while (index > 0 && ledger[index - 1]!.events === undefined && !entryBefore(ledger[index - 1]!, first.at, first.messageId)) index -= 1;
  ledger.splice(index, 0, ...entries);
  const later = ledger.slice(index + entries.length);
  for (const entry of entries) {
    const rule = model.engagement.rules.find((r) => r.id === entry.ruleId);
    if (rule?.cap && rule.points > 0 && later.some((e) => e.ruleId === rule.id)) reallocateCap(rule, rule.cap, ledger, entry);
  }
}

/** Re-allocates a capped rule's points in time order, for the entries after `from`. */
function reallocateCap(rule: EngagementRule, cap: NonNullable<EngagementRule['cap']>, ledger: readonly LedgerEntry[], from: LedgerEntry): void {
  const ofRule = ledger
    .filter((e) => e.ruleId === rule.id)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  const periodMs = cap.periodDays * DAY_MS;
  const start = ofRule.indexOf(from);
  // a window (at − period, at] slides over the rule's entries: `awarded` holds the points of those in it before entry k
  let oldest = 0;
  let awarded = 0;
  for (let k = 0; k < ofRule.length; k++) {
    const entry = ofRule[k]!;
    const since = new Date(Date.parse(entry.at) - periodMs).toISOString();
    while (oldest < k && ofRule[oldest]!.at <= since) awarded -= ofRule[oldest++]!.points;
    if (k > start && entry.events === undefined) {
      const base = entry.base ?? (entry.capped ? rule.points : entry.points);
      if (base > 0) {
        const points = Math.min(base, Math.max(0, cap.points - awarded));
        entry.points = points;
        if (points < base) {
          entry.capped = true;
          entry.base = base;
        } else {
          delete entry.capped;
          delete entry.base;
        }
      }
    }
    awarded += entry.points;
  }
}

/** The value of one ledger entry at `now`: exact exponential decay by its half-life. */
export function decayedPoints(entry: LedgerEntry, now: Date): number {
  if (entry.halfLifeDays === undefined) return entry.points;
  const ageDays = Math.max(0, now.getTime() - Date.parse(entry.at)) / DAY_MS;
  return entry.points * 2 ** (-ageDays / entry.halfLifeDays);
}

/** Engagement at `now`, computed from the ledger: no nightly job, exact at any instant. */
export function engagementAt(ledger: readonly LedgerEntry[], now: Date): number {
  const total = ledger.reduce((sum, entry) => sum + decayedPoints(entry, now), 0);
  return Math.round(total * 100) / 100;
}


/** How far back caps and activity rules look: entries older than this are only ever read for their decayed points. */
export function lookBackDays(model: ScoringModel): number {
  return Math.max(
    1,
    ...model.engagement.rules.map((rule) => rule.cap?.periodDays ?? 0),
    ...(model.qualification.orActivity ?? []).map((activity) => activity.withinDays),
  );
}

/**
 * The rules whose entries are read one by one, not only for their decayed
 * points and counts: capped rules (a cap counts the points its rule awarded
 * in its period, and a late event re-allocates them) and the rules of an
 * activity qualification (they count events within days).
 */
export function rulesReadOneByOne(model: ScoringModel): Set<string> {
  return new Set([
    ...model.engagement.rules.filter((rule) => rule.cap && rule.points > 0).map((rule) => rule.id),
    ...(model.qualification.orActivity ?? []).map((activity) => activity.rule),
  ]);
}

/**
 * How late an event may arrive (how far before the lead's latest event it
 * happened) and still be scored exactly against a folded ledger: its cap
 * looks back at most the model's look-back from its own instant, and
 * foldLedger keeps that much and this margin. An event older than that
 * (foldedLedgerCovers says so) needs its capped rules' entries read back
 * from the events' markers.
 */
export const LATE_EVENT_DAYS = 2;

/** Whether an event at `eventAt` is scored exactly against a ledger folded at `foldedAt` (see LATE_EVENT_DAYS). */
export function foldedLedgerCovers(foldedAt: string, eventAt: string): boolean {
  return Date.parse(eventAt) >= Date.parse(foldedAt) - LATE_EVENT_DAYS * DAY_MS;
}

/**
 * The ledger in the bounded form a profile can keep, exactly: what is only
 * ever read for its decayed points and counts becomes one entry per rule,
 * half-life and model version (and side of `keepApartAt`, the instant a lead
 * was last recycled, whose engagement since is read on its own), standing at
 * the latest of its events with their points decayed to that instant, and
 * remembering its earliest event (`first`) and how many it stands for
 * (`events`). Exponential decay composes, so engagement, the breakdown and
 * the reasons at `now` and at any later instant are those of the whole
 * ledger. Kept one by one: the entries of the rules caps and activity
 * qualifications read (rulesReadOneByOne) within the model's look-back and
 * LATE_EVENT_DAYS before `now`, in time order; so the kept part is bounded by the model
 * (how many events of those rules fall within the look-back), not by how long
 * the lead has been active. Folding again folds the folded entries with the
 * new ones, so it composes too. Only an event later than LATE_EVENT_DAYS
 * meets folded entries of a capped rule (foldedLedgerCovers).
 */
export function foldLedger(ledger: readonly LedgerEntry[], model: ScoringModel, now: Date, keepApartAt = ''): LedgerEntry[] {
  const horizon = ledgerHorizon(model, now.toISOString());
  const oneByOne = rulesReadOneByOne(model);
  return foldWhere(ledger, (entry) => oneByOne.has(entry.ruleId) && entry.at >= horizon, keepApartAt);
}

/**
 * Where a ledger scored up to `scoredAt` may start folding: the model's
 * look-back and LATE_EVENT_DAYS before it. An event that happened at or after
 * `scoredAt` − LATE_EVENT_DAYS looks back (caps, activity rules) no further.
 */
export function ledgerHorizon(model: ScoringModel, scoredAt: string): string {
  return new Date(Date.parse(scoredAt) - (lookBackDays(model) + LATE_EVENT_DAYS) * DAY_MS).toISOString();
}

/**
 * The ledger with every entry before `horizon` folded (one entry per rule,
 * half-life, model version and side of `keepApartAt`, as foldLedger folds)
 * and every entry from `horizon` on kept as it is, in time order after the
 * folded ones. Engagement, breakdown and reasons at any instant from the
 * latest folded event on are those of the whole ledger; caps and activity
 * rules of an event at or after `horizon` + the model's look-back read only
 * kept entries. The lead store keeps the folded part in the lead's score item
 * and the kept part in the events' markers (see docs/decisions.md).
 */
export function foldBefore(ledger: readonly LedgerEntry[], horizon: string, keepApartAt = ''): LedgerEntry[] {
  return foldWhere(ledger, (entry) => entry.at >= horizon, keepApartAt);
}

/** Folds every entry `keep` does not keep (see foldLedger); kept entries follow the folded ones in their order. */
function foldWhere(ledger: readonly LedgerEntry[], keep: (entry: LedgerEntry) => boolean, keepApartAt: string): LedgerEntry[] {
  const kept: LedgerEntry[] = [];
  const groups = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) {
    if (entry.events === undefined && keep(entry)) {
      kept.push(entry);
      continue;
    }
    const side = keepApartAt !== '' && entry.at > keepApartAt ? 'after' : 'before';
    const key = `${entry.ruleId}\u0000${entry.halfLifeDays ?? ''}\u0000${entry.modelVersion}\u0000${side}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const folded = [...groups.values()].map((group): LedgerEntry => {
    const head = group[0]!;
    const at = group.reduce((latest, e) => (e.at > latest ? e.at : latest), head.at);
    const points = group.reduce((sum, e) => sum + decayedPoints(e, new Date(at)), 0);
    const first = group
      .map((e) => e.first ?? { at: e.at, messageId: e.messageId })
      .reduce((a, b) => (b.at < a.at || (b.at === a.at && b.messageId < a.messageId) ? b : a));
    return {
      ruleId: head.ruleId,
      messageId: `folded:${head.ruleId}:${at}`,
      points,
      at,
      modelVersion: head.modelVersion,
      ...(head.halfLifeDays !== undefined && { halfLifeDays: head.halfLifeDays }),
      events: group.reduce((n, e) => n + (e.events ?? 1), 0),
      first,
    };
  });
  return [...folded, ...kept];
}

/** One rule's share of a lead's engagement at an instant. */
export interface ScoreContribution {
  ruleId: string;
  description: string;
  /** the rule's points at that instant, after decay */
  points: number;
  /** how many events the rule scored (capped ones included) */
  count: number;
}

/**
 * Decayed points and event counts per rule, unrounded, in the order rules
 * first appear in the ledger. A folded entry (foldLedger) stands where its
 * earliest event stood, so a folded ledger lists rules in the same order as
 * the ledger it was folded from.
 */
function contributionsByRule(model: ScoringModel, ledger: readonly LedgerEntry[], now: Date): ScoreContribution[] {
  const byRule = new Map<string, { points: number; count: number; firstAt: string; firstId: string; index: number }>();
  ledger.forEach((entry, index) => {
    const firstAt = entry.first?.at ?? entry.at;
    const firstId = entry.first?.messageId ?? entry.messageId;
    const current = byRule.get(entry.ruleId) ?? { points: 0, count: 0, firstAt, firstId, index };
    current.points += decayedPoints(entry, now);
    current.count += entry.events ?? 1;
    if (entry.first && (firstAt < current.firstAt || (firstAt === current.firstAt && firstId < current.firstId))) {
      current.firstAt = firstAt;
      current.firstId = firstId;
    }
    byRule.set(entry.ruleId, current);
  });
  const folded = ledger.some((entry) => entry.first !== undefined);
  // Without folded entries the ledger's own order is the order of first appearance (compacted entries lead it).
  const ordered = folded
    ? [...byRule.entries()].sort(([, a], [, b]) => (a.firstAt < b.firstAt ? -1 : a.firstAt > b.firstAt ? 1 : a.firstId < b.firstId ? -1 : a.firstId > b.firstId ? 1 : a.index - b.index))
    : [...byRule.entries()];
  return ordered.map(([ruleId, { points, count }]) => ({
    ruleId,
    // a rule removed from the model since keeps its points in the ledger; its id is all we can show
    description: model.engagement.rules.find((r) => r.id === ruleId)?.description ?? ruleId,
    points,
    count,
  }));
}

/**
 * Every rule behind a lead's engagement at `now`, points taken away included,
 * largest first. Points are rounded the way engagement is (two decimals), so
 * the breakdown adds up to `engagementAt` within rounding.
 */
export function scoreBreakdown(model: ScoringModel, ledger: readonly LedgerEntry[], now: Date): ScoreContribution[] {
  return contributionsByRule(model, ledger, now)
    .map((c) => ({ ...c, points: Math.round(c.points * 100) / 100 }))
    .sort((a, b) => b.points - a.points || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
}

/** The biggest contributors to a lead's engagement at `now`, by rule. */
export function topReasons(model: ScoringModel, ledger: readonly LedgerEntry[], now: Date, limit = 3): ScoreContribution[] {
  return contributionsByRule(model, ledger, now)
    .map((c) => ({ ...c, points: Math.round(c.points * 10) / 10 }))
    .filter((r) => r.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, limit);
}

const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com',
  'aol.com', 'icloud.com', 'me.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com', 'mail.com',
]);

function fitRulePasses(test: z.infer<typeof fitTestSchema>, value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if ('exists' in test) return true;
  if ('notFreeMail' in test) {
    const domain = String(value).split('@')[1]?.toLowerCase();
    return domain !== undefined && !FREE_MAIL.has(domain);
  }
  const text = String(value).toLowerCase();
  if ('keywords' in test) return test.keywords.some((k) => text.split(/[^a-z0-9]+/).includes(k.toLowerCase()));
  if ('oneOf' in test) return test.oneOf.some((v) => v.toLowerCase() === text);
  const number = Number(value);
  if (!Number.isFinite(number)) return false;
  return (test.min === undefined || number >= test.min) && (test.max === undefined || number <= test.max);
}

export interface FitResult {
  grade: Grade;
  points: number;
  reasons: { ruleId: string; description: string; points: number }[];
}

export function fitGrade(model: ScoringModel, traits: Readonly<Record<string, unknown>>): FitResult {
  const reasons = model.fit.rules
    .filter((rule) => fitRulePasses(rule.test, traits[rule.trait]))
    .map((rule) => ({ ruleId: rule.id, description: rule.description, points: rule.points }));
  const points = reasons.reduce((sum, r) => sum + r.points, 0);
  const { A, B, C } = model.fit.grades;
  const grade: Grade = points >= A ? 'A' : points >= B ? 'B' : points >= C ? 'C' : 'D';
  return { grade, points, reasons };
}

/** A is best: grade "at least B" means A or B. */
export function gradeAtLeast(grade: Grade, minimum: Grade): boolean {
  return grades.indexOf(grade) <= grades.indexOf(minimum);
}

export function isQualified(model: ScoringModel, grade: Grade, engagement: number): boolean {
  return gradeAtLeast(grade, model.qualification.minGrade) && engagement >= model.qualification.minEngagement;
}

export type ActivityRule = NonNullable<ScoringModel['qualification']['orActivity']>[number];

/**
 * The first activity rule of the model a lead meets at `now`: enough events
 * scored by one engagement rule (capped ones count: they happened) within
 * the rule's days, at the grade it asks for. Undefined when none is met.
 */
export function qualifyingActivity(
  model: ScoringModel,
  grade: Grade,
  ledger: readonly LedgerEntry[],
  now: Date,
): { rule: ActivityRule; count: number } | undefined {
  for (const rule of model.qualification.orActivity ?? []) {
    if (rule.minGrade !== undefined && !gradeAtLeast(grade, rule.minGrade)) continue;
    const since = now.getTime() - rule.withinDays * DAY_MS;
    const events = new Set(
      ledger.filter((e) => e.ruleId === rule.rule && e.events === undefined && Date.parse(e.at) > since && Date.parse(e.at) <= now.getTime()).map((e) => e.messageId),
    );
    if (events.size >= rule.atLeast) return { rule, count: events.size };
  }
  return undefined;
}
