import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../bin/cli/run.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { cycleKey } from '../../functions/core/table-layout.ts';
import { journeyName } from '../../functions/core/journey.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { JOURNEY_RECONCILER_ID, resumedJourneyName, type ReconcileReport } from '../../functions/core/reconcile.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import type { Execution } from '../../local/step-functions.ts';
import { eventually } from '../support/local.ts';
import { qualify as qualifyVisitor } from '../support/qualify.ts';

/**
 * The journey reconciler through the local runtime: a journey an operator
 * stops is resumed once, and a restart of `npm start` with a data directory
 * (which forgets every running journey) resumes the open cycles' journeys at
 * start, so a deadline that passes after the restart still escalates, once.
 * About 45 s of wall time: two starts of the runtime are the point of it.
 */
// a Monday at 09:00 in London: the acceptance window (4 working hours) runs within the day. Before the restart the
// clock runs in real time (no deadline passes however slow the machine), after it fast (the deadline passes in seconds).
const CLOCK_START = new Date('2027-01-11T09:00:00Z');
const FAST = 1200;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-reconcile-'));
const runtimes: LocalRuntime[] = [];

async function start(clockStart: Date, clockSpeed: number): Promise<LocalRuntime> {
  const runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed, clockStart, dataDir, synth: false, log: () => undefined });
  runtimes.push(runtime);
  return runtime;
}

afterAll(async () => {
  for (const runtime of runtimes) await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function emails(runtime: LocalRuntime): Promise<CapturedEmail[]> {
  return ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedEmail[] }).emails;
}

const about = (runtime: LocalRuntime, prefix: string, name: string) => async () => (await emails(runtime)).filter((e) => e.subject.startsWith(prefix) && e.subject.includes(name));

async function qualify(runtime: LocalRuntime, anonymousId: string, email: string, name: string): Promise<string> {
  await qualifyVisitor(runtime, { anonymousId, email, name });
  return leadIdFor(`anon:${anonymousId}`);
}

const executionsOf = (runtime: LocalRuntime, leadId: string): Execution[] => [...runtime.stepFunctions.executions.values()].filter((e) => e.name.startsWith(journeyName(leadId, 1)));

function reconcilerSchedule(runtime: LocalRuntime): string {
  const schedule = runtime.schedules.list().find((s) => s.schedule.startsWith(JOURNEY_RECONCILER_ID));
  if (!schedule) throw new Error('the stack has no reconciler schedule');
  return schedule.schedule;
}

/** A lead's first cycle as stored: how many deadlines it missed and its current deadline. */
async function cycleOf(runtime: LocalRuntime, leadId: string): Promise<{ missed: number; acceptBy: string }> {
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, Key: marshall(cycleKey(leadId, 1)), ConsistentRead: true }));
    const cycle = unmarshall(Item!) as { missed?: number; acceptBy: string };
    return { missed: cycle.missed ?? 0, acceptBy: cycle.acceptBy };
  } finally {
    dynamodb.destroy();
  }
}

async function reconcile(runtime: LocalRuntime): Promise<ReconcileReport> {
  const firing = await runtime.schedules.fire(reconcilerSchedule(runtime));
  expect(firing.error).toBeUndefined();
  return firing.result as ReconcileReport;
}

describe('the journey reconciler', () => {
  let first: LocalRuntime;
  let mia: string;
  let noor: string;
  /** whom Mia was handed off to before the restart */
  let miaRep: string | undefined;

  it('resumes a journey an operator stopped, once, however many reconcilers run at once, without a second hand-off', async () => {
    // Prepare: two leads handed off; Noor's journey is stopped while it waits for the rep
    first = await start(CLOCK_START, 1);
    [mia, noor] = await Promise.all([qualify(first, 'visitor-mia', 'mia@initech.example', 'Mia Lund'), qualify(first, 'visitor-noor', 'noor@globex.example', 'Noor Aziz')]);
    await eventually('both hand-offs', async () => ((await about(first, 'New lead', 'Mia Lund')()).length === 1 && (await about(first, 'New lead', 'Noor Aziz')()).length === 1 ? true : undefined), 90_000);
    miaRep = (await about(first, 'New lead', 'Mia Lund')())[0]!.destination.to[0];
    const [stopped] = executionsOf(first, noor);
    await eventually('Noor’s journey to wait for the rep', async () => (stopped!.states.includes('Await acceptance') ? true : undefined));
    first.stepFunctions.stopExecution({ executionArn: stopped!.executionArn, error: 'Operator', cause: 'stopped by hand' });

    // Act: two reconcilers at once, then another
    const [a, b] = await Promise.all([reconcile(first), reconcile(first)]);
    const again = await reconcile(first);

    // Assess: one resumption between them, under the next name; Mia's running journey left alone
    const resumedName = resumedJourneyName(noor, 1, 1);
    expect([...a.resumed, ...b.resumed]).toEqual([{ leadId: noor, cycle: 1, name: resumedName, from: 'await' }]);
    expect(again.resumed).toEqual([]);
    expect(again.running).toBeGreaterThanOrEqual(2);
    expect(executionsOf(first, noor).map((e) => [e.name, e.status])).toEqual([
      [journeyName(noor, 1), 'ABORTED'],
      [resumedName, 'RUNNING'],
    ]);
    const resumed = executionsOf(first, noor)[1]!;
    await eventually('the resumed journey to wait for the rep', async () => (resumed.states.includes('Await acceptance') ? true : undefined));
    expect(resumed.states.slice(0, 4)).toEqual(['Assign rep', 'Rep found?', 'Send hand-off', 'Await acceptance']);
    // the hand-off went out once, before the stop
    expect(await about(first, 'New lead', 'Noor Aziz')()).toHaveLength(1);
    expect(executionsOf(first, mia).map((e) => e.status)).toEqual(['RUNNING']);
  }, 180_000);

  it('resumes at start after a restart, and the deadline that passes afterwards escalates once', async () => {
    // Prepare: stop the runtime with Mia's journey waiting for the rep (her deadline not reached)
    const stoppedAt = new Date(virtualNow(first.clock, Date.now()));
    await first.stop();

    // Act: start again on the same data, the clock where it stopped
    const second = await start(stoppedAt, FAST);

    // Assess: both open cycles' journeys run again, under the names they had, before anything else was asked
    expect(executionsOf(second, mia).map((e) => [e.name, e.status])).toEqual([[journeyName(mia, 1), 'RUNNING']]);
    expect(executionsOf(second, noor).map((e) => [e.name, e.status])).toEqual([[resumedJourneyName(noor, 1, 1), 'RUNNING']]);
    const journey = executionsOf(second, mia)[0]!;
    await eventually('Mia’s deadline to pass and the journey to wait again', async () => (journey.states.includes('Escalate') && journey.states.at(-1) === 'Await acceptance' ? true : undefined), 40_000);
    const escalations = await about(second, 'Escalation', 'Mia Lund')();
    expect(escalations).toHaveLength(1);
    // the hand-off was sent before the restart, and not again (the SES capture keeps one store per process, so both
    // runs' emails are there; a reassignment later would hand her to another rep)
    expect((await about(second, 'New lead', 'Mia Lund')()).filter((e) => e.destination.to[0] === miaRep)).toHaveLength(1);
    // a reconciler run now (leadloop reconcile, on this runtime) finds every journey running
    const out: string[] = [];
    const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => out.push(t), env: { ...second.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
    expect(await run(['reconcile', '--json'], io)).toBe(0);
    const report = JSON.parse(out.join('')) as ReconcileReport;
    expect(report.resumed).toEqual([]);
    expect(report.running).toBeGreaterThanOrEqual(2);
    expect(executionsOf(second, mia)).toHaveLength(1);
    expect(await about(second, 'Escalation', 'Mia Lund')()).toHaveLength(1);
  }, 180_000);

  it('takes the next ladder step at start, once, for a cycle whose deadline passed while LeadLoop was down', async () => {
    // Prepare: the second runtime stopped with Mia's cycle waiting again after its first escalation; restarted two
    // days after her deadline (real speed: nothing else comes due meanwhile)
    const second = runtimes.at(-1)!;
    const cycleBefore = await cycleOf(second, mia);
    const stoppedAt = virtualNow(second.clock, Date.now());
    await second.stop();
    const restartAt = Math.max(stoppedAt, Date.parse(cycleBefore.acceptBy)) + 2 * 86_400_000;

    // Act: start again on the same data, after the deadline
    const third = await start(new Date(restartAt), 1);

    // Assess: the journey runs again at once and takes the ladder's next step (one more missed deadline, counted
    // once), not the one it took before: the manager is not told again
    const journey = executionsOf(third, mia).at(-1)!;
    expect(journey.status).toBe('RUNNING');
    await eventually('the next ladder step', async () => (journey.states.includes('Escalate') ? true : undefined), 60_000);
    const cycleAfter = await eventually('the step recorded on the cycle', async () => {
      const cycle = await cycleOf(third, mia);
      return cycle.missed > cycleBefore.missed ? cycle : undefined;
    });
    expect(cycleAfter.missed).toBe(cycleBefore.missed + 1);
    expect(await about(third, 'Escalation', 'Mia Lund')()).toHaveLength(1);
  }, 180_000);
});
