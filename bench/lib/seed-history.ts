import { createHash } from 'node:crypto';
import { privacy } from '../../config/index.ts';
import { funnelIncrements } from '../../functions/core/funnel.ts';
import { applyEvents, newLead, type Lead } from '../../functions/core/lead.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { applyOutcome, type Outcome } from '../../functions/core/outcomes.ts';
import type { StageChange } from '../../functions/core/lifecycle.ts';
import type { ScoringModel } from '../../functions/core/scoring.ts';
import { toStoredEvent, trackingEventSchema, type StoredEvent } from '../../functions/core/tracking-event.ts';
import { seededRandom } from '../../functions/core/seeded-random.ts';

/**
 * Stored lead histories for benchmarks that read them back (rescore,
 * backtest): leads with realistic tracking events spread over ~90 days, and
 * what the stream path would have left for each, built with the domain's own
 * functions. Pure and deterministic (a seeded generator), so two runs seed the
 * same histories; only the instants move with the clock.
 */

const DAY_MS = 86_400_000;

export { seededRandom };

/** Splits `total` events over `leads` leads, each between about half and one and a half times the mean (at least one). */
export function eventsPerLead(total: number, leads: number, random: () => number): number[] {
  const weights = Array.from({ length: leads }, () => 0.5 + random());
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest !== 0; i = (i + 1) % leads) {
    if (rest > 0) {
      counts[i]! += 1;
      rest -= 1;
    } else if (counts[i]! > 1) {
      counts[i]! -= 1;
      rest += 1;
    }
  }
  return counts;
}

const FIRST = ['ana', 'ben', 'chloe', 'dev', 'elif', 'farid', 'greta', 'hugo', 'ines', 'jonas', 'kemal', 'lena', 'mia', 'noah', 'olga', 'pavel'];
const LAST = ['novak', 'schmidt', 'garcia', 'rossi', 'dubois', 'kowalski', 'silva', 'jensen', 'yilmaz', 'murphy'];
const COMPANIES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'stark', 'wayne', 'tyrell', 'cyberdyne', 'soylent', 'wonka'];
const TITLES = ['VP Sales', 'Head of Marketing', 'Director of Operations', 'Founder', 'Marketing Manager', 'Software Engineer', 'Analyst', 'Student', 'Consultant'];
const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'gmx.de'];
const EMPLOYEES = [8, 25, 60, 150, 400, 1200, 5000];
const PAGES = [
  { weight: 20, path: () => '/', title: 'Example — the lead platform' },
  { weight: 15, path: () => '/product', title: 'Product | Example' },
  { weight: 15, path: (r: () => number) => `/features/${['scoring', 'routing', 'journeys', 'reports'][Math.floor(r() * 4)]}`, title: 'Features | Example' },
  { weight: 25, path: (r: () => number) => `/blog/post-${Math.floor(r() * 200)}`, title: 'Blog | Example' },
  { weight: 10, path: (r: () => number) => `/docs/guide-${Math.floor(r() * 40)}`, title: 'Docs | Example' },
  { weight: 12, path: () => '/pricing', title: 'Pricing | Example' },
  { weight: 3, path: () => '/careers', title: 'Careers | Example' },
] as const;
const PAGE_WEIGHT = PAGES.reduce((sum, p) => sum + p.weight, 0);
const CAMPAIGNS = ['spring-launch', 'webinar-followup', 'product-digest', 'case-study'];
const ASSETS = ['lead-scoring-guide.pdf', 'benchmark-report-2026.pdf', 'roi-calculator.xlsx', 'playbook.pdf'];
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
];
const REPS = ['rep-anna', 'rep-bruno', 'rep-carla', 'rep-dario'];

type Body = Record<string, unknown>;

/** One lead's tracking events as a site would send them (Segment Tracking API shape), oldest first. */
function leadEventBodies(index: number, count: number, random: () => number, nowMs: number): Body[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const anonymousId = createHash('sha256').update(`visitor-${index}`).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  const firstSeen = nowMs - (30 + random() * 60) * DAY_MS;
  const lastSeen = Math.min(nowMs - 60_000, firstSeen + (7 + random() * 83) * DAY_MS);
  const times = Array.from({ length: count }, () => firstSeen + random() * (lastSeen - firstSeen)).sort((a, b) => a - b);

  // Three in four people identify themselves after a few anonymous visits; some of them ask for a demo, some join an account.
  const identified = count >= 3 && random() < 0.75;
  const identifyAt = identified ? 1 + Math.floor(random() * Math.max(1, Math.floor(count * 0.4))) : -1;
  const laterIndex = () => identifyAt + 1 + Math.floor(random() * (count - identifyAt - 1));
  const demoAt = identified && count - identifyAt > 1 && random() < 0.35 ? laterIndex() : -1;
  const groupCandidate = identified && count - identifyAt > 1 && random() < 0.3 ? laterIndex() : -1;
  const groupAt = groupCandidate === demoAt ? -1 : groupCandidate;

  const first = pick(FIRST);
  const last = pick(LAST);
  const company = pick(COMPANIES);
  const businessMail = random() < 0.7;
  const email = businessMail ? `${first}.${last}.${index}@${company}.example` : `${first}${last}${index}@${pick(FREE_MAIL)}`;
  const employees = random() < 0.6 ? pick(EMPLOYEES) : undefined;
  const traits: Body = {
    email,
    firstName: first,
    lastName: last,
    title: pick(TITLES),
    company,
    ...(employees !== undefined && { employees }),
    ...(random() < 0.45 && { phone: `+44 20 7946 ${String(index % 10_000).padStart(4, '0')}` }),
  };
  const userId = `user-${index}`;
  const userAgent = pick(USER_AGENTS);
  const ip = `198.51.100.${index % 250}`;

  return times.map((t, i) => {
    const timestamp = new Date(t).toISOString();
    const base: Body = {
      messageId: `rescore-${index}-${i}`,
      anonymousId,
      ...(identified && i >= identifyAt && { userId }),
      timestamp,
      sentAt: timestamp,
    };
    const context = (pagePath: string, title: string, extra: Body = {}): Body => ({
      page: {
        url: `https://www.example.com${pagePath}`,
        path: pagePath,
        title,
        referrer: random() < 0.3 ? 'https://www.google.com/' : random() < 0.15 ? 'https://www.linkedin.com/' : 'https://www.example.com/',
      },
      ip,
      userAgent,
      ...extra,
    });
    if (i === identifyAt) return { ...base, type: 'identify', traits, context: context('/signup', 'Sign up | Example') };
    if (i === demoAt) {
      return { ...base, type: 'track', event: 'Form Submitted', properties: { formId: 'demo', plan: 'pro' }, context: context('/demo', 'Book a demo | Example') };
    }
    if (i === groupAt) {
      return { ...base, type: 'group', groupId: `account-${company}-${index}`, traits: { name: company, industry: 'software', ...(employees !== undefined && { employees }) } };
    }
    const r = random() * 100;
    if (r < 62) {
      let w = random() * PAGE_WEIGHT;
      const page = PAGES.find((p) => (w -= p.weight) < 0) ?? PAGES[0];
      const pagePath = page.path(random);
      return { ...base, type: 'page', name: page.title.split(' | ')[0], properties: { path: pagePath }, context: context(pagePath, page.title) };
    }
    if (r < 74) {
      const campaign = pick(CAMPAIGNS);
      return {
        ...base,
        type: 'track',
        event: 'Email Clicked',
        properties: { campaign, link: 'cta' },
        context: context(`/product?utm_source=newsletter&utm_medium=email&utm_campaign=${campaign}`, 'Product | Example', {
          campaign: { source: 'newsletter', medium: 'email', name: campaign },
        }),
      };
    }
    if (r < 81) return { ...base, type: 'track', event: 'Content Downloaded', properties: { asset: pick(ASSETS) }, context: context('/resources', 'Resources | Example') };
    if (r < 88) {
      return { ...base, type: 'track', event: 'Pricing Plan Viewed', properties: { plan: pick(['starter', 'pro', 'enterprise']), billing: 'annual' }, context: context('/pricing', 'Pricing | Example') };
    }
    if (r < 94) return { ...base, type: 'track', event: 'Video Played', properties: { video: 'product-tour', position: Math.floor(random() * 300) }, context: context('/product', 'Product | Example') };
    if (r < 97) return { ...base, type: 'track', event: 'Form Submitted', properties: { formId: 'newsletter' }, context: context('/blog', 'Blog | Example') };
    return { ...base, type: 'track', event: 'Products Searched', properties: { query: pick(['pricing', 'api', 'crm', 'salesforce']) }, context: context('/search', 'Search | Example') };
  });
}

export interface OutcomeRecord {
  messageId: string;
  kind: 'outcome';
  leadId: string;
  outcome: Outcome;
  receivedAt: string;
}

export interface SeededLead {
  leadId: string;
  /** the stored tracking events, oldest first */
  events: StoredEvent[];
  /** a rep's decision, stored and applied like an event, when there is one */
  outcome?: OutcomeRecord;
  /** the profile as the stream path (and the journey, for an MQL) would have left it */
  lead: Lead;
  /** the profile's version: one save per event as they arrived, plus the journey's updates */
  version: number;
}

export interface SeededHistories {
  leads: SeededLead[];
  /** the funnel counters the stream path would have kept for these leads */
  funnel: Map<string, number>;
}

/**
 * Leads and their stored histories under `model`: `totalEvents` tracking
 * events over `leadCount` leads (page views with /pricing among them,
 * downloads, email clicks with a campaign, a demo form for some, an identify
 * with traits for three in four, the odd group call), each lead's events
 * spread over up to 90 days before `now`. Each lead is what the stream path
 * makes of its events: named after its first anonymous identity and built
 * with `applyEvents`. A lead that qualified had its journey started (pending
 * flag cleared) and a rep assigned, and in about half of those cases the rep
 * accepted or rejected it after its last event.
 */
export function seedHistories(totalEvents: number, leadCount: number, model: ScoringModel, now: Date, seed = 20261123): SeededHistories {
  const random = seededRandom(seed);
  const counts = eventsPerLead(totalEvents, leadCount, random);
  const nowMs = now.getTime();
  const funnel = new Map<string, number>();
  const count = (changes: readonly StageChange[], created: boolean) => {
    for (const [key, n] of funnelIncrements(changes, created)) funnel.set(key, (funnel.get(key) ?? 0) + n);
  };
  const leads = counts.map((n, index): SeededLead => {
    const receivedAt = (body: Body) => new Date(Date.parse(String(body.timestamp)) + 150);
    const events = leadEventBodies(index, n, random, nowMs).map((body) => toStoredEvent(trackingEventSchema.parse(body), receivedAt(body), 'bench-site', privacy));
    const leadId = leadIdFor(`anon:${events[0]!.anonymousId}`);
    const applied = applyEvents(newLead(leadId, events[0]!.timestamp, model), events, model);
    let lead = applied.lead;
    let version = events.length;
    count(applied.changes, true);
    let outcome: OutcomeRecord | undefined;
    if (lead.journeyPending !== undefined) {
      // The journey started (flag cleared) and assigned a rep.
      delete lead.journeyPending;
      const lastEvent = Date.parse(events.at(-1)!.timestamp);
      const assignedAt = new Date(Math.min(nowMs - 120_000, lastEvent + 60_000)).toISOString();
      lead.owner = { repId: REPS[index % REPS.length]!, teamId: 'team-emea', assignedAt };
      version += 2;
      const r = random();
      if (r < 0.5) {
        const at = new Date(Math.min(nowMs - 60_000, lastEvent + 3_600_000)).toISOString();
        const decision: Outcome =
          r < 0.3
            ? { kind: 'accepted', cycle: lead.cycle, repId: lead.owner.repId, at }
            : { kind: 'rejected', cycle: lead.cycle, repId: lead.owner.repId, at, reason: 'no budget this year' };
        outcome = { messageId: `rescore-outcome-${index}`, kind: 'outcome', leadId, outcome: decision, receivedAt: at };
        const result = applyOutcome(lead, decision);
        lead = result.lead;
        count(result.changes, false);
        version += 1;
      }
    }
    return { leadId, events, ...(outcome && { outcome }), lead, version };
  });
  return { leads, funnel };
}
