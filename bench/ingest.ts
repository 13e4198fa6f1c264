import { startLocalRuntime, type LocalRuntime } from '../local/runtime.ts';
import { appendResults, describeMachine, fmt, machine } from './lib/harness.ts';
import { measureCapacity, measurePhases, phaseRunner } from './ingest/phases.ts';
import { report } from './ingest/report.ts';
import { BATCH_CONCURRENCY, BATCH_SIZE, CONCURRENCY, EVENTS, log, RECORD, REPEATS, runId, VISITORS, WARMUP } from './ingest/settings.ts';
import { connectTables } from './ingest/setup.ts';
import { verify } from './ingest/verify.ts';

/**
 * bench/ingest: the hot path, measured in one run on the local runtime.
 *
 *  - HTTP /v1/track: single events, a fixed number of requests in flight;
 *  - HTTP /v1/batch: batches of events, a fixed number of requests in flight;
 *  - raw PutItem: the same stored items, the same conditional put, the same
 *    client settings the ingest function uses, straight at the same DynamoDB
 *    Local, at the same concurrency as /v1/track;
 *  - both paths again with one request in flight: the latency each adds
 *    when nothing competes for the CPU;
 *  - the write capacity DynamoDB reports for one stored event and for a
 *    duplicate (failed conditional) write, next to what AWS would bill.
 *
 * The scoring function consumes the events table's stream while this runs,
 * as it does in the real system: every event written here, by HTTP or raw,
 * is scored. Each measured phase starts once scoring has caught up with the
 * previous one, so phases do not inherit each other's backlog.
 *
 * Settings (environment): BENCH_EVENTS (events per measured phase, 3000),
 * BENCH_CONCURRENCY (16), BENCH_BATCH_SIZE (50), BENCH_BATCH_CONCURRENCY (1),
 * BENCH_REPEATS (3), BENCH_WARMUP (events per warm-up phase, 2000),
 * BENCH_LATENCY_EVENTS (events per one-in-flight phase, 300),
 * BENCH_VISITORS (distinct anonymous visitors, 500), BENCH_RECORD=0 to skip
 * writing bench/RESULTS.md.
 */

const m = machine();
log(`machine: ${describeMachine(m)}`);
log(`run ${runId}: ${REPEATS} × ${EVENTS} events per phase, ${CONCURRENCY} in flight (batches of ${BATCH_SIZE}, ${BATCH_CONCURRENCY} in flight), ${WARMUP} warm-up events per phase, ${VISITORS} visitors`);

const startedAt = new Date();
const runtimeStart = performance.now();
const runtime: LocalRuntime = await startLocalRuntime({ port: 0, sesPort: 0, synth: true, log: () => undefined });
log(`local runtime up in ${fmt((performance.now() - runtimeStart) / 1000, 1)} s: API ${runtime.apiUrl}, DynamoDB Local ${runtime.dynamodbEndpoint}`);

let exitCode = 0;
try {
  const tables = await connectTables(runtime);
  const runner = phaseRunner(runtime, tables);
  const runs = await measurePhases(runner);
  const capacity = await measureCapacity(runtime, tables, runner);
  const verification = await verify(tables, runner, runs, capacity);
  if (!verification.ok) exitCode = 1;

  const section = report({ m, startedAt, eventsTable: tables.eventsTable, runs, capacity, sent: runner.sent(), verification });
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  } else {
    console.log(section);
  }
  tables.lowLevel.destroy();
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await runtime.stop();
}
process.exit(exitCode);
