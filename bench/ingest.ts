import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime.ts';
import { LOCAL_REGION, readTemplate } from '../local/template.ts';
import { toStoredEvent, trackingEventSchema } from '../functions/core/tracking-event.ts';
import { leadIdFor } from '../functions/core/lead-id.ts';
import { privacy } from '../config/index.ts';
import { markerKey as leadMarkerKey, MARKER_PREFIX } from '../functions/core/table-layout.ts';
import {
  appendResults,
  benchDir,
  childProcessesCpuSeconds,
  describeMachine,
  fmt,
  machine,
  markdownTable,
  median,
  medianIndex,
  numberFromEnv,
  machineCpuSeconds,
  ownCpuSeconds,
  percentile,
  runPool,
} from './lib/harness.ts';
import { itemSize, writeUnitsFor } from './lib/item-size.ts';

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

const EVENTS = numberFromEnv('BENCH_EVENTS', 3000);
const CONCURRENCY = numberFromEnv('BENCH_CONCURRENCY', 16);
const BATCH_SIZE = numberFromEnv('BENCH_BATCH_SIZE', 50);
// One batch in flight: the function writes a batch 16 puts at a time (functions/ingest/record-events.ts),
// so DynamoDB Local sees at most 16 puts in flight, as in the other phases.
const BATCH_CONCURRENCY = numberFromEnv('BENCH_BATCH_CONCURRENCY', 1);
const REPEATS = numberFromEnv('BENCH_REPEATS', 3);
const WARMUP = numberFromEnv('BENCH_WARMUP', 2000);
const LATENCY_EVENTS = numberFromEnv('BENCH_LATENCY_EVENTS', 300);
const VISITORS = numberFromEnv('BENCH_VISITORS', 500);
const RECORD = process.env.BENCH_RECORD !== '0';
const DRAIN_TIMEOUT_MS = numberFromEnv('BENCH_DRAIN_TIMEOUT_SECONDS', 300) * 1000;

const runId = randomBytes(4).toString('hex');
const log = (message: string) => console.log(`[bench/ingest] ${message}`);

// ---------------------------------------------------------------- events

type Body = Record<string, unknown>;

/** A realistic tracked event as a site would send it (Segment Tracking API shape). */
function trackEvent(phase: string, i: number): Body {
  const now = new Date().toISOString();
  return {
    type: 'track',
    messageId: `bench-${runId}-${phase}-${i}`,
    anonymousId: `bench-${runId}-visitor-${i % VISITORS}`,
    event: 'Pricing Plan Viewed',
    properties: { plan: ['starter', 'pro', 'enterprise'][i % 3], billing: 'annual', position: i % 7, currency: 'EUR' },
    context: {
      page: {
        url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch',
        path: '/pricing',
        referrer: 'https://mail.example.org/',
        title: 'Pricing | Example',
      },
      campaign: { source: 'newsletter', medium: 'email', name: 'spring-launch' },
      ip: '203.0.113.42',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    },
    timestamp: now,
    sentAt: now,
  };
}

/** What the ingest function writes for this event: validated, normalized, kind 'tracking'. */
function storedItem(body: Body, receivedAt = new Date()) {
  return { ...toStoredEvent(trackingEventSchema.parse(body), receivedAt, 'local', privacy), kind: 'tracking' as const };
}

// ---------------------------------------------------------------- outcome accounting

interface Failures {
  /** HTTP status (or 'network' / error name) → count of requests */
  byStatus: Map<string, number>;
  samples: string[];
}

function newFailures(): Failures {
  return { byStatus: new Map(), samples: [] };
}

function recordFailure(failures: Failures, key: string, detail: string): void {
  failures.byStatus.set(key, (failures.byStatus.get(key) ?? 0) + 1);
  if (failures.samples.length < 5) failures.samples.push(`${key}: ${detail.slice(0, 300)}`);
}

function failureCount(failures: Failures): number {
  return [...failures.byStatus.values()].reduce((a, b) => a + b, 0);
}

interface PhaseRun {
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

// ---------------------------------------------------------------- the run

const m = machine();
log(`machine: ${describeMachine(m)}`);
log(`run ${runId}: ${REPEATS} × ${EVENTS} events per phase, ${CONCURRENCY} in flight (batches of ${BATCH_SIZE}, ${BATCH_CONCURRENCY} in flight), ${WARMUP} warm-up events per phase, ${VISITORS} visitors`);

const startedAt = new Date();
const runtimeStart = performance.now();
const runtime: LocalRuntime = await startLocalRuntime({ port: 0, sesPort: 0, synth: true, log: () => undefined });
log(`local runtime up in ${fmt((performance.now() - runtimeStart) / 1000, 1)} s: API ${runtime.apiUrl}, DynamoDB Local ${runtime.dynamodbEndpoint}`);

let exitCode = 0;
try {
  // The table names, from the synthesized template, as the functions know them.
  const template = readTemplate(path.join(benchDir, '..', 'cdk.out'));
  const tableEnv = (name: string) => {
    const values = new Set<string>();
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const ref = (resource.Properties?.Environment as { Variables?: Record<string, { Ref?: string }> } | undefined)?.Variables?.[name]?.Ref;
      if (ref) values.add(ref); // locally a table's name is its logical id
    }
    if (values.size !== 1) throw new Error(`expected one table behind ${name}, found ${[...values].join(', ') || 'none'}`);
    return [...values][0]!;
  };
  const eventsTable = tableEnv('EVENTS_TABLE');
  const leadsTable = tableEnv('LEADS_TABLE');

  const lowLevel = new DynamoDBClient({
    endpoint: runtime.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Exactly how functions/adapters/event-store.ts writes: the document client, removeUndefinedValues.
  const documentClient = DynamoDBDocumentClient.from(lowLevel, { marshallOptions: { removeUndefinedValues: true } });
  const { Table } = await lowLevel.send(new DescribeTableCommand({ TableName: eventsTable }));
  const hashKey = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hashKey !== 'messageId') throw new Error(`${eventsTable} is keyed by ${hashKey}, expected messageId`);
  log(`events table ${eventsTable} (stream: ${Table?.StreamSpecification?.StreamViewType ?? 'none'}), leads table ${leadsTable}`);

  async function count(table: string, filter?: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeValues'>): Promise<number> {
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await lowLevel.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...filter, ...(startKey && { ExclusiveStartKey: startKey }) }));
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }
  /** Events the scoring function has applied: it leaves one marker item per event in the leads table. */
  const appliedEvents = () => count(leadsTable, { FilterExpression: 'begins_with(sk, :p)', ExpressionAttributeValues: { ':p': { S: MARKER_PREFIX } } });

  /** Every event sent so far (acknowledged or not): what the table should hold and scoring should eventually apply. */
  let sent = 0;

  /**
   * The marker the scoring function leaves for each event it applied. A visitor
   * seen for the first time gets the lead named after its anonymous id.
   */
  const markerKey = (event: { messageId: string; anonymousId: string }) => {
    const { pk, sk } = leadMarkerKey(leadIdFor(`anon:${event.anonymousId}`), event.messageId);
    return { pk: { S: pk }, sk: { S: sk } };
  };

  /**
   * Waits until scoring has applied these events. The stream is read in
   * order, so it asks for the markers of the oldest 100 not yet seen, and
   * moves on only when they are all there: about one BatchGetItem per poll,
   * so the wait itself hardly loads DynamoDB Local. Returns the seconds it
   * took, or undefined on timeout.
   */
  async function scoringCatchUp(events: readonly { messageId: string; anonymousId: string }[]): Promise<number | undefined> {
    const started = performance.now();
    const pending = events.map(markerKey);
    while (pending.length > 0) {
      const chunk = pending.slice(0, 100);
      const found = new Set<string>();
      let request: Record<string, { Keys: Record<string, AttributeValue>[]; ProjectionExpression?: string }> | undefined = {
        [leadsTable]: { Keys: chunk, ProjectionExpression: 'sk' },
      };
      while (request && Object.keys(request).length > 0) {
        const response = await lowLevel.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of response.Responses?.[leadsTable] ?? []) if (item.sk?.S) found.add(item.sk.S);
        request = response.UnprocessedKeys as typeof request;
      }
      const before = pending.length;
      for (let i = pending.length - 1; i >= 0; i--) if (i < 100 && found.has(pending[i]!.sk.S)) pending.splice(i, 1);
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
  type Phase = 'track' | 'batch' | 'raw';
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

  // ---- warm-up (not measured): JIT, connection pools, the key cache, DynamoDB Local's tables and stream.
  log('warm-up …');
  for (const [phase, concurrency] of [['track', CONCURRENCY], ['batch', BATCH_CONCURRENCY], ['raw', CONCURRENCY]] as const) {
    const run = await runPhase(phase, concurrency, `warmup-${phase}`, WARMUP);
    log(`  warm-up ${phase}: ${fmt(run.eventsPerSecond)} events/s${failureCount(run.failures) ? `, ${failureCount(run.failures)} failed requests` : ''}`);
  }

  // ---- measurement: the phases interleaved, so a drift in the machine's state hits all of them alike.
  type Key = 'track' | 'batch' | 'raw' | 'track1' | 'raw1';
  const phases: { key: Key; phase: Phase; concurrency: number; n: number; name: string }[] = [
    { key: 'track', phase: 'track', concurrency: CONCURRENCY, n: EVENTS, name: `HTTP POST /v1/track (1 event/request, ${CONCURRENCY} in flight)` },
    { key: 'batch', phase: 'batch', concurrency: BATCH_CONCURRENCY, n: EVENTS, name: `HTTP POST /v1/batch (${BATCH_SIZE} events/request, ${BATCH_CONCURRENCY} in flight)` },
    { key: 'raw', phase: 'raw', concurrency: CONCURRENCY, n: EVENTS, name: `raw conditional PutItem (${CONCURRENCY} in flight)` },
    { key: 'track1', phase: 'track', concurrency: 1, n: LATENCY_EVENTS, name: 'HTTP POST /v1/track (1 in flight)' },
    { key: 'raw1', phase: 'raw', concurrency: 1, n: LATENCY_EVENTS, name: 'raw conditional PutItem (1 in flight)' },
  ];
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
  sent += 1;
  const firstUnits = first.ConsumedCapacity?.CapacityUnits;
  const firstRaw = lastBody.text ?? '';
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

  // ---- verification: every event sent is in the table exactly once; scoring applied every one.
  const finalCatchUp = await scoringCatchUp([{ messageId: String(probe.messageId), anonymousId: String(probe.anonymousId) }]);
  const stored = await count(eventsTable);
  const applied = await appliedEvents();
  const allFailures = [...runs.values()].flat().reduce((sum, run) => sum + failureCount(run.failures), 0);
  log(`verification: ${sent} events sent, ${stored} items in ${eventsTable}, ${applied} applied by scoring; ${allFailures} failed requests in measured phases`);
  if (stored !== sent || applied !== sent || allFailures > 0 || finalCatchUp === undefined) exitCode = 1;

  // ---- report
  const summary = phases.map(({ key, name }) => {
    const list = runs.get(key)!;
    const rates = list.map((r) => r.eventsPerSecond);
    const mid = list[medianIndex(rates)]!;
    return { key, name, list, rate: median(rates), mid, baseline: (key === 'track1' || key === 'raw1' ? 'raw1' : 'raw') as Key };
  });
  const byKey = (k: Key) => summary.find((s) => s.key === k)!;
  const raw = byKey('raw');
  const track = byKey('track');
  const batch = byKey('batch');
  const track1 = byKey('track1');
  const raw1 = byKey('raw1');
  // Ratio per repetition (same moment, same machine state), then the median; and the ratio of medians.
  const perRepRatio = (k: Key, base: Key) => median(runs.get(k)!.map((run, i) => run.eventsPerSecond / runs.get(base)![i]!.eventsPerSecond));
  const trackRatio = track.rate / raw.rate;
  const batchRatio = batch.rate / raw.rate;
  const sequentialRatio = track1.rate / raw1.rate;

  const cpu = (node: number, java: number | undefined) => `${fmt(node, 2)} / ${java === undefined ? 'n/a' : fmt(java, 2)}`;
  const table = markdownTable(
    ['path', 'events/s (median of runs)', 'runs (events/s)', 'p50 / p99 per request (ms)', 'HTTP ÷ raw PutItem', 'failed requests'],
    summary.map((s) => [
      s.name,
      fmt(s.rate),
      s.list.map((r) => fmt(r.eventsPerSecond)).join(', '),
      `${fmt(s.mid.p50, 1)} / ${fmt(s.mid.p99, 1)}`,
      s.key === s.baseline ? '—' : `**${fmt(s.rate / byKey(s.baseline).rate, 2)}** (median of per-run ratios ${fmt(perRepRatio(s.key, s.baseline), 2)})`,
      String(s.list.reduce((sum, r) => sum + failureCount(r.failures), 0)),
    ]),
  );
  const costTable = markdownTable(
    [
      'path',
      'CPU ms per event while ingesting: Node / DynamoDB Local',
      'CPU ms per event until scored: Node / DynamoDB Local',
      'cores busy while ingesting: ours / other processes / steal',
      'scoring caught up after the phase (s, per run)',
      'scoring rate, lower bound (events/s, median)',
    ],
    summary.map((s) => [
      s.key,
      cpu(s.mid.nodeCpuPer1k, s.mid.javaCpuPer1k),
      cpu(s.mid.nodeCpuWithScoringPer1k, s.mid.javaCpuWithScoringPer1k),
      `${s.mid.javaCpuPer1k === undefined ? 'n/a' : fmt(((s.mid.nodeCpuPer1k + s.mid.javaCpuPer1k) * s.mid.eventsPerSecond) / 1000, 2)} / ${s.mid.otherCores === undefined ? 'n/a' : fmt(s.mid.otherCores, 2)} / ${s.mid.stealCores === undefined ? 'n/a' : fmt(s.mid.stealCores, 2)}`,
      s.list.map((r) => (r.scoringCatchUpSeconds === undefined ? 'timeout' : fmt(r.scoringCatchUpSeconds, 1))).join(', '),
      fmt(median(s.list.map((r) => r.scoredPerSecond ?? Number.NaN))),
    ]),
  );
  const capacityTable = markdownTable(
    ['write', 'item size', 'DynamoDB Local reported (ReturnConsumedCapacity TOTAL)', 'expected on AWS (on-demand, 1 WRU per started KB)'],
    [
      ['new event (conditional put succeeds)', `${probeSize} B`, firstUnits === undefined ? 'nothing' : `${firstUnits} WCU`, `${expectedUnits} WRU`],
      [
        'duplicate (condition fails)',
        `${probeSize} B stored`,
        duplicateUnits === undefined ? `nothing (${duplicateOutcome}; the error body carries no ConsumedCapacity)` : `${duplicateUnits} WCU (${duplicateOutcome})`,
        `${expectedUnits} WRU (a failed condition is billed on the existing item's size, at least 1)`,
      ],
    ],
  );
  console.log(`\n${table}\n\n${costTable}\n\n${capacityTable}\n`);

  const failureLines = summary.flatMap((s) =>
    s.list.flatMap((r, i) =>
      failureCount(r.failures) > 0 ? [`- ${s.key} run ${i + 1}: ${JSON.stringify(Object.fromEntries(r.failures.byStatus))}; e.g. ${r.failures.samples.map((x) => `\`${x}\``).join('; ')}`] : [],
    ),
  );

  // How busy the cores were while ingesting: CPU per event (both processes) × events/s ÷ cores.
  // Ours (this process and DynamoDB Local), plus whatever else ran on the machine, plus steal.
  const ours = (x: (typeof summary)[number]) =>
    x.mid.javaCpuPer1k === undefined ? undefined : ((x.mid.nodeCpuPer1k + x.mid.javaCpuPer1k) * x.mid.eventsPerSecond) / 1000;
  const busy = (x: (typeof summary)[number]) => {
    const o = ours(x);
    return o === undefined ? undefined : (o + (x.mid.otherCores ?? 0) + (x.mid.stealCores ?? 0)) / m.cores;
  };
  const otherLoads = [...runs.values()].flat().map((r) => r.otherCores ?? 0);
  const maxOther = Math.max(...otherLoads);
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${fmt(x * 100)}%`);
  const saturated = [track, raw].every((x) => (busy(x) ?? 0) >= 0.8);
  const scoringRate = median(
    [track, batch, raw].flatMap((x) => x.list.map((r) => r.scoredPerSecond ?? Number.NaN)).filter((v) => Number.isFinite(v)),
  );
  const reading =
    `With ${CONCURRENCY} requests in flight, the full local HTTP path took ${fmt(track.rate)} single \`/v1/track\` events/s, ` +
    `${fmt(trackRatio, 2)} × the ${fmt(raw.rate)} conditional PutItem/s the same DynamoDB Local took directly in the same run; ` +
    `\`/v1/batch\` (${BATCH_SIZE} per request, ${BATCH_CONCURRENCY} in flight, written 16 at a time by the function) reached ${fmt(batch.rate)} events/s (${fmt(batchRatio, 2)} × raw)` +
    (batchRatio >= 1
      ? `: one request carries ${BATCH_SIZE} events, and its puts leave from the function's own worker thread, while the bench's raw puts share the main thread with the HTTP server, the stream poller and the load generator. `
      : '. ') +
    `Runs varied: raw PutItem ${fmt(Math.min(...raw.list.map((r) => r.eventsPerSecond)))}–${fmt(Math.max(...raw.list.map((r) => r.eventsPerSecond)))} events/s, ` +
    `per-run /v1/track ÷ raw ratios ${fmt(Math.min(...runs.get('track')!.map((r, i) => r.eventsPerSecond / runs.get('raw')![i]!.eventsPerSecond)), 2)}–${fmt(Math.max(...runs.get('track')!.map((r, i) => r.eventsPerSecond / runs.get('raw')![i]!.eventsPerSecond)), 2)}; read the ratio to one decimal. ` +
    `Unloaded, one request at a time, a \`/v1/track\` took ${fmt(track1.mid.p50, 1)} ms (p50) against ${fmt(raw1.mid.p50, 1)} ms for the bare PutItem: ` +
    `the HTTP server, the API Gateway event, the hop to the function's worker thread, middy, zod and the key lookup (cached) add about ${fmt(track1.mid.p50 - raw1.mid.p50, 1)} ms per request. ` +
    `Under load the ${m.cores} cores were ${saturated ? 'saturated' : 'not saturated'} (busy ${pct(busy(track))} during /v1/track, ${pct(busy(raw))} during raw puts, other processes included), ` +
    (saturated
      ? `so the rates are CPU-bound and the ratio is in effect the ratio of CPU per event: ${fmt(track.mid.nodeCpuPer1k + (track.mid.javaCpuPer1k ?? 0), 1)} ms per single HTTP event ` +
        `(Node ${fmt(track.mid.nodeCpuPer1k, 2)}, load generator included as it runs in the same process; DynamoDB Local ${fmt(track.mid.javaCpuPer1k ?? Number.NaN, 2)}, including the scoring that ran meanwhile) ` +
        `against ${fmt(raw.mid.nodeCpuPer1k + (raw.mid.javaCpuPer1k ?? 0), 1)} ms per raw put (Node ${fmt(raw.mid.nodeCpuPer1k, 2)}, DynamoDB Local ${fmt(raw.mid.javaCpuPer1k ?? Number.NaN, 2)}). `
      : `so something other than CPU (round trips, the single worker per function) limits the HTTP path. `) +
    (maxOther >= 0.1
      ? `Other work was running on the machine during the bench (up to ${fmt(maxOther, 2)} cores' worth in a measured phase, ${fmt(median(otherLoads), 2)} in the median phase, see the table): it hits phases unevenly and is a main source of the spread between runs. `
      : 'Nothing else ran on the machine meanwhile. ') +
    `Scoring ran from the stream throughout, as it does in the real system, and it is the slowest stage here: it applied about ${fmt(scoringRate)} events/s (phase events ÷ time until the last was applied, a lower bound) and needed ${fmt(median(track.list.map((r) => r.scoringCatchUpSeconds ?? Number.NaN)), 1)} s after a ${fmt(EVENTS)}-event /v1/track phase to catch up; ` +
    `with ${VISITORS} visitors nearly every event of a stream batch is a different lead, and the function updates up to 8 leads at once, each with its own round trips (read lead, read markers, one transaction), so its cost per event is several round trips and about ${fmt(raw.mid.nodeCpuWithScoringPer1k - raw.mid.nodeCpuPer1k + ((raw.mid.javaCpuWithScoringPer1k ?? 0) - (raw.mid.javaCpuPer1k ?? 0)), 1)} ms of CPU per event (counted from the end of the phase until its last event was applied, so the stream poller's and this bench's polling are in it too), more than ingesting it. ` +
    `On capacity, the hot path is one conditional PutItem per event: DynamoDB Local reported ${firstUnits ?? 'no'} WCU for a ${probeSize}-byte stored event and ${duplicateUnits === undefined ? 'returned no ConsumedCapacity for the duplicate (the error response has none)' : `${duplicateUnits} for the duplicate`}; ` +
    `AWS on-demand bills ${expectedUnits} WRU for each (1 WRU per started KB; a failed condition is billed on the existing item's size, at least 1), and the stored events of this run are ${Math.min(...sampleSizes)}–${Math.max(...sampleSizes)} B, well inside the first KB. ` +
    `These are figures for one machine where load generator, functions and database share the cores: they compare the local HTTP path with the raw write, they do not predict what Lambda and DynamoDB sustain on AWS, where functions scale out and the table is elsewhere.`;

  const section = `## ingest — ${startedAt.toISOString().slice(0, 10)}

- Run: ${startedAt.toISOString()} (run id \`${runId}\`), \`npm run bench -- ingest\`
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.platform}
- Local runtime: DynamoDB Local (in memory) with the synthesized tables, the ingest and scoring functions in worker threads (one warm instance each), the stream poller feeding scoring; load generator in the same process
- Load: ${REPEATS} run${REPEATS === 1 ? '' : 's'} × ${fmt(EVENTS)} events per path (${fmt(LATENCY_EVENTS)} for the one-in-flight phases), phases interleaved (${phases.map((p) => p.key).join(', ')} in each run); ${fmt(WARMUP)} warm-up events per path first, not measured; each phase starts after scoring has applied every earlier event; events from ${VISITORS} anonymous visitors, unique messageIds
- Raw PutItem: the items the ingest function stores for the same events (\`toStoredEvent\`, kind \`tracking\`), \`attribute_not_exists(messageId)\`, the same document client settings, table \`${eventsTable}\`

${table}

Ratio HTTP ÷ raw PutItem (medians, same run): **/v1/track ${fmt(trackRatio, 2)}** at ${CONCURRENCY} in flight, /v1/batch ${fmt(batchRatio, 2)}, /v1/track ${fmt(sequentialRatio, 2)} with one request in flight (each one-in-flight ratio is against raw PutItem at one in flight).

Where the time goes (the run with the median rate; CPU of this Node process, all threads, and of the DynamoDB Local JVM; "until scored" adds the time the scoring function needed to apply the phase's events after it ended):

${costTable}

Write capacity per event:

${capacityTable}

Verification: ${fmt(sent)} events sent (warm-up, measured and the capacity probe), **${fmt(stored)} items in \`${eventsTable}\`**${stored === sent ? ' (equal)' : ' (NOT EQUAL)'}, ${fmt(applied)} applied by scoring; ${allFailures} failed requests in the measured phases.
${failureLines.length > 0 ? `\nFailures:\n\n${failureLines.join('\n')}\n` : ''}
${reading}
`;
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  } else {
    console.log(section);
  }
  lowLevel.destroy();
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await runtime.stop();
}
process.exit(exitCode);
