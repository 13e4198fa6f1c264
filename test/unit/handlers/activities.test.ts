import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import { activitiesHandler } from '../../../functions/activities/handler.ts';
import type { ActivityRecord, VersionedLead } from '../../../functions/core/records.ts';
import type { LeadQuery } from '../../../functions/leads/find-lead.ts';
import { mqlLead } from './fixtures.ts';
import { bearer, freshKey, httpEvent, issuePaths, jsonBody, lambdaContext } from './http-event.ts';

/**
 * POST /v1/activities with its ports in memory: the keys, the leads found by
 * id or email, and the activities stored (once per activityId, as the
 * activity store does: its transaction is tested against DynamoDB Local in
 * test/integration/adapters/activity-store.contract.ts).
 */
let keys: Map<string, ApiKey>;
let leads: Map<string, VersionedLead>;
let byEmail: Map<string, string>;
let stored: Map<string, ActivityRecord>;
let serverKey: string;
let handler: ReturnType<typeof activitiesHandler>;

const owned = mqlLead({
  leadId: 'lead-0000000000000000000a',
  email: 'dana@acme-corp.example',
  stage: 'sal',
  cycle: 2,
  owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:00.000Z' },
});

beforeEach(() => {
  keys = new Map();
  serverKey = freshKey('server');
  keys.set(serverKey, { sourceId: 'src-crm', kind: 'server' });
  leads = new Map([[owned.leadId, { lead: owned, version: 3 }]]);
  byEmail = new Map([['dana@acme-corp.example', owned.leadId]]);
  stored = new Map();
  handler = activitiesHandler({
    now: () => new Date('2026-03-10T12:00:00.000Z'),
    findKey: async (key) => keys.get(key),
    findLead: async (query: LeadQuery) => leads.get('leadId' in query ? query.leadId : (byEmail.get(query.email) ?? '')),
    recordActivity: async (record) => {
      if (stored.has(record.activityId)) return 'duplicate';
      stored.set(record.activityId, record);
      return 'recorded';
    },
  });
});

async function post(body: unknown, key = serverKey) {
  const result = await handler(
    httpEvent({ path: '/v1/activities', headers: { ...bearer(key), 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    lambdaContext('activities'),
  );
  if (typeof result === 'string') throw new Error('expected a structured result');
  return result;
}

describe('POST /v1/activities', () => {
  it('stores a call for the lead’s owner under its current cycle, with the time normalized to UTC', async () => {
    const result = await post({ activityId: 'crm-call-1', email: 'Dana@ACME-corp.example', kind: 'call', at: '2026-03-02T10:30:00+01:00', result: 'left a voicemail' });

    expect(result.statusCode).toBe(201);
    const expected: ActivityRecord = {
      leadId: 'lead-0000000000000000000a',
      cycle: 2,
      activityId: 'crm-call-1',
      kind: 'call',
      at: '2026-03-02T09:30:00.000Z',
      repId: 'rep-sam',
      result: 'left a voicemail',
      via: 'api',
    };
    expect(stored.get('crm-call-1')).toEqual(expected);
    expect(jsonBody(result)).toEqual({ status: 'recorded', ...expected });
  });

  it('answers 200 to the same activityId again and changes nothing', async () => {
    await post({ activityId: 'crm-call-2', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z' });
    const again = await post({ activityId: 'crm-call-2', leadId: 'lead-0000000000000000000a', kind: 'meeting', at: '2026-03-04T10:30:00Z', repId: 'rep-kim' });

    expect(again.statusCode).toBe(200);
    expect(jsonBody(again).status).toBe('duplicate');
    expect(stored.get('crm-call-2')).toMatchObject({ kind: 'call', repId: 'rep-sam' });
  });

  it('counts the activity for the rep it names', async () => {
    await post({ activityId: 'crm-mail-1', leadId: 'lead-0000000000000000000a', kind: 'email', at: '2026-03-02T10:30:00Z', repId: 'rep-kim' });
    expect(stored.get('crm-mail-1')?.repId).toBe('rep-kim');
  });

  it('needs a repId for a lead nobody owns, and stores nothing without it', async () => {
    leads.set('lead-0000000000000000000b', { lead: mqlLead({ leadId: 'lead-0000000000000000000b', stage: 'engaged', cycle: 0, owner: undefined }), version: 1 });

    const result = await post({ activityId: 'crm-call-3', leadId: 'lead-0000000000000000000b', kind: 'call', at: '2026-03-02T10:30:00Z' });

    expect(result.statusCode).toBe(400);
    expect(issuePaths(result)).toEqual(['repId']);
    expect(stored.size).toBe(0);
  });

  it('answers 404 naming the field for an unknown lead, by id or email, and stores nothing', async () => {
    const byId = await post({ activityId: 'a-404', leadId: 'lead-0000000000000000000c', kind: 'call', at: '2026-03-02T10:30:00Z', repId: 'rep-sam' });
    const byMail = await post({ activityId: 'a-404', email: 'nobody@example.com', kind: 'call', at: '2026-03-02T10:30:00Z', repId: 'rep-sam' });

    expect([byId.statusCode, byMail.statusCode]).toEqual([404, 404]);
    expect(issuePaths(byId)).toEqual(['leadId']);
    expect(issuePaths(byMail)).toEqual(['email']);
    expect(stored.size).toBe(0);
  });

  it.each([
    [{ leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z' }, 'activityId'],
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'fax', at: '2026-03-02T10:30:00Z' }, 'kind'],
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: 'yesterday' }, 'at'],
    // text DynamoDB cannot store (no UTF-8 form)
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z', result: 'left a \ud83d' }, 'result'],
    // still to come (past the clock skew allowed): a plan, not something a rep did
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-10T12:16:00.000Z' }, 'at'],
    [{ activityId: 'x', kind: 'call', at: '2026-03-02T10:30:00Z' }, 'leadId'],
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', email: 'dana@acme-corp.example', kind: 'call', at: '2026-03-02T10:30:00Z' }, 'email'],
    [{ activityId: 'x'.repeat(300), leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z' }, 'activityId'],
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z', result: 'r'.repeat(1001) }, 'result'],
    [{ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z', notes: 'unknown field' }, 'notes'],
  ])('refuses %j with a 400 naming %s, storing nothing', async (body, field) => {
    const result = await post(body);

    expect(result.statusCode).toBe(400);
    expect(issuePaths(result)).toContain(field);
    expect(stored.size).toBe(0);
  });

  it('refuses a body that is not JSON, and a write key, storing nothing', async () => {
    const writeKey = freshKey('write');
    keys.set(writeKey, { sourceId: 'src-web', kind: 'write' });

    const notJson = await post('{"activityId":');
    const wrongKey = await post({ activityId: 'x', leadId: 'lead-0000000000000000000a', kind: 'call', at: '2026-03-02T10:30:00Z' }, writeKey);

    expect(notJson.statusCode).toBe(400);
    expect(issuePaths(notJson)).toEqual(['body']);
    expect(wrongKey.statusCode).toBe(403);
    expect(stored.size).toBe(0);
  });
});
