import * as z from './zod.ts';
import {
  addWorkingHours,
  defaultWeeklyHours,
  nextWorkingInstant,
  isWorking,
  weeklyHoursSchema,
  type WeeklyHours,
  type WorkCalendar,
  type AwayRange,
} from './business-hours.ts';
import { countryOf, isCountryCode, leadCountry } from './countries.ts';
import type { Manager, TeamsConfig } from './teams.ts';
import { inBand } from './trait-number.ts';

export { countryOf, leadCountry };

/**
 * Which team and rep a lead goes to. Rules in config/routing.json pick the
 * team (territory, segment, any trait; first match wins; else the default
 * team); within the team a weighted round robin picks the rep, skipping reps
 * who are away or full. When nobody can take the lead it waits in a queue and
 * the manager is told. Every decision says which rule matched and who was
 * skipped and why. Pure: the reps' open-lead counts, calendars and the round
 * robin's state come in, the decision and the next state go out.
 */

// ---------------------------------------------------------------------------------------------
// config/routing.json

const idSchema = z.string().check(z.regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'));
const nonEmpty = () => z.string().check(z.minLength(1));

/** ISO 3166-1 alpha-2, upper case, one Intl knows ("DE", "US", "GB"). */
export const countryCodeSchema = z
  .string()
  .check(z.regex(/^[A-Z]{2}$/, 'a two-letter ISO 3166 country code in capitals, e.g. "DE"'), z.refine((code) => isCountryCode(code), 'not a known ISO 3166 country code'));

/** A test on a trait, with the same words as the scoring model's fit tests. */
const traitTestSchema = z.union([
  z.strictObject({ exists: z.literal(true) }),
  /** one of these values (text compared without case) */
  z.strictObject({ oneOf: z.array(z.union([nonEmpty(), z.number(), z.boolean()])).check(z.minLength(1)) }),
  /** a number within a band, both ends included (employees 50–999): min, max or both; text such as "1,500", "1000+" or "51-200" is read as trait-number.ts says */
  z
    .strictObject({ min: z.optional(z.number()), max: z.optional(z.number()) })
    .check(
      z.refine((test) => test.min !== undefined || test.max !== undefined, 'give min, max or both'),
      z.refine((test) => test.min === undefined || test.max === undefined || test.min <= test.max, { message: 'min must not be above max', path: ['max'] }),
    ),
]);
export type TraitTest = z.infer<typeof traitTestSchema>;

const ruleSchema = z.strictObject({
  id: idSchema,
  /** every condition given must hold; a rule without conditions matches every lead */
  when: z.strictObject({
    /** the lead's country (trait `country`, else `address.country`; a code, name or abbreviation, countries.ts) is one of these */
    country: z.optional(z.array(countryCodeSchema).check(z.minLength(1))),
    /** the lead's country is in one of these regions (named in `regions`) */
    region: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
    /** segment: trait name → test, e.g. `{ "employees": { "min": 1000 }, "industry": { "oneOf": ["software"] } }` */
    traits: z.optional(z.record(nonEmpty(), traitTestSchema)),
  }),
  team: idSchema,
});
export type RoutingRule = z.infer<typeof ruleSchema>;

const repProfileSchema = z.strictObject({
  /** share of the team's leads, relative to the other reps' weights; default 1 (0 takes none) */
  weight: z.optional(z.int().check(z.nonnegative())),
  /** open leads (handed and not accepted, or accepted and not contacted yet) at which the rep is full */
  maxOpenLeads: z.optional(z.int().check(z.positive())),
  /** working hours in the rep's time zone (teams.json); default Monday–Friday 09:00–17:00 */
  hours: z.optional(weeklyHoursSchema),
  /** where the rep's public holidays come from */
  country: z.optional(countryCodeSchema),
  /** ISO 3166-2 subdivision without the country ("BY" for Bavaria), for regional holidays */
  state: z.optional(z.string().check(z.regex(/^[A-Z0-9]{1,3}$/, 'a subdivision code in capitals, e.g. "BY"'))),
});
export type RepProfile = z.infer<typeof repProfileSchema>;

export const routingSchema = z
  .strictObject({
    /** named groups of countries rules can refer to, e.g. `{ "dach": ["DE", "AT", "CH"] }` */
    regions: z.optional(z.record(idSchema, z.array(countryCodeSchema).check(z.minLength(1)))),
    /** tried in order; the first that matches picks the team */
    rules: z.array(ruleSchema),
    /** the team of a lead no rule matches */
    defaultTeam: idSchema,
    /** what a rep not listed under `teams` (or a field left out) gets */
    defaults: z.strictObject({
      weight: z._default(z.int().check(z.nonnegative()), 1),
      maxOpenLeads: z.int().check(z.positive()),
      hours: z._default(weeklyHoursSchema, defaultWeeklyHours as z.infer<typeof weeklyHoursSchema>),
      country: z.optional(countryCodeSchema),
    }),
    /** per team, per rep: weight, cap, hours, holiday country (teams and reps are those of config/teams.json) */
    teams: z._default(z.record(idSchema, z.strictObject({ reps: z.record(idSchema, repProfileSchema) })), {}),
  })
  .check(
    z.superRefine((config, ctx) => {
      config.rules.forEach((rule, r) => {
        (rule.when.region ?? []).forEach((region, i) => {
          if (!config.regions?.[region]) ctx.addIssue({ code: 'custom', path: ['rules', r, 'when', 'region', i], message: `no region "${region}" in "regions"` });
        });
        const first = config.rules.findIndex((other) => other.id === rule.id);
        if (first !== r) ctx.addIssue({ code: 'custom', path: ['rules', r, 'id'], message: `duplicate rule id "${rule.id}"` });
      });
    }),
  );
export type RoutingConfig = z.infer<typeof routingSchema>;

/**
 * Countries whose public holidays differ by subdivision with no national list
 * anyone keeps: the library's country-level dates leave out what each part
 * has (GB: England's Summer bank holiday, Scotland's 2 January), so a rep
 * there needs a `state`. Holiday codes as date-holidays names them.
 */
export const countriesNeedingState: Readonly<Record<string, readonly string[]>> = {
  GB: ['ENG', 'NIR', 'SCT', 'WLS'],
};

/**
 * What routing.json says that teams.json must agree with: every team a rule,
 * the default or a profile names exists, every rep profile is of a rep in
 * that team, and every rep of a country that needs a state
 * ({@link countriesNeedingState}) has one. Issues as `{ path, message }`,
 * paths as in ConfigError.
 */
export function routingIssues(routing: RoutingConfig, teams: TeamsConfig): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const teamIds = new Set(teams.teams.map((t) => t.id));
  routing.rules.forEach((rule, r) => {
    if (!teamIds.has(rule.team)) issues.push({ path: `rules[${r}].team`, message: `no team "${rule.team}" in config/teams.json` });
  });
  if (!teamIds.has(routing.defaultTeam)) issues.push({ path: 'defaultTeam', message: `no team "${routing.defaultTeam}" in config/teams.json` });
  for (const [teamId, profile] of Object.entries(routing.teams)) {
    const team = teams.teams.find((t) => t.id === teamId);
    if (!team) {
      issues.push({ path: `teams.${teamId}`, message: `no team "${teamId}" in config/teams.json` });
      continue;
    }
    for (const repId of Object.keys(profile.reps)) {
      if (!team.reps.some((rep) => rep.id === repId)) issues.push({ path: `teams.${teamId}.reps.${repId}`, message: `no rep "${repId}" in team "${teamId}" of config/teams.json` });
    }
  }
  for (const team of teams.teams) {
    for (const rep of team.reps) {
      const { country, state } = repProfile(routing, team.id, rep.id);
      const states = country === undefined ? undefined : countriesNeedingState[country];
      if (states && state === undefined) {
        issues.push({ path: `teams.${team.id}.reps.${rep.id}.state`, message: `${country}'s public holidays differ by ${states.join(', ')}: give rep "${rep.id}" a "state"` });
      }
    }
  }
  return issues;
}

/** A rep's routing profile with the defaults filled in. */
export interface ResolvedRepProfile {
  weight: number;
  maxOpenLeads: number;
  hours: WeeklyHours;
  country: string | undefined;
  state: string | undefined;
}

export function repProfile(routing: RoutingConfig, teamId: string, repId: string): ResolvedRepProfile {
  const own = routing.teams[teamId]?.reps[repId] ?? {};
  return {
    weight: own.weight ?? routing.defaults.weight,
    maxOpenLeads: own.maxOpenLeads ?? routing.defaults.maxOpenLeads,
    hours: own.hours ?? routing.defaults.hours,
    country: own.country ?? routing.defaults.country,
    state: own.state,
  };
}

/**
 * A rep's calendar for routing and clocks: hours from their profile, time zone
 * from teams.json, public holidays of their country (public-holidays.ts, or
 * dates kept elsewhere) and their time away from the table.
 */
export function repCalendar(profile: Pick<ResolvedRepProfile, 'hours'>, timeZone: string, holidays: readonly string[], away: readonly AwayRange[]): WorkCalendar {
  return { timeZone, week: profile.hours, holidays, away };
}

// ---------------------------------------------------------------------------------------------
// Rules

export interface RoutingLead {
  readonly traits: Readonly<Record<string, unknown>>;
}

export interface TeamMatch {
  teamId: string;
  /** the rule that matched, or `default` when none did */
  rule: { id: string; index: number } | { id: 'default'; index: -1 };
}

export function traitPasses(test: TraitTest, value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if ('exists' in test) return true;
  if ('oneOf' in test) return test.oneOf.some((v) => (typeof v === 'string' ? typeof value === 'string' && v.toLowerCase() === value.trim().toLowerCase() : v === value));
  return inBand(value, test);
}

function ruleMatches(rule: RoutingRule, lead: RoutingLead, routing: RoutingConfig): boolean {
  const country = leadCountry(lead.traits);
  if (rule.when.country && !(country && rule.when.country.includes(country))) return false;
  if (rule.when.region && !(country && rule.when.region.some((region) => routing.regions?.[region]?.includes(country)))) return false;
  for (const [trait, test] of Object.entries(rule.when.traits ?? {})) if (!traitPasses(test, lead.traits[trait])) return false;
  return true;
}

/** The team a lead goes to: the first rule that matches, else the default team. */
export function matchTeam(lead: RoutingLead, routing: RoutingConfig): TeamMatch {
  const index = routing.rules.findIndex((rule) => ruleMatches(rule, lead, routing));
  const rule = routing.rules[index];
  return rule ? { teamId: rule.team, rule: { id: rule.id, index } } : { teamId: routing.defaultTeam, rule: { id: 'default', index: -1 } };
}

// ---------------------------------------------------------------------------------------------
// Within a team

/**
 * The round robin's state for one team: each rep's credit (smooth weighted
 * round robin, as nginx does it). Stored between routings, one small item per
 * team; a rep missing from it starts at 0.
 */
export type Rotation = Readonly<Record<string, number>>;

/** What the table knows about a rep at the moment of routing. */
export interface RepState {
  /** open leads: handed and not accepted yet, or accepted and not contacted yet */
  readonly open: number;
  /** the rep's calendar: hours, public holidays and time away (business-hours.ts) */
  readonly calendar: WorkCalendar;
}

export type Skip =
  /** away from `from` (absent in records written before it was kept) until `until` */
  | { repId: string; reason: 'away'; from?: string; until: string }
  | { repId: string; reason: 'full'; open: number; maxOpenLeads: number }
  | { repId: string; reason: 'off-hours'; workingFrom: string };

export interface TeamPick {
  /** the rep, or undefined when nobody in the team can take a lead now */
  repId: string | undefined;
  skipped: Skip[];
  rotation: Rotation;
}

/**
 * When the rep is away: now, or at the moment they would next start work
 * (a lead arriving Friday evening skips a rep whose holiday starts Monday).
 * Returns the end of that time away, or undefined when the rep is not away.
 * What `reps list` shows; routing asks {@link absenceBefore} with the lead's deadline.
 */
export function awayUntil(calendar: WorkCalendar, now: Date): Date | undefined {
  const covering = (at: number) => calendar.away.find((range) => range.from.getTime() <= at && at < range.until.getTime());
  let range: AwayRange | undefined = covering(now.getTime());
  if (!range && calendar.away.length > 0) range = covering(nextWorkingInstant(now, { ...calendar, away: [] }).getTime());
  if (!range) return undefined;
  return endOfAbsence(calendar, range);
}

/** The end of the absence `range` begins, back-to-back and overlapping ranges read as one. */
function endOfAbsence(calendar: WorkCalendar, range: AwayRange): Date {
  const covering = (at: number) => calendar.away.find((r) => r.from.getTime() <= at && at < r.until.getTime());
  let until = range.until;
  for (let next = covering(until.getTime()); next; next = covering(until.getTime())) until = next.until;
  return until;
}

/**
 * The rep's time away that touches any instant from `now` to `by`, both
 * included (the lead's acceptance deadline): the earliest such range, from
 * when it begins (which may be before now) until its end, back-to-back ranges
 * read as one. Undefined when the rep is at no instant of that stretch away.
 */
export function absenceBefore(calendar: WorkCalendar, now: Date, by: Date): AwayRange | undefined {
  const first = calendar.away
    .filter((range) => range.until.getTime() > range.from.getTime() && range.until.getTime() > now.getTime() && range.from.getTime() <= by.getTime())
    .sort((a, b) => a.from.getTime() - b.from.getTime())[0];
  return first && { from: first.from, until: endOfAbsence(calendar, first) };
}

/**
 * When a lead handed to the rep now would be due: `acceptWithinHours` of
 * their working hours from now, on their calendar without time away (the
 * clock's calendar, rep-calendars.ts); without a window, their next start of work.
 */
export function deadlineIfRouted(calendar: WorkCalendar, now: Date, acceptWithinHours: number | undefined): Date {
  const clock = { ...calendar, away: [] };
  return acceptWithinHours === undefined ? nextWorkingInstant(now, clock) : addWorkingHours(now, acceptWithinHours, clock);
}

/**
 * Picks a rep in a team for one lead. Reps who are away or full are skipped;
 * away means away at any instant from now until the lead's acceptance
 * deadline on the rep's calendar (`acceptWithinHours` of their working hours
 * from now), so a rep whose holiday starts tomorrow morning is not handed a
 * lead due tomorrow noon. Without `acceptWithinHours`, until their next start of work.
 * Of the others, those at work now are preferred; when none is, those who
 * start work soonest (a night lead in a London and New York team goes to
 * whoever starts first; a team in one time zone is a plain rotation). Among
 * the preferred reps, a smooth weighted round robin: each gets its weight in
 * credit, the one with the most credit is picked and pays the preferred
 * reps' total weight. Reps not in the running keep their credit untouched, so
 * one back from time away is not flooded to "catch up". Ties go to the rep
 * listed first in teams.json. A rep of weight 0 takes leads only when nobody
 * else can.
 */
export function pickRep(
  team: { id: string; reps: readonly { id: string }[] },
  routing: RoutingConfig,
  reps: Readonly<Record<string, RepState>>,
  rotation: Rotation,
  now: Date,
  acceptWithinHours?: number,
): TeamPick {
  const skipped: Skip[] = [];
  const able: { id: string; weight: number; workingFrom: number }[] = [];
  for (const rep of team.reps) {
    const state = reps[rep.id];
    if (!state) throw new Error(`no state for rep "${rep.id}" of team "${team.id}"`);
    const profile = repProfile(routing, team.id, rep.id);
    const away = state.calendar.away.length > 0 ? absenceBefore(state.calendar, now, deadlineIfRouted(state.calendar, now, acceptWithinHours)) : undefined;
    if (away) {
      skipped.push({ repId: rep.id, reason: 'away', from: away.from.toISOString(), until: away.until.toISOString() });
      continue;
    }
    if (state.open >= profile.maxOpenLeads) {
      skipped.push({ repId: rep.id, reason: 'full', open: state.open, maxOpenLeads: profile.maxOpenLeads });
      continue;
    }
    const workingFrom = isWorking(now, state.calendar) ? now.getTime() : nextWorkingInstant(now, state.calendar).getTime();
    able.push({ id: rep.id, weight: profile.weight, workingFrom });
  }
  const weighted = able.some((rep) => rep.weight > 0) ? able.filter((rep) => rep.weight > 0) : able.map((rep) => ({ ...rep, weight: 1 }));
  const soonest = Math.min(...weighted.map((rep) => rep.workingFrom));
  const running = weighted.filter((rep) => rep.workingFrom === soonest);
  for (const rep of weighted) {
    if (rep.workingFrom !== soonest) skipped.push({ repId: rep.id, reason: 'off-hours', workingFrom: new Date(rep.workingFrom).toISOString() });
  }
  const teamRepIds = new Set(team.reps.map((rep) => rep.id));
  const next: Record<string, number> = Object.fromEntries(Object.entries(rotation).filter(([id]) => teamRepIds.has(id)));
  if (running.length === 0) return { repId: undefined, skipped, rotation: next };
  const total = running.reduce((sum, rep) => sum + rep.weight, 0);
  let picked: string | undefined;
  for (const rep of running) {
    next[rep.id] = (next[rep.id] ?? 0) + rep.weight;
    if (picked === undefined || next[rep.id]! > next[picked]!) picked = rep.id;
  }
  next[picked!] = next[picked!]! - total;
  return { repId: picked, skipped, rotation: next };
}

// ---------------------------------------------------------------------------------------------
// A lead, and the queue

export interface RoutingInput {
  routing: RoutingConfig;
  teams: TeamsConfig;
  /** every rep of the matched team (others may be left out) */
  reps: Readonly<Record<string, RepState>>;
  /** round-robin state per team id; a team missing starts afresh */
  rotations: Readonly<Record<string, Rotation>>;
  now: Date;
  /**
   * the acceptance window the lead's clock will run (the service agreement's
   * `acceptWithinHours`): a rep away at any moment before that deadline would
   * fall is skipped. Left out, only time away until the rep's next start of
   * work is seen (callers that do not pass it yet: the queue's drain).
   */
  acceptWithinHours?: number | undefined;
}

export type RouteDecision =
  | { outcome: 'routed'; teamId: string; repId: string; rule: TeamMatch['rule']; skipped: Skip[]; rotation: Rotation }
  | { outcome: 'queued'; teamId: string; manager: Manager; rule: TeamMatch['rule']; skipped: Skip[]; rotation: Rotation };

/** Routes one lead: the team by rule, the rep by availability and weights, or the team's queue. */
export function routeLead(lead: RoutingLead, input: RoutingInput): RouteDecision {
  const match = matchTeam(lead, input.routing);
  const team = input.teams.teams.find((t) => t.id === match.teamId);
  if (!team) throw new Error(`routing names team "${match.teamId}", which config/teams.json does not have`);
  const pick = pickRep(team, input.routing, input.reps, input.rotations[team.id] ?? {}, input.now, input.acceptWithinHours);
  return pick.repId === undefined
    ? { outcome: 'queued', teamId: team.id, manager: team.manager, rule: match.rule, skipped: pick.skipped, rotation: pick.rotation }
    : { outcome: 'routed', teamId: team.id, repId: pick.repId, rule: match.rule, skipped: pick.skipped, rotation: pick.rotation };
}

export interface QueuedLead {
  leadId: string;
  teamId: string;
  /** when the lead joined the queue: the oldest is served first */
  queuedAt: Date;
}

export interface Drained {
  /** leads that found a rep, in the order they were served */
  assigned: { leadId: string; teamId: string; repId: string; skipped: Skip[] }[];
  /** leads still waiting, oldest first */
  waiting: QueuedLead[];
  /** open-lead counts after the assignments */
  open: Record<string, number>;
  /** round-robin state per team after the assignments (teams untouched are left out) */
  rotations: Record<string, Rotation>;
}

/**
 * Serves the queue as reps become available: oldest lead first, each picked
 * as a new lead would be (so weights and caps hold), each assignment counting
 * as an open lead of its rep before the next lead is served. A team in which
 * nobody can take its oldest lead keeps all its leads waiting, in order.
 */
export function drainQueue(queued: readonly QueuedLead[], input: RoutingInput): Drained {
  const order = [...queued].sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime() || (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0));
  const open: Record<string, number> = Object.fromEntries(Object.entries(input.reps).map(([id, state]) => [id, state.open]));
  const rotations: Record<string, Rotation> = {};
  const blocked = new Set<string>();
  const assigned: Drained['assigned'] = [];
  const waiting: QueuedLead[] = [];
  for (const lead of order) {
    const team = input.teams.teams.find((t) => t.id === lead.teamId);
    if (!team || blocked.has(lead.teamId)) {
      waiting.push(lead);
      continue;
    }
    const reps: Record<string, RepState> = {};
    for (const rep of team.reps) {
      const state = input.reps[rep.id];
      if (state) reps[rep.id] = { ...state, open: open[rep.id] ?? 0 };
    }
    const pick = pickRep(team, input.routing, reps, rotations[team.id] ?? input.rotations[team.id] ?? {}, input.now, input.acceptWithinHours);
    if (pick.repId === undefined) {
      // Nothing frees up within one drain (counts only grow), so the team's later leads wait too.
      blocked.add(team.id);
      waiting.push(lead);
      continue;
    }
    rotations[team.id] = pick.rotation;
    open[pick.repId] = (open[pick.repId] ?? 0) + 1;
    assigned.push({ leadId: lead.leadId, teamId: team.id, repId: pick.repId, skipped: pick.skipped });
  }
  return { assigned, waiting, open, rotations };
}
