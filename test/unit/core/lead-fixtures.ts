import fc from 'fast-check';
import { applyEvents, newLead, type Lead } from '#core/lead.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

/** A small model and event builders shared by the lead tests. */

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-02-01T09:00:00.000Z');
export const at = (hours: number) => new Date(T0 + hours * HOUR_MS).toISOString();

/**
 * A model whose numbers are easy to follow:
 * page view 5 (no decay), demo request 40 (no decay),
 * email click 3 with a 10-day half-life and at most 9 per 30 days.
 * Engaged at 10. Fit: business email 20, phone 10, senior title 10; A ≥ 30, B ≥ 20, C ≥ 10.
 * Qualified: grade B or better and engagement ≥ 50.
 */
export const model: ScoringModel = scoringModelSchema.parse({
  version: 'lead-test-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 40 },
      {
        id: 'email-click',
        description: 'Clicked an email',
        match: { type: 'track', event: 'Email Clicked' },
        points: 3,
        halfLifeDays: 10,
        cap: { points: 9, periodDays: 30 },
      },
    ],
  },
  fit: {
    rules: [
      { id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 20 },
      { id: 'has-phone', description: 'Gave a phone number', trait: 'phone', test: { exists: true }, points: 10 },
      { id: 'senior-title', description: 'Senior title', trait: 'title', test: { keywords: ['head', 'director'] }, points: 10 },
    ],
    grades: { A: 30, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

export function stored(messageId: string, hours: number, fields: Partial<StoredEvent>): StoredEvent {
  return {
    messageId,
    type: 'page',
    anonymousId: 'anon-1',
    timestamp: at(hours),
    receivedAt: at(hours),
    sourceId: 'website',
    ...fields,
  };
}

export const pageView = (messageId: string, hours: number, fields: Partial<StoredEvent> = {}) => stored(messageId, hours, { type: 'page', ...fields });
export const demoRequest = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Demo Requested' });
export const identify = (messageId: string, hours: number, email: string, traits: Record<string, unknown> = {}) =>
  stored(messageId, hours, { type: 'identify', email, traits: { email, ...traits } });

/** Events of one anonymous visitor over 20 hours: page views, demo requests, email clicks, identifies. */
export const eventsArb = fc
  .uniqueArray(
    fc.record({
      id: fc.integer({ min: 0, max: 999 }),
      hour: fc.integer({ min: 0, max: 20 }),
      kind: fc.constantFrom('page', 'demo', 'click', 'identify-business', 'identify-free', 'phone'),
    }),
    { selector: (e) => e.id, maxLength: 25 },
  )
  .map((specs) =>
    specs.map(({ id, hour, kind }): StoredEvent => {
      const messageId = `m-${id}`;
      switch (kind) {
        case 'page':
          return pageView(messageId, hour);
        case 'demo':
          return demoRequest(messageId, hour);
        case 'click':
          return stored(messageId, hour, { type: 'track', event: 'Email Clicked' });
        case 'identify-business':
          return identify(messageId, hour, 'jo@acme.io');
        case 'identify-free':
          return identify(messageId, hour, 'jo@gmail.com');
        case 'phone':
          return stored(messageId, hour, { type: 'identify', traits: { phone: '+44 1' } });
      }
    }),
  );

/** A lead that qualified in cycle 1 and was then assigned to rep-sam, as the journey does. */
export function assignedMql(): Lead {
  const { lead } = applyEvents(newLead('lead-1', at(0), model), [identify('m-1', 1, 'jo@acme.io'), demoRequest('m-2', 2), pageView('m-3', 3), pageView('m-4', 4)], model);
  return { ...lead, owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: at(5) } };
}
