import type { LeadView } from '../../functions/core/lead-view.ts';
import { virtualNow } from '../../local/clock.ts';
import type { FaultRule } from '../../local/fault-plan.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { eventually } from './local.ts';
import { qualifyingEvents } from './qualify.ts';

/**
 * A scripted workload for the fault runs (test/integration/faults.test.ts, bench/faults.ts): three people whose
 * events arrive twice each, as a client that retries delivers them. Ann qualifies, her rep accepts through the
 * signed link (clicked twice), and the CRM reports an opportunity and a won deal (each posted twice); Bob
 * qualifies and his rep rejects him; Cay only browses. Every client retries a 5xx or a dropped connection, as
 * Segment's libraries and a rep's second click do. Each run has its own people (`tag`), so runs share a runtime.
 */

export interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

/** What a run ends with, per person, in terms that do not depend on which run it was. */
export interface PersonOutcome {
  stage: string;
  cycle: number;
  /** per rule: how many events it scored */
  ruleCounts: Record<string, number>;
  /** decays with time: compare to a tolerance */
  engagement: number;
  grade: string;
  fitPoints: number;
  /** the stage changes, without their times and movers */
  transitions: string[];
  deal: { stage: string; amount?: number | undefined } | null;
  /** events stored for the person (by messageId) */
  storedEvents: number;
  /** emails about the person, by purpose (the subject before its colon) */
  emailsByPurpose: Record<string, number>;
  /** emails about the person whose recipient and subject came twice */
  duplicateEmails: number;
}

export type RunOutcome = Record<'ann' | 'bob' | 'cay', PersonOutcome>;

/** Retries what a real client retries: a 5xx (or 429) answer, or no answer; gives the last answer back. */
export async function withClientRetries(send: () => Promise<Response>, attempts = 8): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await send();
      if ((response.status < 500 && response.status !== 429) || attempt >= attempts) return response;
      await response.body?.cancel();
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

const people = (tag: string) => ({
  ann: { anonymousId: `${tag}-visitor-ann`, email: `ann.${tag}@acme.example`, name: `Ann ${tag}` },
  bob: { anonymousId: `${tag}-visitor-bob`, email: `bob.${tag}@globex.example`, name: `Bob ${tag}` },
  cay: { anonymousId: `${tag}-visitor-cay`, email: `cay.${tag}@initech.example`, name: `Cay ${tag}` },
});

/** Two docs pages and an identify without a phone or title: engagement 6, not qualified. */
function browsingEvents({ anonymousId, email, name }: { anonymousId: string; email: string; name: string }) {
  return [
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Docs', context: { page: { url: 'https://example.com/docs/a' } } }],
    ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name } }],
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Docs', context: { page: { url: 'https://example.com/docs/b' } } }],
  ] as const;
}

export class FaultWorkload {
  private readonly runtime: LocalRuntime;
  private readonly timeoutMs: number;

  constructor(runtime: LocalRuntime, timeoutMs = 60_000) {
    this.runtime = runtime;
    this.timeoutMs = timeoutMs;
  }

  private auth(key: string) {
    return { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
  }

  private post(path: string, body: unknown): Promise<Response> {
    return withClientRetries(() =>
      fetch(`${this.runtime.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...this.auth(this.runtime.writeKey) }, body: JSON.stringify(body) }),
    );
  }

  private async outcome(body: unknown): Promise<number> {
    const response = await withClientRetries(() =>
      fetch(`${this.runtime.apiUrl}/v1/outcomes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.runtime.serverKey}` },
        body: JSON.stringify(body),
      }),
    );
    await response.body?.cancel();
    return response.status;
  }

  async emails(): Promise<CapturedEmail[]> {
    const response = await fetch(`${this.runtime.sesUrl}/store`);
    return ((await response.json()) as { emails: CapturedEmail[] }).emails;
  }

  async lead(email: string): Promise<LeadView | undefined> {
    // the leads function goes through the faults too: a 5xx is just asked again
    const response = await fetch(`${this.runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${this.runtime.serverKey}` } }).catch(() => undefined);
    if (response?.status !== 200) {
      await response?.body?.cancel();
      return undefined;
    }
    return (await response.json()) as LeadView;
  }

  private leadWhere(what: string, email: string, test: (lead: LeadView) => boolean): Promise<LeadView> {
    return eventually(what, async () => {
      const view = await this.lead(email);
      return view && test(view) ? view : undefined;
    }, this.timeoutMs);
  }

  private handoffFor(name: string): Promise<CapturedEmail> {
    return eventually(`${name}'s hand-off`, async () => (await this.emails()).find((e) => e.subject.startsWith('New lead') && e.subject.includes(name)), this.timeoutMs);
  }

  /**
   * A rep's decision by the hand-off's link: the confirmation page's button, pressed twice (a double click, a
   * retry). Accepting again says "already accepted"; a rejected lead is recycled, so rejecting again is refused
   * with 409 (no longer assigned), as it is when a first click's answer was lost and the retry comes second.
   */
  private async decide(handoff: CapturedEmail, action: 'Accept' | 'Reject'): Promise<void> {
    const url = new RegExp(`${action}: (\\S+)`).exec(handoff.body.text ?? '')?.[1];
    if (!url) throw new Error(`no ${action} link in ${handoff.subject}`);
    const form = action === 'Reject' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=No+budget+this+year' } : {};
    const answers = action === 'Reject' ? [200, 409] : [200];
    for (let click = 0; click < 2; click++) {
      const response = await withClientRetries(() => fetch(url, { method: 'POST', ...form }));
      if (!answers.includes(response.status)) throw new Error(`${action} link answered ${response.status}: ${await response.text()}`);
      await response.body?.cancel();
    }
  }

  /** Runs the script for the people of `tag` to its end, and says what each ended with. */
  async run(tag: string): Promise<RunOutcome> {
    const { ann, bob, cay } = people(tag);
    const deliveries = [...qualifyingEvents(ann), ...qualifyingEvents(bob), ...browsingEvents(cay)];
    // every event twice: the second as a client's retry of a request whose answer it never saw
    const statuses = await Promise.all([...deliveries, ...deliveries].map(([path, body]) => this.post(path, body).then(async (r) => (await r.body?.cancel(), r.status))));
    const refused = statuses.filter((s) => s !== 200);
    if (refused.length > 0) throw new Error(`ingest answered ${refused.join(', ')} after the client's retries`);

    const [annHandoff, bobHandoff] = await Promise.all([this.handoffFor(ann.name), this.handoffFor(bob.name)]);
    await Promise.all([this.decide(annHandoff, 'Accept'), this.decide(bobHandoff, 'Reject')]);
    const annLeadId = (await this.leadWhere(`${ann.name} accepted`, ann.email, (l) => l.stage === 'sal')).leadId;
    await this.leadWhere(`${bob.name} rejected`, bob.email, (l) => l.stageHistory.some((c) => c.decision === 'rejected'));

    const at = () => new Date(virtualNow(this.runtime.clock, Date.now())).toISOString();
    for (let post = 0; post < 2; post++) {
      const status = await this.outcome({ outcomeId: `${tag}-ann-opp`, leadId: annLeadId, stage: 'opportunity', at: at(), opportunityId: `${tag}-opp`, repId: 'crm-user-1' });
      if (status !== 202) throw new Error(`the opportunity outcome answered ${status}`);
    }
    await this.leadWhere(`${ann.name} at opportunity`, ann.email, (l) => l.stage === 'opportunity');
    for (let post = 0; post < 2; post++) {
      const status = await this.outcome({ outcomeId: `${tag}-ann-won`, leadId: annLeadId, stage: 'won', at: at(), amount: 12_000, currency: 'EUR' });
      if (status !== 202) throw new Error(`the won outcome answered ${status}`);
    }
    await this.leadWhere(`${ann.name} won`, ann.email, (l) => l.stage === 'won');
    await this.leadWhere(`${cay.name} scored`, cay.email, (l) => l.score.breakdown.reduce((n, c) => n + c.count, 0) >= 2);
    return this.outcomes(tag);
  }

  /** What each person of `tag` ends with now. */
  async outcomes(tag: string): Promise<RunOutcome> {
    const all = people(tag);
    const emails = await this.emails();
    const stored = await this.storedMessageIds(tag);
    const entries = await Promise.all(
      (Object.keys(all) as (keyof typeof all)[]).map(async (key) => {
        const person = all[key];
        const view = await eventually(`${person.name}'s lead`, () => this.lead(person.email), this.timeoutMs);
        const mine = emails.filter((e) => e.subject.includes(person.name) || (e.body.text ?? '').includes(person.email));
        const emailsByPurpose: Record<string, number> = {};
        for (const e of mine) {
          const purpose = e.subject.split(':')[0]!;
          emailsByPurpose[purpose] = (emailsByPurpose[purpose] ?? 0) + 1;
        }
        const distinct = new Set(mine.map((e) => `${e.destination.to.join(',')}|${e.subject}`));
        const outcome: PersonOutcome = {
          stage: view.stage,
          cycle: view.cycle,
          ruleCounts: Object.fromEntries(view.score.breakdown.map((c) => [c.ruleId, c.count])),
          engagement: view.score.engagement,
          grade: view.score.grade,
          fitPoints: view.score.fitPoints,
          transitions: view.stageHistory.map((c) => `${c.from}→${c.to}${c.decision ? ` (${c.decision})` : ''}`),
          deal: view.deal && { stage: view.deal.stage, amount: view.deal.amount },
          storedEvents: stored.filter((id) => id.startsWith(person.anonymousId)).length,
          emailsByPurpose,
          duplicateEmails: mine.length - distinct.size,
        };
        return [key, outcome] as const;
      }),
    );
    return Object.fromEntries(entries) as RunOutcome;
  }

  private storedMessageIds: (tag: string) => Promise<string[]> = async () => [];

  /** How stored events are counted (a scan of the events table, given by the caller). */
  countStoredWith(messageIds: (tag: string) => Promise<string[]>): this {
    this.storedMessageIds = messageIds;
    return this;
  }
}

/**
 * The plans the runs use: each fault kind alone, and all four together (a throttle at the issue's 20%).
 * Rates stay where the retries meant for transient faults are meant to cope (the SDK's attempts, then the
 * step's or the stream's): at 60% of Step Functions calls failing, a stream record can fail all six of its
 * invocations and be set aside for `leadloop failed replay`, as the stream is built to do. Timeouts are rarer
 * for DynamoDB: each holds its call for seconds, and DynamoDB gets hundreds of calls. Each plan opens every service with one
 * call of each of its kinds (FaultPlanSettings.opening: `openingOf`), so a run meets every kind everywhere.
 */
export const FAULT_PLANS: Record<string, FaultRule[]> = {
  'fail-before': [
    { service: 'dynamodb', fault: 'fail-before', rate: 0.1 },
    { service: 'sfn', fault: 'fail-before', rate: 0.2 },
    { service: 'ses', fault: 'fail-before', rate: 0.3 },
  ],
  'lost-response': [
    { service: 'dynamodb', fault: 'lost-response', rate: 0.1 },
    { service: 'sfn', fault: 'lost-response', rate: 0.2 },
    { service: 'ses', fault: 'lost-response', rate: 0.3 },
  ],
  timeout: [
    { service: 'dynamodb', fault: 'timeout', rate: 0.02 },
    { service: 'sfn', fault: 'timeout', rate: 0.1 },
    { service: 'ses', fault: 'timeout', rate: 0.3 },
  ],
  throttle: [
    { service: 'dynamodb', fault: 'throttle', rate: 0.2 },
    { service: 'sfn', fault: 'throttle', rate: 0.2 },
    { service: 'ses', fault: 'throttle', rate: 0.2 },
  ],
  combined: [
    { service: 'dynamodb', fault: 'throttle', rate: 0.2 },
    { service: 'dynamodb', fault: 'fail-before', rate: 0.03 },
    { service: 'dynamodb', fault: 'lost-response', rate: 0.03 },
    { service: 'dynamodb', fault: 'timeout', rate: 0.003 },
    { service: 'sfn', fault: 'throttle', rate: 0.2 },
    { service: 'sfn', fault: 'fail-before', rate: 0.05 },
    { service: 'sfn', fault: 'lost-response', rate: 0.05 },
    { service: 'sfn', fault: 'timeout', rate: 0.03 },
    { service: 'ses', fault: 'throttle', rate: 0.2 },
    { service: 'ses', fault: 'fail-before', rate: 0.1 },
    { service: 'ses', fault: 'lost-response', rate: 0.1 },
    { service: 'ses', fault: 'timeout', rate: 0.1 },
  ],
};

/** How a run under faults differs from the fault-free run: what the issue counts, and every other difference. */
export interface RunComparison {
  /** events of a person stored fewer times than in the fault-free run */
  lostEvents: number;
  /** hand-off emails missing */
  lostHandoffs: number;
  /** emails (recipient and subject) that came more than once */
  duplicateEmails: number;
  /** rule counts above the fault-free run's: an event scored twice */
  doubleCounted: number;
  /** people whose stage, cycle, stage changes, deal, grade or emails differ */
  otherDifferences: string[];
}

/**
 * The one email a slower (faulted) run may send that the fault-free run did not: the feedback ask that follows a
 * won deal, sent by the follow-up clock later in time. Never anything else.
 */
export const LATER_EMAIL = /^How was .+\? The lead was won$/;

/** Emails of `got` that differ from `want`'s: a purpose missing or sent another number of times, or one the fault-free run never sends. */
export function emailDifferences(want: Readonly<Record<string, number>>, got: Readonly<Record<string, number>>): string[] {
  const missing = Object.entries(want).filter(([purpose, n]) => got[purpose] !== n).map(([purpose, n]) => `${purpose}: ${got[purpose] ?? 0} instead of ${n}`);
  const unexpected = Object.entries(got).filter(([purpose, n]) => !(purpose in want) && !(LATER_EMAIL.test(purpose) && n === 1)).map(([purpose, n]) => `${purpose}: ${n}, never sent fault-free`);
  return [...missing, ...unexpected];
}

export function compareRuns(expected: RunOutcome, actual: RunOutcome): RunComparison {
  const comparison: RunComparison = { lostEvents: 0, lostHandoffs: 0, duplicateEmails: 0, doubleCounted: 0, otherDifferences: [] };
  for (const key of Object.keys(expected) as (keyof RunOutcome)[]) {
    const [want, got] = [expected[key], actual[key]];
    comparison.lostEvents += Math.max(0, want.storedEvents - got.storedEvents);
    comparison.lostHandoffs += Math.max(0, (want.emailsByPurpose['New lead for you'] ?? 0) - (got.emailsByPurpose['New lead for you'] ?? 0));
    comparison.duplicateEmails += got.duplicateEmails;
    for (const [rule, count] of Object.entries(got.ruleCounts)) comparison.doubleCounted += Math.max(0, count - (want.ruleCounts[rule] ?? 0));
    const facts = (o: PersonOutcome) => JSON.stringify([o.stage, o.cycle, o.transitions, o.deal, o.grade, o.fitPoints, o.ruleCounts]);
    if (facts(want) !== facts(got)) comparison.otherDifferences.push(`${key}: ${facts(got)} instead of ${facts(want)}`);
    const emails = emailDifferences(want.emailsByPurpose, got.emailsByPurpose);
    if (emails.length > 0) comparison.otherDifferences.push(`${key}: emails ${emails.join('; ')}`);
  }
  return comparison;
}

/** The opening faults of a plan: one call of each of its kinds, per service. */
export function openingOf(rules: readonly FaultRule[]): Partial<Record<FaultRule['service'], FaultRule['fault'][]>> {
  const opening: Partial<Record<FaultRule['service'], FaultRule['fault'][]>> = {};
  for (const rule of rules) if (!(opening[rule.service] ??= []).includes(rule.fault)) opening[rule.service]!.push(rule.fault);
  return opening;
}
