import { awayUntil, repProfile, type RoutingConfig } from '#core/routing.ts';
import { awayRangeOf, backAt, findRepOrWhy, repStatesOf, withAway, type StoredRep } from '#core/rep-availability.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import type { TeamsConfig } from '#core/teams.ts';
import type { DrainResult } from './drain-queue.ts';

/** Reps' availability, changed without a redeploy (`leadloop reps …`): kept in the table, config/teams.json the seed. */

export interface RepsPorts {
  teams: TeamsConfig;
  routing: RoutingConfig;
  /** each rep's working week, zone and public holidays (a rep on a holiday is listed as off) */
  calendars: RepCalendars;
  now: () => Date;
  /** replaces a rep's time away with what `change` makes of it (against concurrent changes) */
  changeAway: (repId: string, change: (away: StoredRep['away']) => StoredRep['away']) => Promise<StoredRep>;
  storedReps: (repIds: readonly string[]) => Promise<Record<string, StoredRep>>;
  /** hands a team's queued leads to reps who can take them now */
  drainTeam: (teamId: string) => Promise<DrainResult>;
}

/** A rep or dates the command cannot use; the message says what is wrong. */
export class RepInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepInputError';
  }
}

function repOf(teams: TeamsConfig, repId: string) {
  const found = findRepOrWhy(teams, repId);
  if ('error' in found) throw new RepInputError(found.error);
  return found;
}

/** Marks a rep away for whole days in their time zone (`--from`, `--until`, both included); routing skips them meanwhile. */
export async function markAway(repId: string, from: string | undefined, until: string | undefined, ports: Pick<RepsPorts, 'teams' | 'now' | 'changeAway'>) {
  const { rep, team } = repOf(ports.teams, repId);
  const parsed = awayRangeOf(from, until, rep.timeZone);
  if ('error' in parsed) throw new RepInputError(parsed.error);
  const now = ports.now();
  const stored = await ports.changeAway(rep.id, (away) => withAway(away, parsed.range, now));
  return { repId: rep.id, teamId: team.id, timeZone: rep.timeZone, range: parsed.range, away: stored.away };
}

/** The rep is back now: their current absence ends (later ones stay), and their team's queue is drained. */
export async function markBack(repId: string, ports: Pick<RepsPorts, 'teams' | 'now' | 'changeAway' | 'drainTeam'>) {
  const { rep, team } = repOf(ports.teams, repId);
  const now = ports.now();
  const stored = await ports.changeAway(rep.id, (away) => backAt(away, now));
  const drained = await ports.drainTeam(team.id);
  return { repId: rep.id, teamId: team.id, away: stored.away, drained };
}

export interface RepRow {
  teamId: string;
  repId: string;
  name: string;
  timeZone: string;
  open: number;
  maxOpenLeads: number;
  /** away now (or from their next working moment) until then, else null */
  awayUntil: string | null;
  /** every absence still to come or under way */
  away: StoredRep['away'];
}

/** Every rep of config/teams.json with what the table says: open leads against the cap, time away. */
export async function listReps(ports: Pick<RepsPorts, 'teams' | 'routing' | 'calendars' | 'now' | 'storedReps'>): Promise<RepRow[]> {
  const now = ports.now();
  const stored = await ports.storedReps(ports.teams.teams.flatMap((t) => t.reps.map((r) => r.id)));
  return ports.teams.teams.flatMap((team) => {
    const states = repStatesOf(team, ports.routing, stored, ports.calendars);
    return team.reps.map((rep) => {
      const state = states[rep.id]!;
      const until = awayUntil(state.calendar, now);
      return {
        teamId: team.id,
        repId: rep.id,
        name: rep.name,
        timeZone: rep.timeZone,
        open: state.open,
        maxOpenLeads: repProfile(ports.routing, team.id, rep.id).maxOpenLeads,
        awayUntil: until ? until.toISOString() : null,
        away: (stored[rep.id]?.away ?? []).filter((range) => Date.parse(range.until) > now.getTime()),
      };
    });
  });
}
