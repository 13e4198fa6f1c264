import { randomBytes } from 'node:crypto';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appliedTo } from './lib/markers.ts';
import { leadIdFor } from '../functions/core/lead-id.ts';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime.ts';
import { LOCAL_REGION, readTemplate, type Template } from '../local/template.ts';
import { sendEvent } from '../test/support/local.ts';
import { appendResults, benchDir, describeMachine, fmt, machine, machineCpuSeconds, markdownTable, median, numberFromEnv, ownCpuSeconds, percentile } from './lib/harness.ts';
import * as path from 'node:path';

/**
 * bench/latency: event → hand-off email, at the real clock, on the local runtime.
 *
 * Each sample is a new person who qualifies under the deployed model with
 * their last event: a pricing page view, an identify (fit A) and a second
 * pricing view are sent and scored first (the bench waits for their markers),
 * then the demo form is sent, and the clock runs from that request until the
 * hand-off email is in the local SES stand-in (polled every POLL_MS). On the
 * way it notes when the journey's execution started. The stream mapping's
 * batching window (from the template) is part of the figure: a lone record
 * waits for the window to close before scoring sees it.
 *
 * Two phases, one after the other: at rest (nothing else arrives), and while
 * other visitors' page views arrive at a steady BENCH_RATE per second
 * (open loop: sent on schedule whether or not earlier ones were answered,
 * one event per `/v1/page` request, from BENCH_VISITORS anonymous visitors).
 *
 * Settings: BENCH_LEADS (samples per phase, 30), BENCH_RATE (100),
 * BENCH_VISITORS (500), BENCH_RECORD=0 to print instead of appending to RESULTS.md.
 */

const LEADS = numberFromEnv('BENCH_LEADS', 30);
const RATE = numberFromEnv('BENCH_RATE', 100);
const VISITORS = numberFromEnv('BENCH_VISITORS', 500);
const RECORD = process.env.BENCH_RECORD !== '0';
const POLL_MS = 20;
const TIMEOUT_MS = 120_000;
const log = (message: string) => console.log(message);
const runId = randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  /** request sent → 200 from the API */
  ackMs: number;
  /** request sent → the journey's execution started (stream, batching window, scoring, StartExecution) */
  journeyMs: number | undefined;
  /** request sent → the hand-off email captured */
  emailMs: number;
}

function streamSettings(template: Template): { batchSize: number; windowSeconds: number } {
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const p = resource.Properties ?? {};
    return { batchSize: Number(p.BatchSize ?? 100), windowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0) };
  }
  throw new Error('no stream mapping in the template');
}

const m = machine();
log(`machine: ${describeMachine(m)}`);
const started = new Date();
const runtime: LocalRuntime = await startLocalRuntime({ port: 0, sesPort: 0, synth: true, clockSpeed: 1, log: () => undefined });
const stream = streamSettings(readTemplate(path.join(benchDir, '..', 'cdk.out')));
log(`local runtime up: ${runtime.apiUrl}; stream batch size ${stream.batchSize}, batching window ${stream.windowSeconds} s`);
const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const leadsTable = runtime.cliEnv.LEADS_TABLE!;

let exitCode = 0;
try {
  const seenEmails = new Set<string>();
  async function emailFor(name: string): Promise<boolean> {
    const response = await fetch(`${runtime.sesUrl}/store`);
    const { emails } = (await response.json()) as { emails: { messageId: string; subject: string }[] };
    return emails.some((e) => e.subject.includes(name) && !seenEmails.has(e.messageId) && (seenEmails.add(e.messageId), true));
  }

  async function scored(anonymousId: string, messageIds: string[]): Promise<boolean> {
    const applied = await appliedTo(dynamodb, leadsTable, leadIdFor(`anon:${anonymousId}`));
    return messageIds.every((id) => applied.has(id));
  }

  async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(POLL_MS);
    }
  }

  let person = 0;
  /** One sample: a person whose last event qualifies them (fit A: VP, 250 employees, phone, business email; engagement 3 + 10 + 3 + 10 + 40). */
  async function sample(): Promise<Sample> {
    const n = person++;
    const anonymousId = `latency-${runId}-${n}`;
    const name = `Latency ${runId} ${n}`;
    const email = `latency.${runId}.${n}@acme.example`;
    const prelude = [
      ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
      ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Acme', employees: 250 } }],
      ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
    ] as const;
    for (const [p, body] of prelude) {
      const response = await sendEvent(runtime, p, body);
      if (response.status !== 200) throw new Error(`${p} answered ${response.status}`);
    }
    await until(`the prelude of ${anonymousId} to be scored`, () => scored(anonymousId, prelude.map(([, b]) => b.messageId)));

    const sent = performance.now();
    const sentAt = Date.now();
    const response = await sendEvent(runtime, '/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } });
    const ackMs = performance.now() - sent;
    if (response.status !== 200) throw new Error(`/v1/track answered ${response.status}`);
    await until(`the hand-off email to ${name}`, () => emailFor(name));
    const emailMs = performance.now() - sent;
    const execution = [...runtime.stepFunctions.executions.values()].find((e) => e.name.startsWith(leadIdFor(`anon:${anonymousId}`)));
    return { ackMs, journeyMs: execution ? execution.startDate.getTime() - sentAt : undefined, emailMs };
  }

  interface Phase {
    name: string;
    samples: Sample[];
    offered?: { sent: number; failed: number; seconds: number; maxLateMs: number };
    busyCores: number;
    ownCores: number;
  }

  async function phase(name: string, background: boolean): Promise<Phase> {
    log(`phase: ${name}`);
    let stop = false;
    let sentBackground = 0;
    let failed = 0;
    let maxLateMs = 0;
    const inFlight = new Set<Promise<void>>();
    const loadStarted = performance.now();
    const load = background
      ? (async () => {
          while (!stop) {
            const due = Math.floor(((performance.now() - loadStarted) / 1000) * RATE);
            if (due > sentBackground) maxLateMs = Math.max(maxLateMs, (performance.now() - loadStarted) - (sentBackground / RATE) * 1000);
            while (sentBackground < due) {
              const i = sentBackground++;
              const visitor = `visitor-${runId}-${i % VISITORS}`;
              const p = sendEvent(runtime, '/v1/page', { anonymousId: visitor, messageId: `bg-${runId}-${name.length}-${i}`, name: 'Blog', context: { page: { url: `https://example.com/blog/${i % 37}` } } })
                .then((r) => {
                  if (r.status !== 200) failed++;
                  return r.body?.cancel();
                })
                .catch(() => void failed++)
                .finally(() => inFlight.delete(p));
              inFlight.add(p);
            }
            await sleep(5);
          }
        })()
      : Promise.resolve();
    // Let the background load settle into its steady state before measuring.
    if (background) await sleep(10_000);
    const cpu0 = machineCpuSeconds();
    const own0 = ownCpuSeconds();
    const t0 = performance.now();
    const samples: Sample[] = [];
    for (let i = 0; i < LEADS; i++) samples.push(await sample());
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = machineCpuSeconds();
    const ownCores = (ownCpuSeconds() - own0) / seconds;
    stop = true;
    await load;
    await Promise.all(inFlight);
    return {
      name,
      samples,
      ...(background && { offered: { sent: sentBackground, failed, seconds: (performance.now() - loadStarted) / 1000, maxLateMs } }),
      busyCores: cpu0 && cpu1 ? (cpu1.busy - cpu0.busy) / seconds : Number.NaN,
      ownCores,
    };
  }

  // One person first, not measured: the first invocation of each function pays for work done once.
  await sample();
  const phases = [await phase('at rest', false), await phase(`while other visitors' events arrive at ${RATE}/s`, true)];

  const row = (p: Phase) => {
    const email = p.samples.map((s) => s.emailMs);
    const journey = p.samples.map((s) => s.journeyMs).filter((x): x is number => x !== undefined);
    return [
      p.name,
      String(p.samples.length),
      fmt(percentile(email, 50)),
      fmt(percentile(email, 99)),
      `${fmt(Math.min(...email))}–${fmt(Math.max(...email))}`,
      fmt(median(journey)),
      fmt(median(p.samples.map((s) => s.ackMs)), 1),
      p.offered ? `${fmt(p.offered.sent / p.offered.seconds, 1)} events/s (${fmt(p.offered.sent)} sent, ${p.offered.failed} failed)` : '—',
      `${fmt(p.busyCores, 2)} (of which this process ${fmt(p.ownCores, 2)})`,
    ];
  };
  const atRest = phases[0]!;
  const loaded = phases[1]!;
  const section = [
    `## latency — ${started.toISOString().slice(0, 10)}`,
    '',
    `- Run: ${started.toISOString()} (run id \`${runId}\`), \`npm run bench -- latency\`, real clock (clock speed 1)`,
    `- Machine: ${describeMachine(m)}. **Shared with other test runs while this ran**: the machine-wide busy cores below include them, so the figures are noisy`,
    `- Local runtime: DynamoDB Local, functions in worker threads (warm; one unmeasured person first), the stream poller with the template's mapping: **batch size ${stream.batchSize}, batching window ${stream.windowSeconds} s** (a lone record waits for the window to close), the local Step Functions, the SES stand-in`,
    `- Sample: a new person each time; a pricing page view, an identify (fit A) and a second pricing view, sent and scored first; then the demo form, which qualifies them. Measured from sending that request until the hand-off email is in the SES stand-in (polled every ${POLL_MS} ms); "journey started" is the execution's start date`,
    `- Background: ${RATE} page views per second from ${VISITORS} anonymous visitors, one event per \`/v1/page\` request, sent on schedule (open loop) from 10 s before the first sample until the last; p99 of ${LEADS} samples is their maximum`,
    '',
    markdownTable(
      ['phase', 'samples', 'email p50 ms', 'email p99 ms', 'range ms', 'journey started, median ms', 'API ack median ms', 'background offered', 'cores busy, machine-wide'],
      phases.map(row),
    ),
    '',
    '"This process" is the load generator, the HTTP API, the stream poller, Step Functions and the functions (worker threads); the rest of the busy cores is DynamoDB Local and other processes on the machine.',
    '',
    `At rest the median hand-off took ${fmt(percentile(atRest.samples.map((s) => s.emailMs), 50))} ms, of which the batching window accounts for up to ${fmt(stream.windowSeconds * 1000)} ms; with ${RATE} events/s from other visitors, ${fmt(percentile(loaded.samples.map((s) => s.emailMs), 50))} ms (p99 ${fmt(percentile(loaded.samples.map((s) => s.emailMs), 99))} ms).`,
  ].join('\n');
  log(`\n${section}\n`);
  if (RECORD) appendResults(section);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await runtime.stop();
}
process.exit(exitCode);
