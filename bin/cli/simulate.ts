import { parseArgs } from 'node:util';
import { virtualNow, type ClockSettings } from '../../local/clock.ts';
import { progressWriter } from './progress.ts';
import type { CliIo } from './run.ts';
import {
  activityRequests,
  batchesOf,
  feedbackForm,
  outcomeRequests,
  planSimulation,
  rejectForm,
  type PlannedFeedback,
  type PlannedVisitor,
} from './simulate-plan.ts';
import { LOCAL_API_VARIABLES, localClockOf, resolveTarget } from './target.ts';

export const SIMULATE_USAGE = `Usage: leadloop simulate --local [--leads <n>] [--days <n>] [--seed <n>] [--concurrency <n>]

Fills the local runtime (npm start) with a simulated stretch of business,
through its public API only, as a site, reps and a CRM would:

  visitors   from campaigns (a newsletter, Google Ads, LinkedIn, a webinar,
             an ebook), referring sites and direct visits; page views, form
             fills, downloads and identifies, posted as Segment batches with
             the write key. Some tell who they are; some qualify.
  reps       follow the signed links in the hand-off emails (read from the
             SES capture): about 70% accept, 20% reject with a reason,
             10% are left to escalate; many give feedback on the feedback page.
  sales      accepted leads get calls, emails and meetings (POST /v1/activities)
             and some become deals (POST /v1/outcomes): an opportunity, then
             won with an amount or lost with a reason; the closed-lead
             feedback the journey asks for is given by its link.

The same --seed gives the same visitors, decisions and deals. A summary
follows; API errors are counted and the first few shown.

Time: visitors' events are dated over the --days days before the runtime's
clock, so scores, MQL dates and campaign touches spread over them. Hand-offs,
decisions and escalations happen on the runtime's clock as the command runs;
activities and deals are dated at their planned hours after the acceptance,
or at the runtime's now when its clock has not got there yet (never later).
With LEADLOOP_CLOCK_SPEED=3600 (an hour per second) a run spans days of sales
work and the hand-offs left unanswered escalate within seconds; at speed 1 the
sales side is minutes long and they escalate hours later.

Options:
  --local              the LeadLoop started by npm start on this machine
                       (without it: ${Object.values(LOCAL_API_VARIABLES).join(', ')} from the environment)
  --leads <n>          visitors (people) to simulate (default 2000)
  --days <n>           the days their visits spread over, up to now (default 30)
  --seed <n>           the seed of the simulation (default 1); a seed already run adds nothing
  --concurrency <n>    requests in flight at once (default 8)

Exit status: 0 when every request succeeded, 1 on any API error or when the
runtime cannot be reached, 2 for a usage error, 130 when interrupted.`;

interface Endpoints {
  apiUrl: string;
  sesUrl: string;
  writeKey: string;
  serverKey: string;
  clock: ClockSettings;
}

interface CapturedEmail {
  messageId?: string;
  subject: string;
  at: number;
  body: { text?: string };
}

/** What the run did, for the summary. */
/**
 * How long to wait before trying a request again, or undefined not to: no
 * answer or a 5xx after 1 s, then 3 s; a 429 (past the write key's limit or
 * the stage's) after the Retry-After it gives, at most a minute; any other
 * answer is final.
 */
export function retryDelayMs(attempt: number, status?: number, retryAfter?: string | null): number | undefined {
  if (status === 429) {
    const seconds = Number(retryAfter);
    return Math.min(60, Number.isFinite(seconds) && seconds > 0 ? seconds : 1) * 1000;
  }
  if (status !== undefined && status < 500) return undefined;
  return 1000 * 3 ** attempt;
}

export interface SimulationCounts {
  visitors: number;
  events: number;
  identified: number;
  mqls: number;
  accepted: number;
  rejected: number;
  left: number;
  /** decisions the runtime no longer took: the window had ended (a slow run on a fast clock) */
  tooLate: number;
  activities: number;
  feedback: number;
  opportunities: number;
  won: number;
  lost: number;
  errors: number;
}

const isHelp = (arg: string) => arg === '-h' || arg === '--help' || arg === 'help';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const number = (n: number) => n.toLocaleString('en-US');

function positiveInteger(value: string | undefined, name: string, fallback: number, max: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) return `--${name} must be a whole number from 1 to ${number(max)}, got "${value}"`;
  return n;
}

async function endpointsFrom(local: boolean, env: NodeJS.ProcessEnv): Promise<Endpoints | string> {
  let source: Record<string, string | undefined> = env;
  if (local) {
    const target = await resolveTarget({ local: true }, env);
    if (!target.ok) return target.message;
    source = target.env;
  }
  const missing = Object.values(LOCAL_API_VARIABLES).filter((name) => !source[name]);
  if (missing.length > 0) {
    return local
      ? `the local runtime did not say ${missing.join(', ')}: restart npm start with this version of LeadLoop`
      : `say which LeadLoop to fill: --local (npm start), or set ${missing.join(', ')}`;
  }
  const get = (key: keyof typeof LOCAL_API_VARIABLES) => source[LOCAL_API_VARIABLES[key]]!;
  // a runtime started with LEADLOOP_CLOCK_START says where its clock began
  const clock = localClockOf(source);
  if (!clock) return `the local runtime's clock (${LOCAL_API_VARIABLES.clockSpeed}, ${LOCAL_API_VARIABLES.clockOrigin}) is not a clock: restart npm start`;
  return {
    apiUrl: get('apiUrl').replace(/\/$/, ''),
    sesUrl: get('sesUrl').replace(/\/$/, ''),
    writeKey: get('writeKey'),
    serverKey: get('serverKey'),
    clock,
  };
}

/** `leadloop simulate`: parses the flags, then runs the simulation. */
export async function simulateCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args.some(isHelp)) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { local: { type: 'boolean' }, leads: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' }, concurrency: { type: 'string' } },
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  const leads = positiveInteger(values.leads, 'leads', 2000, 1_000_000);
  const days = positiveInteger(values.days, 'days', 30, 365);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  const concurrency = positiveInteger(values.concurrency, 'concurrency', 8, 64);
  const problems = [leads, days, concurrency].filter((v): v is string => typeof v === 'string');
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) problems.push(`--seed must be a whole number from 0 to 4294967295, got "${values.seed}"`);
  if (problems.length > 0) {
    io.err(`leadloop: ${problems.join('; ')}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  const endpoints = await endpointsFrom(values.local === true, io.env);
  if (typeof endpoints === 'string') {
    io.err(`leadloop: ${endpoints}`);
    return 1;
  }
  try {
    const health = await fetch(`${endpoints.apiUrl}/health`);
    if (!health.ok) throw new Error(`GET /health answered ${health.status}`);
  } catch (error) {
    io.err(`leadloop: LeadLoop does not answer at ${endpoints.apiUrl} (${(error as Error).message}): is npm start running?`);
    return 1;
  }
  return new Simulation(endpoints, io, { leads: leads as number, days: days as number, seed, concurrency: concurrency as number }).run();
}

/** Runs `task` on every item with at most `limit` in flight (a task's own errors are its to count). */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>, stopped: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stopped()) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const HANDOFF_SUBJECT = 'New lead for you:';
const CLOSED_SUBJECT = 'How was ';

class Simulation {
  private readonly counts: SimulationCounts = { visitors: 0, events: 0, identified: 0, mqls: 0, accepted: 0, rejected: 0, left: 0, tooLate: 0, activities: 0, feedback: 0, opportunities: 0, won: 0, lost: 0, errors: 0 };
  private readonly errors: string[] = [];
  private readonly byLead = new Map<string, PlannedVisitor>();
  /** leads whose hand-off was answered (or left), and when each was accepted */
  private readonly decided = new Set<string>();
  private readonly accepted = new Map<string, string>();
  private readonly closedFeedbackGiven = new Set<string>();
  private readonly seenEmails = new Set<string>();
  private readonly started = performance.now();
  private readonly startedSec = Math.floor(Date.now() / 1000) - 1;
  private interrupted = false;
  private retries = 0;
  private readonly progress;
  private readonly endpoints: Endpoints;
  private readonly io: CliIo;
  private readonly settings: { leads: number; days: number; seed: number; concurrency: number };

  constructor(endpoints: Endpoints, io: CliIo, settings: { leads: number; days: number; seed: number; concurrency: number }) {
    this.endpoints = endpoints;
    this.io = io;
    this.settings = settings;
    this.progress = progressWriter(io.progress);
  }

  /** The runtime's now: its clock runs at its speed from its origin. */
  private now(): Date {
    return new Date(virtualNow(this.endpoints.clock, Date.now()));
  }

  private stopped = () => this.interrupted;

  private fail(what: string, detail: string): void {
    this.counts.errors += 1;
    if (this.errors.length < 5) this.errors.push(`${what}: ${detail}`);
  }

  /**
   * One request; an answer outside `ok` (or none) is counted as an error and
   * gives undefined. A 5xx, a 429 or no answer is tried again twice (every request
   * here is idempotent: events by messageId, activities and outcomes by
   * their ids, decisions and feedback by their links), since a local
   * function's cold start on a busy machine can outlast its timeout.
   */
  private async call(what: string, url: string, init: RequestInit = {}, ok: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<{ status: number; text: string } | undefined> {
    let problem = '';
    let wait: number | undefined = 0;
    for (let attempt = 0; wait !== undefined && attempt < 3; attempt++) {
      if (attempt > 0) {
        this.retries += 1;
        await sleep(wait);
      }
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
        const text = await response.text();
        if (ok(response.status)) return { status: response.status, text };
        problem = `${response.status} ${text.slice(0, 300).replace(/\s+/g, ' ')}`;
        wait = retryDelayMs(attempt, response.status, response.headers.get('retry-after'));
      } catch (error) {
        problem = (error as Error).message;
        wait = retryDelayMs(attempt);
      }
    }
    this.fail(what, problem);
    return undefined;
  }

  private json(body: unknown, key: 'write' | 'server'): RequestInit {
    const authorization = key === 'write' ? `Basic ${Buffer.from(`${this.endpoints.writeKey}:`).toString('base64')}` : `Bearer ${this.endpoints.serverKey}`;
    return { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) };
  }

  private form(body: string): RequestInit {
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body };
  }

  private async lead(leadId: string): Promise<LeadState | undefined> {
    const answer = await this.call(`GET /v1/leads/${leadId}`, `${this.endpoints.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${this.endpoints.serverKey}` } }, (s) => s === 200 || s === 404);
    return answer?.status === 200 ? (JSON.parse(answer.text) as LeadState) : undefined;
  }

  /**
   * The lead of an identified visitor, found by its email: the anonymous id's lead when the visitor's first page
   * was applied first (the plan's leadId), the email's when its identify was (events reach the stream in the
   * order their writes end, and a stream batch may end between the two).
   */
  private async identifiedLead(visitor: PlannedVisitor): Promise<LeadState | undefined> {
    const path = `/v1/leads?email=${encodeURIComponent(visitor.email!)}`;
    const answer = await this.call(`GET ${path}`, `${this.endpoints.apiUrl}${path}`, { headers: { authorization: `Bearer ${this.endpoints.serverKey}` } }, (s) => s === 200 || s === 404);
    return answer?.status === 200 ? (JSON.parse(answer.text) as LeadState) : undefined;
  }

  async run(): Promise<number> {
    const stopListening = this.io.onInterrupt(() => (this.interrupted = true));
    try {
      const { leads, days, seed } = this.settings;
      const visitors = planSimulation({ leads, days, seed, now: this.now() });
      for (const v of visitors) this.byLead.set(v.leadId, v);
      this.io.out(`Simulating ${number(leads)} visitors over ${days} days (seed ${seed}) on ${this.endpoints.apiUrl} …`);
      await this.sendVisitors(visitors);
      if (!this.interrupted) await this.handOffs(visitors.filter((v) => v.email !== undefined));
      if (!this.interrupted) await this.salesWork();
      if (!this.interrupted) await this.closedFeedback();
    } finally {
      stopListening();
      this.progress.end();
    }
    this.io.out(this.summary());
    if (this.errors.length > 0) this.io.err(`${number(this.counts.errors)} request${this.counts.errors === 1 ? '' : 's'} failed; the first:\n${this.errors.map((e) => `  ${e}`).join('\n')}`);
    if (this.interrupted) return 130;
    return this.counts.errors > 0 ? 1 : 0;
  }

  private async sendVisitors(visitors: readonly PlannedVisitor[]): Promise<void> {
    const batches = batchesOf(visitors);
    const draw = (force = false) =>
      this.progress.update({ done: this.counts.visitors, total: visitors.length, events: this.counts.events, elapsedMs: performance.now() - this.started, unit: 'visitors' }, force);
    const sendBatch = async (batch: PlannedVisitor[]) => {
      const events = batch.flatMap((v) => v.events);
      const sent = await this.call('POST /v1/batch', `${this.endpoints.apiUrl}/v1/batch`, this.json({ batch: events }, 'write'));
      if (sent) {
        this.counts.visitors += batch.length;
        this.counts.events += events.length;
        this.counts.identified += batch.filter((v) => v.email !== undefined).length;
      }
      draw();
    };
    // The first batch alone: the functions start cold, one at a time.
    if (batches[0]) await sendBatch(batches[0]);
    await eachLimited(batches.slice(1), this.settings.concurrency, sendBatch, this.stopped);
    draw(true);
    this.progress.end();
  }

  /** The captured emails since the run started that this run has not read yet. */
  private async newEmails(): Promise<CapturedEmail[]> {
    const answer = await this.call('GET SES capture /store', `${this.endpoints.sesUrl}/store?since=${this.startedSec}`);
    if (!answer) return [];
    const fresh: CapturedEmail[] = [];
    for (const email of (JSON.parse(answer.text) as { emails: CapturedEmail[] }).emails) {
      const id = email.messageId ?? `${email.at}:${email.subject}:${email.body.text ?? ''}`;
      if (this.seenEmails.has(id)) continue;
      this.seenEmails.add(id);
      fresh.push(email);
    }
    return fresh;
  }

  /**
   * Waits for every identified visitor's events to be applied, and answers
   * the hand-off of each lead that qualified as its email comes in.
   */
  private async handOffs(identified: readonly PlannedVisitor[]): Promise<void> {
    const unsettled = new Map(identified.map((v) => [v.leadId, v]));
    const qualified = new Set<string>();
    const answering: Promise<void>[] = [];
    /** leads whose answer came too late (reassigned): the next rep's hand-off is answered instead */
    const retry = new Set<string>();
    const answeredWith = new Map<string, string>();
    const latest = new Map<string, { acceptUrl: string; rejectUrl: string; cycle: number }>();
    /** the cycle of each lead's hand-off answered (or left) so far: a later cycle is the lead qualifying again */
    const cycleOf = new Map<string, number>();
    let lastProgress = performance.now();
    const draw = (force = false) =>
      this.progress.update({ done: this.decided.size, total: Math.max(qualified.size, this.decided.size) || undefined, elapsedMs: performance.now() - this.started, unit: 'hand-offs answered' }, force);
    while (!this.interrupted) {
      for (const email of await this.newEmails()) {
        if (!email.subject.startsWith(HANDOFF_SUBJECT)) continue;
        const text = email.body.text ?? '';
        const acceptUrl = /Accept: (\S+)/.exec(text)?.[1];
        const rejectUrl = /Reject: (\S+)/.exec(text)?.[1];
        const [, leadId, cycle] = (acceptUrl && /\/v1\/handoffs\/([^/]+)\/(\d+)\//.exec(new URL(acceptUrl).pathname)) || [];
        if (!leadId || !cycle || !acceptUrl || !rejectUrl) continue;
        latest.set(decodeURIComponent(leadId), { acceptUrl, rejectUrl, cycle: Number(cycle) });
      }
      for (const [leadId, { acceptUrl, rejectUrl, cycle }] of latest) {
        // a lead of this run's (one whose lead is the email's is known once its visitor is settled, below)
        if (!this.byLead.has(leadId)) continue;
        if (this.decided.has(leadId) && cycle > cycleOf.get(leadId)!) {
          // Sent back to marketing, the lead qualified again (later events, applied late): another MQL, another
          // hand-off, as the funnel counts it. The plan answers a lead's first hand-off only; this one is left.
          cycleOf.set(leadId, cycle);
          this.counts.mqls += 1;
          this.counts.left += 1;
          lastProgress = performance.now();
          continue;
        }
        const again = retry.has(leadId) && answeredWith.get(leadId) !== acceptUrl;
        if (this.decided.has(leadId) && !again) continue;
        cycleOf.set(leadId, cycle);
        if (!this.decided.has(leadId)) this.counts.mqls += 1;
        retry.delete(leadId);
        this.decided.add(leadId);
        qualified.add(leadId);
        answeredWith.set(leadId, acceptUrl);
        answering.push(this.answer(this.byLead.get(leadId)!, acceptUrl, rejectUrl, () => retry.add(leadId)).then(() => draw()));
        lastProgress = performance.now();
      }
      // Which identified visitors the stream has applied in full, and which of them qualified.
      const pending = [...unsettled.values()];
      await eachLimited(
        pending,
        this.settings.concurrency,
        async (visitor) => {
          const planned = visitor.leadId;
          const lead = await this.identifiedLead(visitor);
          const lastEvent = visitor.events.at(-1)!.messageId;
          if (!lead || !lead.recentActivity.some((a) => a.messageId === lastEvent)) return;
          unsettled.delete(planned);
          if (lead.leadId !== visitor.leadId) {
            // Its identify was applied before its first page (another stream batch): the lead is the email's.
            visitor.leadId = lead.leadId;
            this.byLead.set(lead.leadId, visitor);
          }
          lastProgress = performance.now();
          if (lead.stageHistory.some((c) => c.to === 'mql')) qualified.add(visitor.leadId);
        },
        this.stopped,
      );
      draw();
      const waitingFor = [...qualified].filter((id) => !this.decided.has(id));
      if (unsettled.size === 0 && waitingFor.length === 0) break;
      // Nothing new for two minutes: the runtime is stuck (or stopped); say what never came.
      if (performance.now() - lastProgress > 120_000) {
        if (unsettled.size > 0) {
          const which = [...unsettled.values()].slice(0, 3).map((v) => `${v.leadId} (its last event ${v.events.at(-1)!.messageId})`).join(', ');
          this.fail('scoring', `${unsettled.size} identified visitors were not applied within two minutes: ${which}${unsettled.size > 3 ? ', …' : ''} (see ${this.endpoints.apiUrl}/_local/failed-records)`);
        }
        if (waitingFor.length > 0) this.fail('hand-off', `${waitingFor.length} qualified leads got no hand-off email within two minutes (see ${this.endpoints.apiUrl}/_local/executions)`);
        break;
      }
      await sleep(1000);
    }
    await Promise.all(answering);
    // Answered too late, and no later hand-off came (the lead went back to marketing).
    this.counts.tooLate += retry.size;
    draw(true);
    this.progress.end();
  }

  /** The rep's answer to one hand-off: as planned, by the email's signed links, with feedback on the page that follows. */
  private async answer(visitor: PlannedVisitor, acceptUrl: string, rejectUrl: string, tooLate: () => void): Promise<void> {
    const plan = visitor.handoff;
    if (plan.decision === 'leave') {
      this.counts.left += 1;
      return;
    }
    const [url, body, done] = plan.decision === 'accept' ? [acceptUrl, '', 'Lead accepted'] : [rejectUrl, rejectForm(plan), 'Lead sent back to marketing'];
    const page = await this.call(`POST the ${plan.decision} link of ${visitor.leadId}`, url, this.form(body), (s) => s === 200 || s === 409);
    if (!page) return;
    if (page.status === 409 || !page.text.includes(done)) {
      // The acceptance window ended first and the lead went to the next rep: answer that rep's hand-off when it comes.
      if (page.text.includes('Lead reassigned')) tooLate();
      else this.counts.tooLate += 1;
      return;
    }
    if (plan.decision === 'accept') {
      this.counts.accepted += 1;
      this.accepted.set(visitor.leadId, '');
    } else this.counts.rejected += 1;
    if (plan.feedback) await this.feedbackFrom(page.text, url, plan.feedback, visitor.leadId);
  }

  /** Posts feedback to the form on a page (the decision page carries the feedback form). */
  private async feedbackFrom(page: string, pageUrl: string, feedback: PlannedFeedback, leadId: string): Promise<void> {
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    if (!action) {
      this.fail(`feedback for ${leadId}`, 'the decision page has no feedback form');
      return;
    }
    await this.giveFeedback(new URL(action.replaceAll('&#38;', '&').replaceAll('&amp;', '&'), pageUrl).toString(), feedback, leadId);
  }

  private async giveFeedback(url: string, feedback: PlannedFeedback, leadId: string): Promise<void> {
    const saved = await this.call(`POST feedback for ${leadId}`, url, this.form(feedbackForm(feedback)));
    if (saved) this.counts.feedback += 1;
  }

  /**
   * The accepted leads' activities and deals, in rounds (first contacts, the
   * other activities, opportunities, closes) so the runtime's clock moves on
   * between them. Each lead's acceptance is read from its stage history once
   * the stream has applied it.
   */
  private async salesWork(): Promise<void> {
    const leads = [...this.accepted.keys()].map((id) => this.byLead.get(id)!);
    const started = performance.now();
    const planned = leads.reduce((sum, v) => sum + (v.handoff.decision === 'accept' ? v.handoff.activities.length + (v.handoff.deal ? (v.handoff.deal.close ? 2 : 1) : 0) : 0), 0);
    const draw = (force = false) =>
      this.progress.update({ done: this.counts.activities + this.counts.opportunities + this.counts.won + this.counts.lost, total: planned, elapsedMs: performance.now() - started, unit: 'activities and deal stages' }, force);
    const acceptedAt = new Map<string, string>();
    await eachLimited(
      leads,
      this.settings.concurrency,
      async (visitor) => {
        const at = await this.stageReached(visitor.leadId, 'sal');
        if (at) acceptedAt.set(visitor.leadId, at);
        else this.fail(`lead ${visitor.leadId}`, 'its acceptance was not applied within a minute');
      },
      this.stopped,
    );
    const ready = leads.filter((v) => acceptedAt.has(v.leadId));
    const activities = (visitor: PlannedVisitor) => activityRequests(visitor, acceptedAt.get(visitor.leadId)!, this.now());
    const postActivity = async (activity: ReturnType<typeof activityRequests>[number]) => {
      const stored = await this.call(`POST /v1/activities ${activity.activityId}`, `${this.endpoints.apiUrl}/v1/activities`, this.json(activity, 'server'));
      if (stored) this.counts.activities += 1;
    };
    const round = async (task: (visitor: PlannedVisitor) => Promise<void>) => {
      await eachLimited(
        ready,
        this.settings.concurrency,
        async (visitor) => {
          await task(visitor);
          draw();
        },
        this.stopped,
      );
    };
    await round(async (visitor) => {
      const first = activities(visitor)[0];
      if (first) await postActivity(first);
    });
    await round(async (visitor) => {
      for (const activity of activities(visitor).slice(1)) await postActivity(activity);
    });
    const outcomes = (visitor: PlannedVisitor) => outcomeRequests(visitor, acceptedAt.get(visitor.leadId)!, this.now());
    const withDeals = ready.filter((v) => outcomes(v).length > 0);
    await this.postOutcomes(withDeals.map((v) => outcomes(v)[0]!));
    draw();
    // The close follows the opportunity the stream has applied, as in the CRM.
    const closes: ReturnType<typeof outcomeRequests> = [];
    await eachLimited(
      withDeals,
      this.settings.concurrency,
      async (visitor) => {
        const close = outcomes(visitor)[1];
        if (!close) return;
        if (await this.stageReached(visitor.leadId, 'opportunity')) closes.push(close);
        else this.fail(`lead ${visitor.leadId}`, 'its opportunity was not applied within a minute');
      },
      this.stopped,
    );
    await this.postOutcomes(closes.sort((a, b) => a.outcomeId.localeCompare(b.outcomeId)));
    draw(true);
    this.progress.end();
  }

  private async postOutcomes(outcomes: readonly ReturnType<typeof outcomeRequests>[number][]): Promise<void> {
    const chunks: (typeof outcomes)[] = [];
    for (let i = 0; i < outcomes.length; i += 100) chunks.push(outcomes.slice(i, i + 100));
    await eachLimited(
      chunks,
      Math.min(4, this.settings.concurrency),
      async (chunk) => {
        if (!(await this.call('POST /v1/outcomes', `${this.endpoints.apiUrl}/v1/outcomes`, this.json({ batch: chunk }, 'server')))) return;
        for (const outcome of chunk) {
          if (outcome.stage === 'opportunity') this.counts.opportunities += 1;
          else if (outcome.stage === 'won') this.counts.won += 1;
          else this.counts.lost += 1;
        }
      },
      this.stopped,
    );
  }

  /** When the lead reached `stage`, once the stream has applied it (polled for up to a minute). */
  private async stageReached(leadId: string, stage: string): Promise<string | undefined> {
    const until = performance.now() + 60_000;
    while (performance.now() < until && !this.interrupted) {
      const lead = await this.lead(leadId);
      const change = lead?.stageHistory.findLast((c) => c.to === stage);
      if (change) return change.at;
      await sleep(250);
    }
    return undefined;
  }

  /** The journey asks the rep about a closed lead ("How was …?"): answered by its feedback link as planned. */
  private async closedFeedback(): Promise<void> {
    const expected = new Set(
      [...this.accepted.keys()].filter((id) => {
        const plan = this.byLead.get(id)!.handoff;
        return plan.decision === 'accept' && plan.closedFeedback && plan.deal?.close;
      }),
    );
    if (expected.size === 0 || this.counts.won + this.counts.lost === 0) return;
    let lastNew = performance.now();
    while (!this.interrupted && this.closedFeedbackGiven.size < expected.size && performance.now() - lastNew < 30_000) {
      const asks: Promise<void>[] = [];
      for (const email of await this.newEmails()) {
        if (!email.subject.startsWith(CLOSED_SUBJECT)) continue;
        const url = /Give feedback: (\S+)/.exec(email.body.text ?? '')?.[1];
        const match = url && /\/v1\/feedback\/([^/]+)\/\d+\/closed/.exec(new URL(url).pathname);
        const leadId = match ? decodeURIComponent(match[1]!) : undefined;
        if (!url || !leadId || !expected.has(leadId) || this.closedFeedbackGiven.has(leadId)) continue;
        const plan = this.byLead.get(leadId)!.handoff;
        if (plan.decision !== 'accept' || !plan.closedFeedback) continue;
        this.closedFeedbackGiven.add(leadId);
        lastNew = performance.now();
        asks.push(this.giveFeedback(url, plan.closedFeedback, leadId));
      }
      await Promise.all(asks);
      if (this.closedFeedbackGiven.size < expected.size) await sleep(1000);
    }
  }

  private summary(): string {
    const c = this.counts;
    const seconds = Math.round((performance.now() - this.started) / 1000);
    const rows: [string, number, string?][] = [
      ['visitors', c.visitors, `${number(c.identified)} identified`],
      ['events', c.events],
      ['MQLs (hand-offs)', c.mqls],
      ['accepted', c.accepted],
      ['rejected', c.rejected],
      ['left to escalate', c.left],
      ...(c.tooLate > 0 ? ([['answered too late', c.tooLate, 'the acceptance window had ended']] as [string, number, string][]) : []),
      ['activities', c.activities],
      ['feedback', c.feedback],
      ['opportunities', c.opportunities],
      ['won', c.won],
      ['lost', c.lost],
      ['errors', c.errors],
    ];
    if (this.retries > 0) rows.push(['retried requests', this.retries, 'a 5xx or no answer, tried again']);
    const width = Math.max(...rows.map(([label]) => label.length));
    const lines = rows.map(([label, n, note]) => `  ${label.padEnd(width)}  ${number(n).padStart(7)}${note ? `   (${note})` : ''}`);
    return `${this.interrupted ? 'Interrupted' : 'Done'} in ${seconds} s:\n${lines.join('\n')}\n\nRead it back: GET ${this.endpoints.apiUrl}/v1/reports/funnel (server key); emails at ${this.endpoints.sesUrl}/.`;
  }
}

/** The parts of a lead view (GET /v1/leads/{leadId}) the simulation reads. */
interface LeadState {
  leadId: string;
  stage: string;
  stageHistory: { to: string; at: string }[];
  recentActivity: { messageId: string }[];
}
