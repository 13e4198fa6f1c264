import { Readable } from 'node:stream';
import { BatchGetItemCommand, ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { childProcessesCpuSeconds, fmt, machineCpuSeconds, ownCpuSeconds, percentile, runPool } from '../lib/harness.ts';
import { itemSize, writeUnitsFor } from '../lib/item-size.ts';
import { appliedTo } from '../lib/markers.ts';
import { storedItem, trackEvent } from './events.ts';
import { BATCH_CONCURRENCY, BATCH_SIZE, CONCURRENCY, DRAIN_TIMEOUT_MS, EVENTS, LATENCY_EVENTS, log, REPEATS, WARMUP } from './settings.ts';
import type { IngestTables } from './setup.ts';

/**
 * The measured phases: single events over HTTP, batches over HTTP, and the
 * raw conditional PutItem of the same stored items, each followed by the wait
 * until scoring has applied its events; then the write-capacity probe.
 */

// ---------------------------------------------------------------- outcome accounting

export interface Failures {
  /** HTTP status (or 'network' / error name) → count of requests */
  byStatus: Map<string, number>;
  samples: string[];
}

export function newFailures(): Failures {
  return { byStatus: new Map(), samples: [] };
}

export function recordFailure(failures: Failures, key: string, detail: string): void {
  failures.byStatus.set(key, (failures.byStatus.get(key) ?? 0) + 1);
  if (failures.samples.length < 5) failures.samples.push(`${key}: ${detail.slice(0, 300)}`);
}

export function failureCount(failures: Failures): number {
  return [...failures.byStatus.values()].reduce((a, b) => a + b, 0);
}

export interface PhaseRun {
  /** events the system acknowledged (HTTP 200 / PutItem succeeded) */
  events: number;
  /** requests made */
  requests: number;
  seconds: number;
  eventsPerSecond: number;
  /** per-request latency, ms */
  p50: number;
  p99: number;
  failures: Failures;
  /** seconds after the phase ended until scoring had applied every event of the phase */
  scoringCatchUpSeconds: number | undefined;
  /** the phase's events ÷ the time from its start until scoring had applied all of them: a lower bound of the scoring rate */
  scoredPerSecond: number | undefined;
  /** CPU seconds per 1000 events during the phase: this Node process (all threads), DynamoDB Local (Java) */
  nodeCpuPer1k: number;
  javaCpuPer1k: number | undefined;
  /** the same, from the phase's start until scoring had caught up: ingesting and scoring the events */
  nodeCpuWithScoringPer1k: number;
  javaCpuWithScoringPer1k: number | undefined;
  /** cores' worth of CPU used during the phase by other processes on the machine, and stolen by the hypervisor */
  otherCores: number | undefined;
  stealCores: number | undefined;
}

// ---------------------------------------------------------------- one phase

export type Phase = 'track' | 'batch' | 'raw';

export interface PhaseRunner {
  runPhase: (phase: Phase, concurrency: number, label: string, n: number) => Promise<PhaseRun>;
  scoringCatchUp: (events: readonly { messageId: string; anonymousId: string }[]) => Promise<number | undefined>;
  /** every event sent so far (acknowledged or not) */
  sent: () => number;
  addSent: (n: number) => void;
}

export function phaseRunner(runtime: LocalRuntime, tables: IngestTables): PhaseRunner {
  const { eventsTable, leadsTable, lowLevel, documentClient } = tables;
  /** Every event sent so far (acknowledged or not): what the table should hold and scoring should eventually apply. */
  let sent = 0;

  /**
   * Waits until scoring has applied these events. The stream is read in
   * order, so it looks for the markers of the oldest 100 not yet seen (one
   * Query per visitor among them; a visitor seen for the first time gets the
   * lead named after its anonymous id), and moves on only when they are all
   * there. Returns the seconds it took, or undefined on timeout.
   */
  async function scoringCatchUp(events: readonly { messageId: string; anonymousId: string }[]): Promise<number | undefined> {
    const started = performance.now();
    const pending = [...events];
    while (pending.length > 0) {
      const chunk = pending.slice(0, 100);
      const leads = [...new Set(chunk.map((event) => leadIdFor(`anon:${event.anonymousId}`)))];
      const found = new Set<string>();
      await runPool(leads, 8, async (leadId) => {
        for (const id of await appliedTo(lowLevel, leadsTable, leadId)) found.add(id);
      });
      const before = pending.length;
      for (let i = Math.min(pending.length, 100) - 1; i >= 0; i--) if (found.has(pending[i]!.messageId)) pending.splice(i, 1);
      if (pending.length === 0) break;
      if (performance.now() - started > DRAIN_TIMEOUT_MS) {
        log(`scoring did not catch up within ${DRAIN_TIMEOUT_MS / 1000} s: ${pending.length} of ${events.length} events not applied`);
        return undefined;
      }
      if (before - pending.length < chunk.length) await new Promise((r) => setTimeout(r, 250));
    }
    return (performance.now() - started) / 1000;
  }

  const authorization = `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`;
  async function post(route: string, body: string, events: number, failures: Failures): Promise<number> {
    try {
      const response = await fetch(`${runtime.apiUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
      const text = await response.text();
      if (response.status === 200) return events;
      recordFailure(failures, `HTTP ${response.status}`, text);
    } catch (error) {
      recordFailure(failures, 'network', error instanceof Error ? `${error.name}: ${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : String(error));
    }
    return 0;
  }

  // Phases. Each builds its requests before the clock starts.
  interface Prepared {
    requests: { body: unknown; events: number }[];
    /** the events, for the scoring catch-up */
    events: { messageId: string; anonymousId: string }[];
  }
  function prepare(phase: Phase, label: string, n: number): Prepared {
    const bodies = Array.from({ length: n }, (_, i) => trackEvent(label, i));
    const events = bodies.map((b) => ({ messageId: String(b.messageId), anonymousId: String(b.anonymousId) }));
    if (phase === 'track') return { requests: bodies.map((b) => ({ body: JSON.stringify(b), events: 1 })), events };
    if (phase === 'batch') {
      const requests: Prepared['requests'] = [];
      for (let i = 0; i < n; i += BATCH_SIZE) {
        const batch = bodies.slice(i, i + BATCH_SIZE);
        requests.push({ body: JSON.stringify({ batch, sentAt: new Date().toISOString() }), events: batch.length });
      }
      return { requests, events };
    }
    // Raw: the very items the ingest function would store for these events.
    const receivedAt = new Date();
    return { requests: bodies.map((b) => ({ body: storedItem(b, receivedAt), events: 1 })), events };
  }

  async function runPhase(phase: Phase, concurrency: number, label: string, n: number): Promise<PhaseRun> {
    const { requests, events } = prepare(phase, label, n);
    const failures = newFailures();
    let acknowledged = 0;
    const cpu0 = ownCpuSeconds();
    const java0 = childProcessesCpuSeconds();
    const machine0 = machineCpuSeconds();
    const result = await runPool(requests, concurrency, async ({ body, events: count }) => {
      if (phase === 'raw') {
        try {
          await documentClient.send(new PutCommand({ TableName: eventsTable, Item: body as Record<string, unknown>, ConditionExpression: 'attribute_not_exists(messageId)' }));
          acknowledged += count;
        } catch (error) {
          const name = error instanceof ConditionalCheckFailedException ? 'ConditionalCheckFailed' : error instanceof Error ? error.name : 'error';
          recordFailure(failures, name, error instanceof Error ? error.message : String(error));
        }
        return;
      }
      const ok = await post(phase === 'track' ? '/v1/track' : '/v1/batch', body as string, count, failures);
      acknowledged += ok; // after the await: `x += await …` would read x before it and lose concurrent updates
    });
    const nodeCpu = ownCpuSeconds() - cpu0;
    const java1 = childProcessesCpuSeconds();
    const machine1 = machineCpuSeconds();
    sent += n;
    const scoringCatchUpSeconds = await scoringCatchUp(events);
    const nodeCpuAll = ownCpuSeconds() - cpu0;
    const java2 = childProcessesCpuSeconds();
    const per1k = (seconds: number) => (seconds / n) * 1000;
    return {
      events: acknowledged,
      requests: requests.length,
      seconds: result.seconds,
      eventsPerSecond: acknowledged / result.seconds,
      p50: percentile(result.latencies, 50),
      p99: percentile(result.latencies, 99),
      failures,
      scoringCatchUpSeconds,
      scoredPerSecond: scoringCatchUpSeconds === undefined ? undefined : n / (result.seconds + scoringCatchUpSeconds),
      nodeCpuPer1k: per1k(nodeCpu),
      javaCpuPer1k: java0 !== undefined && java1 !== undefined ? per1k(java1 - java0) : undefined,
      nodeCpuWithScoringPer1k: per1k(nodeCpuAll),
      javaCpuWithScoringPer1k: java0 !== undefined && java2 !== undefined ? per1k(java2 - java0) : undefined,
      otherCores:
        machine0 && machine1 && java0 !== undefined && java1 !== undefined
          ? Math.max(0, machine1.busy - machine0.busy - nodeCpu - (java1 - java0)) / result.seconds
          : undefined,
      stealCores: machine0 && machine1 ? (machine1.steal - machine0.steal) / result.seconds : undefined,
    };
  }

  return { runPhase, scoringCatchUp, sent: () => sent, addSent: (n) => void (sent += n) };
}

// ---------------------------------------------------------------- warm-up and the measured phases

export type Key = 'track' | 'batch' | 'raw' | 'track1' | 'raw1';
export const phases: { key: Key; phase: Phase; concurrency: number; n: number; name: string }[] = [
  { key: 'track', phase: 'track', concurrency: CONCURRENCY, n: EVENTS, name: `HTTP POST /v1/track (1 event/request, ${CONCURRENCY} in flight)` },
  { key: 'batch', phase: 'batch', concurrency: BATCH_CONCURRENCY, n: EVENTS, name: `HTTP POST /v1/batch (${BATCH_SIZE} events/request, ${BATCH_CONCURRENCY} in flight)` },
  { key: 'raw', phase: 'raw', concurrency: CONCURRENCY, n: EVENTS, name: `raw conditional PutItem (${CONCURRENCY} in flight)` },
  { key: 'track1', phase: 'track', concurrency: 1, n: LATENCY_EVENTS, name: 'HTTP POST /v1/track (1 in flight)' },
  { key: 'raw1', phase: 'raw', concurrency: 1, n: LATENCY_EVENTS, name: 'raw conditional PutItem (1 in flight)' },
];

export async function measurePhases(runner: PhaseRunner): Promise<Map<Key, PhaseRun[]>> {
  const { runPhase } = runner;
  // ---- warm-up (not measured): JIT, connection pools, the key cache, DynamoDB Local's tables and stream.
  log('warm-up …');
  for (const [phase, concurrency] of [['track', CONCURRENCY], ['batch', BATCH_CONCURRENCY], ['raw', CONCURRENCY]] as const) {
    const run = await runPhase(phase, concurrency, `warmup-${phase}`, WARMUP);
    log(`  warm-up ${phase}: ${fmt(run.eventsPerSecond)} events/s${failureCount(run.failures) ? `, ${failureCount(run.failures)} failed requests` : ''}`);
  }

  // ---- measurement: the phases interleaved, so a drift in the machine's state hits all of them alike.
  const runs = new Map<Key, PhaseRun[]>(phases.map((p) => [p.key, []]));
  for (let r = 1; r <= REPEATS; r++) {
    for (const { key, phase, concurrency, n } of phases) {
      const run = await runPhase(phase, concurrency, `r${r}-${key}`, n);
      runs.get(key)!.push(run);
      const failed = failureCount(run.failures);
      log(
        `  run ${r} ${key.padEnd(6)}: ${fmt(run.eventsPerSecond).padStart(6)} events/s  p50 ${fmt(run.p50, 1)} ms  p99 ${fmt(run.p99, 1)} ms` +
          `  scoring caught up ${run.scoringCatchUpSeconds === undefined ? 'NOT within the timeout' : `${fmt(run.scoringCatchUpSeconds, 1)} s`} later` +
          (failed ? `  FAILED requests: ${failed} ${JSON.stringify(Object.fromEntries(run.failures.byStatus))}` : ''),
      );
    }
  }
  return runs;
}

// ---------------------------------------------------------------- write capacity

export interface Capacity {
  probe: ReturnType<typeof storedItem>;
  probeSize: number;
  firstUnits: number | undefined;
  duplicateUnits: number | undefined;
  duplicateOutcome: string;
  expectedUnits: number;
  sampleSizes: number[];
}

export async function measureCapacity(runtime: LocalRuntime, tables: IngestTables, runner: PhaseRunner): Promise<Capacity> {
  const { eventsTable } = tables;
  // ---- write capacity: one representative stored event, then the same event again.
  const probe = storedItem(trackEvent('capacity-probe', 0));
  const probeSize = itemSize(marshall(probe, { removeUndefinedValues: true }));
  const lastBody: { text?: string } = {};
  const capturing = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // Keep the raw response body: a failed conditional write's error does not carry ConsumedCapacity in the SDK's model.
  capturing.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { body?: Readable };
      if (response.body) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
        const buffer = Buffer.concat(chunks);
        lastBody.text = buffer.toString('utf8');
        response.body = Readable.from([buffer]);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'benchKeepRawBody' },
  );
  const capacityPut = new PutItemCommand({
    TableName: eventsTable,
    Item: marshall(probe, { removeUndefinedValues: true }),
    ConditionExpression: 'attribute_not_exists(messageId)',
    ReturnConsumedCapacity: 'TOTAL',
  });
  const first = await capturing.send(capacityPut);
  runner.addSent(1);
  const firstUnits = first.ConsumedCapacity?.CapacityUnits;
  let duplicateUnits: number | undefined;
  let duplicateRaw = '';
  let duplicateOutcome = 'succeeded (unexpected: the condition should have failed)';
  try {
    await capturing.send(capacityPut);
  } catch (error) {
    duplicateOutcome = error instanceof ConditionalCheckFailedException ? 'ConditionalCheckFailedException' : `${(error as Error).name}: ${(error as Error).message}`;
  }
  duplicateRaw = lastBody.text ?? '';
  try {
    const parsed = JSON.parse(duplicateRaw) as { ConsumedCapacity?: { CapacityUnits?: number } };
    duplicateUnits = parsed.ConsumedCapacity?.CapacityUnits;
  } catch {
    duplicateUnits = undefined;
  }
  capturing.destroy();
  const expectedUnits = writeUnitsFor(probeSize);
  // Sizes of all the items the raw phase would write, to show the probe is representative.
  const sampleSizes = Array.from({ length: 200 }, (_, i) => itemSize(marshall(storedItem(trackEvent('size-sample', i)), { removeUndefinedValues: true })));
  log(`capacity: new event of ${probeSize} B → DynamoDB Local reported ${firstUnits ?? 'nothing'} WCU; duplicate → ${duplicateOutcome}, reported ${duplicateUnits ?? 'nothing'}`);
  return { probe, probeSize, firstUnits, duplicateUnits, duplicateOutcome, expectedUnits, sampleSizes };
}
