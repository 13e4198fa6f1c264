import { leadIdFor } from '../../functions/core/lead-id.ts';
import { seededRandom } from '../../functions/core/seeded-random.ts';

/**
 * The plan of `leadloop simulate`, worked out purely from a seed: who visits,
 * from which campaign, what each does and when, and what the rep and the CRM
 * do once a lead is handed off. The command then sends it to the local
 * runtime's public API (bin/cli/simulate.ts). Same seed, same plan.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export { seededRandom };

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, min: number, max: number) => min + random() * (max - min);
const intBetween = (random: Random, min: number, max: number) => Math.floor(between(random, min, max + 1));
function weighted<T>(random: Random, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of entries) if ((r -= w) < 0) return value;
  return entries.at(-1)![0];
}

/** Where a session comes from: a campaign (UTM), a referring site, or nowhere (direct). */
export interface Source {
  id: string;
  /** the UTM campaign, as `context.campaign` and the landing page's utm_ parameters */
  campaign?: { source: string; medium: string; name: string; term?: string; content?: string };
  referrer?: string;
  landing: string;
}

export const SOURCES: readonly (readonly [Source, number])[] = [
  [{ id: 'newsletter', campaign: { source: 'newsletter', medium: 'email', name: 'monthly-newsletter', content: 'lead-scoring-article' }, landing: '/blog/closed-loop-reporting' }, 18],
  [{ id: 'google-cpc', campaign: { source: 'google', medium: 'cpc', name: 'brand-search', term: 'lead scoring software' }, landing: '/product' }, 24],
  [{ id: 'linkedin', campaign: { source: 'linkedin', medium: 'paid-social', name: 'abm-revops-leaders' }, landing: '/solutions/revops' }, 14],
  [{ id: 'webinar', campaign: { source: 'webinar', medium: 'event', name: 'webinar-sla-that-works' }, landing: '/webinars/sla-that-works' }, 10],
  [{ id: 'ebook', campaign: { source: 'facebook', medium: 'paid-social', name: 'ebook-lead-scoring-guide' }, landing: '/resources/lead-scoring-guide' }, 12],
  [{ id: 'referral-g2', referrer: 'https://www.g2.com/products/leadloop/reviews', landing: '/' }, 8],
  [{ id: 'referral-partner', referrer: 'https://blog.partner-agency.example/best-lead-tools', landing: '/product' }, 5],
  [{ id: 'direct', landing: '/' }, 9],
];

/** What kind of visitor: how they browse, whether they tell who they are, how well they fit. */
export type Persona = 'buyer' | 'researcher' | 'browser' | 'job-seeker';
const PERSONAS: readonly (readonly [Persona, number])[] = [
  ['buyer', 24],
  ['researcher', 26],
  ['browser', 40],
  ['job-seeker', 10],
];

/** A Segment-shaped event as the command posts it (in a batch). */
export interface SegmentEvent {
  type: 'page' | 'track' | 'identify';
  messageId: string;
  anonymousId: string;
  timestamp: string;
  originalTimestamp: string;
  name?: string;
  event?: string;
  properties?: Record<string, string | number>;
  traits?: Record<string, string | number>;
  context?: {
    page?: { url: string; path: string; referrer?: string; title?: string };
    campaign?: Record<string, string>;
    userAgent?: string;
  };
}

/** The share of hand-offs the reps accept, reject, and leave to escalate; they sum to 1. */
export interface DecisionMix {
  accept: number;
  reject: number;
  leave: number;
}
export const DEFAULT_MIX: DecisionMix = { accept: 0.7, reject: 0.2, leave: 0.1 };

/** What the rep who gets the hand-off gives as feedback on the feedback page. */
export interface PlannedFeedback {
  rating: number;
  reasons: string[];
  comment?: string;
}

export interface PlannedActivity {
  activityId: string;
  kind: 'call' | 'email' | 'meeting';
  /** hours after the acceptance */
  afterHours: number;
  result: string;
}

export interface PlannedDeal {
  opportunityId: string;
  /** hours after the acceptance */
  opportunityAfterHours: number;
  /** how it closed, and when (hours after the acceptance); absent: still open */
  close?: { stage: 'won'; amount: number; currency: string; afterHours: number } | { stage: 'lost'; reason: string; afterHours: number };
}

export type PlannedDecision =
  | { decision: 'accept'; feedback?: PlannedFeedback; activities: PlannedActivity[]; deal?: PlannedDeal; closedFeedback?: PlannedFeedback }
  | { decision: 'reject'; reason: string; recontact: '' | '1' | '3' | '6'; feedback?: PlannedFeedback }
  | { decision: 'leave' };

export interface PlannedVisitor {
  index: number;
  anonymousId: string;
  /**
   * the lead LeadLoop makes of this visitor: its first identity is the anonymous id; the runner rebinds an
   * identified visitor to its email's lead when its identify was applied before its first page
   */
  leadId: string;
  persona: Persona;
  /** the first session's source */
  source: string;
  email?: string;
  /** in time order */
  events: SegmentEvent[];
  /** what the rep does when this lead is handed off */
  handoff: PlannedDecision;
}

export interface PlanSettings {
  /** visitors (people) to simulate */
  leads: number;
  days: number;
  seed: number;
  /** the runtime's now at the start: every event is dated before it */
  now: Date;
  mix?: DecisionMix;
}

const FIRST = ['Jane', 'Omar', 'Li', 'Maria', 'Tom', 'Aisha', 'Lars', 'Priya', 'Diego', 'Sofia', 'Ken', 'Anna', 'Raj', 'Eva', 'Noah', 'Mia'];
const LAST = ['Doe', 'Haddad', 'Chen', 'Garcia', 'Smith', 'Okafor', 'Berg', 'Patel', 'Lopez', 'Rossi', 'Tanaka', 'Novak', 'Singh', 'Meyer', 'Brown', 'Kim'];
const COMPANIES = ['Acme', 'Initech', 'Globex', 'Umbrella', 'Hooli', 'Vandelay', 'Stark Industries', 'Wayne Enterprises', 'Soylent', 'Tyrell', 'Cyberdyne', 'Wonka'];
const SENIOR = ['VP Marketing', 'Head of Growth', 'Director of Sales', 'Chief Revenue Officer', 'Marketing Manager', 'Founder'];
const JUNIOR = ['Marketing Specialist', 'Analyst', 'Sales Development Rep', 'Content Writer', 'Consultant'];
const PAGES = ['/product', '/features/scoring', '/features/handoff', '/customers', '/integrations', '/blog/mql-definition', '/about'];
const USER_AGENTS = ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36'];

/** The rep's words on the hand-off's reject form (its select), and when "not now" applies. */
export const REJECT_REASONS = ['Not a fit', 'No budget', 'Not the decision maker', 'Already a customer', 'Bad contact data', 'Too early'] as const;
/** The reason boxes of config/feedback.json per occasion: ids the feedback page takes. */
const FEEDBACK_REASONS = {
  accepted: ['right-fit', 'clear-need', 'decision-maker', 'budget-confirmed', 'timing-now'],
  rejected: ['not-our-market', 'no-need', 'student-or-job-seeker', 'competitor', 'bad-contact-data', 'already-customer', 'not-now'],
  closed: ['won-on-value', 'won-on-price', 'lost-to-competitor', 'lost-on-price', 'no-decision', 'went-quiet'],
} as const;
const LOST_REASONS = ['Lost to a competitor', 'No budget this year', 'No decision made', 'Built it in-house'];
const RESULTS = ['left a voicemail', 'intro call held', 'sent the case study', 'demo booked', 'demo held', 'proposal sent', 'answered security questions'];

const BASE_URL = 'https://www.leadloop-demo.example';

function landingUrl(source: Source): string {
  const url = new URL(source.landing, BASE_URL);
  const c = source.campaign;
  if (c) {
    url.searchParams.set('utm_source', c.source);
    url.searchParams.set('utm_medium', c.medium);
    url.searchParams.set('utm_campaign', c.name);
    if (c.term) url.searchParams.set('utm_term', c.term);
    if (c.content) url.searchParams.set('utm_content', c.content);
  }
  return url.toString();
}

function campaignContext(source: Source): Record<string, string> | undefined {
  const c = source.campaign;
  if (!c) return undefined;
  return { source: c.source, medium: c.medium, name: c.name, ...(c.term && { term: c.term }), ...(c.content && { content: c.content }) };
}

function sampleFeedback(random: Random, occasion: keyof typeof FEEDBACK_REASONS, rating: number): PlannedFeedback {
  const pool = FEEDBACK_REASONS[occasion];
  const count = intBetween(random, 1, 2);
  const reasons = [...new Set(Array.from({ length: count }, () => pick(random, pool)))];
  return { rating, reasons, ...(random() < 0.4 && { comment: rating >= 4 ? 'Good lead, keep them coming' : 'Not what we are looking for' }) };
}

function planDecision(random: Random, prefix: string, persona: Persona, mix: DecisionMix): PlannedDecision {
  const decision = weighted(random, [
    ['accept', mix.accept],
    ['reject', mix.reject],
    ['leave', mix.leave],
  ] as const);
  if (decision === 'leave') return { decision };
  if (decision === 'reject') {
    const reason = persona === 'job-seeker' ? 'Not a fit' : pick(random, REJECT_REASONS);
    const recontact = reason === 'Too early' ? pick(random, ['1', '3', '6'] as const) : '';
    const feedback = random() < 0.6 ? { ...sampleFeedback(random, 'rejected', intBetween(random, 1, 2)) } : undefined;
    return { decision, reason, recontact, ...(feedback && { feedback }) };
  }
  // First contact within the day, then follow-ups a day or three apart (more for better fits).
  const count = weighted(random, [
    [1, 1],
    [2, 2],
    [3, 4],
    [4, 3],
    [5, 2],
  ] as const);
  let at = between(random, 0.5, 20);
  const activities: PlannedActivity[] = [];
  for (let k = 0; k < count; k++) {
    activities.push({ activityId: `${prefix}-act-${k + 1}`, kind: k === 0 ? pick(random, ['call', 'email'] as const) : pick(random, ['call', 'email', 'meeting'] as const), afterHours: Math.round(at * 10) / 10, result: pick(random, RESULTS) });
    at += between(random, 12, 96);
  }
  const feedback = random() < 0.65 ? sampleFeedback(random, 'accepted', intBetween(random, 3, 5)) : undefined;
  let deal: PlannedDeal | undefined;
  let closedFeedback: PlannedFeedback | undefined;
  if (random() < (persona === 'buyer' ? 0.65 : 0.4)) {
    const opportunityAfterHours = Math.round(between(random, 48, 240));
    const fate = weighted(random, [
      ['won', 45],
      ['lost', 35],
      ['open', 20],
    ] as const);
    const closeAfter = opportunityAfterHours + Math.round(between(random, 72, 480));
    deal = {
      opportunityId: `${prefix}-deal`,
      opportunityAfterHours,
      ...(fate === 'won' && { close: { stage: 'won' as const, amount: intBetween(random, 50, 600) * 100, currency: 'EUR', afterHours: closeAfter } }),
      ...(fate === 'lost' && { close: { stage: 'lost' as const, reason: pick(random, LOST_REASONS), afterHours: closeAfter } }),
    };
    if (fate !== 'open' && random() < 0.6) closedFeedback = sampleFeedback(random, 'closed', fate === 'won' ? intBetween(random, 4, 5) : intBetween(random, 2, 4));
  }
  return { decision, activities, ...(feedback && { feedback }), ...(deal && { deal }), ...(closedFeedback && { closedFeedback }) };
}

interface Step {
  kind: 'page' | 'form' | 'download' | 'email-click' | 'webinar';
  path?: string;
}

/** One session's steps after the landing page view, by persona. */
function sessionSteps(random: Random, persona: Persona, source: Source, isLast: boolean): Step[] {
  const steps: Step[] = [];
  const pages = persona === 'browser' ? intBetween(random, 0, 2) : intBetween(random, 1, 4);
  for (let k = 0; k < pages; k++) steps.push({ kind: 'page', path: pick(random, PAGES) });
  if (source.id === 'newsletter') steps.unshift({ kind: 'email-click' });
  if (persona === 'job-seeker') steps.push({ kind: 'page', path: '/careers' }, { kind: 'page', path: '/careers/open-positions' });
  if (persona === 'researcher') {
    if (source.id === 'ebook' || random() < 0.6) steps.push({ kind: 'download', path: '/resources/lead-scoring-guide' });
    if (source.id === 'webinar') steps.push({ kind: 'webinar' });
  }
  if (persona === 'buyer') {
    if (random() < 0.8) steps.push({ kind: 'page', path: '/pricing' });
    if (isLast && random() < 0.75) steps.push({ kind: 'form', path: '/demo' });
    else if (random() < 0.3) steps.push({ kind: 'download', path: '/resources/roi-calculator' });
  }
  return steps;
}

/**
 * The whole simulation: `leads` visitors whose first visits spread over the
 * `days` before `now`, each with one to four sessions (later ones may come
 * from another campaign: a newsletter, a retargeting ad), the events of a
 * persona, and what the rep and the CRM will do with the lead if it is
 * handed off. Every event is dated before `now`.
 */
export function planSimulation(settings: PlanSettings): PlannedVisitor[] {
  const { leads, days, seed, now } = settings;
  const mix = settings.mix ?? DEFAULT_MIX;
  const random = seededRandom(seed);
  const end = now.getTime() - 60_000;
  const windowStart = now.getTime() - days * DAY_MS;
  const visitors: PlannedVisitor[] = [];
  for (let index = 0; index < leads; index++) {
    const prefix = `sim-${seed}-${index}`;
    const anonymousId = `${prefix}-visitor`;
    const persona = weighted(random, PERSONAS);
    const firstSource = weighted(random, SOURCES);
    const userAgent = pick(random, USER_AGENTS);
    const sessions = persona === 'browser' ? intBetween(random, 1, 2) : intBetween(random, 1, 4);
    // Sessions a few hours to a few days apart, the whole visit within a third of the window.
    const offsets = [0];
    for (let s = 1; s < sessions; s++) offsets.push(offsets[s - 1]! + between(random, 2 * HOUR_MS, Math.min(4 * DAY_MS, Math.max(3 * HOUR_MS, (days * DAY_MS) / 10))));
    const span = offsets.at(-1)! + HOUR_MS;
    const startAt = windowStart + random() * Math.max(0, end - windowStart - span);

    const first = pick(random, FIRST);
    const last = pick(random, LAST);
    const company = pick(random, COMPANIES);
    const domain = `${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`;
    const identifies = persona === 'buyer' || persona === 'researcher' || (persona === 'job-seeker' && random() < 0.5);
    const email = !identifies
      ? undefined
      : persona === 'job-seeker'
        ? `${first}.${last}.${seed}.${index}@gmail.com`.toLowerCase()
        : `${first}.${last}-${seed}-${index}@${domain}`.toLowerCase();
    const traits: Record<string, string | number> | undefined = email === undefined ? undefined : {
      email,
      name: `${first} ${last}`,
      ...(persona === 'buyer' || random() < 0.3 ? { phone: `+44 20 7946 ${String(intBetween(random, 0, 9999)).padStart(4, '0')}` } : {}),
      title: persona === 'buyer' || (persona === 'researcher' && random() < 0.4) ? pick(random, SENIOR) : pick(random, JUNIOR),
      ...(persona !== 'job-seeker' && { company, employees: persona === 'buyer' ? pick(random, [60, 120, 250, 800, 2500]) : pick(random, [8, 20, 45, 150, 400]) }),
    };

    const events: SegmentEvent[] = [];
    let n = 0;
    let identified = false;
    const add = (at: number, event: Omit<SegmentEvent, 'messageId' | 'anonymousId' | 'timestamp' | 'originalTimestamp'>) => {
      const iso = new Date(Math.min(Math.round(at), end)).toISOString();
      events.push({ ...event, messageId: `${prefix}-${++n}`, anonymousId, timestamp: iso, originalTimestamp: iso });
    };
    const page = (at: number, path: string, source?: Source) => {
      const url = source ? landingUrl(source) : new URL(path, BASE_URL).toString();
      const campaign = source && campaignContext(source);
      add(at, {
        type: 'page',
        name: path === '/' ? 'Home' : path.split('/').filter(Boolean).at(-1)!,
        properties: { url, path: new URL(url).pathname },
        context: { page: { url, path: new URL(url).pathname, ...(source?.referrer && { referrer: source.referrer }) }, ...(campaign && { campaign }), userAgent },
      });
    };
    const identify = (at: number) => {
      if (!traits || identified) return;
      identified = true;
      add(at, { type: 'identify', traits, context: { userAgent } });
    };

    let source = firstSource;
    for (let s = 0; s < sessions; s++) {
      if (s > 0) source = random() < 0.45 ? weighted(random, SOURCES) : { id: 'direct', landing: pick(random, ['/', '/pricing', '/product']) };
      let at = startAt + offsets[s]!;
      page(at, source.landing, source);
      for (const step of sessionSteps(random, persona, source, s === sessions - 1)) {
        at += between(random, 20_000, 240_000);
        if (step.kind === 'page') page(at, step.path!);
        else if (step.kind === 'email-click') add(at, { type: 'track', event: 'Email Clicked', properties: { campaign: source.campaign?.name ?? 'newsletter', link: source.landing }, context: { userAgent } });
        else if (step.kind === 'webinar') {
          identify(at);
          add(at + 1000, { type: 'track', event: 'Webinar Attended', properties: { webinarId: 'sla-that-works', minutes: intBetween(random, 10, 55) }, context: { userAgent } });
        } else if (step.kind === 'download') {
          identify(at);
          add(at + 1000, { type: 'track', event: 'Content Downloaded', properties: { contentId: step.path!.split('/').at(-1)!, format: 'pdf' }, context: { userAgent } });
        } else {
          identify(at);
          add(at + 1000, { type: 'track', event: 'Form Submitted', properties: { formId: 'demo' }, context: { userAgent } });
        }
      }
      // A visitor who means to say who they are does so in their last session at the latest (a contact form).
      if (s === sessions - 1 && !identified && traits) {
        at += between(random, 20_000, 120_000);
        identify(at);
        add(at + 1000, { type: 'track', event: 'Form Submitted', properties: { formId: 'contact' }, context: { userAgent } });
      }
    }
    visitors.push({
      index,
      anonymousId,
      leadId: leadIdFor(`anon:${anonymousId}`),
      persona,
      source: firstSource.id,
      ...(email && { email }),
      events,
      handoff: planDecision(random, prefix, persona, mix),
    });
  }
  return visitors;
}

/**
 * When a sales step planned `afterHours` after the acceptance is dated: then,
 * or the runtime's now (less a second) when that is earlier. Work the
 * runtime's clock has not reached yet happens "now": never in the future.
 */
export function salesStepAt(acceptedAt: string, afterHours: number, now: Date): string {
  const planned = Date.parse(acceptedAt) + afterHours * HOUR_MS;
  const latest = now.getTime() - 1000;
  return new Date(Math.max(Math.min(planned, latest), Math.min(Date.parse(acceptedAt), latest))).toISOString();
}

/** The activities an accepted lead's rep reports (POST /v1/activities, server key), dated by salesStepAt. */
export function activityRequests(visitor: PlannedVisitor, acceptedAt: string, now: Date) {
  if (visitor.handoff.decision !== 'accept') return [];
  return visitor.handoff.activities.map((a) => ({ activityId: a.activityId, leadId: visitor.leadId, kind: a.kind, at: salesStepAt(acceptedAt, a.afterHours, now), result: a.result }));
}

/** The CRM's outcomes of an accepted lead's deal (POST /v1/outcomes), in order: the opportunity, then how it closed. */
export function outcomeRequests(visitor: PlannedVisitor, acceptedAt: string, now: Date) {
  if (visitor.handoff.decision !== 'accept' || !visitor.handoff.deal) return [];
  const { deal } = visitor.handoff;
  const opportunity = { outcomeId: `${deal.opportunityId}:opportunity`, leadId: visitor.leadId, stage: 'opportunity' as const, at: salesStepAt(acceptedAt, deal.opportunityAfterHours, now), opportunityId: deal.opportunityId };
  const close = deal.close;
  if (!close) return [opportunity];
  const at = salesStepAt(acceptedAt, close.afterHours, now);
  const closed =
    close.stage === 'won'
      ? { outcomeId: `${deal.opportunityId}:won`, leadId: visitor.leadId, stage: 'won' as const, at, amount: close.amount, currency: close.currency, opportunityId: deal.opportunityId }
      : { outcomeId: `${deal.opportunityId}:lost`, leadId: visitor.leadId, stage: 'lost' as const, at, reason: close.reason, opportunityId: deal.opportunityId };
  return [opportunity, closed];
}

/** A feedback form's body as the feedback page posts it. */
export function feedbackForm(feedback: PlannedFeedback): string {
  const body = new URLSearchParams({ rating: String(feedback.rating) });
  for (const reason of feedback.reasons) body.append('reason', reason);
  if (feedback.comment) body.set('comment', feedback.comment);
  return body.toString();
}

/** A rejection as the hand-off's reject form posts it. */
export function rejectForm(decision: Extract<PlannedDecision, { decision: 'reject' }>): string {
  return new URLSearchParams({ reason: decision.reason, recontact: decision.recontact }).toString();
}

/** Visitors in batches for POST /v1/batch: whole visitors, in the order their visits began, at most `maxEvents` events each (unless one visitor has more). */
export function batchesOf(visitors: readonly PlannedVisitor[], maxEvents = 100): PlannedVisitor[][] {
  const ordered = [...visitors].sort((a, b) => a.events[0]!.timestamp.localeCompare(b.events[0]!.timestamp) || a.index - b.index);
  const batches: PlannedVisitor[][] = [];
  let current: PlannedVisitor[] = [];
  let size = 0;
  for (const visitor of ordered) {
    if (current.length > 0 && size + visitor.events.length > maxEvents) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(visitor);
    size += visitor.events.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
