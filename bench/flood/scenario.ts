import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { run, type CliIo } from '../../bin/cli/run.ts';
import { KEY_LIMIT_VARIABLES } from '../../functions/core/key-limit.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { sendEvent } from '../../test/support/local.ts';
import { createMeter, type FunctionWork } from '../cost/meter.ts';
import { machineCpuSeconds } from '../lib/harness.ts';
import { appliedTo } from '../lib/markers.ts';
import type { FloodSettings } from './settings.ts';

/**
 * One local runtime with a per-write-key limit (or none, for the control):
 * key B's steady trickle alone ("quiet"), then the same trickle while key A
 * floods ("flood"), in the same run. For each of B's events the time from its
 * 200 to its lead's marker (scoring applied it) is measured; A's requests
 * are counted by answer; the functions' DynamoDB units come from their EMF
 * lines (the adapters' ReturnConsumedCapacity), through the runtime's observer.
 */

export interface PhaseResult {
  name: 'quiet' | 'flood';
  seconds: number;
  /** B: accepted → scored, ms, one per event */
  scoredMs: number[];
  /** B: request sent → 200, ms */
  ackMs: number[];
  bRefused: number;
  bFailed: number;
  a: { requests: number; accepted: number; refused: number; other: number; eventsAccepted: number; eventsRefused: number; skippedInFlightCap: number };
  /** from the end of sending to the last invocation or stream read with records: scoring catching up (s) */
  drainSeconds: number;
  functions: FunctionWork[];
  busyCores: number;
}

export interface ScenarioResult {
  label: string;
  limited: boolean;
  phases: PhaseResult[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 100;
const IN_FLIGHT_CAP = 64;
const SCORED_TIMEOUT_MS = 300_000;

async function createWriteKey(runtime: LocalRuntime, source: string): Promise<string> {
  const out: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => console.error(t), env: { ...runtime.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
  if ((await run(['keys', 'create', '--kind', 'write', '--source', source, '--json'], io)) !== 0) throw new Error(`could not create a write key for ${source}`);
  return (JSON.parse(out.join('\n')) as { key: string }).key;
}

export async function runScenario(settings: FloodSettings, label: string, limited: boolean, runId: string, log: (m: string) => void): Promise<ScenarioResult> {
  const meter = createMeter(() => undefined);
  const limitEnv = limited
    ? { [KEY_LIMIT_VARIABLES.eventsPerSecond]: String(settings.limitPerSecond), [KEY_LIMIT_VARIABLES.burstEvents]: String(settings.burst) }
    : // the control: limits far above anything this machine can send
      { [KEY_LIMIT_VARIABLES.eventsPerSecond]: '1000000', [KEY_LIMIT_VARIABLES.burstEvents]: '10000000' };
  const runtime = await startLocalRuntime({
    port: 0,
    sesPort: 0,
    synth: true,
    clockSpeed: 1,
    log: () => undefined,
    functionEnvironment: { ...limitEnv, POWERTOOLS_METRICS_DISABLED: 'false' },
    observe: meter.observer,
  });
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const leadsTable = runtime.cliEnv.LEADS_TABLE!;
  try {
    const keyA = await createWriteKey(runtime, 'flood-a');
    const keyB = await createWriteKey(runtime, 'trickle-b');
    const bLead = (i: number) => `b-${runId}-${label}-${i % settings.bLeads}`;

    /** B's events waiting to be scored, by anonymous id: messageId → accepted at (performance.now()). */
    const pending = new Map<string, Map<string, number>>();
    let scoredMs: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const [anonymousId, waiting] of pending) {
          if (waiting.size === 0) continue;
          const applied = await appliedTo(dynamodb, leadsTable, leadIdFor(`anon:${anonymousId}`));
          const now = performance.now();
          for (const [messageId, acceptedAt] of waiting) {
            if (!applied.has(messageId)) continue;
            scoredMs.push(now - acceptedAt);
            waiting.delete(messageId);
          }
        }
        await sleep(POLL_MS);
      }
    })();
    const pendingCount = () => [...pending.values()].reduce((n, w) => n + w.size, 0);

    async function untilScored(what: string): Promise<void> {
      const deadline = Date.now() + SCORED_TIMEOUT_MS;
      while (pendingCount() > 0) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${pendingCount()} of B's events not scored`);
        await sleep(POLL_MS);
      }
    }

    /** Waits until the stream and the functions have been idle for 3 s (A's accepted events scored too). */
    async function untilIdle(): Promise<void> {
      const deadline = Date.now() + SCORED_TIMEOUT_MS;
      while (Date.now() - meter.lastActivity() < 3_000) {
        if (Date.now() > deadline) throw new Error('the stream did not go idle');
        await sleep(200);
      }
    }

    async function phase(name: 'quiet' | 'flood'): Promise<PhaseResult> {
      log(`  ${label}: phase ${name}`);
      meter.reset();
      scoredMs = [];
      const ackMs: number[] = [];
      let bRefused = 0;
      let bFailed = 0;
      const a = { requests: 0, accepted: 0, refused: 0, other: 0, eventsAccepted: 0, eventsRefused: 0, skippedInFlightCap: 0 };
      const inFlight = new Set<Promise<void>>();
      const track = (p: Promise<void>) => {
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      };
      const cpu0 = machineCpuSeconds();
      const started = performance.now();
      const end = started + settings.seconds * 1000;
      let bSent = 0;
      let aBatches = 0;
      const aBatchesPerSecond = (settings.limitPerSecond * settings.floodTimes) / settings.floodBatch;
      let aInFlight = 0;
      while (performance.now() < end) {
        const elapsed = (performance.now() - started) / 1000;
        while (bSent < Math.floor(elapsed * settings.bRate)) {
          const i = bSent++;
          const anonymousId = bLead(i);
          const messageId = `b-${runId}-${label}-${name}-${i}`;
          const sent = performance.now();
          track(
            sendEvent(runtime, '/v1/page', { anonymousId, messageId, name: 'Docs', context: { page: { url: `https://b.example/docs/${i % 13}` } } }, keyB)
              .then(async (response) => {
                const at = performance.now();
                await response.body?.cancel();
                if (response.status === 200) {
                  ackMs.push(at - sent);
                  let waiting = pending.get(anonymousId);
                  if (!waiting) pending.set(anonymousId, (waiting = new Map()));
                  waiting.set(messageId, at);
                } else if (response.status === 429) bRefused++;
                else bFailed++;
              })
              .catch(() => void bFailed++),
          );
        }
        while (name === 'flood' && aBatches < Math.floor(elapsed * aBatchesPerSecond)) {
          const n = aBatches++;
          if (aInFlight >= IN_FLIGHT_CAP) {
            a.skippedInFlightCap++;
            continue;
          }
          aInFlight++;
          a.requests++;
          const batch = Array.from({ length: settings.floodBatch }, (_, j) => ({
            type: 'page',
            name: 'Blog',
            anonymousId: `a-${runId}-${label}-${(n * settings.floodBatch + j) % 500}`,
            messageId: `a-${runId}-${label}-${n}-${j}`,
          }));
          track(
            sendEvent(runtime, '/v1/batch', { batch }, keyA)
              .then(async (response) => {
                await response.body?.cancel();
                if (response.status === 200) {
                  a.accepted++;
                  a.eventsAccepted += batch.length;
                } else if (response.status === 429) {
                  a.refused++;
                  a.eventsRefused += batch.length;
                } else a.other++;
              })
              .catch(() => void a.other++)
              .finally(() => void aInFlight--),
          );
        }
        await sleep(5);
      }
      const sendingEnded = Date.now();
      await Promise.all(inFlight);
      const seconds = (performance.now() - started) / 1000;
      const cpu1 = machineCpuSeconds();
      await untilScored(`B's events of phase ${name}`);
      await untilIdle();
      const drainSeconds = Math.max(0, (meter.lastActivity() - sendingEnded) / 1000);
      return {
        name,
        seconds,
        scoredMs: [...scoredMs],
        ackMs,
        bRefused,
        bFailed,
        a,
        drainSeconds,
        functions: meter.functions(),
        busyCores: cpu0 && cpu1 ? (cpu1.busy - cpu0.busy) / seconds : Number.NaN,
      };
    }

    // Warm-up, not measured: each function's first invocations, both keys looked up once.
    log(`  ${label}: warm-up`);
    for (let i = 0; i < settings.bLeads; i++) {
      const anonymousId = bLead(i);
      const messageId = `warm-${runId}-${label}-${i}`;
      const response = await sendEvent(runtime, '/v1/page', { anonymousId, messageId, name: 'Docs' }, keyB);
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`warm-up answered ${response.status}`);
      pending.set(anonymousId, new Map([[messageId, performance.now()]]));
    }
    await (await sendEvent(runtime, '/v1/batch', { batch: [{ type: 'page', anonymousId: `a-warm-${runId}`, messageId: `a-warm-${runId}-${label}` }] }, keyA)).body?.cancel();
    await untilScored('the warm-up');
    await untilIdle();
    // A's warm-up event spent one of its bucket: let it refill before measuring
    await sleep(Math.ceil(1000 / settings.limitPerSecond) + 100);

    const phases = [await phase('quiet'), await phase('flood')];
    polling = false;
    await poller;
    return { label, limited, phases };
  } finally {
    dynamodb.destroy();
    await runtime.stop();
  }
}
