import { privacy } from '../../config/index.ts';
import { toStoredEvent, trackingEventSchema } from '../../functions/core/tracking-event.ts';
import { runId, VISITORS } from './settings.ts';

/** The events the bench sends: generated per phase, unique messageIds, a fixed set of visitors. */

export type Body = Record<string, unknown>;

/** A realistic tracked event as a site would send it (Segment Tracking API shape). */
export function trackEvent(phase: string, i: number): Body {
  const now = new Date().toISOString();
  return {
    type: 'track',
    messageId: `bench-${runId}-${phase}-${i}`,
    anonymousId: `bench-${runId}-visitor-${i % VISITORS}`,
    event: 'Pricing Plan Viewed',
    properties: { plan: ['starter', 'pro', 'enterprise'][i % 3], billing: 'annual', position: i % 7, currency: 'EUR' },
    context: {
      page: {
        url: 'https://www.example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch',
        path: '/pricing',
        referrer: 'https://mail.example.org/',
        title: 'Pricing | Example',
      },
      campaign: { source: 'newsletter', medium: 'email', name: 'spring-launch' },
      ip: '203.0.113.42',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    },
    timestamp: now,
    sentAt: now,
  };
}

/** What the ingest function writes for this event: validated, normalized, kind 'tracking'. */
export function storedItem(body: Body, receivedAt = new Date()) {
  return { ...toStoredEvent(trackingEventSchema.parse(body), receivedAt, 'local', privacy), kind: 'tracking' as const };
}
