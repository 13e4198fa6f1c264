import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { MAX_RESUMES, type ReconcileReport } from '#core/reconcile.ts';
import { reconcileJourneys } from '../../functions/journey/reconcile-journeys.ts';
import { reconcileAdapters } from '../../functions/journey/reconcile-ports.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import type { CliIo } from './run.ts';

export const RECONCILE_USAGE = `Usage: leadloop reconcile [--local | --stack <name>] [--json]

Runs the journey reconciler now (it also runs every 15 minutes, and locally at
start): every open cycle whose journey is not running (stopped, failed, or
lost by a restart of npm start) is resumed once, from where its cycle record
stands: after a rep's decision, the follow-up; past the acceptance deadline,
the next escalation step; before it, the wait for the rest of the window.
Running it again, or while the schedule runs it, resumes nothing twice.
A cycle resumed ${MAX_RESUMES} times is left alone and listed.

  --json               print the report as JSON

${TARGET_USAGE}

Exit status: 0 when done, 1 on an error (unreachable LeadLoop), 2 for a usage error.`;

const OPTIONS = { ...TARGET_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

function reportText(report: ReconcileReport, where: string): string {
  const lines = [`Checked ${report.checked} open cycle(s) in ${where}: ${report.running} running, ${report.resumed.length} resumed, ${report.closed} ended (out of the index).`];
  for (const r of report.resumed) lines.push(`  resumed ${r.leadId} cycle ${r.cycle} as ${r.name} (${r.from})`);
  for (const g of report.gaveUp) lines.push(`  NOT resumed ${g.leadId} cycle ${g.cycle}: resumed ${g.resumes} times already; see its executions in the Step Functions console`);
  return lines.join('\n');
}

/** `leadloop reconcile`: the scheduled reconciler, on demand. */
export async function reconcileCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: OPTIONS, strict: true }));
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${RECONCILE_USAGE}`);
    return 2;
  }
  if (values.help) return (io.out(RECONCILE_USAGE), 0);
  const target = await findTarget(io, values, RECONCILE_USAGE);
  if (typeof target === 'number') return target;
  // Wiring: the target's settings → the adapters → the use case's ports.
  const { leadsTable, journeyStateMachineArn } = readSettings(['leadsTable', 'journeyStateMachineArn'], target.env);
  const ports = reconcileAdapters({
    client: createDocumentClient(clientConfig(target.env, 'DYNAMODB')),
    sfn: new SFNClient(clientConfig(target.env, 'SFN')),
    leadsTable,
    journeyStateMachineArn,
  });
  try {
    const report = await reconcileJourneys(ports);
    io.out(values.json ? JSON.stringify(report) : reportText(report, target.description));
    return 0;
  } catch (error) {
    io.err(`leadloop: reconcile failed: ${(error as Error).message}`);
    return 1;
  }
}
