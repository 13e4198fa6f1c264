import { campaigns, privacy, reportSlicing, scoringModel } from '../../config/index.ts';
import { funnelIncrements } from '../../functions/core/funnel.ts';
import { newLead, type Lead, type Touch } from '../../functions/core/lead.ts';
import type { StageChange, Stage, StageMover } from '../../functions/core/lifecycle.ts';
import type { FeedbackEntry } from '../../functions/core/records.ts';
import { feedbackCounts, reportCounts, type ReportCount } from '../../functions/core/report-counts.ts';
import { attributionCounts } from '../../functions/core/reports/attribution-counts.ts';
import { toStoredEvent, trackingEventSchema, type StoredEvent } from '../../functions/core/tracking-event.ts';
import { eventsPerLead, seededRandom } from '../lib/seed-history.ts';

/**
 * A year of lead histories for bench/report-latency, pure and deterministic:
 * each lead's saves as the stream path, the journey, reps and the CRM make
 * them (created, known, engaged, mql with an owner, the rep's decision, sql,
 * opportunity with a deal, won or lost, recycled), each save's report counts
 * from the product's own pure functions (reportCounts, attributionCounts
 * under config/campaigns.json, feedbackCounts for a rep's feedback), the
 * funnel increments, and the lead's tracking events as stored
 * (toStoredEvent). Only what the reports read has to be exact (the counts);
 * the profiles are what the saves leave, without a ledger.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** First touches as a year of a B2B site's traffic brings them: [weight, source, medium, campaign]; the UTM campaign varies by month or variant. */
const TOUCH_MIX: readonly [number, string, string | undefined, (r: () => number, month: number) => string | undefined][] = [
  [22, '(direct)', undefined, () => undefined],
  [14, 'google', 'cpc', (r) => `brand-${['core', 'pricing', 'crm', 'demo'][Math.floor(r() * 4)]}`],
  [6, 'google', 'cpc', (r) => `competitor-${['acme', 'globex', 'initech'][Math.floor(r() * 3)]}`],
  [3, 'bing', 'cpc', () => 'brand-core'],
  [8, 'linkedin', 'paid-social', (r, month) => `ops-leaders-${month}-${Math.floor(r() * 3)}`],
  [8, 'linkedin', 'social', () => undefined],
  [10, 'newsletter', 'email', (_, month) => `newsletter-2026-${String(month).padStart(2, '0')}`],
  [5, 'webinar', 'email', () => 'webinar-pipeline-hygiene'],
  [5, 'content', 'organic', () => 'ebook-lead-scoring'],
  [9, 'google', 'organic', () => undefined],
  [4, 'partner', 'referral', (r) => `partner-${['north', 'south', 'east', 'west', 'central'][Math.floor(r() * 5)]}`],
  [3, 'capterra', 'ppc', (r) => `directory-${Math.floor(r() * 6)}`],
  [3, 'events', 'offline', (_, month) => `trade-show-q${Math.ceil(month / 3)}`],
];
const TOUCH_WEIGHT = TOUCH_MIX.reduce((sum, [w]) => sum + w, 0);
const GRADES = [['A', 12], ['B', 28], ['C', 35], ['D', 25]] as const;
/** 4 teams of 6 reps: a sales floor that works 100,000 leads a year. */
export const TEAMS = ['emea', 'dach', 'nordics', 'na'].map((team) => ({ teamId: `sales-${team}`, reps: Array.from({ length: 6 }, (_, i) => `rep-${team}-${i + 1}`) }));
const REASONS = {
  accepted: ['right-fit', 'clear-need', 'decision-maker', 'budget-confirmed', 'timing-now'],
  rejected: ['not-our-market', 'no-need', 'student-or-job-seeker', 'competitor'],
  closed: ['price', 'timing', 'champion-left', 'won-on-value'],
} as const;
/** What reps write in the comment box; two feedbacks in five have words (chosen by count, not the PRNG: the events and profiles stay those of the same seed). */
const COMMENTS = [
  'Spoke to the buyer, budget is there for Q1.',
  'Wrong contact: forwarded to their ops lead.',
  'Great fit, asked for a second demo with IT.',
  'Student project, nothing to sell.',
  'Price came up twice; sent the ROI sheet.',
  'Champion moved teams, restarting with the new VP.',
  'Already on a competitor contract until next autumn.',
] as const;

export interface LeadHistory {
  leadId: string;
  lead: Lead;
  /** saves of the profile: one per change, and the creation */
  version: number;
  events: StoredEvent[];
}

export interface YearOfHistory {
  leads: LeadHistory[];
  /** every save's report counts, in the order the saves happened per lead */
  counts: { leadId: string; count: ReportCount }[];
  /** funnel counters by lead (the lead store adds them to the lead's funnel shard) */
  funnel: { leadId: string; increments: Map<string, number> }[];
  saves: number;
  changes: number;
  feedback: number;
  /** the feedback with a comment, as the comments index holds it (the feedback-<leadId>-<cycle>-<occasion> event's id, the hand-off's team) */
  comments: { feedback: FeedbackEntry; messageId: string; teamId: string }[];
  deals: { opportunities: number; won: number; lost: number };
}

/** `leadCount` leads first seen over the `days` days up to `end` (exclusive), `totalEvents` events among them. */
export function yearOfHistory(leadCount: number, totalEvents: number, days: number, end: Date, seed = 20261201): YearOfHistory {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = <T extends readonly [string, number]>(list: readonly T[]): T[0] => {
    let w = random() * list.reduce((s, [, n]) => s + n, 0);
    return (list.find(([, n]) => (w -= n) < 0) ?? list[0]!)[0];
  };
  /** exponential wait with the given mean */
  const wait = (meanMs: number) => -Math.log(1 - random()) * meanMs;
  const endMs = end.getTime();
  const startMs = endMs - days * DAY_MS;
  const perLead = eventsPerLead(totalEvents, leadCount, random);
  const counts: YearOfHistory['counts'] = [];
  const funnel: YearOfHistory['funnel'] = [];
  let saves = 0;
  let changeCount = 0;
  let feedback = 0;
  const comments: YearOfHistory['comments'] = [];
  const deals = { opportunities: 0, won: 0, lost: 0 };

  const touchAt = (at: number, index: number, n: number): Touch => {
    let w = random() * TOUCH_WEIGHT;
    const [, source, medium, campaign] = TOUCH_MIX.find(([weight]) => (w -= weight) < 0) ?? TOUCH_MIX[0]!;
    const name = campaign(random, new Date(at).getUTCMonth() + 1);
    return { messageId: `rl-${index}-t${n}`, at: new Date(at).toISOString(), source, ...(medium && { medium }), ...(name && { campaign: name }) };
  };

  const leads = perLead.map((eventCount, index): LeadHistory => {
    const leadId = `rl-lead-${String(index).padStart(6, '0')}`;
    // more leads on weekdays, and a year that grows a little
    let createdMs: number;
    do createdMs = startMs + Math.sqrt(random()) * (endMs - startMs - HOUR_MS);
    while ([0, 6].includes(new Date(createdMs).getUTCDay()) && random() < 0.6);
    const lead: Lead = newLead(leadId, new Date(createdMs).toISOString(), scoringModel);
    lead.grade = weighted(GRADES) as Lead['grade'];
    lead.touches = [touchAt(createdMs, index, 0)];
    for (let n = 1, at = createdMs; n < 4 && random() < 0.45; n++) {
      at += wait(10 * DAY_MS);
      if (at < endMs) lead.touches.push(touchAt(at, index, n));
    }
    lead.engagement = Math.floor(random() * 25);
    let version = 1;
    const save = (changes: StageChange[], created: boolean) => {
      counts.push(...reportCounts(lead, changes, created, reportSlicing).map((count) => ({ leadId, count })));
      counts.push(...attributionCounts(lead, changes, campaigns).map((count) => ({ leadId, count })));
      funnel.push({ leadId, increments: funnelIncrements(changes, created) });
      saves += 1;
    };
    save([], true);

    let at = createdMs;
    /** the next change, when it happens before the end of the year; false when it does not */
    const move = (to: Stage, meanWaitMs: number, extra: Partial<StageChange> = {}): boolean => {
      const next = at + Math.max(60_000, wait(meanWaitMs));
      if (next >= endMs) return false;
      at = next;
      const change: StageChange = { from: lead.stage, to, at: new Date(at).toISOString(), cause: `bench: ${to}`, ...extra };
      lead.stageHistory.push(change);
      lead.stage = to;
      if (to === 'opportunity' || to === 'won' || to === 'lost') {
        lead.deal = { ...lead.deal, stage: to, at: change.at, ...(to === 'opportunity' && { amount: 2_000 + Math.round(random() * 78_000), currency: random() < 0.8 ? 'EUR' : 'USD' }) };
      }
      save([change], false);
      version += 1;
      changeCount += 1;
      return true;
    };
    const giveFeedback = (occasion: keyof typeof REASONS, feedbackAt: number) => {
      if (!lead.owner || feedbackAt >= endMs) return;
      const reasons = REASONS[occasion].filter(() => random() < 0.3);
      const entry = { occasion, rating: 1 + Math.floor(random() * 5), reasons, repId: lead.owner.repId, at: new Date(feedbackAt).toISOString() };
      counts.push(...feedbackCounts(entry, lead.owner.teamId, occasion !== 'closed').map((count) => ({ leadId, count })));
      if (feedback % 5 < 2) {
        const words = { ...entry, reasons: [...entry.reasons], leadId, cycle: lead.cycle, comment: COMMENTS[feedback % COMMENTS.length]! };
        comments.push({ feedback: words, messageId: `feedback-${leadId}-${lead.cycle}-${occasion}`, teamId: lead.owner.teamId });
      }
      feedback += 1;
    };

    (() => {
      if (random() < 0.02) return move('disqualified', 2 * DAY_MS);
      if (random() > 0.55 || !move('known', 2 * DAY_MS)) return;
      lead.engagement += Math.floor(random() * 30);
      if (random() < 0.5) {
        if (!move('engaged', 5 * DAY_MS)) return;
        lead.engagement += Math.floor(random() * 30);
      }
      for (let cycle = 1; cycle <= 2; cycle++) {
        if (random() > (cycle === 1 ? 0.35 : 0.2)) return;
        lead.engagement = Math.max(lead.engagement, 60 + Math.floor(random() * 60));
        const team = pick(TEAMS);
        if (!move('mql', 7 * DAY_MS)) return;
        lead.cycle = cycle;
        lead.owner = { repId: pick(team.reps), teamId: team.teamId, assignedAt: new Date(at).toISOString() };
        const by: StageMover = { repId: lead.owner.repId };
        const r = random();
        const withinAgreement = random() < 0.8;
        if (r < 0.6) {
          if (!move('sal', 6 * HOUR_MS, { decision: 'accepted', by, withinAgreement })) return;
          if (random() < 0.5) giveFeedback('accepted', at + HOUR_MS);
        } else {
          const decision = r < 0.85 ? 'rejected' : 'not-accepted';
          if (!move('recycled', decision === 'rejected' ? 6 * HOUR_MS : DAY_MS, { decision, ...(decision === 'rejected' && { by, withinAgreement }) })) return;
          if (decision === 'rejected' && random() < 0.5) giveFeedback('rejected', at + HOUR_MS);
          continue;
        }
        const crm = { via: 'hubspot', repId: lead.owner.repId };
        if (random() < 0.25) {
          if (!move('recycled', 10 * DAY_MS)) return;
          continue;
        }
        if (random() > 0.6 || !move('sql', 5 * DAY_MS, { by: crm })) return;
        if (random() > 0.7 || !move('opportunity', 7 * DAY_MS, { by: crm })) return;
        deals.opportunities += 1;
        const close = random();
        if (close < 0.35) {
          if (!move('won', 30 * DAY_MS, { by: crm })) return;
          deals.won += 1;
          if (random() < 0.3) giveFeedback('closed', at + DAY_MS);
          return;
        }
        if (close > 0.8 || !move('lost', 30 * DAY_MS, { by: crm })) return;
        deals.lost += 1;
        if (random() < 0.3) giveFeedback('closed', at + DAY_MS);
        if (random() > 0.2 || !move('recycled', 20 * DAY_MS)) return;
      }
    })();

    const events = leadEvents(index, eventCount, lead, endMs, random);
    return { leadId, lead, version, events };
  });
  return { leads, counts, funnel, saves, changes: changeCount, feedback, comments, deals };
}

/** A lead's tracking events as stored: page views and actions from its creation on, an identify when it became known. */
function leadEvents(index: number, count: number, lead: Lead, endMs: number, random: () => number): StoredEvent[] {
  const createdMs = Date.parse(lead.createdAt);
  const lastMs = Date.parse(lead.stageHistory.at(-1)?.at ?? lead.createdAt);
  const until = Math.min(endMs - 1000, Math.max(lastMs, createdMs + 14 * DAY_MS));
  const knownAt = lead.stageHistory.find((c) => c.to === 'known')?.at;
  const anonymousId = `anon-${index}`;
  const first = lead.touches[0]!;
  const times = Array.from({ length: count }, (_, i) => (i === 0 ? createdMs : createdMs + random() * (until - createdMs))).sort((a, b) => a - b);
  const events: StoredEvent[] = [];
  times.forEach((t, i) => {
    const timestamp = new Date(t).toISOString();
    const known = knownAt !== undefined && timestamp >= knownAt;
    const utm = i === 0 && first.campaign ? `?utm_source=${first.source}&utm_medium=${first.medium ?? ''}&utm_campaign=${first.campaign}` : '';
    const pagePath = ['/', '/pricing', '/product', `/blog/post-${index % 200}`, '/features/scoring'][Math.floor(random() * 5)]!;
    const base = {
      messageId: `rl-${index}-${i}`,
      anonymousId,
      ...(known && { userId: `user-${index}` }),
      timestamp,
      sentAt: timestamp,
      context: { page: { url: `https://www.example.com${pagePath}${utm}`, path: pagePath, title: 'Example', referrer: 'https://www.google.com/' }, ip: `198.51.100.${index % 250}`, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' },
    };
    const body =
      known && i > 0 && times[i - 1]! < Date.parse(knownAt!)
        ? { ...base, type: 'identify', traits: { email: `person-${index}@company-${index % 997}.example`, company: `company-${index % 997}` } }
        : random() < 0.7
          ? { ...base, type: 'page', name: 'Example', properties: { path: pagePath } }
          : { ...base, type: 'track', event: pick(random, ['Content Downloaded', 'Pricing Plan Viewed', 'Video Played', 'Email Clicked']), properties: { asset: 'lead-scoring-playbook' } };
    events.push(toStoredEvent(trackingEventSchema.parse(body), new Date(t + 150), 'bench-site', privacy));
  });
  return events;
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
