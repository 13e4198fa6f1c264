import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createFaultPlan, FAULT_KINDS, type FaultCount, type FaultPlan } from '../local/fault-plan.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { compareRuns, FAULT_PLANS, FaultWorkload, openingOf, type RunComparison } from '../test/support/fault-workload.ts';
import { storedEvents } from '../test/support/local.ts';
import { appendResults, describeMachine, fmt, machine, markdownTable } from './lib/harness.ts';

/**
 * `npm run bench -- faults`: the fault matrix of issue 14. One local runtime with the fault proxy in front of
 * DynamoDB, Step Functions and SES; the scripted workload of test/integration/faults.test.ts runs fault-free,
 * then under each fault kind alone and all four at once (FAULT_PLANS), and each run is compared with the
 * fault-free one. Records, per call (service, operation, the part of the loop that made it) and fault, how
 * many were injected, and per plan what the guarantees came to.
 * FAULT_SEED (14) seeds the plans; BENCH_RECORD=0 prints instead of appending to bench/RESULTS.md.
 */
const SEED = Number(process.env.FAULT_SEED ?? 14);
const RECORD = process.env.BENCH_RECORD !== '0';
const log = (message: string) => console.log(`[bench/faults] ${message}`);

/** The part of the loop a function is, from its logical id. */
function partOf(functionId: string): string {
  if (functionId.startsWith('ApiIngest')) return 'ingest';
  if (functionId.startsWith('Scoring')) return 'scoring';
  if (/^Journey(.+?)Function/.test(functionId)) return `journey: ${/^Journey(.+?)Function/.exec(functionId)![1]}`;
  if (/^Api(Outcome|CrmOutcomes)/.test(functionId)) return functionId.startsWith('ApiOutcome') ? 'outcomes: hand-off links' : 'outcomes: CRM';
  if (functionId.startsWith('ApiLeads')) return 'leads API (the workload’s reads)';
  return functionId.replace(/[0-9A-F]{8}$/, '');
}

interface PlanRun {
  name: string;
  seconds: number;
  comparison?: RunComparison;
  error?: string;
  counts: FaultCount[];
}

const startedAt = new Date();
let exitCode = 0;
const runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, clockStart: new Date('2027-01-11T09:00:00Z'), synth: true, log: () => undefined, faults: {} });
const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
try {
  const workload = new FaultWorkload(runtime, 120_000).countStoredWith(async (tag) =>
    (await storedEvents(dynamodb, (e) => String(e.messageId).startsWith(`${tag}-`))).map((e) => String(e.messageId)),
  );
  const runUnder = async (name: string, plan: FaultPlan) => {
    runtime.faults!.use(plan);
    const started = performance.now();
    try {
      return { outcome: await workload.run(name), seconds: (performance.now() - started) / 1000 };
    } finally {
      runtime.faults!.use(undefined);
    }
  };
  log('fault-free run');
  const calmPlan = createFaultPlan({ seed: SEED, rules: [] });
  const calm = await runUnder('calm', calmPlan);
  const runs: PlanRun[] = [{ name: 'none', seconds: calm.seconds, comparison: compareRuns(calm.outcome, calm.outcome), counts: calmPlan.counts() }];
  for (const [name, rules] of Object.entries(FAULT_PLANS)) {
    log(`under ${name}`);
    // a kind's own plan opens every call the run makes with that kind (no empty cell in the matrix for a call made);
    // the combined plan opens each service with each kind, then draws
    const kind = FAULT_KINDS.find((k) => k === name);
    const plan = createFaultPlan({ seed: SEED, rules, ...(kind ? { openingPerCall: [kind] } : { opening: openingOf(rules) }) });
    const started = performance.now();
    try {
      const run = await runUnder(`plan-${name}`, plan);
      runs.push({ name, seconds: run.seconds, comparison: compareRuns(calm.outcome, run.outcome), counts: plan.counts() });
    } catch (error) {
      exitCode = 1;
      runs.push({ name, seconds: (performance.now() - started) / 1000, error: error instanceof Error ? error.message : String(error), counts: plan.counts() });
    }
    log(`  ${JSON.stringify(runs.at(-1)!.comparison ?? runs.at(-1)!.error)}`);
  }

  const held = (c?: RunComparison) => c !== undefined && c.lostEvents + c.lostHandoffs + c.duplicateEmails + c.doubleCounted === 0 && c.otherDifferences.length === 0;
  if (!runs.every((r) => held(r.comparison))) exitCode = 1;
  const summary = markdownTable(
    ['plan', 'calls', 'faults injected', 'lost events', 'lost hand-offs', 'duplicate emails', 'double-counted points', 'final state as fault-free', 'wall time'],
    runs.map((r) => [
      r.name,
      fmt(r.counts.reduce((n, c) => n + c.calls, 0)),
      fmt(r.counts.reduce((n, c) => n + Object.values(c.injected).reduce((a, b) => a + b, 0), 0)),
      ...(r.comparison
        ? [fmt(r.comparison.lostEvents), fmt(r.comparison.lostHandoffs), fmt(r.comparison.duplicateEmails), fmt(r.comparison.doubleCounted), r.comparison.otherDifferences.length === 0 ? 'yes' : `**no**: ${r.comparison.otherDifferences.join('; ')}`]
        : ['–', '–', '–', '–', `**did not finish**: ${r.error}`]),
      `${fmt(r.seconds, 1)} s`,
    ]),
  );

  // the matrix: per call, the faults injected under its kind's own plan; the outcome is that plan's
  const perKind = runs.filter((r) => (FAULT_KINDS as readonly string[]).includes(r.name));
  const calls = new Map<string, { service: string; operation: string; part: string; injected: Record<string, number>; calls: number; madeIn: Set<string> }>();
  for (const run of perKind) {
    for (const c of run.counts) {
      const key = `${c.service}|${c.operation}|${partOf(c.functionId)}`;
      const row = calls.get(key) ?? { service: c.service, operation: c.operation, part: partOf(c.functionId), injected: {}, calls: 0, madeIn: new Set<string>() };
      row.calls = Math.max(row.calls, c.calls);
      row.injected[run.name] = (row.injected[run.name] ?? 0) + (c.injected[run.name as keyof typeof c.injected] ?? 0);
      row.madeIn.add(run.name);
      calls.set(key, row);
    }
  }
  const outcomeOf = (kind: string) => {
    const run = perKind.find((r) => r.name === kind);
    return run && held(run.comparison) ? 'held' : 'FAILED';
  };
  const matrix = markdownTable(
    ['service', 'operation', 'called by', ...FAULT_KINDS.map((k) => `${k} (${outcomeOf(k)})`)],
    [...calls.values()]
      .sort((a, b) => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation) || a.part.localeCompare(b.part))
      .map((row) => [row.service, row.operation, row.part, ...FAULT_KINDS.map((k) => (row.madeIn.has(k) ? fmt(row.injected[k] ?? 0) : 'not made'))]),
  );
  const byService = markdownTable(
    ['plan', ...['dynamodb', 'sfn', 'ses'].flatMap((s) => FAULT_KINDS.map((k) => `${s} ${k}`))],
    runs.filter((r) => r.name !== 'none').map((r) => [r.name, ...['dynamodb', 'sfn', 'ses'].flatMap((s) => FAULT_KINDS.map((k) => fmt(r.counts.filter((c) => c.service === s).reduce((n, c) => n + (c.injected[k] ?? 0), 0))))]),
  );
  const section = [
    `## faults — ${startedAt.toISOString().slice(0, 10)}`,
    '',
    `- Run: ${startedAt.toISOString()}, \`npm run bench -- faults\` (FAULT_SEED ${SEED})`,
    `- Machine: ${describeMachine(machine())}`,
    '- The local runtime with its fault proxy in front of the DynamoDB, Step Functions and SES endpoints the functions use (local/fault-proxy.ts); the workload of test/support/fault-workload.ts (three people, every event delivered twice, clients retrying 5xx, an accept and a reject by the signed links clicked twice, two CRM outcomes posted twice) once fault-free, then under each plan of `FAULT_PLANS`',
    '- Faults: `fail-before` answers the service\'s 500/503 without forwarding; `lost-response` forwards and cuts the connection once the service has answered; `timeout` holds the call 4 s (the clients give up at 3 s), then forwards it and drops the answer; `throttle` answers ProvisionedThroughputExceededException (400), ThrottlingException (400) or TooManyRequestsException (429)',
    '',
    'What each plan came to, against the fault-free run:',
    '',
    summary,
    '',
    'Faults injected per service and kind, per plan:',
    '',
    byService,
    '',
    'The matrix: each call, by the part of the loop that made it, and the faults its kind\'s own plan injected into it. Each kind\'s plan gives the first call of every distinct call (function, service, operation) that fault, then draws at its rates, so every call the run makes meets every kind at least once; the column says whether that run held every guarantee (one run per kind: a cell\'s outcome is its column\'s):',
    '',
    matrix,
  ].join('\n');
  console.log(section);
  if (RECORD) appendResults(section);
  log(RECORD ? 'appended to bench/RESULTS.md' : 'BENCH_RECORD=0: not recorded');
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  dynamodb.destroy();
  await runtime.stop();
}
process.exit(exitCode);
