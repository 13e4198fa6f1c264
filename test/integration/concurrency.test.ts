import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * Issue 14, concurrency: a busy site delivers one person's events all at once,
 * each twice (a client's retry), in no order; the lead must end with exactly
 * the score a one-by-one delivery of the same events gives, and be handed off
 * exactly once. Two identifies that merge the same person, racing, end on one
 * lead. Through the local runtime over HTTP, real time.
 */
let runtime: LocalRuntime;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
}

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

async function lead(pathAndQuery: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

const DAY_MS = 86_400_000;

/**
 * A hundred events of one person over the last twenty days: page views (every
 * fifth on the pricing page), downloads, email clicks and one demo request,
 * enough to pass several caps, whose points depend on which events the caps
 * let through, so an order-dependent cap would show.
 */
function hundredEvents(anonymousId: string, now: number) {
  return Array.from({ length: 100 }, (_, i) => {
    const timestamp = new Date(now - 20 * DAY_MS + i * (19 * DAY_MS / 100)).toISOString();
    const messageId = `${anonymousId}-${i}`;
    if (i === 50) return ['/v1/track', { anonymousId, messageId, timestamp, event: 'Form Submitted', properties: { formId: 'demo' } }] as const;
    if (i % 7 === 3) return ['/v1/track', { anonymousId, messageId, timestamp, event: 'Content Downloaded', properties: { asset: `guide-${i}` } }] as const;
    if (i % 11 === 4) return ['/v1/track', { anonymousId, messageId, timestamp, event: 'Email Clicked', properties: { link: `https://example.com/n${i}` } }] as const;
    const url = i % 5 === 0 ? `https://example.com/pricing?v=${i}` : `https://example.com/docs/${i}`;
    return ['/v1/page', { anonymousId, messageId, timestamp, name: `Page ${i}`, context: { page: { url } } }] as const;
  });
}

/** How many events each rule scores, from the events themselves (the pricing pages are page views too). */
function expectedCounts(events: ReturnType<typeof hundredEvents>): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (rule: string) => (counts[rule] = (counts[rule] ?? 0) + 1);
  for (const [path, body] of events) {
    if (path === '/v1/page') {
      add('page-view');
      if (body.context.page.url.includes('/pricing')) add('pricing-page');
    } else if (body.event === 'Form Submitted') add('demo-request');
    else if (body.event === 'Content Downloaded') add('content-download');
    else add('email-click');
  }
  return counts;
}

const countsOf = (view: LeadView) => Object.fromEntries(view.score.breakdown.map((c) => [c.ruleId, c.count]));

/** The person's lead once it has scored every one of the events. */
function scoredLead(email: string, counts: Record<string, number>): Promise<LeadView> {
  return eventually(
    `the lead of ${email} with every event scored`,
    async () => {
      const view = await lead(`/v1/leads?email=${encodeURIComponent(email)}`);
      const sorted = (c: Record<string, number>) => JSON.stringify(Object.entries(c).sort());
      return view && sorted(countsOf(view)) === sorted(counts) ? view : undefined;
    },
    90_000,
  );
}

/** Identifies a person with traits that grade A (phone, business email, 250 employees, VP title). */
async function identify(anonymousId: string, email: string, name: string): Promise<void> {
  const traits = { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Busy Site', employees: 250 };
  expect((await sendEvent(runtime, '/v1/identify', { anonymousId, messageId: `${anonymousId}-identify`, traits })).status).toBe(200);
}

beforeAll(async () => {
  // a Monday morning: the hand-offs' acceptance windows are open working hours
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, clockStart: new Date('2027-01-11T09:00:00Z'), synth: false, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('a hundred events of one person, all at once and each twice', () => {
  it('give the exact score of the same events one by one, and one hand-off', async () => {
    const now = virtualNow(runtime.clock, Date.now());
    const calm = { anonymousId: 'visitor-one-by-one', email: 'one.by.one@busy.example', name: 'Olu One' };
    const busy = { anonymousId: 'visitor-all-at-once', email: 'all.at.once@busy.example', name: 'Ada Atonce' };
    await identify(calm.anonymousId, calm.email, calm.name);
    await identify(busy.anonymousId, busy.email, busy.name);

    // Act: the same hundred events (by time) for each: one by one in time order, and all at once, each twice, shuffled
    const calmEvents = hundredEvents(calm.anonymousId, now);
    for (const [path, body] of calmEvents) expect((await sendEvent(runtime, path, body)).status).toBe(200);
    const busyEvents = hundredEvents(busy.anonymousId, now);
    const deliveries = [...busyEvents, ...busyEvents].map((e, i) => ({ e, order: (i * 7919) % 200 })).sort((a, b) => a.order - b.order);
    const statuses = await Promise.all(deliveries.map(({ e: [path, body] }) => sendEvent(runtime, path, body).then((r) => r.status)));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // Assess: every event scored once, under the same caps, to the same points
    const counts = expectedCounts(calmEvents);
    const [oneByOne, atOnce] = [await scoredLead(calm.email, counts), await scoredLead(busy.email, counts)];
    expect(countsOf(atOnce)).toEqual(counts);
    expect(countsOf(oneByOne)).toEqual(counts);
    // read a moment apart, so decayed points may differ by far less than one event's
    expect(atOnce.score.engagement).toBeCloseTo(oneByOne.score.engagement, 1);
    for (const contribution of oneByOne.score.breakdown) {
      expect(atOnce.score.breakdown.find((c) => c.ruleId === contribution.ruleId)?.points).toBeCloseTo(contribution.points, 1);
    }
    // the caps bit: the score is below the events' plain sum
    expect(oneByOne.score.engagement).toBeLessThan(85 * 3 + 15 * 10 + 40);

    // one hand-off each, however the events came
    for (const person of [calm, busy]) {
      await eventually(`${person.name}'s hand-off`, async () => (await emails()).find((e) => e.subject.includes(person.name)));
    }
    await new Promise((r) => setTimeout(r, 3_000)); // a second hand-off would have followed by now
    for (const person of [calm, busy]) expect((await emails()).filter((e) => e.subject.includes(person.name)), person.name).toHaveLength(1);
    expect(atOnce.cycle).toBe(1);
  }, 180_000);
});

describe('two visitors who identify as one person at the same time', () => {
  it('end on one lead with both histories, whichever identify lands first, and again on a retry', async () => {
    const email = 'twin.racer@busy.example';
    const visitors = ['visitor-race-a', 'visitor-race-b'];
    for (const anonymousId of visitors) {
      for (let p = 0; p < 3; p++) {
        expect((await sendEvent(runtime, '/v1/page', { anonymousId, messageId: `${anonymousId}-p${p}`, name: `Docs ${p}`, context: { page: { url: `https://example.com/docs/${p}` } } })).status).toBe(200);
      }
    }
    for (const anonymousId of visitors) await eventually(`${anonymousId}'s lead`, () => lead(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`));

    // Act: both identifies at once, each twice
    const identifies = visitors.flatMap((anonymousId) => [anonymousId, anonymousId]).map((anonymousId) =>
      sendEvent(runtime, '/v1/identify', { anonymousId, messageId: `${anonymousId}-identify`, traits: { email, name: 'Twin Racer' } }).then((r) => r.status),
    );
    expect(await Promise.all(identifies)).toEqual([200, 200, 200, 200]);

    // Assess: one lead holds both visitors' pages and both identities; each visitor's old lead id finds it
    const merged = await eventually('one lead with both histories', async () => {
      const view = await lead(`/v1/leads?email=${encodeURIComponent(email)}`);
      return view && view.recentActivity.filter((a) => a.type === 'page').length === 6 ? view : undefined;
    });
    expect(merged.identities).toEqual(expect.arrayContaining(visitors.map((value) => ({ kind: 'anon', value }))));
    expect(countsOf(merged)['page-view']).toBe(6);
    for (const anonymousId of visitors) expect((await lead(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`))?.leadId).toBe(merged.leadId);
    expect(merged.mergedLeadIds).toHaveLength(1);
  }, 120_000);
});
