import { seededRandom } from '../lib/seed-history.ts';

/**
 * The scripted workload of bench/cost, planned up front (pure, deterministic
 * for a seed): visitors of a B2B website, each a session that starts at a
 * random moment of the sending window, loads the tracker script once and
 * sends its events one request each, a few seconds apart, as the browser
 * library does.
 *
 * - browsing (65%): 1–5 page views, anonymous; some look at /pricing;
 * - identified (25%): 2–7 page views, an identify with traits that do not
 *   fit (free mail, small company, no phone), sometimes a download or an
 *   email click: known, never qualified;
 * - qualifying (10%): a home page, two pricing views, an identify that fits
 *   (grade A) and the demo form: engagement about 70, which qualifies them
 *   under the deployed model, so each is handed off to a rep.
 *
 * Qualifying sessions start in the first half of the window.
 *
 * What the rep does with each hand-off is planned too: accepts (50%),
 * rejects with a reason (25%) or never answers (25%: the journey escalates
 * to the manager, reassigns to another rep, then recycles the lead).
 */

export type VisitorKind = 'browsing' | 'identified' | 'qualifying';
export type RepAnswer = 'accept' | 'reject' | 'none';

export interface Visitor {
  anonymousId: string;
  kind: VisitorKind;
  /** the name the hand-off email's subject carries (qualifying visitors) */
  name?: string;
  /** what the rep does with the hand-off (qualifying visitors) */
  answer?: RepAnswer;
}

export interface PlannedRequest {
  /** real seconds after the start of sending */
  at: number;
  visitor: Visitor;
  method: 'GET' | 'POST';
  /** a literal route path of the HTTP API */
  path: string;
  body?: Record<string, unknown>;
  /** tracking events the request carries (0 for the tracker script) */
  events: number;
}

export interface Workload {
  visitors: Visitor[];
  /** sorted by `at` */
  requests: PlannedRequest[];
}

const BROWSING_PAGES = ['/', '/product', '/features/scoring', '/features/routing', '/blog/post-12', '/blog/post-87', '/docs/guide-3', '/customers', '/pricing'];
const REJECT_REASONS = ['No budget', 'Not the decision maker', 'Too early', 'Not a fit'];

export const TRACKER_PATH = '/t.js';
const COMPANY = 'Acme';

/** How the subject of a hand-off email about this visitor begins (functions/core/emails.ts). */
export function handoffSubjectStart(visitor: Visitor): string {
  return `New lead for you: ${visitor.name} (${COMPANY}),`;
}

export function rejectReason(visitor: Visitor): string {
  return REJECT_REASONS[visitor.anonymousId.length % REJECT_REASONS.length]!;
}

export interface WorkloadSettings {
  visitors: number;
  /** real seconds over which the sessions start */
  seconds: number;
  seed: number;
  /** makes the visitors' ids unique to this run */
  runId: string;
  /** visitor v is mix[v % mix.length] instead of drawn at random (the warm-up's visitors) */
  mix?: readonly { kind: VisitorKind; answer?: RepAnswer }[];
}

export function planWorkload({ visitors: count, seconds, seed, runId, mix }: WorkloadSettings): Workload {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const visitors: Visitor[] = [];
  const requests: PlannedRequest[] = [];

  for (let v = 0; v < count; v++) {
    const anonymousId = `cost-${runId}-${String(v).padStart(4, '0')}`;
    const roll = random();
    const answerRoll = random();
    const planned = mix?.[v % mix.length];
    const kind: VisitorKind = planned?.kind ?? (roll < 0.1 ? 'qualifying' : roll < 0.35 ? 'identified' : 'browsing');
    const visitor: Visitor = { anonymousId, kind };
    if (kind === 'qualifying') {
      visitor.name = `Cost ${runId} ${v}`;
      visitor.answer = planned?.answer ?? (answerRoll < 0.5 ? 'accept' : answerRoll < 0.75 ? 'reject' : 'none');
    }
    visitors.push(visitor);

    // The session: starts within the window (leaving room for its own events), a few seconds between clicks. Qualifying
    // sessions start in its first half, so that an unanswered hand-off's escalations end soon after the last request.
    let at = random() * seconds * (kind === 'qualifying' ? 0.5 : 0.85);
    let n = 0;
    const fromCampaign = random() < 0.2;
    const add = (path: string, body?: Record<string, unknown>) => {
      requests.push({ at, visitor, method: body ? 'POST' : 'GET', path, ...(body && { body: { anonymousId, messageId: `${anonymousId}-${++n}`, ...body } }), events: body ? 1 : 0 });
      at += 0.5 + random() * 2.5;
    };
    const page = (url: string) => {
      const path = new URL(url, 'https://www.example.com').pathname;
      return {
        name: path === '/' ? 'Home' : path.slice(1),
        properties: { path },
        context: {
          page: { url: `https://www.example.com${url}`, path, referrer: n === 0 && fromCampaign ? 'https://mail.example.net/' : 'https://www.example.com/' },
          ...(n === 0 && fromCampaign && { campaign: { source: 'newsletter', medium: 'email', name: 'winter' } }),
        },
      };
    };

    add(TRACKER_PATH);
    if (kind === 'browsing') {
      for (let i = between(1, 5); i > 0; i--) add('/v1/page', page(pick(BROWSING_PAGES)));
    } else if (kind === 'identified') {
      const views = between(2, 7);
      const identifyAt = between(1, views - 1);
      for (let i = 0; i < views; i++) {
        if (i === identifyAt) {
          add('/v1/identify', { userId: `user-${anonymousId}`, traits: { email: `${anonymousId}@gmail.com`, name: `Visitor ${v}`, title: 'Developer', company: 'Tiny Co', employees: 8 } });
        }
        add('/v1/page', page(pick(BROWSING_PAGES.filter((p) => p !== '/pricing'))));
      }
      if (random() < 0.3) add('/v1/track', { event: 'Content Downloaded', properties: { asset: 'scoring-guide.pdf' } });
      if (random() < 0.2) add('/v1/track', { event: 'Email Clicked', properties: { campaign: 'winter' } });
    } else {
      add('/v1/page', page('/'));
      add('/v1/page', page('/pricing'));
      add('/v1/identify', {
        userId: `user-${anonymousId}`,
        traits: { email: `${anonymousId}@acme.example`, name: visitor.name, phone: '+44 20 7946 0000', title: 'VP Sales', company: COMPANY, employees: 250 },
      });
      add('/v1/page', page('/pricing?plan=pro'));
      add('/v1/page', page('/customers'));
      add('/v1/track', { event: 'Form Submitted', properties: { formId: 'demo' } });
    }
  }
  requests.sort((a, b) => a.at - b.at);
  return { visitors, requests };
}
