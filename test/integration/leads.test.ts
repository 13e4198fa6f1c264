import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../config/index.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * Reading a lead back through the local runtime: events go in over the
 * Segment-shaped API, the stream path scores them, and GET /v1/leads answers
 * the lead with its score explained, found by its email in lower case.
 */
const CLOCK_SPEED = 1800;
const DAY_MS = 86_400_000;

let runtime: LocalRuntime;

const send = (path: string, body: unknown) => sendEvent(runtime, path, body);

/** A GET with the server key, another key, or (null) none. */
function read(pathAndQuery: string, key: string | null = runtime.serverKey): Promise<Response> {
  return fetch(`${runtime.apiUrl}${pathAndQuery}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

/** A rule's points at `at` for one event at `eventAt`, by the default model's half-life. */
function decayed(ruleId: string, eventAt: string, at: string): number {
  const rule = scoringModel.engagement.rules.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`the default model has no rule ${ruleId}`);
  const ageDays = (Date.parse(at) - Date.parse(eventAt)) / DAY_MS;
  return rule.halfLifeDays === undefined ? rule.points : rule.points * 2 ** (-ageDays / rule.halfLifeDays);
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('reading a lead back', () => {
  const anonymousId = 'visitor-mia';
  let lead: LeadView;

  it('finds a visitor who identified with a mixed-case email by that email in lower case, once the events are scored', async () => {
    // Prepare: a campaign page view while anonymous, a form fill that identifies, a download
    const events = [
      [
        '/v1/page',
        {
          anonymousId,
          messageId: `${anonymousId}-1`,
          name: 'Pricing',
          context: { page: { url: 'https://initech.example/pricing' }, campaign: { source: 'linkedin', medium: 'paid-social', name: 'q2-launch' } },
        },
      ],
      ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email: 'Mia.Chen@Initech.Example', name: 'Mia Chen' } }],
      ['/v1/track', { anonymousId, messageId: `${anonymousId}-3`, event: 'Content Downloaded', properties: { asset: 'buyers-guide.pdf' } }],
    ] as const;
    for (const [path, body] of events) expect((await send(path, body)).status).toBe(200);

    // Act: the stream path scores asynchronously; read until all three events are on the lead
    lead = await eventually('the lead with all three events', async () => {
      const response = await read(`/v1/leads?email=${encodeURIComponent('mia.chen@initech.example')}`);
      if (response.status === 404) return undefined;
      expect(response.status).toBe(200);
      const view = (await response.json()) as LeadView;
      return view.recentActivity.length === 3 ? view : undefined;
    });

    // Assess
    expect(lead.leadId).toMatch(/^lead-[a-f0-9]{20}$/);
    expect(lead.email).toBe('mia.chen@initech.example');
    expect(lead.identities).toHaveLength(2);
    expect(lead.identities).toEqual(
      expect.arrayContaining([
        { kind: 'anon', value: anonymousId },
        { kind: 'email', value: 'mia.chen@initech.example' },
      ]),
    );
    expect(lead.traits).toMatchObject({ email: 'mia.chen@initech.example', name: 'Mia Chen' });
    expect(lead.recentActivity.map((a) => a.label)).toEqual(['Content Downloaded', 'Identified', 'Viewed Pricing']);
    expect(lead.recentActivity.find((a) => a.type === 'page')?.url).toBe('https://initech.example/pricing');
    const touch = { source: 'linkedin', medium: 'paid-social', campaign: 'q2-launch', messageId: `${anonymousId}-1` };
    expect(lead.touches.first).toMatchObject(touch);
    expect(lead.touches.last).toMatchObject(touch);
    expect(lead.touches.all).toHaveLength(1);
    // identified, then 28 points of engagement crossed the default model's engaged threshold (10)
    expect(lead.stageHistory.map((c) => c.to)).toEqual(['known', 'engaged']);
    expect(lead.stage).toBe('engaged');
    expect(lead.owner).toBeNull();
    expect(lead.cycle).toBe(0);
  });

  it('explains the score as of the reading: each rule the events met, decayed by its half-life, and the fit', () => {
    const { score } = lead;
    const viewedAt = lead.recentActivity.find((a) => a.type === 'page')!.at;
    const downloadedAt = lead.recentActivity.find((a) => a.type === 'track')!.at;

    // the pricing page view earns both the page view and the pricing rule; the download its own
    expect(score.breakdown.map((r) => [r.ruleId, r.count])).toEqual([
      ['content-download', 1],
      ['pricing-page', 1],
      ['page-view', 1],
    ]);
    const points = Object.fromEntries(score.breakdown.map((r) => [r.ruleId, r.points]));
    expect(points['content-download']).toBeCloseTo(decayed('content-download', downloadedAt, score.at), 1);
    expect(points['pricing-page']).toBeCloseTo(decayed('pricing-page', viewedAt, score.at), 1);
    expect(points['page-view']).toBeCloseTo(decayed('page-view', viewedAt, score.at), 1);
    // the local clock runs fast, so some decay has happened, but hours, not days
    expect(score.engagement).toBeLessThanOrEqual(28);
    expect(score.engagement).toBeGreaterThan(27);
    expect(score.modelVersion).toBe(scoringModel.version);
    // a business email is the only fit trait given: 15 points, grade C
    expect(score.fit.map((r) => r.ruleId)).toEqual(['business-email']);
    expect(score.grade).toBe('C');
  });

  it('answers the same lead by its id', async () => {
    const response = await read(`/v1/leads/${lead.leadId}`);

    expect(response.status).toBe(200);
    const byId = (await response.json()) as LeadView;
    expect(byId.leadId).toBe(lead.leadId);
    expect(byId.email).toBe('mia.chen@initech.example');
  });

  it('answers 404 for an email nobody used and 400 naming email when it is missing', async () => {
    const unknown = await read(`/v1/leads?email=${encodeURIComponent('nobody@initech.example')}`);
    expect(unknown.status).toBe(404);

    const missing = await read('/v1/leads');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['email']);
  });

  it('refuses a reader without a key (401) and with a write key (403)', async () => {
    const query = `/v1/leads?email=${encodeURIComponent('mia.chen@initech.example')}`;

    expect((await read(query, null)).status).toBe(401);
    expect((await read(query, runtime.writeKey)).status).toBe(403);
    expect((await read(`/v1/leads/${lead.leadId}`, runtime.writeKey)).status).toBe(403);
  });
});
