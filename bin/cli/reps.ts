import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '#commons/clients.ts';
import { SETTINGS } from '#commons/settings.ts';
import { routing, teams } from '#config/index.ts';
import { drainTeam } from '../../functions/routing/drain-queue.ts';
import { drainPorts } from '../../functions/routing/ports.ts';
import { listReps, markAway, markBack, RepInputError, type RepsPorts } from '../../functions/routing/reps.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import { targetClock } from './target.ts';
import type { CliIo } from './run.ts';

export const REPS_USAGE = `Usage: leadloop reps away <rep> --from <YYYY-MM-DD> --until <YYYY-MM-DD> [--local | --stack <name>]
       leadloop reps back <rep> [--local | --stack <name>]
       leadloop reps list [--local | --stack <name>] [--json]

Reps' availability for routing, kept in the leads table (config/teams.json
lists the reps; config/routing.json their weights, caps and hours):

  away <rep>           the rep is away for these whole days (their time zone), both
                       included: routing skips them, a lead waits for another rep
  back <rep>           the rep is back now: the absence under way ends (later ones stay)
                       and the team's queue is handed out at once (a rep whose open leads
                       drop takes from it at once too; every 15 minutes the stack drains
                       every queue, for time away that simply ended)
  list                 every rep: open leads against the cap, away now or later

${TARGET_USAGE}

Exit status: 0 when done, 1 on an error (an unknown rep, a LeadLoop not found), 2 for a usage error.`;

export async function repsCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...TARGET_OPTIONS, from: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${REPS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(REPS_USAGE);
    return 0;
  }
  const usage = (message: string) => (io.err(`leadloop: ${message}\n\n${REPS_USAGE}`), 2);
  const [action, repId, ...extra] = positionals;
  if (action === undefined) return usage('reps needs away, back or list');
  if (action !== 'away' && action !== 'back' && action !== 'list') return usage(`unknown reps subcommand "${action}"`);
  if (action === 'list' ? repId !== undefined : repId === undefined) return usage(action === 'list' ? `reps list takes no rep, got "${repId}"` : `reps ${action} needs a rep, e.g. reps ${action} rep-kim`);
  if (extra.length > 0) return usage(`unexpected ${extra.join(' ')}`);
  if (action !== 'away' && (values.from !== undefined || values.until !== undefined)) return usage('--from and --until go with reps away');

  const target = await findTarget(io, values, REPS_USAGE);
  if (typeof target === 'number') return target;
  const leadsTable = target.env[SETTINGS.leadsTable];
  if (!leadsTable) return (io.err(`leadloop: ${target.description} names no ${SETTINGS.leadsTable}`), 1);

  // Wiring: the target's settings → the drain's ports, as the drain function's (functions/routing/ports.ts).
  // a local runtime's virtual clock: routing and its functions live on it (a rep back now is back at its now)
  const now = targetClock(target.env);
  const { ports: drain, reps } = drainPorts({
    client: createDocumentClient(clientConfig(target.env, 'DYNAMODB')),
    leadsTable,
    sfn: new SFNClient(clientConfig(target.env, 'SFN')),
    now,
  });
  const ports: RepsPorts = { teams, routing, calendars: drain.calendars, now, changeAway: reps.changeAway, storedReps: reps.storedReps, drainTeam: (teamId) => drainTeam(teamId, drain) };

  try {
    if (action === 'away') {
      const done = await markAway(repId!, values.from, values.until, ports);
      io.out(`${done.repId} is away from ${values.from} to ${values.until} (${done.timeZone}: ${done.range.from.toISOString()} until ${done.range.until.toISOString()}); routing skips them meanwhile.`);
      return 0;
    }
    if (action === 'back') {
      const done = await markBack(repId!, ports);
      const handed = done.drained.assigned.map((a) => `${a.leadId} → ${a.repId}`);
      io.out(`${done.repId} is back.${handed.length > 0 ? ` Handed out from ${done.teamId}'s queue: ${handed.join(', ')}.` : ` Nothing waits in ${done.teamId}'s queue for them.`}`);
      return 0;
    }
    const rows = await listReps(ports);
    if (values.json) {
      io.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    for (const row of rows) {
      const status = row.awayUntil ? `away until ${row.awayUntil}` : row.open >= row.maxOpenLeads ? 'full' : 'available';
      const later = row.away.filter((r) => r.from > now().toISOString()).map((r) => `${r.from} to ${r.until}`);
      io.out(`${row.teamId}\t${row.repId}\t${row.name}\t${row.open}/${row.maxOpenLeads} open\t${status}${later.length > 0 ? `\tplanned: ${later.join(', ')}` : ''}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof RepInputError) {
      io.err(`leadloop: ${error.message}`);
      return error.message.startsWith('--') ? 2 : 1;
    }
    io.err(`leadloop: reps ${action} failed: ${(error as Error).message}`);
    return 1;
  }
}
