import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent, storedEvents } from '../support/local.ts';

/**
 * The CRM's outcomes through the local runtime, over HTTP: a lead qualifies,
 * its rep accepts it by the link, the CRM reports an opportunity and then a
 * won deal by POST /v1/outcomes, and the stream path moves the lead; repeats,
 * backward moves, unknown leads and bad input change nothing.
 */
const CLOCK_SPEED = 1800;

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

const leadId = leadIdFor('anon:visitor-lena');
const email = 'lena.berg@initech.example';

/** The runtime's now (its clock runs fast), for an outcome's `at`. */
const now = () => new Date(virtualNow(runtime.clock, Date.now())).toISOString();

function postOutcomes(body: unknown, options: { query?: string; key?: string | null } = {}): Promise<Response> {
  const key = options.key === undefined ? runtime.serverKey : options.key;
  return fetch(`${runtime.apiUrl}/v1/outcomes${options.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== null && { authorization: `Bearer ${key}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function readLead(pathAndQuery: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads${pathAndQuery}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

const leadIn = (stage: string) => eventually(`the lead to be ${stage}`, async () => {
  const lead = await readLead(`/${leadId}`);
  return lead?.stage === stage ? lead : undefined;
});

/** Every CRM outcome stored in the events table. */
const crmEvents = () => storedEvents(dynamodb, (e) => e.kind === 'crm-outcome');

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

describe('a lead handed off, accepted, and won in the CRM', () => {
  it('qualifies and is accepted by its rep through the link', async () => {
    // fit A (phone, business email, 250 employees, VP title) and engagement 40 (demo) + 2 × (3 + 10 pricing) = 66
    const anonymousId = 'visitor-lena';
    const events = [
      ['/v1/page', { anonymousId, messageId: 'lena-1', name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
      ['/v1/identify', { anonymousId, messageId: 'lena-2', traits: { email, name: 'Lena Berg', phone: '+44 20 7946 0001', title: 'VP Sales', company: 'Initech', employees: 250 } }],
      ['/v1/page', { anonymousId, messageId: 'lena-3', name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
      ['/v1/track', { anonymousId, messageId: 'lena-4', event: 'Form Submitted', properties: { formId: 'demo' } }],
    ] as const;
    for (const [path, body] of events) expect((await sendEvent(runtime, path, body)).status).toBe(200);

    const handoff = await eventually('the hand-off email', async () => {
      const { emails } = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: { subject: string; body: { text?: string } }[] };
      return emails.find((e) => e.subject.includes('Lena Berg'));
    });
    const acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;
    expect((await fetch(acceptUrl, { method: 'POST' })).status).toBe(200);

    const lead = await leadIn('sal');
    expect(lead.stageHistory.at(-1)).toMatchObject({ from: 'mql', to: 'sal', decision: 'accepted', by: { repId: expect.stringMatching(/^rep-/) } });
  });

  it('moves to opportunity, recording the skipped sql at the same instant, and then to won with the deal’s amount', async () => {
    const opportunityAt = now();
    const opportunity = await postOutcomes({ outcomeId: 'initech-deal-1-opp', leadId, stage: 'opportunity', at: opportunityAt, opportunityId: 'opp-initech-1', repId: 'crm-user-7' });
    expect(opportunity.status).toBe(202);
    expect(await opportunity.json()).toEqual({ results: [{ index: 0, outcomeId: 'initech-deal-1-opp', leadId, status: 'recorded', stage: 'opportunity' }] });

    const atOpportunity = await leadIn('opportunity');
    const [sql, opp] = atOpportunity.stageHistory.slice(-2);
    expect([sql?.from, sql?.to, opp?.to]).toEqual(['sal', 'sql', 'opportunity']);
    expect(sql?.at).toBe(opp?.at);
    expect(opp?.by).toEqual({ repId: 'crm-user-7', via: 'local' });
    expect(opp?.cause).toBe('local reported opportunity (rep crm-user-7)');

    const won = await postOutcomes({ batch: [{ outcomeId: 'initech-deal-1-won', email: ' Lena.Berg@INITECH.example', stage: 'won', at: now(), amount: 12000, currency: 'EUR' }] });
    expect(won.status).toBe(202);

    const atWon = await leadIn('won');
    expect(atWon.deal).toEqual({ opportunityId: 'opp-initech-1', amount: 12000, currency: 'EUR', stage: 'won', at: expect.any(String) });
    expect(atWon.stageHistory.at(-1)).toMatchObject({ from: 'opportunity', to: 'won', by: { via: 'local' } });
  });

  it('changes nothing for an outcomeId sent again', async () => {
    const before = await readLead(`/${leadId}`);
    const stored = (await crmEvents()).length;

    const again = await postOutcomes({ outcomeId: 'initech-deal-1-won', leadId, stage: 'won', at: now(), amount: 99, currency: 'USD' });
    const olderAgain = await postOutcomes({ outcomeId: 'initech-deal-1-opp', leadId, stage: 'opportunity', at: now() });

    expect(again.status).toBe(202);
    expect(((await again.json()) as { results: { status: string }[] }).results[0]?.status).toBe('duplicate');
    // sent again after the lead moved on: still a repeat, not a refusal
    expect(olderAgain.status).toBe(202);
    expect(((await olderAgain.json()) as { results: { status: string }[] }).results[0]?.status).toBe('duplicate');
    expect(await crmEvents()).toHaveLength(stored);
    const after = await readLead(`/${leadId}`);
    expect(after?.deal).toEqual(before?.deal);
    expect(after?.stageHistory).toEqual(before?.stageHistory);
  });

  it('refuses a backwards move with 409, naming the stage the lead is in and where it may go, and stores nothing', async () => {
    const stored = (await crmEvents()).length;

    const response = await postOutcomes({ outcomeId: 'initech-deal-1-reopened', leadId, stage: 'opportunity', at: now() });

    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: string; issues: { path: string; message: string }[]; results: Record<string, unknown>[] };
    expect(body.issues).toEqual([{ path: 'stage', message: 'the lead is won, a closed stage: no outcome moves it' }]);
    expect(body.results[0]).toMatchObject({ status: 'refused', code: 409, leadStage: 'won', allowed: [] });
    expect(await crmEvents()).toHaveLength(stored);
  });
});

describe('an outcome for a lead LeadLoop does not know', () => {
  const unknown = { outcomeId: 'globex-deal-9', email: 'ravi@globex.example', stage: 'opportunity', amount: 4000, currency: 'USD' };

  it('is refused with 404 naming the email, storing nothing', async () => {
    const stored = (await crmEvents()).length;

    const response = await postOutcomes({ ...unknown, at: now() });

    expect(response.status).toBe(404);
    expect(((await response.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['email']);
    expect(await crmEvents()).toHaveLength(stored);
  });

  it('becomes a sales-sourced lead with createIfMissing', async () => {
    const response = await postOutcomes({ ...unknown, at: now(), createIfMissing: true });
    expect(response.status).toBe(202);

    const lead = await eventually('the sales-sourced lead', () => readLead('?email=ravi@globex.example'));
    expect(lead).toMatchObject({
      leadId: leadIdFor('email:ravi@globex.example'),
      source: 'sales',
      stage: 'opportunity',
      cycle: 0,
      deal: { amount: 4000, currency: 'USD', stage: 'opportunity' },
    });
  });
});

describe('bad input', () => {
  const valid = { outcomeId: 'bad-1', leadId, stage: 'won', at: '2026-03-01T10:00:00Z' };

  it.each([
    ['no key', valid, { key: null }, 401, undefined],
    ['a write key', valid, { key: 'write' }, 403, undefined],
    ['a body that is not JSON', '{"outcomeId":', {}, 400, 'body'],
    ['no lead', { ...valid, leadId: undefined }, {}, 400, 'leadId'],
    ['a malformed lead id', { ...valid, leadId: 'lead-1' }, {}, 400, 'leadId'],
    ['a stage the CRM does not report', { ...valid, stage: 'mql' }, {}, 400, 'stage'],
    ['a date without a zone', { ...valid, at: '2026-03-01 10:00' }, {}, 400, 'at'],
    ['an amount without a currency', { ...valid, amount: 5 }, {}, 400, 'currency'],
    ['a negative amount', { ...valid, amount: -5, currency: 'EUR' }, {}, 400, 'amount'],
    ['createIfMissing with a leadId', { ...valid, createIfMissing: true }, {}, 400, 'createIfMissing'],
    ['a bad item in a batch', { batch: [valid, { ...valid, outcomeId: 'bad-2', stage: 'closed' }] }, {}, 400, 'batch[1].stage'],
    ['a repeated outcomeId in a batch', { batch: [valid, valid] }, {}, 400, 'batch[1].outcomeId'],
    ['a dryRun that is not true or false', valid, { query: '?dryRun=maybe' }, 400, 'query.dryRun'],
  ] as const)('answers %s with a 4xx naming the field, and stores nothing', async (_, body, options, status, path) => {
    const stored = (await crmEvents()).length;
    const key = 'key' in options ? (options.key === 'write' ? runtime.writeKey : null) : undefined;

    const response = await postOutcomes(body, { ...('query' in options && { query: options.query }), ...(key !== undefined && { key }) });

    expect(response.status).toBe(status);
    const answer = (await response.json()) as { issues?: { path: string }[] };
    if (path !== undefined) expect(answer.issues?.map((i) => i.path)).toContain(path);
    expect(await crmEvents()).toHaveLength(stored);
  });

  it('stores nothing on a dry run, and answers what would happen', async () => {
    const stored = (await crmEvents()).length;

    const response = await postOutcomes({ outcomeId: 'dry-1', email: 'ravi@globex.example', stage: 'won', at: now(), amount: 4500, currency: 'USD' }, { query: '?dryRun=true' });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { results: unknown[] }).results).toEqual([
      { index: 0, outcomeId: 'dry-1', leadId: leadIdFor('email:ravi@globex.example'), status: 'would-record', stage: 'won' },
    ]);
    expect(await crmEvents()).toHaveLength(stored);
  });
});
