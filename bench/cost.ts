import { appendResults, describeMachine, fmt, machine, machineCpuSeconds } from './lib/harness.ts';
import { bill, type CountedWork } from './cost/bill.ts';
import { noWork } from './cost/meter.ts';
import { run } from './cost/phases.ts';
import { report } from './cost/report.ts';
import { log, RECORD, runId, SECONDS, SEED, VISITORS } from './cost/settings.ts';
import { setUp } from './cost/setup.ts';
import { verify } from './cost/verify.ts';
import { planWorkload } from './cost/workload.ts';

/**
 * bench/cost: the AWS bill of LeadLoop per 1,000,000 events and per 1,000
 * leads handed off, from work counted on the local runtime and public
 * on-demand prices (bench/lib/aws-prices.ts).
 *
 * A scripted workload (bench/cost/workload.ts) runs through the whole loop:
 * visitors load the tracker script and send page views, identifies and
 * tracks, one request each; some qualify and are handed off; reps accept
 * or reject through the links in the hand-off emails, or leave them to
 * escalate. The runtime's observer counts every function invocation and its
 * duration, the DynamoDB units each function publishes in its EMF line, and
 * the stream reads; the executions' histories give the state transitions
 * and the SES stand-in the emails. Figures are derived from those counts
 * (bench/cost/bill.ts); nothing is asserted about them.
 *
 * Settings (environment): BENCH_VISITORS (250), BENCH_SECONDS (80, over which
 * sessions start), BENCH_CLOCK_SPEED (900), BENCH_SEED (10),
 * BENCH_DRAIN_TIMEOUT_SECONDS (180), BENCH_RECORD=0 to print the section
 * instead of appending it to bench/RESULTS.md.
 */

const m = machine();
log(`machine: ${describeMachine(m)}`);
const workload = planWorkload({ visitors: VISITORS, seconds: SECONDS, seed: SEED, runId });
// First invocations pay for work done once (connections, JIT): a few visitors first, through every function a hand-off
// that is answered reaches, not counted. (The escalation function is warmed by nobody: only an unanswered lead reaches it.)
const warmup = planWorkload({
  visitors: 4,
  seconds: 2,
  seed: SEED + 100,
  runId: `${runId}-warm`,
  mix: [{ kind: 'browsing' }, { kind: 'identified' }, { kind: 'qualifying', answer: 'accept' }, { kind: 'qualifying', answer: 'reject' }],
});
const visitorPaths = new Set(workload.requests.map((r) => r.path));
const startedAt = new Date();
const setup = await setUp(visitorPaths);
log(`local runtime up in ${fmt((Date.now() - startedAt.getTime()) / 1000, 1)} s: API ${setup.runtime.apiUrl}`);

let exitCode = 0;
try {
  log('warm-up (not counted)');
  const warm = await run(setup, warmup);
  if (warm.api.visitor.failed + warm.api.links.failed > 0 || warm.drain.timedOut) log('the warm-up did not go as planned: the first invocations below may include work done once');
  // Lines printed at the very end may still be on their way from the workers.
  await new Promise((r) => setTimeout(r, 500));
  const warmExecutions = new Set(setup.runtime.stepFunctions.executions.keys());
  const warmEmails = new Set(warm.emails.map((e) => e.messageId));
  setup.meter.reset();

  const cpu0 = machineCpuSeconds();
  const t0 = performance.now();
  const measured = await run(setup, workload);
  const cpu1 = machineCpuSeconds();
  const busyCores = cpu0 && cpu1 ? (cpu1.busy - cpu0.busy) / ((performance.now() - t0) / 1000) : Number.NaN;
  await new Promise((r) => setTimeout(r, 500));
  const result = { ...measured, emails: measured.emails.filter((e) => !warmEmails.has(e.messageId)) };

  const functionsWork = setup.meter.functions();
  const executions = [...setup.runtime.stepFunctions.executions.values()].filter((e) => !warmExecutions.has(e.executionArn));
  const verification = await verify(setup, workload, result, functionsWork, executions, warm.api.visitor.events);
  if (verification.problems.length > 0) {
    exitCode = 1;
    for (const problem of verification.problems) log(`problem: ${problem}`);
  }

  const work: CountedWork = {
    events: result.api.visitor.events,
    handoffs: executions.filter((e) => e.states.includes('Send hand-off')).length,
    apiRequests: { events: result.api.visitor.requests - result.api.visitor.trackerScripts, trackerScripts: result.api.visitor.trackerScripts, links: result.api.links.requests },
    functions: [...setup.functions.values()].map((facts) => ({
      facts,
      work: functionsWork.find((w) => w.functionLogicalId === facts.logicalId) ?? noWork(facts.logicalId, facts.memorySize),
    })),
    stream: setup.meter.stream(),
    transitions: executions.reduce((sum, e) => sum + e.states.length + e.retries, 0),
    emailRecipients: result.emails.reduce((sum, e) => sum + (e.destination.to?.length ?? 0) + (e.destination.cc?.length ?? 0) + (e.destination.bcc?.length ?? 0), 0),
  };
  const section = report({ m, startedAt, setup, workload, result, work, lines: bill(work), executions, verification, busyCores });
  console.log(`\n${section}\n`);
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  }
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  setup.dynamodb.destroy();
  await setup.runtime.stop();
}
process.exit(exitCode);
