import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * One person, two leads, then one: an anonymous visitor with history and a
 * lead known by email (say from a CRM import or a server-side identify) are
 * merged when the visitor identifies with that email; two anonymous visitors
 * are merged by an alias. Through the local runtime, real time.
 */
let runtime: LocalRuntime;

async function send(pathname: string, body: unknown): Promise<void> {
  expect((await sendEvent(runtime, pathname, body)).status).toBe(200);
}

async function read(pathAndQuery: string): Promise<{ status: number; lead?: LeadView }> {
  const response = await fetch(`${runtime.apiUrl}${pathAndQuery}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? { status: 200, lead: (await response.json()) as LeadView } : { status: response.status };
}

/** Waits until the lead read by `pathAndQuery` has `events` events in its recent activity. */
function leadWith(pathAndQuery: string, events: number): Promise<LeadView> {
  return eventually(`${pathAndQuery} with ${events} events`, async () => {
    const { lead } = await read(pathAndQuery);
    return lead && lead.recentActivity.length >= events ? lead : undefined;
  });
}

async function funnelCurrent(): Promise<Record<string, number>> {
  const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  const report = (await response.json()) as { stages: { stage: string; current: number }[] };
  return Object.fromEntries(report.stages.map((s) => [s.stage, s.current]));
}

async function handOffsFor(name: string): Promise<number> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  const { emails } = (await response.json()) as { emails: { subject: string }[] };
  return emails.filter((e) => e.subject.startsWith('New lead for you:') && e.subject.includes(name)).length;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, synth: false, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('an anonymous visitor with history identifies as a lead already known by email', () => {
  const anonymousId = 'merge-visitor-1';
  const email = 'noor.haddad@globex-merge.example';
  const anonLeadId = leadIdFor(`anon:${anonymousId}`);

  it('has two leads at first: the visitor and the known lead', async () => {
    // Prepare + Act: browsing and a demo request while anonymous; separately, a server-side identify by user id and email
    await send('/v1/batch', {
      batch: [
        { type: 'page', anonymousId, messageId: 'merge-1', name: 'Pricing', context: { page: { url: 'https://globex.example/pricing' } } },
        { type: 'page', anonymousId, messageId: 'merge-2', name: 'Pricing', context: { page: { url: 'https://globex.example/pricing?plan=team' } } },
        { type: 'track', anonymousId, messageId: 'merge-3', event: 'Form Submitted', properties: { formId: 'demo' } },
      ],
    });
    await leadWith(`/v1/leads/${anonLeadId}`, 3);
    await send('/v1/identify', {
      userId: 'crm-7001',
      messageId: 'merge-4',
      traits: { email, name: 'Noor Haddad', phone: '+971 4 000 0000', title: 'Head of Operations', company: 'Globex', employees: 800 },
    });
    const known = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 1);

    // Assess
    expect(known.leadId).not.toBe(anonLeadId);
    expect(known.stage).toBe('known');
    expect((await read(`/v1/leads/${anonLeadId}`)).lead?.stage).toBe('visitor');
  });

  it('merges them when the visitor identifies with that email: one lead with all the history, qualified and handed off once', async () => {
    // Prepare
    const before = await funnelCurrent();
    const knownLeadId = (await read(`/v1/leads?email=${encodeURIComponent(email)}`)).lead!.leadId;

    // Act: the form fill in the browser identifies the anonymous visitor
    await send('/v1/identify', { anonymousId, messageId: 'merge-5', traits: { email: email.toUpperCase() } });
    const merged = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 5);

    // Assess: the known lead survives with the visitor's history; 2 × (3 + 10) + 40 = 66 engagement and grade A qualify
    expect(merged.leadId).toBe(knownLeadId);
    expect(merged.mergedLeadIds).toEqual([anonLeadId]);
    expect(merged.identities).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: email },
        { kind: 'user', value: 'crm-7001' },
        { kind: 'anon', value: anonymousId },
      ]),
    );
    expect(merged.recentActivity.map((a) => a.messageId).sort()).toEqual(['merge-1', 'merge-2', 'merge-3', 'merge-4', 'merge-5']);
    expect(merged.stage).toBe('mql');
    expect(merged.stageHistory.some((c) => c.to === 'mql' && c.cause.startsWith(`merged with ${anonLeadId}: `))).toBe(true);
    expect(merged.score.engagement).toBeGreaterThan(65);
    await eventually('the hand-off email', async () => ((await handOffsFor('Noor Haddad')) > 0 ? true : undefined));

    // Assess: the visitor's old id finds the merged lead; the funnel no longer counts the visitor
    const byOldId = await read(`/v1/leads/${anonLeadId}`);
    expect(byOldId.lead?.leadId).toBe(knownLeadId);
    const after = await funnelCurrent();
    expect(after.visitor).toBe((before.visitor ?? 0) - 1);
    expect(after.mql).toBe((before.mql ?? 0) + 1);
  }, 60_000);

  it('applies the visitor’s later events to the merged lead, and a replayed identify merges nothing again', async () => {
    // Act
    await send('/v1/page', { anonymousId, messageId: 'merge-6', name: 'Docs', context: { page: { url: 'https://globex.example/docs' } } });
    await send('/v1/identify', { anonymousId, messageId: 'merge-5', traits: { email } });
    const lead = await leadWith(`/v1/leads?email=${encodeURIComponent(email)}`, 6);

    // Assess
    expect(lead.recentActivity.map((a) => a.messageId).sort()).toEqual(['merge-1', 'merge-2', 'merge-3', 'merge-4', 'merge-5', 'merge-6']);
    expect(lead.score.breakdown.find((c) => c.ruleId === 'page-view')?.count).toBe(3);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await handOffsFor('Noor Haddad')).toBe(1);
  }, 60_000);
});

describe('an alias joins two anonymous visitors', () => {
  it('merges the newer visitor into the older one, with both histories', async () => {
    // Prepare: a visitor on a laptop, later the same person on a phone
    await send('/v1/page', { anonymousId: 'laptop-1', messageId: 'alias-1', timestamp: '2026-11-20T09:00:00.000Z', context: { page: { url: 'https://globex.example/' } } });
    await leadWith(`/v1/leads/${leadIdFor('anon:laptop-1')}`, 1);
    await send('/v1/page', { anonymousId: 'phone-1', messageId: 'alias-2', timestamp: '2026-11-22T09:00:00.000Z', context: { page: { url: 'https://globex.example/blog' } } });
    await leadWith(`/v1/leads/${leadIdFor('anon:phone-1')}`, 1);

    // Act
    await send('/v1/alias', { anonymousId: 'phone-1', previousId: 'laptop-1', messageId: 'alias-3' });
    const lead = await leadWith(`/v1/leads/${leadIdFor('anon:laptop-1')}`, 3);

    // Assess
    expect(lead.leadId).toBe(leadIdFor('anon:laptop-1'));
    expect(lead.mergedLeadIds).toEqual([leadIdFor('anon:phone-1')]);
    expect(lead.recentActivity.map((a) => a.messageId).sort()).toEqual(['alias-1', 'alias-2', 'alias-3']);
    expect((await read(`/v1/leads/${leadIdFor('anon:phone-1')}`)).lead?.leadId).toBe(leadIdFor('anon:laptop-1'));
  }, 60_000);
});
