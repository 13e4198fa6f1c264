import type { LocalRuntime } from '../../local/runtime.ts';
import { seededRandom } from '../lib/seed-history.ts';
import type { CostSetup } from './setup.ts';
import { DRAIN_TIMEOUT_MS, log, SEED } from './settings.ts';
import { handoffSubjectStart, rejectReason, type PlannedRequest, type Visitor, type Workload } from './workload.ts';

/**
 * The run: the visitors' requests sent on their schedule (open loop: each at
 * its time, whether or not earlier ones were answered), reps answering their
 * hand-off emails through the links in them while it runs, and then waiting
 * until the stream, the journeys and the reps are done.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 250;

/** Every request the bench sent to the HTTP API, by what it was. */
export interface ApiCounts {
  /** tracking events requests and the tracker script: the visitors' */
  visitor: { requests: number; failed: number; events: number; trackerScripts: number };
  /** hand-off links: opened (GET) and confirmed (POST) */
  links: { requests: number; failed: number };
}

export interface CapturedEmail {
  messageId: string;
  subject: string;
  destination: { to?: string[]; cc?: string[]; bcc?: string[] };
  body: { text?: string; html?: string };
}

export interface RepAnswers {
  accepted: number;
  rejected: number;
  /** hand-off emails left unanswered on purpose (the first to each such lead) */
  unanswered: number;
  /** answers whose page did not say the decision was recorded */
  notRecorded: string[];
}

export interface RunResult {
  api: ApiCounts;
  sending: { seconds: number; maxLateMs: number };
  drain: { seconds: number; timedOut: boolean; running: number };
  answers: RepAnswers;
  emails: CapturedEmail[];
}

function authorization(runtime: LocalRuntime): string {
  return `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`;
}

export async function emailsSent(runtime: LocalRuntime): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

/** Sends one planned request as the browser would: the script with a GET, an event as JSON with the write key. */
async function send(runtime: LocalRuntime, request: PlannedRequest): Promise<boolean> {
  const response = await fetch(`${runtime.apiUrl}${request.path}`, {
    method: request.method,
    ...(request.body && { headers: { 'content-type': 'application/json', authorization: authorization(runtime) }, body: JSON.stringify(request.body) }),
  });
  await response.arrayBuffer();
  return response.status === 200;
}

/**
 * The reps: every POLL_MS they read the emails sent; the first hand-off
 * email about each qualifying visitor is answered as the plan says, after a
 * short, seeded delay (well inside the acceptance window at the bench's
 * clock speed): the link opened (the confirmation page), then confirmed.
 */
function startReps(runtime: LocalRuntime, visitors: readonly Visitor[], api: ApiCounts) {
  const random = seededRandom(SEED + 1);
  const qualifying = visitors.filter((v) => v.kind === 'qualifying');
  const seen = new Set<string>();
  const handedOff = new Set<string>();
  const answers: RepAnswers = { accepted: 0, rejected: 0, unanswered: 0, notRecorded: [] };
  const pending = new Set<Promise<void>>();
  let stop = false;

  async function link(url: string, init?: RequestInit): Promise<string> {
    api.links.requests += 1;
    const response = await fetch(url, init);
    const page = await response.text();
    if (response.status !== 200) api.links.failed += 1;
    return page;
  }

  async function answer(visitor: Visitor, email: CapturedEmail, delayMs: number): Promise<void> {
    await sleep(delayMs);
    const action = visitor.answer === 'accept' ? 'Accept' : 'Reject';
    const url = new RegExp(`${action}: (\\S+)`).exec(email.body.text ?? '')?.[1];
    if (!url) {
      answers.notRecorded.push(`${visitor.name}: no ${action} link in the email`);
      return;
    }
    await link(url);
    const page =
      visitor.answer === 'accept'
        ? await link(url, { method: 'POST' })
        : await link(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ reason: rejectReason(visitor) }).toString() });
    const recorded = visitor.answer === 'accept' ? page.includes('Lead accepted') : page.includes('Lead sent back to marketing');
    if (!recorded) answers.notRecorded.push(`${visitor.name}: ${action.toLowerCase()} was not recorded`);
    else if (visitor.answer === 'accept') answers.accepted += 1;
    else answers.rejected += 1;
  }

  const loop = (async () => {
    while (!stop) {
      try {
        for (const email of await emailsSent(runtime)) {
          if (seen.has(email.messageId)) continue;
          seen.add(email.messageId);
          const visitor = qualifying.find((v) => email.subject.startsWith(handoffSubjectStart(v)));
          // Only the first hand-off: a lead nobody answered is reassigned, and that rep does not answer either.
          if (!visitor || handedOff.has(visitor.anonymousId)) continue;
          handedOff.add(visitor.anonymousId);
          if (visitor.answer === 'none') {
            answers.unanswered += 1;
            continue;
          }
          const p = answer(visitor, email, 300 + random() * 1200).finally(() => pending.delete(p));
          pending.add(p);
        }
      } catch (error) {
        log(`reading the SES stand-in failed: ${String(error)}`);
      }
      await sleep(POLL_MS);
    }
  })();

  return {
    answers,
    pending: () => pending.size,
    stop: async () => {
      stop = true;
      await loop;
      await Promise.all(pending);
    },
  };
}

export async function run(setup: CostSetup, workload: Workload): Promise<RunResult> {
  const { runtime, meter } = setup;
  const api: ApiCounts = { visitor: { requests: 0, failed: 0, events: 0, trackerScripts: 0 }, links: { requests: 0, failed: 0 } };
  const reps = startReps(runtime, workload.visitors, api);

  log(`sending ${workload.requests.length} requests from ${workload.visitors.length} visitors`);
  const started = performance.now();
  let maxLateMs = 0;
  const inFlight = new Set<Promise<void>>();
  for (const request of workload.requests) {
    const due = started + request.at * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    maxLateMs = Math.max(maxLateMs, performance.now() - due);
    const p = send(runtime, request)
      .then((ok) => {
        api.visitor.requests += 1;
        if (!ok) api.visitor.failed += 1;
        else if (request.events > 0) api.visitor.events += request.events;
        else api.visitor.trackerScripts += 1;
      })
      .catch(() => {
        api.visitor.requests += 1;
        api.visitor.failed += 1;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const sendingSeconds = (performance.now() - started) / 1000;
  log(`sent in ${sendingSeconds.toFixed(1)} s; waiting for the stream, the journeys and the reps`);

  // Done when no journey runs, no answer is pending, and nothing was invoked or read from the stream for a while.
  const quietMs = Math.max(3_000, setup.stream.windowSeconds * 1000 + 2_000);
  const drainStarted = performance.now();
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let running = 0;
  let timedOut = false;
  for (;;) {
    // a decided journey waiting on its follow-up (days away) is done with the hand-off this bench measures
    running = [...runtime.stepFunctions.executions.values()].filter((e) => e.status === 'RUNNING' && e.states.at(-1) !== 'Await follow-up').length;
    if (running === 0 && reps.pending() === 0 && Date.now() - meter.lastActivity() > quietMs) break;
    if (Date.now() > deadline) {
      timedOut = true;
      log(`gave up waiting after ${DRAIN_TIMEOUT_MS / 1000} s: ${running} journeys still running`);
      break;
    }
    await sleep(POLL_MS);
  }
  await reps.stop();
  return {
    api,
    sending: { seconds: sendingSeconds, maxLateMs },
    drain: { seconds: (performance.now() - drainStarted) / 1000, timedOut, running },
    answers: reps.answers,
    emails: await emailsSent(runtime),
  };
}
