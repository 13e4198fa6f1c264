import { awayDays, type AwayRange } from './business-hours.ts';
import { pickRep, repCalendar, repProfile, type RepState, type RouteDecision, type RoutingConfig, type RoutingInput, type Skip, type TeamMatch } from './routing.ts';
import type { RepCalendars } from './rep-calendars.ts';
import type { Team, TeamsConfig } from './teams.ts';

/**
 * What the table keeps about reps (their open leads and time away, each
 * rep's own small item) turned into what routing reads, and the decision
 * kept on the cycle for the lead view. Pure.
 */

/** A rep's item as the rep store reads it; a rep never written has none (0 open, never away). */
export interface StoredRep {
  readonly open: number;
  /** time away, ISO instants [from, until) */
  readonly away: readonly { from: string; until: string }[];
}

export const NO_STORED_REP: StoredRep = { open: 0, away: [] };

/**
 * The state routing reads for each rep of a team, from their items (missing
 * items read as a rep never written). Each rep's calendar is the one the
 * clocks count on (`calendars`: hours, zone and public holidays, see
 * rep-calendars.ts) with their time away added, so a rep on a public holiday
 * is skipped as off-hours like a rep outside working hours. Without
 * `calendars` the calendar has no holidays (hours and zone from the config).
 */
export function repStatesOf(team: Team, routing: RoutingConfig, stored: Readonly<Record<string, StoredRep | undefined>>, calendars?: RepCalendars): Record<string, RepState> {
  return Object.fromEntries(
    team.reps.map((rep) => {
      const item = stored[rep.id] ?? NO_STORED_REP;
      const away: AwayRange[] = item.away.map((range) => ({ from: new Date(range.from), until: new Date(range.until) }));
      const calendar = calendars ? { ...calendars(rep.id), away } : repCalendar(repProfile(routing, team.id, rep.id), rep.timeZone, [], away);
      return [rep.id, { open: Math.max(0, item.open), calendar }];
    }),
  );
}

/** Who a reassignment skips because they had the cycle before. */
export type PreviousSkip = { repId: string; reason: 'previous' };

/**
 * The decision kept on the cycle: which team and rep, by which rule, who was
 * skipped and why, and when. What the lead view shows.
 */
export interface RoutingRecord {
  at: string;
  teamId: string;
  /** the rep, or undefined while the lead waits in the team's queue */
  repId?: string;
  rule: TeamMatch['rule'];
  skipped: (Skip | PreviousSkip)[];
  /** how the rep was found: a new lead's routing, a reassignment after a missed deadline, or the queue's drain */
  via: 'routing' | 'reassignment' | 'queue';
}

export function routingRecord(decision: RouteDecision, at: Date, via: RoutingRecord['via'] = 'routing'): RoutingRecord {
  return {
    at: at.toISOString(),
    teamId: decision.teamId,
    ...(decision.outcome === 'routed' && { repId: decision.repId }),
    rule: decision.rule,
    skipped: decision.skipped,
    via,
  };
}

/** A reassignment's pick: the rep, the team's next rotation, and the record for the cycle; undefined when nobody else can take it. */
export interface Reassignment {
  repId: string;
  teamId: string;
  rotation: Record<string, number>;
  record: RoutingRecord;
}

/**
 * The next rep for a cycle whose owner missed the deadline, in the same team
 * (its manager runs the ladder), by the same availability and weights as a
 * new lead, skipping the reps who had the cycle. When every other rep had it,
 * it starts over, but never hands the lead back to the rep who just missed it.
 * Undefined when nobody else can take it now.
 */
export function routeReassignment(
  teamId: string,
  rule: TeamMatch['rule'],
  previousReps: readonly string[],
  input: Pick<RoutingInput, 'routing' | 'teams' | 'reps' | 'rotations' | 'now' | 'acceptWithinHours'>,
): Reassignment | undefined {
  const team = input.teams.teams.find((t) => t.id === teamId);
  if (!team) throw new Error(`team "${teamId}" is not in config/teams.json`);
  const last = previousReps.at(-1);
  const pools = [team.reps.filter((rep) => !previousReps.includes(rep.id)), team.reps.filter((rep) => rep.id !== last)];
  for (const pool of pools) {
    if (pool.length === 0) continue;
    const pick = pickRep({ id: team.id, reps: pool }, input.routing, input.reps, input.rotations[team.id] ?? {}, input.now, input.acceptWithinHours);
    if (pick.repId === undefined) continue;
    const excluded: PreviousSkip[] = team.reps.filter((rep) => !pool.includes(rep)).map((rep) => ({ repId: rep.id, reason: 'previous' }));
    return {
      repId: pick.repId,
      teamId: team.id,
      rotation: { ...(input.rotations[team.id] ?? {}), ...pick.rotation },
      record: { at: input.now.toISOString(), teamId: team.id, repId: pick.repId, rule, skipped: [...excluded, ...pick.skipped], via: 'reassignment' },
    };
  }
  return undefined;
}

/** A rep named on the command line, with their team, or why not. */
export function findRepOrWhy(teams: TeamsConfig, repId: string): { team: Team; rep: Team['reps'][number] } | { error: string } {
  for (const team of teams.teams) {
    const rep = team.reps.find((r) => r.id === repId);
    if (rep) return { team, rep };
  }
  const known = teams.teams.flatMap((t) => t.reps.map((r) => r.id));
  return { error: `no rep "${repId}" in config/teams.json (reps: ${known.join(', ')})` };
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function isDay(value: string): boolean {
  if (!DAY_PATTERN.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * Time away as a person gives it (`--from 2027-01-04 --until 2027-01-08`):
 * whole local days in the rep's time zone, both included. The problem with
 * it, named by option, when the dates are not days or run backwards.
 */
export function awayRangeOf(from: string | undefined, until: string | undefined, timeZone: string): { range: AwayRange } | { error: string } {
  if (from === undefined) return { error: '--from is required: the first day away, as YYYY-MM-DD' };
  if (until === undefined) return { error: '--until is required: the last day away, as YYYY-MM-DD' };
  if (!isDay(from)) return { error: `--from must be a day as YYYY-MM-DD, got "${from}"` };
  if (!isDay(until)) return { error: `--until must be a day as YYYY-MM-DD, got "${until}"` };
  if (until < from) return { error: `--until (${until}) is before --from (${from})` };
  return { range: awayDays(from, until, timeZone) };
}

/**
 * A rep's time away once they are back at `now`: an absence under way ends
 * now, ones that ended are dropped, ones planned later stay.
 */
export function backAt(away: readonly { from: string; until: string }[], now: Date): { from: string; until: string }[] {
  const at = now.getTime();
  return away.filter((range) => Date.parse(range.until) > at && Date.parse(range.from) > at);
}

/** Adds an absence to a rep's list, dropping those already over. */
export function withAway(away: readonly { from: string; until: string }[], range: AwayRange, now: Date): { from: string; until: string }[] {
  const kept = away.filter((r) => Date.parse(r.until) > now.getTime());
  return [...kept, { from: range.from.toISOString(), until: range.until.toISOString() }].sort((a, b) => a.from.localeCompare(b.from));
}

/** A rep's item as it was before and after one write (the table's stream tells it). */
export interface RepItemChange {
  repId: string;
  openBefore: number;
  openAfter: number;
}

/**
 * The teams whose queues may now be served, from the writes to reps' items:
 * a rep's open leads dropped (a rejection, the first contact, a reassignment
 * away, the recycle, a merge), so that rep can take a lead again. Each team
 * once, in the order of config/teams.json; reps not in it are ignored. A rise
 * (a hand-off) or a change of time away alone frees nothing here (`leadloop
 * reps back` drains its own team).
 */
export function teamsFreed(changes: readonly RepItemChange[], teams: TeamsConfig): string[] {
  const freed = new Set(changes.filter((c) => c.openAfter < c.openBefore).map((c) => c.repId));
  return teams.teams.filter((team) => team.reps.some((rep) => freed.has(rep.id))).map((team) => team.id);
}
