import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ScanCommand, type AttributeValue, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { scoringModel } from '../config/index.ts';
import { cycleKey, funnelKey, identityKey, MARKER_PREFIX, markerKey, profileKey } from '../functions/core/table-layout.ts';
import { replayLead, rescoreLead, type IdentityKey } from '../functions/core/lead.ts';
import { engagementAt, scoringModelSchema, type ScoringModel } from '../functions/core/scoring.ts';
import type { StoredEvent } from '../functions/core/tracking-event.ts';
import { startDynamoDb, type LocalDynamoDb } from '../local/dynamodb.ts';
import { synthIfStale } from '../local/synth.ts';
import { LOCAL_REGION, readTemplate, stateMachineArn, tablesOf, type Template } from '../local/template.ts';
import {
  appendResults,
  benchDir,
  childProcessesCpuSeconds,
  describeMachine,
  fmt,
  machine,
  machineCpuSeconds,
  markdownTable,
  median,
  medianIndex,
  numberFromEnv,
  ownCpuSeconds,
  runPool,
} from './lib/harness.ts';
import { itemSize, writeUnitsFor } from './lib/item-size.ts';
import { seedHistories, type SeededLead } from './lib/seed-history.ts';

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

const EVENTS = numberFromEnv('BENCH_EVENTS', 100_000);
const LEADS = numberFromEnv('BENCH_LEADS', 1000);
const SEGMENTS = numberFromEnv('BENCH_SEGMENTS', 4);
const CONCURRENCY = numberFromEnv('BENCH_CONCURRENCY', 4);
const REPEATS = numberFromEnv('BENCH_REPEATS', 3);
const SEED_CONCURRENCY = numberFromEnv('BENCH_SEED_CONCURRENCY', 8);
const WARMUP_RESCORES = process.env.BENCH_WARMUP === '0' ? 0 : numberFromEnv('BENCH_WARMUP_RESCORES', 5);
const SEQUENTIAL = process.env.BENCH_SEQUENTIAL !== '0';
const RECORD = process.env.BENCH_RECORD !== '0';
const IN_FLIGHT = SEGMENTS * CONCURRENCY;

const runId = randomBytes(4).toString('hex');
const log = (message: string) => console.log(`[bench/rescore] ${message}`);
const root = path.resolve(benchDir, '..');

// ---------------------------------------------------------------- the model under which leads are rescored

/** The deployed model with a new version; two rules without caps are worth less, so no lead newly qualifies. */
function changedModel(version: string): ScoringModel {
  const points: Record<string, number> = { 'demo-request': 35, 'careers-page': -15 };
  return scoringModelSchema.parse({
    ...scoringModel,
    version,
    engagement: {
      ...scoringModel.engagement,
      rules: scoringModel.engagement.rules.map((rule) => (rule.id in points ? { ...rule, points: points[rule.id]! } : rule)),
    },
  });
}
for (const id of ['demo-request', 'careers-page']) {
  const rule = scoringModel.engagement.rules.find((r) => r.id === id);
  if (!rule || rule.cap) throw new Error(`the bench lowers the points of rule ${id}, which must exist and have no cap; update changedModel() for the deployed model`);
}

// ---------------------------------------------------------------- phases and their accounting

interface Cpu {
  seconds: number;
  /** CPU seconds of this Node process (all threads) and of DynamoDB Local (the JVM) */
  node: number;
  java: number | undefined;
  /** cores' worth of CPU used by other processes on the machine, and stolen by the hypervisor */
  otherCores: number | undefined;
  stealCores: number | undefined;
}

async function measured<T>(work: () => Promise<T>): Promise<{ result: T; cpu: Cpu }> {
  const node0 = ownCpuSeconds();
  const java0 = childProcessesCpuSeconds();
  const machine0 = machineCpuSeconds();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const node = ownCpuSeconds() - node0;
  const java1 = childProcessesCpuSeconds();
  const machine1 = machineCpuSeconds();
  const java = java0 !== undefined && java1 !== undefined ? java1 - java0 : undefined;
  return {
    result,
    cpu: {
      seconds,
      node,
      java,
      otherCores: machine0 && machine1 && java !== undefined ? Math.max(0, machine1.busy - machine0.busy - node - java) / seconds : undefined,
      stealCores: machine0 && machine1 ? (machine1.steal - machine0.steal) / seconds : undefined,
    },
  };
}

interface PortTiming {
  calls: number;
  /** summed latency of the calls, ms */
  ms: number;
}

interface Run {
  events: number;
  leads: number;
  cpu: Cpu;
  eventsPerSecond: number;
  leadsPerSecond: number;
  /** rescore runs: time spent in each I/O port, startJourney calls, leads advanced, scan pages */
  ports?: Map<string, PortTiming>;
  /** rescore runs: Σ over leads of (saveLead done − first getLead) ÷ wall time */
  leadsInFlight?: number;
  journeys?: number;
  advanced?: number;
  version?: string;
}

type PhaseKey = 'read' | 'rescore' | 'read1' | 'rescore1' | 'compute';

// ---------------------------------------------------------------- the run

const m = machine();
log(`machine: ${describeMachine(m)}`);
log(`run ${runId}: ${fmt(EVENTS)} events over ${fmt(LEADS)} leads; ${SEGMENTS} segments × ${CONCURRENCY} leads; ${REPEATS} repeats`);
const startedAt = new Date();

// The tables come from the synthesized template: refresh it when the sources changed, else use it as it is.
try {
  if (synthIfStale()) log('cdk.out was stale: synthesized again');
} catch (error) {
  log(`synthesizing failed (${(error as Error).message.split('\n')[0]}); using the tables of the existing cdk.out`);
}
const template = readTemplate(path.join(root, 'cdk.out'));

/** The table a function environment variable names (locally a table's name is its logical id). */
function tableOf(t: Template, variable: string): string {
  const names = new Set<string>();
  for (const resource of Object.values(t.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const ref = (resource.Properties?.Environment as { Variables?: Record<string, { Ref?: string }> } | undefined)?.Variables?.[variable]?.Ref;
    if (ref) names.add(ref);
  }
  if (names.size !== 1) throw new Error(`expected one table behind ${variable}, found ${[...names].join(', ') || 'none'}`);
  return [...names][0]!;
}
const leadsTable = tableOf(template, 'LEADS_TABLE');
const eventsTable = tableOf(template, 'EVENTS_TABLE');
const journeyId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')?.[0] ?? 'Journey';

const dbStart = performance.now();
// The events table's stream is left off: nothing consumes it here, the rescore never writes an event, and
// recording 100,000 stream records would roughly double DynamoDB Local's cost of seeding the events.
const dynamodb: LocalDynamoDb = await startDynamoDb(tablesOf(template).map(({ streamViewType: _stream, ...table }) => table));
log(`DynamoDB Local up in ${fmt((performance.now() - dbStart) / 1000, 1)} s at ${dynamodb.endpoint}: ${leadsTable}, ${eventsTable}`);

let exitCode = 0;
try {
  // The adapters read their tables and endpoint when loaded: set the environment, then import them.
  Object.assign(process.env, {
    LEADS_TABLE: leadsTable,
    EVENTS_TABLE: eventsTable,
    JOURNEY_STATE_MACHINE_ARN: stateMachineArn(journeyId),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
  });
  const { liveRescorePorts } = await import('../functions/rescore/ports.ts');
  const { rescoreAll } = await import('../functions/rescore/rescore-leads.ts');
  type RescorePorts = import('../functions/rescore/rescore-leads.ts').RescorePorts;
  const history = await import('../functions/adapters/lead-history.ts');
  const store = await import('../functions/adapters/lead-store.ts');
  const documentClient = DynamoDBDocumentClient.from(dynamodb.client, { marshallOptions: { removeUndefinedValues: true } });

  // ---- seed
  const generateStart = performance.now();
  const seeded = seedHistories(EVENTS, LEADS, scoringModel, startedAt);
  const byLeadId = new Map(seeded.leads.map((lead) => [lead.leadId, lead]));
  if (byLeadId.size !== LEADS) throw new Error(`${LEADS} leads seeded under ${byLeadId.size} ids`);
  const outcomes = seeded.leads.filter((l) => l.outcome).length;
  const stages = new Map<string, number>();
  for (const { lead } of seeded.leads) stages.set(lead.stage, (stages.get(lead.stage) ?? 0) + 1);
  const perLead = seeded.leads.map((l) => l.events.length);
  const stageLine = [...stages].map(([stage, n]) => `${stage} ${n}`).join(', ');
  log(
    `generated ${fmt(EVENTS)} events (${fmt(Math.min(...perLead))}–${fmt(Math.max(...perLead))} per lead) and ${fmt(outcomes)} outcomes over ${fmt(LEADS)} leads ` +
      `in ${fmt((performance.now() - generateStart) / 1000, 1)} s; stages: ${stageLine}`,
  );

  const eventItems: Record<string, unknown>[] = [];
  const leadItems: Record<string, unknown>[] = [];
  for (const { leadId, events, outcome, lead, version } of seeded.leads) {
    for (const event of events) {
      eventItems.push({ ...event, kind: 'tracking' });
      leadItems.push({ ...markerKey(leadId, event.messageId), appliedAt: event.timestamp });
    }
    if (outcome) {
      eventItems.push({ ...outcome });
      leadItems.push({ ...markerKey(leadId, outcome.messageId), appliedAt: outcome.outcome.at });
    }
    for (const key of lead.identities) leadItems.push({ ...identityKey(key as IdentityKey), leadId });
    if (lead.owner) {
      leadItems.push({
        ...cycleKey(leadId, lead.cycle),
        leadId,
        cycle: lead.cycle,
        owner: lead.owner,
        previousReps: [],
        acceptBy: new Date(Date.parse(lead.owner.assignedAt) + 86_400_000).toISOString(),
        acceptWithinSeconds: 86_400,
        missed: 0,
        ...(outcome && { outcome: outcome.outcome }),
      });
    }
    leadItems.push({ ...profileKey(leadId), ...lead, version });
  }
  leadItems.push({ ...funnelKey, ...Object.fromEntries(seeded.funnel) });
  const sizeOf = (item: Record<string, unknown>) => itemSize(marshall(item, { removeUndefinedValues: true }));
  const profileSizes = leadItems.filter((item) => item.sk === profileKey('').sk).map(sizeOf);
  const eventSizes = eventItems.filter((item) => item.kind === 'tracking').map(sizeOf);
  const kb = (bytes: number) => fmt(bytes / 1024, 1);
  const sizeLine =
    `profile items ${kb(median(profileSizes))} KB median, ${kb(Math.max(...profileSizes))} KB largest; ` +
    `stored events ${fmt(median(eventSizes))} B median (${fmt(Math.min(...eventSizes))}–${fmt(Math.max(...eventSizes))} B)`;
  log(`item sizes: ${sizeLine}`);

  const batches: BatchWriteCommandInput['RequestItems'][] = [];
  for (const [table, items] of [[eventsTable, eventItems], [leadsTable, leadItems]] as const) {
    for (let i = 0; i < items.length; i += 25) batches.push({ [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) });
  }
  let unprocessedRetries = 0;
  const seeding = await measured(() =>
    runPool(batches, SEED_CONCURRENCY, async (requestItems) => {
      let request = requestItems;
      while (request && Object.keys(request).length > 0) {
        const { UnprocessedItems } = await documentClient.send(new BatchWriteCommand({ RequestItems: request }));
        request = UnprocessedItems;
        if (request && Object.keys(request).length > 0) unprocessedRetries += 1;
      }
    }),
  );
  const seededItems = eventItems.length + leadItems.length;
  log(
    `seeded ${fmt(seededItems)} items (${fmt(eventItems.length)} events, ${fmt(leadItems.length)} lead items) with ${fmt(batches.length)} BatchWriteItem requests, ` +
      `${SEED_CONCURRENCY} in flight, in ${fmt(seeding.cpu.seconds, 1)} s (${fmt(seededItems / seeding.cpu.seconds)} items/s; ${unprocessedRetries} retries of unprocessed items; ` +
      `CPU Node ${fmt(seeding.cpu.node, 1)} s, DynamoDB Local ${fmt(seeding.cpu.java ?? Number.NaN, 1)} s, other processes ${fmt(seeding.cpu.otherCores ?? Number.NaN, 2)} cores)`,
  );
  const leadIds = seeded.leads.map((l) => l.leadId);

  // ---- phases
  interface History {
    current: NonNullable<Awaited<ReturnType<typeof store.getLead>>>;
    events: StoredEvent[];
  }
  /** The histories of the last raw read, for the compute-only phase. */
  let histories: History[] = [];

  async function rawRead(inFlight: number, ids: readonly string[] = leadIds): Promise<Run> {
    const read: History[] = [];
    let events = 0;
    const { cpu } = await measured(() =>
      runPool(ids, inFlight, async (leadId) => {
        // What rescoreOne reads, in its order.
        const current = await store.getLead(leadId);
        if (!current) throw new Error(`lead ${leadId} not found`);
        const stored = await history.trackingEvents(await history.leadEventIds(leadId));
        events += stored.length;
        read.push({ current, events: stored });
      }),
    );
    histories = read;
    return { events, leads: read.length, cpu, eventsPerSecond: events / cpu.seconds, leadsPerSecond: read.length / cpu.seconds };
  }

  const versions: string[] = [];
  async function rescore(label: string, segments: number, concurrency: number): Promise<Run> {
    const version = `${scoringModel.version}+bench-${runId}-${label}`;
    versions.push(version);
    const live = liveRescorePorts(changedModel(version));
    const timings = new Map<string, PortTiming>();
    const timed = <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) => {
      const timing: PortTiming = { calls: 0, ms: 0 };
      timings.set(name, timing);
      return async (...args: A): Promise<R> => {
        const started = performance.now();
        try {
          return await fn(...args);
        } finally {
          timing.calls += 1;
          timing.ms += performance.now() - started;
        }
      };
    };
    let journeys = 0;
    // A lead is in flight from its first getLead until its saveLead returns (no journeys start here).
    const leadStarted = new Map<string, number>();
    let leadMs = 0;
    const getLead = timed('getLead', live.getLead);
    const saveLead = timed('saveLead', live.saveLead);
    const ports: RescorePorts = {
      ...live,
      scanLeadIds: timed('scanLeadIds', live.scanLeadIds),
      getLead: (leadId) => {
        if (!leadStarted.has(leadId)) leadStarted.set(leadId, performance.now());
        return getLead(leadId);
      },
      leadEventIds: timed('leadEventIds', live.leadEventIds),
      trackingEvents: timed('trackingEvents', live.trackingEvents),
      saveLead: async (update) => {
        const version = await saveLead(update);
        leadMs += performance.now() - (leadStarted.get(update.lead.leadId) ?? performance.now());
        return version;
      },
      clearJourneyPending: timed('clearJourneyPending', live.clearJourneyPending),
      getProgress: timed('getProgress', live.getProgress),
      saveProgress: timed('saveProgress', live.saveProgress),
      // No Step Functions here: count the journeys a real run would start.
      startJourney: async () => {
        journeys += 1;
        return 'counted';
      },
    };
    const { result, cpu } = await measured(() => rescoreAll(ports, { segments, concurrency }));
    if (result.status !== 'finished') throw new Error(`rescore under ${version} ended ${result.status}`);
    const { leads, events, advanced } = result.progress;
    return {
      events,
      leads,
      cpu,
      eventsPerSecond: events / cpu.seconds,
      leadsPerSecond: leads / cpu.seconds,
      ports: timings,
      leadsInFlight: leadMs / 1000 / cpu.seconds,
      journeys,
      advanced,
      version,
    };
  }

  async function computeOnly(label: string): Promise<Run> {
    const model = changedModel(`${scoringModel.version}+bench-${runId}-${label}`);
    const now = new Date().toISOString();
    let events = 0;
    const { cpu } = await measured(async () => {
      for (const { current, events: stored } of histories) {
        rescoreLead(current.lead, stored, model, now);
        events += stored.length;
      }
    });
    return { events, leads: histories.length, cpu, eventsPerSecond: events / cpu.seconds, leadsPerSecond: histories.length / cpu.seconds };
  }

  const describeRun = (key: string, run: Run) =>
    `${key.padEnd(8)} ${fmt(run.eventsPerSecond).padStart(7)} events/s ${fmt(run.leadsPerSecond, 1).padStart(7)} leads/s  ${fmt(run.cpu.seconds, 1).padStart(5)} s` +
    `  CPU Node ${fmt(run.cpu.node, 1)} s, DynamoDB Local ${run.cpu.java === undefined ? 'n/a' : `${fmt(run.cpu.java, 1)} s`}` +
    (run.journeys ? `  startJourney called ${run.journeys}×` : '');

  // ---- warm-up (not measured): whole rescores until two in a row agree within 10% (at most
  // BENCH_WARMUP_RESCORES). DynamoDB Local's JVM keeps getting faster at transactions and reads for
  // thousands of leads after seeding (a bigger heap does not change that: it is the JIT), and so does
  // Node's SDK path a little; a read-only warm-up left the first measured rescore at half the rate of
  // the third. Each warm-up rescore reads everything a raw read does.
  const warmupRates: number[] = [];
  for (let w = 1; w <= WARMUP_RESCORES; w++) {
    const run = await rescore(`warmup${w}`, SEGMENTS, CONCURRENCY);
    log(`  warm-up ${describeRun('rescore', run)}`);
    const previous = warmupRates.at(-1);
    warmupRates.push(run.eventsPerSecond);
    if (previous !== undefined && Math.abs(run.eventsPerSecond / previous - 1) < 0.1) break;
  }

  // ---- measurement: phases interleaved, so a drift in the machine's state hits all of them alike.
  // The one-in-flight phases are slow and only show the cost per lead without contention: they run once, in the last repeat.
  const phases: { key: PhaseKey; name: string; once?: true; run: (r: number) => Promise<Run> }[] = [
    { key: 'read', name: `raw read (${IN_FLIGHT} leads in flight)`, run: () => rawRead(IN_FLIGHT) },
    { key: 'compute', name: 'compute only: `rescoreLead` in memory', run: (r) => computeOnly(`compute-r${r}`) },
    { key: 'rescore', name: `rescore, ${SEGMENTS} segments × ${CONCURRENCY} leads`, run: (r) => rescore(`r${r}`, SEGMENTS, CONCURRENCY) },
    ...(SEQUENTIAL
      ? [
          { key: 'read1' as const, name: 'raw read (1 lead in flight)', once: true as const, run: () => rawRead(1) },
          { key: 'rescore1' as const, name: 'rescore, 1 segment × 1 lead', once: true as const, run: (r: number) => rescore(`r${r}-sequential`, 1, 1) },
        ]
      : []),
  ];
  const runs = new Map<PhaseKey, Run[]>(phases.map((p) => [p.key, []]));
  for (let r = 1; r <= REPEATS; r++) {
    for (const phase of phases) {
      if (phase.once && r !== REPEATS) continue;
      const run = await phase.run(r);
      runs.get(phase.key)!.push(run);
      log(`  run ${r} ${describeRun(phase.key, run)}`);
    }
  }

  // ---- how the compute scales with one lead's history (in memory): the cost per event, and the profile's size.
  const scaling = [100, 1000, 3000].map((n) => {
    const [seed] = seedHistories(n, 1, scoringModel, startedAt, 7).leads;
    // The deployed version's name: every ledger entry repeats it, so a longer bench name would inflate the profile.
    const model = changedModel(scoringModel.version);
    const now = new Date().toISOString();
    for (let i = 0; i < 3; i++) rescoreLead(seed!.lead, seed!.events, model, now);
    const repeats = Math.max(3, Math.round(30_000 / n));
    const cpu0 = ownCpuSeconds();
    let lead = seed!.lead;
    for (let i = 0; i < repeats; i++) lead = rescoreLead(seed!.lead, seed!.events, model, now).lead;
    const usPerEvent = ((ownCpuSeconds() - cpu0) * 1e6) / repeats / n;
    return { events: n, usPerEvent, ledger: lead.ledger.length, profileBytes: itemSize(marshall({ ...profileKey(lead.leadId), ...lead, version: 1 }, { removeUndefinedValues: true })) };
  });
  const scalingLine = scaling
    .map((x) => `${fmt(x.events)} events: ${fmt(x.usPerEvent, 0)} µs per event, ${fmt(x.ledger)} ledger entries, profile ${fmt(x.profileBytes / 1024, 0)} KB`)
    .join('; ');
  log(`compute by history length: ${scalingLine}`);

  // ---- verification
  const problems: string[] = [];
  const progressLines: string[] = [];
  for (const version of versions) {
    const progress = await history.getRescoreProgress(version);
    const ok = progress?.finishedAt !== undefined && progress.leads === LEADS && progress.events === EVENTS && progress.segments.every((s) => s === 'done');
    if (!ok) problems.push(`progress of ${version}: ${JSON.stringify(progress && { ...progress, segments: progress.segments.map((s) => (typeof s === 'string' ? s : 'key')) })}`);
    progressLines.push(`${version}: ${progress?.finishedAt ? 'finished' : 'NOT finished'}, ${fmt(progress?.leads ?? 0)} leads, ${fmt(progress?.events ?? 0)} events, ${progress?.advanced ?? 0} advanced`);
  }
  const lastVersion = versions.at(-1)!;
  const lastModel = changedModel(lastVersion);
  const rescores = versions.length;
  let profilesChecked = 0;
  const check = (seed: SeededLead, found: Awaited<ReturnType<typeof store.getLead>>): void => {
    const fail = (what: string): void => {
      if (problems.length < 20) problems.push(`${seed.leadId}: ${what}`);
    };
    if (!found) return fail('profile missing');
    const { lead, version } = found;
    if (lead.modelVersion !== lastVersion) fail(`modelVersion ${lead.modelVersion}, expected ${lastVersion}`);
    if (lead.ledger.some((entry) => entry.modelVersion !== lastVersion)) fail('ledger entries from another model');
    if (!isDeepStrictEqual(lead.ledger, replayLead(seed.leadId, seed.events, lastModel).lead.ledger)) fail('ledger differs from its events replayed under the model');
    if (lead.engagement !== engagementAt(lead.ledger, new Date(lead.scoredAt))) fail(`engagement ${lead.engagement} does not follow from the ledger`);
    if (lead.stage !== seed.lead.stage || lead.cycle !== seed.lead.cycle || !isDeepStrictEqual(lead.stageHistory, seed.lead.stageHistory)) fail('stages changed');
    if (lead.journeyPending !== undefined) fail('journey pending');
    if (version !== seed.version + rescores) fail(`version ${version}, expected ${seed.version} + ${rescores} rescores`);
    profilesChecked += 1;
  };
  await runPool(seeded.leads, IN_FLIGHT, async (seed) => check(seed, await store.getLead(seed.leadId)));

  async function count(table: string, filter?: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeValues'>): Promise<number> {
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...filter, ...(startKey && { ExclusiveStartKey: startKey }) }));
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }
  const storedEvents = await count(eventsTable);
  const markers = await count(leadsTable, { FilterExpression: 'begins_with(sk, :p)', ExpressionAttributeValues: { ':p': { S: MARKER_PREFIX } } });
  const leadTableItems = await count(leadsTable);
  if (storedEvents !== EVENTS + outcomes) problems.push(`${storedEvents} items in ${eventsTable}, expected ${EVENTS + outcomes}`);
  if (markers !== EVENTS + outcomes) problems.push(`${markers} markers, expected ${EVENTS + outcomes}`);
  const allRescores = [...(runs.get('rescore') ?? []), ...(runs.get('rescore1') ?? [])];
  const journeys = allRescores.reduce((sum, run) => sum + (run.journeys ?? 0), 0);
  const advanced = allRescores.reduce((sum, run) => sum + (run.advanced ?? 0), 0);
  if (journeys !== 0 || advanced !== 0) problems.push(`${advanced} leads advanced and ${journeys} journeys were to start under a model that cannot qualify anyone new`);
  log(`verification: ${rescores} rescores finished as recorded; ${profilesChecked} of ${LEADS} profiles consistent; ${fmt(storedEvents)} event items, ${fmt(markers)} markers; ${problems.length} problems`);
  for (const p of problems) log(`  PROBLEM ${p}`);
  if (problems.length > 0) exitCode = 1;

  // ---- report
  const summary = phases.map(({ key, name }) => {
    const list = runs.get(key)!;
    const rates = list.map((run) => run.eventsPerSecond);
    return { key, name, list, rate: median(rates), leadRate: median(list.map((run) => run.leadsPerSecond)), mid: list[medianIndex(rates)]! };
  });
  const byKey = (k: PhaseKey) => summary.find((s) => s.key === k);
  const perRunRatio = (k: PhaseKey, base: PhaseKey) => {
    const a = runs.get(k);
    const b = runs.get(base);
    return a && b && a.length === b.length ? median(a.map((run, i) => run.eventsPerSecond / b[i]!.eventsPerSecond)) : Number.NaN;
  };
  const baselineOf: Partial<Record<PhaseKey, PhaseKey>> = { rescore: 'read', rescore1: 'read1' };
  const cpuMs = (run: Run) => `${fmt((run.cpu.node / run.events) * 1e6, 0)} / ${run.cpu.java === undefined ? 'n/a' : fmt((run.cpu.java / run.events) * 1e6, 0)}`;
  const busy = (run: Run) =>
    `${run.cpu.java === undefined ? 'n/a' : fmt((run.cpu.node + run.cpu.java) / run.cpu.seconds, 2)} / ${run.cpu.otherCores === undefined ? 'n/a' : fmt(run.cpu.otherCores, 2)} / ${run.cpu.stealCores === undefined ? 'n/a' : fmt(run.cpu.stealCores, 2)}`;
  const table = markdownTable(
    ['phase', 'events/s (median)', 'leads/s', 'runs (events/s)', 'seconds (median run)', '÷ raw read at the same concurrency', 'CPU µs per event: Node / DynamoDB Local', 'cores busy: ours / other processes / steal'],
    summary.map((s) => {
      const base = baselineOf[s.key];
      return [
        s.name,
        `**${fmt(s.rate)}**`,
        fmt(s.leadRate, 1),
        s.list.map((run) => fmt(run.eventsPerSecond)).join(', '),
        fmt(s.mid.cpu.seconds, 1),
        base && byKey(base) ? `**${fmt(s.rate / byKey(base)!.rate, 2)}**${s.list.length > 1 ? ` (median of per-run ratios ${fmt(perRunRatio(s.key, base), 2)})` : ''}` : '—',
        cpuMs(s.mid),
        s.key === 'compute' ? `${fmt(s.mid.cpu.node / s.mid.cpu.seconds, 2)} / — / —` : busy(s.mid),
      ];
    }),
  );

  const rescoreSummary = byKey('rescore')!;
  const readSummary = byKey('read')!;
  const computeSummary = byKey('compute')!;
  const rescore1 = byKey('rescore1');
  const read1 = byKey('read1');
  const portRows = (run: Run) =>
    [...(run.ports ?? new Map<string, PortTiming>())]
      .filter(([, t]) => t.calls > 0)
      .map(([name, t]) => [`\`${name}\``, fmt(t.calls), fmt(t.ms / t.calls, 2), fmt(t.ms / 1000 / run.cpu.seconds, 2)]);
  const portHeader = ['port', 'calls', 'mean ms per call', 'calls in flight on average (Σ latency ÷ wall time)'];
  const portTable = markdownTable(portHeader, portRows(rescoreSummary.mid));
  const portTable1 = rescore1 ? markdownTable(portHeader, portRows(rescore1.mid)) : '';
  const pages = rescoreSummary.mid.ports?.get('scanLeadIds')?.calls ?? 0;
  console.log(`\n${table}\n\n${portTable}\n${portTable1 ? `\n${portTable1}\n` : ''}`);

  // ---- reading: what bounds the rate
  const mid = rescoreSummary.mid;
  const ourCores = mid.cpu.java === undefined ? undefined : (mid.cpu.node + mid.cpu.java) / mid.cpu.seconds;
  const machineBusy = ourCores === undefined ? undefined : (ourCores + (mid.cpu.otherCores ?? 0) + (mid.cpu.stealCores ?? 0)) / m.cores;
  const saturated = (machineBusy ?? 0) >= 0.8;
  // CPU, not wall time: the compute phase runs on one core, and other processes on the machine can take part of it.
  const computePerEvent = (computeSummary.mid.cpu.node / computeSummary.mid.events) * 1e6;
  const computeShare = (computePerEvent * mid.events) / 1e6 / mid.cpu.seconds;
  const nodePerEvent = (mid.cpu.node / mid.events) * 1e6;
  const javaPerEvent = mid.cpu.java === undefined ? Number.NaN : (mid.cpu.java / mid.events) * 1e6;
  const readNodePerEvent = (readSummary.mid.cpu.node / readSummary.mid.events) * 1e6;
  const readJavaPerEvent = readSummary.mid.cpu.java === undefined ? Number.NaN : (readSummary.mid.cpu.java / readSummary.mid.events) * 1e6;
  const read1JavaPerEvent = read1?.mid.cpu.java === undefined ? Number.NaN : (read1.mid.cpu.java / read1.mid.events) * 1e6;
  const portMs = (run: Run, name: string) => run.ports?.get(name)?.ms ?? 0;
  const ioOfLead = (run: Run) => ['getLead', 'leadEventIds', 'trackingEvents', 'saveLead'].reduce((sum, name) => sum + portMs(run, name), 0);
  const share = (run: Run, name: string) => portMs(run, name) / ioOfLead(run);
  const otherLoads = [...runs.values()].flat().map((run) => run.cpu.otherCores ?? 0);
  const maxOther = Math.max(...otherLoads);
  const pct = (x: number) => `${fmt(x * 100)}%`;

  const reading =
    `Rescoring ${fmt(EVENTS)} stored events of ${fmt(LEADS)} leads took ${fmt(mid.cpu.seconds, 1)} s in the median run: **${fmt(rescoreSummary.rate)} events/s** (${fmt(rescoreSummary.leadRate, 1)} leads/s) with ${SEGMENTS} segments × ${CONCURRENCY} leads, ` +
    `${fmt(rescoreSummary.rate / readSummary.rate, 2)} × the ${fmt(readSummary.rate)} events/s at which the same DynamoDB Local served the same reads alone at the same concurrency` +
    (rescoreSummary.list.length > 1 ? ` (per run ${rescoreSummary.list.map((run, i) => fmt(run.eventsPerSecond / readSummary.list[i]!.eventsPerSecond, 2)).join(', ')}). ` : '. ') +
    (rescoreSummary.list.length > 1 && Math.max(...rescoreSummary.list.map((r) => r.eventsPerSecond)) / Math.min(...rescoreSummary.list.map((r) => r.eventsPerSecond)) > 1.15
      ? `The rescore runs spread ${fmt(Math.min(...rescoreSummary.list.map((r) => r.eventsPerSecond)))}–${fmt(Math.max(...rescoreSummary.list.map((r) => r.eventsPerSecond)))} events/s` +
        (rescoreSummary.list.every((r, i, all) => i === 0 || r.eventsPerSecond >= all[i - 1]!.eventsPerSecond)
          ? `, each faster than the one before: after ${warmupRates.length} warm-up rescores both processes were still getting faster (CPU per event falling in Node and in DynamoDB Local's JVM), so read the rates to about ±15% and prefer the per-run ratios. `
          : `: read the rates to about ±15% and prefer the per-run ratios. `)
      : '') +
    `The domain computation alone (\`rescoreLead\` over the same histories in memory) ran at ${fmt(computeSummary.rate)} events/s, ${fmt(computeSummary.rate / rescoreSummary.rate, 1)} × the full rate; its ${fmt(computePerEvent)} µs of CPU per event add up to ${pct(computeShare)} of the rescore's wall time, ` +
    (computeShare < 0.25 ? 'so the domain code is not what limits the rescore. ' : 'a large share: the domain code is part of what limits the rescore. ') +
    `Per event the full rescore cost ${fmt(nodePerEvent)} µs of Node CPU (about ${fmt(computePerEvent)} µs of it \`rescoreLead\`; the rest is the SDK turning items into JSON and back, HTTP, and the profile with its ledger written once per lead) and ${fmt(javaPerEvent)} µs in DynamoDB Local, ` +
    `against ${fmt(readNodePerEvent)} / ${fmt(readJavaPerEvent)} µs for the raw read. ` +
    `The ${m.cores} cores were ${saturated ? 'saturated' : 'not saturated'} during the rescore (ours ${ourCores === undefined ? 'n/a' : fmt(ourCores, 2)} cores, ${machineBusy === undefined ? 'n/a' : pct(machineBusy)} of the machine with other processes and steal), ` +
    (saturated
      ? `so the rate is bounded by CPU, shared by this process${(mid.cpu.otherCores ?? 0) >= 0.1 ? ', DynamoDB Local and the other processes' : ' and DynamoDB Local'}, and the rescore ÷ read ratio is roughly the ratio of their CPU per event. `
      : `so waiting, not CPU, limits it: round trips per lead and the fewer leads in flight than configured. `) +
    `Of the time leads spent in I/O, reading the events (\`trackingEvents\`, BatchGetItem of ~${fmt(EVENTS / LEADS)} items) took ${pct(share(mid, 'trackingEvents'))}, the marker query ${pct(share(mid, 'leadEventIds'))}, \`getLead\` ${pct(share(mid, 'getLead'))} and the conditional \`saveLead\` write ${pct(share(mid, 'saveLead'))}. ` +
    `Finding the leads costs too: \`scanLeadIds\` reads every item of the leads table (markers, identity links, cycles) to find the profiles, ${fmt(pages)} pages of up to 1,000 items for ${fmt(LEADS)} leads (about ${fmt(LEADS / Math.max(1, pages), 1)} leads per page), and a page's leads run ${CONCURRENCY} at a time (the next page is read meanwhile, but starts only after the page's slowest lead), so ${fmt(mid.leadsInFlight ?? Number.NaN, 1)} of the ${IN_FLIGHT} leads were in flight on average; progress is saved after each page. ` +
    (rescore1 && read1
      ? `One lead at a time, the rescore took ${fmt(rescore1.rate)} events/s (${fmt(rescore1.leadRate, 1)} leads/s, ${fmt(1000 / rescore1.leadRate, 1)} ms per lead) against ${fmt(read1.rate)} for the reads alone (${fmt(rescore1.rate / read1.rate, 2)} ×); ` +
        `there the scan for lead ids alone took ${pct(portMs(rescore1.mid, 'scanLeadIds') / 1000 / rescore1.mid.cpu.seconds)} of the time, and saving the profile ${pct(portMs(rescore1.mid, 'saveLead') / 1000 / rescore1.mid.cpu.seconds)}. ` +
        (rescoreSummary.rate / rescore1.rate < 1.25
          ? `${IN_FLIGHT} leads in flight made the rescore ${fmt(rescoreSummary.rate / rescore1.rate, 2)} × as fast as one: ${rescoreSummary.rate < rescore1.rate ? 'no gain at all' : 'little gain'}, because with everything on ${m.cores} cores more leads in flight only queue for the same CPU. `
          : `${IN_FLIGHT} leads in flight made the rescore ${fmt(rescoreSummary.rate / rescore1.rate, 2)} × as fast as one. `) +
        `DynamoDB Local spent ${fmt(readJavaPerEvent)} µs of CPU per event read with ${IN_FLIGHT} reads in flight and ${fmt(read1JavaPerEvent)} µs with one: ${read1JavaPerEvent < readJavaPerEvent * 0.9 ? 'concurrency costs it CPU, so the raw read gained little from more in flight (${fmt(readSummary.rate)} against ${fmt(read1?.rate ?? Number.NaN)} events/s)' : 'about the same'}. `
      : '') +
    (maxOther >= 0.1
      ? `Other processes used up to ${fmt(maxOther, 2)} cores in a measured phase (median ${fmt(median(otherLoads), 2)}), one source of the spread between runs. `
      : 'Nothing else of note ran on the machine meanwhile. ') +
    `Sizes matter for the bill more than here: the median profile is ${kb(median(profileSizes))} KB (its ledger holds an entry per scored event), and the rescore rewrites every profile with a conditional PutItem (a transaction, at twice the cost, only for a lead whose stage moves), ` +
    `which on AWS costs 1 write unit per started KB: about ${fmt(writeUnitsFor(median(profileSizes)))} WRU per lead, ${fmt(profileSizes.reduce((sum, size) => sum + writeUnitsFor(size), 0) / EVENTS, 2)} per event rescored. ` +
    `The cost per event also grows with a lead's history: \`rescoreLead\` took ${scaling.map((x) => `${fmt(x.usPerEvent)} µs per event at ${fmt(x.events)} events`).join(', ')} (one lead, in memory; each capped rule's points are summed over the whole ledger for every event), ` +
    `and the profile grows by about ${fmt((scaling.at(-1)!.profileBytes - scaling[0]!.profileBytes) / (scaling.at(-1)!.ledger - scaling[0]!.ledger))} B per ledger entry, ${fmt(scaling.at(-1)!.profileBytes / 1024)} KB at ${fmt(scaling.at(-1)!.events)} events, against DynamoDB's 400 KB item limit. ` +
    `On AWS the balance differs: DynamoDB does not share the CPU with the rescore, each call is a network round trip of a few ms, and a rescore is bounded by round trips per lead and the segments × concurrency it runs with, not by this machine's cores.`;

  const section = `## rescore — ${startedAt.toISOString().slice(0, 10)}

- Run: ${startedAt.toISOString()} (run id \`${runId}\`), \`npm run bench -- rescore\`
- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM; Node ${m.node}; ${m.platform}
- DynamoDB Local (in memory) alone with the synthesized tables (\`${leadsTable}\`, \`${eventsTable}\`, the latter's stream off: nothing reads it here and the rescore writes no events); no functions, no stream poller; the bench in one Node process
- Data: ${fmt(EVENTS)} tracking events over ${fmt(LEADS)} leads (${fmt(Math.min(...perLead))}–${fmt(Math.max(...perLead))} per lead, over up to 90 days), ${fmt(outcomes)} outcome events, ${fmt(leadTableItems)} items in the leads table; stages as seeded: ${stageLine}. Sizes: ${sizeLine}. Seeding ${fmt(seededItems)} items by BatchWriteItem, ${SEED_CONCURRENCY} in flight: ${fmt(seeding.cpu.seconds, 1)} s (${fmt(seededItems / seeding.cpu.seconds)} items/s), not counted
- Model: the deployed \`${scoringModel.version}\` with demo request 35 (was 40) and careers page −15 (was −10), a new version per rescore; \`startJourney\` replaced by a counter (no Step Functions): called ${journeys} times; every other port the live adapter (timed)
- Runs: ${REPEATS} × each phase, interleaved (${phases.filter((p) => !p.once).map((p) => p.key).join(', ')})${phases.some((p) => p.once) ? `, the one-in-flight phases (${phases.filter((p) => p.once).map((p) => p.key).join(', ')}) once, in the last repeat` : ''}${warmupRates.length > 0 ? `; first ${warmupRates.length} warm-up rescore${warmupRates.length === 1 ? '' : 's'} (${warmupRates.map((r) => fmt(r)).join(', ')} events/s), until two in a row agreed within 10% or ${WARMUP_RESCORES} were done, not measured` : '; no warm-up'}; medians reported

${table}

How the compute scales with one lead's history (\`rescoreLead\` in memory, CPU per event; the profile it saves): ${scalingLine}.

Ratios (same run, medians): **rescore ÷ raw read ${fmt(rescoreSummary.rate / readSummary.rate, 2)}** at ${IN_FLIGHT} leads in flight${rescore1 && read1 ? `, ${fmt(rescore1.rate / read1.rate, 2)} at one` : ''}; compute only ÷ rescore ${fmt(computeSummary.rate / rescoreSummary.rate, 1)} (the CPU of \`rescoreLead\` is ${pct(computeShare)} of the rescore's wall time)${rescore1 ? `; rescore ${IN_FLIGHT} in flight ÷ one in flight ${fmt(rescoreSummary.rate / rescore1.rate, 2)}` : ''}.

Where a ${SEGMENTS} × ${CONCURRENCY} rescore spends its time (the median run; the live ports, each call timed; ${fmt(mid.leadsInFlight ?? Number.NaN, 1)} leads in flight on average, from a lead's first read to its save):

${portTable}
${portTable1 ? `\nThe same, one lead at a time (${fmt(rescore1?.mid.leadsInFlight ?? Number.NaN, 2)} leads in flight on average):\n\n${portTable1}\n` : ''}
Verification: all ${rescores} rescores each finished with a progress record of ${fmt(LEADS)} leads and ${fmt(EVENTS)} events${problems.length === 0 ? '' : ' (NOT ALL: see problems)'}; ${fmt(profilesChecked)} of ${fmt(LEADS)} profiles carry model \`…-${lastVersion.split('-').at(-1)}\`, a ledger equal to replaying their seeded events under it, an engagement that follows from it and the stages sales left; ${fmt(storedEvents)} event items and ${fmt(markers)} markers. ${problems.length === 0 ? 'No problems.' : `**${problems.length} problems**: ${problems.slice(0, 5).map((p) => `\`${p}\``).join('; ')}`}

${reading}
`;
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  } else {
    console.log(section);
  }
  for (const line of progressLines) log(`  progress ${line}`);
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await dynamodb.stop();
}
process.exit(exitCode);
