import { marshall } from '@aws-sdk/util-dynamodb';
import { scoringModel } from '../../config/index.ts';
import { rescoreLead } from '../../functions/core/lead.ts';
import { profileKey } from '../../functions/core/table-layout.ts';
import type { StoredEvent } from '../../functions/core/tracking-event.ts';
import { childProcessesCpuSeconds, fmt, machineCpuSeconds, ownCpuSeconds, runPool } from '../lib/harness.ts';
import { itemSize } from '../lib/item-size.ts';
import { seedHistories } from '../lib/seed-history.ts';
import { changedModel, CONCURRENCY, IN_FLIGHT, log, REPEATS, runId, SEGMENTS, SEQUENTIAL, WARMUP_RESCORES } from './settings.ts';
import type { Adapters, RescorePorts } from './setup.ts';

/**
 * The measured phases: raw read, compute only and rescore, interleaved and
 * repeated after warm-up rescores; then how the compute scales with one
 * lead's history.
 */

// ---------------------------------------------------------------- phases and their accounting

export interface Cpu {
  seconds: number;
  /** CPU seconds of this Node process (all threads) and of DynamoDB Local (the JVM) */
  node: number;
  java: number | undefined;
  /** cores' worth of CPU used by other processes on the machine, and stolen by the hypervisor */
  otherCores: number | undefined;
  stealCores: number | undefined;
}

export async function measured<T>(work: () => Promise<T>): Promise<{ result: T; cpu: Cpu }> {
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

export interface PortTiming {
  calls: number;
  /** summed latency of the calls, ms */
  ms: number;
}

export interface Run {
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

export type PhaseKey = 'read' | 'rescore' | 'read1' | 'rescore1' | 'compute';

export interface Phase {
  key: PhaseKey;
  name: string;
  once?: true;
  run: (r: number) => Promise<Run>;
}

export interface Measured {
  phases: Phase[];
  runs: Map<PhaseKey, Run[]>;
  /** the model version of every rescore run, warm-up included, in order */
  versions: string[];
  warmupRates: number[];
}

export async function measurePhases({ liveRescorePorts, rescoreAll, history, store }: Adapters, leadIds: readonly string[]): Promise<Measured> {
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
        const stored = await history.trackingEvents((await history.leadEvents(leadId)).map((ref) => ref.messageId));
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
      leadEvents: timed('leadEvents', live.leadEvents),
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
  return { phases, runs, versions, warmupRates };
}

export interface Scaling {
  scaling: { events: number; usPerEvent: number; ledger: number; profileBytes: number }[];
  scalingLine: string;
}

/** How the compute scales with one lead's history (in memory): the cost per event, and the profile's size. */
export function measureScaling(startedAt: Date): Scaling {
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
  return { scaling, scalingLine };
}
