import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * One person, one lead, one score, however events are batched or ordered:
 * a person's events that share a stream batch are joined by the identities
 * they carry in that batch, as if they had come one by one; a late event takes
 * its place in time order under the caps. Through the local runtime, real time.
 */
let runtime: LocalRuntime;

async function read(pathAndQuery: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

/** Waits until the lead read by `pathAndQuery` has at least `events` events in its recent activity. */
function leadWith(pathAndQuery: string, events: number): Promise<LeadView> {
  return eventually(`${pathAndQuery} with ${events} events`, async () => {
    const lead = await read(pathAndQuery);
    return lead && lead.recentActivity.length >= events ? lead : undefined;
  });
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, synth: false, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('an anonymous visitor’s page views and the identify that follows, batched by the Segment node client', () => {
  it('end on one lead with every page, for each of several visitors already known by email', async () => {
    // Prepare: each person is known by email already (say a server-side identify from the CRM)
    const visitors = [1, 2, 3, 4, 5].map((n) => ({ anonymousId: `batched-visitor-${n}`, email: `visitor.${n}@batched.example`, userId: `crm-batched-${n}` }));
    for (const { email, userId } of visitors) {
      expect((await sendEvent(runtime, '/v1/identify', { userId, messageId: `${userId}-identify`, timestamp: '2026-11-30T09:00:00.000Z', traits: { email } })).status).toBe(200);
    }
    for (const { email } of visitors) await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 1);
    // the library as a site's server would use it, holding events until one flush: one /v1/batch request, one stream batch
    const analytics = new Analytics({ writeKey: runtime.writeKey, host: runtime.apiUrl, flushAt: 100, flushInterval: 60_000, maxRetries: 1 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));
    const start = Date.parse('2026-12-01T09:00:00.000Z');

    // Act: three page views a minute apart, then the identify, for each visitor
    visitors.forEach(({ anonymousId, email }, v) => {
      for (let p = 0; p < 3; p++) {
        analytics.page({ anonymousId, name: `Page ${p}`, properties: { url: `https://batched.example/p${p}` }, timestamp: new Date(start + v * 600_000 + p * 60_000) });
      }
      analytics.identify({ anonymousId, traits: { email, name: `Visitor ${v + 1}` }, timestamp: new Date(start + v * 600_000 + 3 * 60_000) });
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);

    // Assess: the person's lead has the pages and both identifies; no second lead holds the pages
    for (const { anonymousId, email } of visitors) {
      const lead = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 5);
      expect(lead.recentActivity.map((a) => a.type).sort()).toEqual(['identify', 'identify', 'page', 'page', 'page']);
      expect(lead.score.breakdown.find((c) => c.ruleId === 'page-view')?.count).toBe(3);
      expect(lead.identities).toEqual(expect.arrayContaining([{ kind: 'email', value: email }, { kind: 'anon', value: anonymousId }]));
      expect(await read(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`)).toBeUndefined();
    }
  }, 90_000);
});

describe('two visitors identify with the same email, written differently, in one batch', () => {
  const email = 'sam.okafor@twovisitors.example';

  it('end on one lead with both histories, and the second visitor’s later events go to it', async () => {
    // Prepare: each visitor browsed anonymously before and has a lead of their own
    const post = async (path: string, body: unknown) => expect((await sendEvent(runtime, path, body)).status).toBe(200);
    await post('/v1/batch', {
      batch: [
        { type: 'page', anonymousId: 'two-visitors-a', messageId: 'two-1', timestamp: '2026-12-02T09:00:00.000Z', name: 'Home', context: { page: { url: 'https://twovisitors.example/' } } },
        { type: 'page', anonymousId: 'two-visitors-b', messageId: 'two-2', timestamp: '2026-12-02T09:05:00.000Z', name: 'Blog', context: { page: { url: 'https://twovisitors.example/blog' } } },
      ],
    });
    await leadWith(`/v1/leads/${leadIdFor('anon:two-visitors-a')}`, 1);
    await leadWith(`/v1/leads/${leadIdFor('anon:two-visitors-b')}`, 1);

    // Act: both identify in one request, so both land in one stream batch
    await post('/v1/batch', {
      batch: [
        { type: 'identify', anonymousId: 'two-visitors-a', messageId: 'two-3', timestamp: '2026-12-02T09:10:00.000Z', traits: { email } },
        { type: 'identify', anonymousId: 'two-visitors-b', messageId: 'two-4', timestamp: '2026-12-02T09:11:00.000Z', traits: { email: `  ${email.toUpperCase()} ` } },
      ],
    });
    const lead = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 4);

    // Assess: one lead, both visitors' histories; each visitor's lead id reaches it
    expect(lead.recentActivity.map((a) => a.messageId).sort()).toEqual(['two-1', 'two-2', 'two-3', 'two-4']);
    expect((await read(`/v1/leads/${leadIdFor('anon:two-visitors-a')}`))?.leadId).toBe(lead.leadId);
    expect((await read(`/v1/leads/${leadIdFor('anon:two-visitors-b')}`))?.leadId).toBe(lead.leadId);

    // Act: the second visitor browses on
    await post('/v1/page', { anonymousId: 'two-visitors-b', messageId: 'two-5', timestamp: '2026-12-02T09:20:00.000Z', name: 'Docs', context: { page: { url: 'https://twovisitors.example/docs' } } });

    // Assess
    const after = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 5);
    expect(after.leadId).toBe(lead.leadId);
    expect(after.recentActivity.map((a) => a.messageId).sort()).toEqual(['two-1', 'two-2', 'two-3', 'two-4', 'two-5']);
  }, 60_000);
});

describe('page views arriving out of time order', () => {
  it('stay under the page-view cap: twelve 3-point views under a 30-point cap, the first two arriving last, score 30', async () => {
    // Prepare: the default model gives a page view 3 points, at most 30 per 30 days; twelve views a minute apart, an hour ago
    const anonymousId = 'late-views-1';
    const start = Date.now() - 3_600_000;
    const view = (i: number) => ({
      type: 'page',
      anonymousId,
      messageId: `late-view-${i}`,
      timestamp: new Date(start + i * 60_000).toISOString(),
      name: 'Docs',
      context: { page: { url: `https://late.example/docs/${i}` } },
    });
    const post = async (body: unknown) => expect((await sendEvent(runtime, '/v1/batch', body)).status).toBe(200);
    await post({ batch: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(view) });
    await leadWith(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`, 10);

    // Act: the first two views arrive last
    await post({ batch: [1, 2].map(view) });
    const lead = await leadWith(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`, 12);

    // Assess: twelve views counted, 30 points (decayed by an hour at most: 14-day half-life), not 36
    const pageViews = lead.score.breakdown.find((c) => c.ruleId === 'page-view');
    expect(pageViews?.count).toBe(12);
    expect(pageViews?.points).toBeLessThanOrEqual(30);
    expect(pageViews?.points).toBeGreaterThan(29.9);
  }, 60_000);
});
