import { privacy } from '../../config/index.ts';
import { toStoredEvent, trackingEventSchema, type StoredEvent } from '../../functions/core/tracking-event.ts';
import { seededRandom } from '../lib/seed-history.ts';

const DAY_MS = 86_400_000;

const PAGES = ['/', '/product', '/features/scoring', '/features/routing', '/blog/post-12', '/blog/post-87', '/docs/guide-3', '/pricing', '/customers'];
const WEBINAR = ['Webinar Registered', 'Webinar Attended', 'Webinar Replay Watched'];

/**
 * One person's history as the issue measured it: `count` page views and
 * webinar events over `days` days, identified (email and traits) after the
 * first few visits, some visits from a campaign. Deterministic; as the
 * ingest function stores them (toStoredEvent), oldest first.
 */
export function personHistory(count: number, days: number, endMs: number, seed = 150): StoredEvent[] {
  const random = seededRandom(seed);
  const startMs = endMs - days * DAY_MS;
  const times = Array.from({ length: count }, () => startMs + random() * days * DAY_MS).sort((a, b) => a - b);
  const anonymousId = 'cost-visitor-0001';
  const identifyAt = 4;
  return times.map((t, i) => {
    const timestamp = new Date(t).toISOString();
    const base = { messageId: `cost-${seed}-${String(i).padStart(4, '0')}`, anonymousId, ...(i >= identifyAt && { userId: 'user-cost-1' }), timestamp, sentAt: timestamp };
    const path = PAGES[Math.floor(random() * PAGES.length)]!;
    const fromCampaign = random() < 0.15;
    const page = {
      url: `https://www.example.com${path}${fromCampaign ? '?utm_source=newsletter&utm_medium=email&utm_campaign=spring' : ''}`,
      path,
      title: `${path} | Example`,
      referrer: random() < 0.3 ? 'https://www.google.com/' : 'https://www.example.com/',
    };
    const context = { page, ip: '198.51.100.7', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15', ...(fromCampaign && { campaign: { source: 'newsletter', medium: 'email', name: 'spring' } }) };
    const body =
      i === identifyAt
        ? { ...base, type: 'identify', traits: { email: 'jane.doe@acme.example', firstName: 'Jane', lastName: 'Doe', title: 'Head of Marketing', company: 'Acme', employees: 250 }, context }
        : random() < 0.8
          ? { ...base, type: 'page', name: page.title.split(' | ')[0], properties: { path }, context }
          : { ...base, type: 'track', event: WEBINAR[Math.floor(random() * WEBINAR.length)], properties: { webinar: 'lead-scoring-101' }, context };
    return toStoredEvent(trackingEventSchema.parse(body), new Date(t + 1000), 'bench-site', privacy);
  });
}
