import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import { leadIdFor } from '../../../functions/core/lead-id.ts';
import type { Stage } from '../../../functions/core/lifecycle.ts';
import type { CrmOutcomeEvent } from '../../../functions/core/records.ts';
import { crmOutcomesHandler, MAX_OUTCOMES_BODY_BYTES } from '../../../functions/crm/handler.ts';
import { assignedMql, at } from '../core/lead-fixtures.ts';
import { bearer, freshKey, httpEvent, issuePaths, jsonBody, lambdaContext } from './http-event.ts';

const JO = leadIdFor('email:jo@acme.io');

/** The handler's ports in memory: registered keys, leads, and the events table (each messageId once). */
let keys: Map<string, ApiKey>;
let leads: Map<string, Lead>;
let stored: Map<string, CrmOutcomeEvent>;
let handler: ReturnType<typeof crmOutcomesHandler>;
let serverKey: string;

function leadIn(stage: Stage): Lead {
  return { ...assignedMql(), leadId: JO, email: 'jo@acme.io', identities: ['email:jo@acme.io'], stage, stageHistory: [{ from: 'mql', to: stage, at: at(6), cause: 'accepted by rep-sam' }] };
}

async function post(body: unknown, input: { key?: string; query?: Record<string, string>; raw?: string; headers?: Record<string, string> } = {}) {
  const result = await handler(
    httpEvent({
      path: '/v1/outcomes',
      headers: { ...(input.key !== null && bearer(input.key ?? serverKey)), ...input.headers },
      body: input.raw ?? JSON.stringify(body),
      ...(input.query && { queryStringParameters: input.query }),
    }),
    lambdaContext('crm-outcomes'),
  );
  return { status: result.statusCode, body: jsonBody(result) as Record<string, unknown> & { results?: Record<string, unknown>[] }, issues: issuePaths(result) };
}

const won = { outcomeId: 'deal-7-won', leadId: JO, stage: 'won', at: at(20), amount: 12000, currency: 'EUR', repId: 'rep-sam' };

beforeEach(() => {
  keys = new Map();
  leads = new Map();
  stored = new Map();
  serverKey = freshKey('sk');
  keys.set(serverKey, { sourceId: 'hubspot-prod', kind: 'server' });
  handler = crmOutcomesHandler({
    now: () => new Date('2026-03-20T12:00:00.000Z'),
    findKey: async (key) => keys.get(key),
    findLead: async (ref) => {
      const lead = 'leadId' in ref ? leads.get(ref.leadId) : [...leads.values()].find((l) => l.identities.includes(`email:${ref.email}`));
      return lead && { lead, version: 2 };
    },
    storeOutcomes: async (events) => {
      const duplicates = new Set(events.filter((e) => stored.has(e.messageId)).map((e) => e.messageId));
      for (const e of events) if (!duplicates.has(e.messageId)) stored.set(e.messageId, e);
      return { duplicates };
    },
    storedOutcomes: async (ids) => new Set(ids.filter((id) => stored.has(id))),
  });
});

describe('POST /v1/outcomes', () => {
  describe('who may report', () => {
    it('answers 401 without a key, 403 for a write key, and stores nothing', async () => {
      leads.set(JO, leadIn('opportunity'));
      const writeKey = freshKey('wk');
      keys.set(writeKey, { sourceId: 'site', kind: 'write', allowedOrigins: ['*'] });

      const anonymous = await handler(httpEvent({ path: '/v1/outcomes', body: JSON.stringify(won) }), lambdaContext());
      const withWriteKey = await post(won, { key: writeKey });

      expect(anonymous.statusCode).toBe(401);
      expect(withWriteKey.status).toBe(403);
      expect(withWriteKey.body.error).toBe('this needs a server key; a write key can only send events');
      expect(stored.size).toBe(0);
    });

    it('refuses a server key from a browser', async () => {
      leads.set(JO, leadIn('opportunity'));

      const { status } = await post(won, { headers: { origin: 'https://evil.example' } });

      expect(status).toBe(403);
      expect(stored.size).toBe(0);
    });
  });

  it('answers 202 with each outcome’s result, and keeps the key’s name as who sent it', async () => {
    leads.set(JO, leadIn('opportunity'));

    const { status, body } = await post(won);

    expect(status).toBe(202);
    expect(body).toEqual({ results: [{ index: 0, outcomeId: 'deal-7-won', leadId: JO, status: 'recorded', stage: 'won' }] });
    expect(stored.get('crm-deal-7-won')?.outcome.via).toBe('hubspot-prod');
  });

  it('takes a batch, compressed as any JSON body may be', async () => {
    leads.set(JO, leadIn('sal'));
    const batch = { batch: [{ ...won, outcomeId: 'deal-7-opp', stage: 'opportunity', at: at(10), amount: undefined, currency: undefined }, won] };

    // API Gateway hands binary bodies over base64-encoded
    const result = await handler(
      httpEvent({ path: '/v1/outcomes', headers: { ...bearer(serverKey), 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(batch)).toString('base64'), isBase64Encoded: true }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(202);
    expect((jsonBody(result).results as { status: string; stage: string }[]).map((r) => [r.status, r.stage])).toEqual([
      ['recorded', 'opportunity'],
      ['recorded', 'won'],
    ]);
  });

  it('answers a repeat 202 as a duplicate, storing nothing new', async () => {
    leads.set(JO, leadIn('opportunity'));
    await post(won);

    const { status, body } = await post({ ...won, amount: 1 });

    expect(status).toBe(202);
    expect(body.results?.[0]).toMatchObject({ status: 'duplicate' });
    expect(stored.get('crm-deal-7-won')?.outcome.amount).toBe(12000);
  });

  it('answers a dry run 200, listing refusals per item, and stores nothing', async () => {
    leads.set(JO, leadIn('won'));

    const ok = await post({ ...won, outcomeId: 'x-1' }, { query: { dryRun: 'true' } });
    const refused = await post({ batch: [{ ...won, outcomeId: 'x-2', stage: 'sql', amount: undefined, currency: undefined }] }, { query: { dryRun: 'true' } });

    expect(ok.status).toBe(200);
    expect(ok.body.results?.[0]).toMatchObject({ status: 'would-record', stage: 'won' });
    expect(refused.status).toBe(409);
    expect(refused.body.results?.[0]).toMatchObject({ status: 'refused', path: 'batch[0].stage', leadStage: 'won', allowed: [] });
    expect(stored.size).toBe(0);
  });

  describe('refusals', () => {
    it('answers 409 naming the stage the lead is in and where it may go, and stores nothing of the batch', async () => {
      leads.set(JO, leadIn('opportunity'));

      const { status, body, issues } = await post({ batch: [{ ...won, outcomeId: 'a' }, { outcomeId: 'b', leadId: JO, stage: 'sql', at: at(30) }] });

      expect(status).toBe(409);
      expect(issues).toEqual(['batch[1].stage']);
      expect(body.error).toMatch(/nothing was stored/);
      expect(body.results?.[1]).toMatchObject({ leadStage: 'won', allowed: [] });
      expect(stored.size).toBe(0);
    });

    it('answers 404 for an unknown lead, naming the field; createIfMissing makes it a sales-sourced lead', async () => {
      const unknown = { outcomeId: 'o-1', email: 'max@acme.io', stage: 'opportunity', at: at(1) };

      const refused = await post(unknown);
      const created = await post({ ...unknown, createIfMissing: true });

      expect(refused.status).toBe(404);
      expect(refused.issues).toEqual(['email']);
      expect(refused.body.issues).toEqual([{ path: 'email', message: 'no lead with the email max@acme.io (send createIfMissing: true to create a sales-sourced lead)' }]);
      expect(created.status).toBe(202);
      expect(created.body.results?.[0]).toMatchObject({ leadId: leadIdFor('email:max@acme.io'), status: 'recorded' });
      expect(stored.size).toBe(1);
    });

    it.each([
      ['a body that is not JSON', undefined, '{', 'body'],
      ['an empty body', undefined, '', 'body'],
      ['a stage the CRM cannot report', { ...won, stage: 'mql' }, undefined, 'stage'],
      // past the clock skew allowed: a forecast close date, not an outcome
      // what DynamoDB cannot store: refused before anything is read or written
      ['an id with a lone surrogate', undefined, JSON.stringify({ ...won, outcomeId: 'deal-\ud800' }), 'outcomeId'],
      ['an amount DynamoDB cannot keep', { ...won, amount: 1e-200 }, undefined, 'amount'],
      ['an outcome still to come', { ...won, at: '2026-03-20T12:16:00.000Z' }, undefined, 'at'],
      ['a batch item still to come', { batch: [won, { ...won, outcomeId: 'later', at: '2026-04-01T00:00:00.000Z' }] }, undefined, 'batch[1].at'],
      ['an amount without a currency', { ...won, currency: undefined }, undefined, 'currency'],
      ['an unknown field', { ...won, colour: 'red' }, undefined, 'colour'],
      ['an outcome without an id', { ...won, outcomeId: undefined }, undefined, 'outcomeId'],
      ['an invalid item of a batch', { batch: [won, { ...won, outcomeId: 'x', at: 'yesterday' }] }, undefined, 'batch[1].at'],
      ['the same outcomeId twice in a batch', { batch: [won, won] }, undefined, 'batch[1].outcomeId'],
      ['an empty batch', { batch: [] }, undefined, 'batch'],
    ])('answers 400 for %s, naming the field, and stores nothing', async (_, body, raw, path) => {
      leads.set(JO, leadIn('opportunity'));

      const result = await post(body, raw === undefined ? {} : { raw });

      expect(result.status).toBe(400);
      expect(result.issues).toContain(path);
      expect(stored.size).toBe(0);
    });

    it('answers 400 for a dryRun that is neither true nor false', async () => {
      leads.set(JO, leadIn('opportunity'));

      const { status, issues } = await post(won, { query: { dryRun: 'yes' } });

      expect(status).toBe(400);
      expect(issues).toEqual(['query.dryRun']);
      expect(stored.size).toBe(0);
    });

    it('answers 413 for a body past the limit', async () => {
      const { status } = await post(undefined, { raw: JSON.stringify({ batch: [], padding: 'x'.repeat(MAX_OUTCOMES_BODY_BYTES) }) });

      expect(status).toBe(413);
      expect(stored.size).toBe(0);
    });
  });
});
