import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '#commons/clients.ts';
import { NotFoundError } from '#commons/errors.ts';
import { readSettings, SETTINGS } from '#commons/settings.ts';
import { normalizeEmail } from '#core/identity.ts';
import { teams } from '../../config/index.ts';
import { nurture } from '../../config/nurture.ts';
import { forgetLead } from '../../functions/leads/forget-lead.ts';
import { forgetPorts } from '../../functions/leads/forget-ports.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE, type Env } from './connect.ts';
import type { CliIo } from './run.ts';

export const FORGET_USAGE = `Usage: leadloop forget <email> [--local | --stack <name>]

Erases a person (GDPR): the lead with this email and every lead merged into it,
their events, markers, identity links, cycles, activities, feedback and its
comments, email records and queue entries. Their journeys and nurture program
are stopped. Report counts stay (counts only: a UTM or trait value that looks
like an email or is one of their ids was counted as "(personal)"). Tombstones
(hashes only) keep their next events from being applied: the stream path
deletes them.
Works in rounds of a bounded size until nothing is left; interrupted, run it again.

${TARGET_USAGE}

Exit status: 0 when the person is erased (or was already), 1 when no lead has the email
or LeadLoop cannot be reached, 2 for a usage error.`;

/** Rounds at most: each erases ERASE_BUDGET items, so this is a person with about two million. */
const MAX_ROUNDS = 5000;

/** The use case's ports for a LeadLoop's tables and state machines (the nurture one when the target names it). */
function portsFor(env: Env) {
  const settings = readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn'], env);
  const nurtureStateMachineArn = env[SETTINGS.nurtureStateMachineArn];
  return forgetPorts({
    ...settings,
    ...(nurtureStateMachineArn && { nurtureStateMachineArn }),
    client: createDocumentClient(clientConfig(env, 'DYNAMODB')),
    sfn: new SFNClient(clientConfig(env, 'SFN')),
    context: { teamIds: teams.teams.map((team) => team.id), nurture },
  });
}

/** `leadloop forget <email>`: finds the LeadLoop and erases the person in rounds until done. */
export async function forgetCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...TARGET_OPTIONS, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return (io.err(`leadloop: ${(error as Error).message}\n\n${FORGET_USAGE}`), 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return (io.out(FORGET_USAGE), 0);
  const [given, ...extra] = positionals;
  if (given === undefined) return (io.err(`leadloop: forget needs the person's email\n\n${FORGET_USAGE}`), 2);
  if (extra.length > 0) return (io.err(`leadloop: forget takes one email, got also ${extra.join(' ')}\n\n${FORGET_USAGE}`), 2);
  const email = normalizeEmail(given);
  if (email === undefined) return (io.err(`leadloop: "${given}" is not a valid email address\n\n${FORGET_USAGE}`), 2);
  const target = await findTarget(io, values, FORGET_USAGE);
  if (typeof target === 'number') return target;

  const ports = portsFor(target.env);
  if (!target.env[SETTINGS.nurtureStateMachineArn]) io.err(`leadloop: ${target.description} names no ${SETTINGS.nurtureStateMachineArn}: a nurture program of theirs is not stopped (it ends at its next step, the lead being gone)`);
  const total = { items: 0, events: 0 };
  try {
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const result = await forgetLead({ email }, ports);
      total.items += result.deleted.items;
      total.events += result.deleted.events;
      if (result.status === 'erased') {
        io.out(total.items === 0 ? `${email} was already erased from ${target.description}; nothing left.` : `Erased ${email} from ${target.description}: ${total.items} items and ${total.events} events.`);
        return 0;
      }
      io.err(`  … ${total.items} items and ${total.events} events so far`);
    }
    io.err(`leadloop: ${email} is not fully erased after ${MAX_ROUNDS} rounds; run it again to go on`);
    return 1;
  } catch (error) {
    if (error instanceof NotFoundError) return (io.err(`leadloop: no lead with the email ${email} in ${target.description}`), 1);
    io.err(`leadloop: forget failed (run it again to go on): ${(error as Error).message}`);
    return 1;
  }
}
