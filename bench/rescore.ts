import { appendResults, describeMachine, fmt, machine } from './lib/harness.ts';
import { measurePhases, measureScaling } from './rescore/phases.ts';
import { report } from './rescore/report.ts';
import { seed } from './rescore/seed.ts';
import { CONCURRENCY, EVENTS, LEADS, log, RECORD, REPEATS, runId, SEGMENTS } from './rescore/settings.ts';
import { loadAdapters, startTables } from './rescore/setup.ts';
import { verify } from './rescore/verify.ts';

/**
 * bench/rescore: `leadloop rescore` over 100,000 stored events, in events/s.
 *
 * DynamoDB Local runs alone with the synthesized tables: no functions, no
 * stream poller, so seeding triggers no scoring. The events table's stream is
 * left off: nothing reads it here, the rescore writes no events, and a stream
 * record per seeded event would double DynamoDB Local's cost of seeding them.
 * The bench seeds BENCH_EVENTS tracking events over BENCH_LEADS leads
 * (bench/lib/seed-history.ts: page views incl. /pricing, downloads, email
 * clicks, demo forms, identifies with traits, over up to 90 days) and for each
 * lead what the stream path and the journey would have left: the event items,
 * one marker per event, the identity links, the profile built by
 * `applyEvents` under the deployed model (a qualified lead with its journey
 * started and a rep assigned, about half of those with the rep's accept or
 * reject stored as an outcome event), the cycle items and the funnel
 * counters. Seeding is timed, not counted.
 *
 * Then, in the same run, after warm-up rescores (see below), phases
 * interleaved and repeated, medians reported:
 *
 *  - raw read: per lead exactly the reads a rescore makes (getLead,
 *    leadEventIds, trackingEvents: the product's own adapter functions),
 *    SEGMENTS × CONCURRENCY leads in flight, nothing computed or written;
 *  - compute only: `rescoreLead` over the histories just read, in memory, no
 *    I/O: what the rate would be if DynamoDB cost nothing;
 *  - rescore: `rescoreAll` with the live ports (`liveRescorePorts`) under a
 *    changed model, SEGMENTS segments × CONCURRENCY leads (4 × 4, the CLI's
 *    default), a new model version each run (progress is per version);
 *  - once, in the last repeat, raw read and rescore with one lead in flight
 *    (1 segment × 1): the cost per lead without contention;
 *  - once, how the compute scales with the length of one lead's history
 *    (100, 1,000, 3,000 events) and how large the profile grows.
 *
 * The changed model is the deployed one with a new version, a demo request
 * worth 35 instead of 40 and a careers page view -15 instead of -10: rules
 * without caps, so every lead's engagement can only go down and no lead newly
 * qualifies (a capped rule with fewer points can raise a decayed score;
 * qualification by activity counts events, not points). The `startJourney`
 * port is still replaced, by a counter, because there is no Step Functions
 * here; the run reports how often it was called (0 expected). Every other
 * port is the live adapter; the I/O ports are wrapped only to time each
 * call, so the report can say where the time went.
 *
 * Afterwards it checks that each run's progress record counts every lead and
 * every event, and that every profile carries the last model version, a
 * ledger equal to replaying its seeded events under that model, an engagement
 * that follows from the ledger, and the stages sales left.
 *
 * Settings (environment): BENCH_EVENTS (100000), BENCH_LEADS (1000),
 * BENCH_SEGMENTS (4), BENCH_CONCURRENCY (4), BENCH_REPEATS (3),
 * BENCH_SEED_CONCURRENCY (BatchWriteItem requests in flight while seeding, 8),
 * BENCH_WARMUP_RESCORES (at most this many warm-up rescores, 5),
 * BENCH_WARMUP=0 to skip the warm-up, BENCH_SEQUENTIAL=0 to skip the
 * one-in-flight phases, BENCH_RECORD=0 to print the section instead of
 * appending it to bench/RESULTS.md.
 */

const m = machine();
log(`machine: ${describeMachine(m)}`);
log(`run ${runId}: ${fmt(EVENTS)} events over ${fmt(LEADS)} leads; ${SEGMENTS} segments × ${CONCURRENCY} leads; ${REPEATS} repeats`);
const startedAt = new Date();

const tables = await startTables();
let exitCode = 0;
try {
  const adapters = loadAdapters(tables);
  const seeded = await seed(tables, startedAt);
  const measured = await measurePhases(adapters, seeded.leadIds);
  const scaling = measureScaling(startedAt);
  const verification = await verify(tables, adapters, seeded, measured);
  if (verification.problems.length > 0) exitCode = 1;

  const section = report({ m, startedAt, tables, seeded, measured, scaling, verification });
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  } else {
    console.log(section);
  }
  for (const line of verification.progressLines) log(`  progress ${line}`);
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await tables.dynamodb.stop();
}
process.exit(exitCode);
