import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signLink, type HandoffAction } from '../../../functions/core/links.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import { mqlLead, profileItem, profileKey, signingKeyKey } from './fixtures.ts';
import { httpEvent, issuePaths, lambdaContext } from './http-event.ts';

const ddb = mockClient(DynamoDBDocumentClient);

const SIGNING_KEY = 'test-link-signing-key';
const NOW = '2026-03-01T10:30:00.000Z';
const LEAD_ID = 'lead-0123456789abcdef0123';

// The signing key is cached per module for the container's life: each test loads the handler afresh.
let handler: (typeof import('../../../functions/outcome/handler.ts'))['handler'];

function stubSigningKey() {
  ddb
    .on(PutCommand, { TableName: 'leads-table', Item: signingKeyKey })
    .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
  ddb.on(GetCommand, { TableName: 'leads-table', Key: signingKeyKey }).resolves({ Item: { ...signingKeyKey, value: SIGNING_KEY } });
}

/** The key is created on first use if missing (a conditional put), then read back. */
function expectSigningKeyRead() {
  expect(ddb).toHaveReceivedCommandWith(PutCommand, {
    TableName: 'leads-table',
    Item: expect.objectContaining(signingKeyKey),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: signingKeyKey, ConsistentRead: true });
}

function stubLead(lead: Lead | undefined, version = 3) {
  ddb
    .on(GetCommand, { TableName: 'leads-table', Key: profileKey(LEAD_ID) })
    .resolves(lead ? { Item: profileItem(lead, version) } : {});
}

function expectLeadRead() {
  expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: profileKey(LEAD_ID), ConsistentRead: true });
}

function stubEventStore() {
  ddb.on(PutCommand, { TableName: 'events-table' }).resolves({});
}

function expectLeadNotRead() {
  expect(ddb).not.toHaveReceivedCommandWith(GetCommand, { Key: profileKey(LEAD_ID) });
}

function expectNoOutcomeStored() {
  expect(ddb).not.toHaveReceivedCommandWith(PutCommand, { TableName: 'events-table' });
}

interface LinkRequest {
  action: HandoffAction;
  method?: 'GET' | 'POST';
  rep?: string;
  cycle?: number;
  sig?: string;
  body?: string;
  isBase64Encoded?: boolean;
  accept?: string;
}

/** A click on (or a form post from) a hand-off link, signed like the email signs it unless `sig` says otherwise. */
function click({ action, method = 'GET', rep = 'rep-sam', cycle = 1, sig, body, isBase64Encoded, accept }: LinkRequest) {
  const signature = sig ?? signLink({ leadId: LEAD_ID, cycle, repId: rep, action }, SIGNING_KEY);
  return handler(
    httpEvent({
      method,
      path: `/v1/handoffs/${LEAD_ID}/${cycle}/${action}`,
      pathParameters: { leadId: LEAD_ID, cycle: String(cycle), action },
      queryStringParameters: { rep, sig: signature },
      headers: {
        ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...(accept !== undefined && { accept }),
      },
      ...(body !== undefined && { body }),
      ...(isBase64Encoded !== undefined && { isBase64Encoded }),
    }),
    lambdaContext('outcome'),
  );
}

describe('outcome handler (hand-off links)', () => {
  beforeEach(async () => {
    ddb.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
    vi.resetModules();
    ({ handler } = await import('../../../functions/outcome/handler.ts'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('only asks for confirmation when the accept link is opened, so a mail scanner opening it accepts nothing', async () => {
    // Prepare
    stubSigningKey();
    stubLead(mqlLead());

    // Act
    const result = await click({ action: 'accept' });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Accept this lead?');
    expect(result.body).toContain('<form method="post">');
    expectSigningKeyRead();
    expectLeadRead();
    expect(ddb).not.toHaveReceivedCommandWith(PutCommand, { TableName: 'events-table' });
  });

  it('stores an accepted outcome event with a deterministic messageId when the rep confirms', async () => {
    // Prepare
    stubSigningKey();
    stubLead(mqlLead());
    stubEventStore();

    // Act
    const result = await click({ action: 'accept', method: 'POST' });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    expect(result.body).toContain('Lead accepted');
    expectSigningKeyRead();
    expectLeadRead();
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'events-table',
      ConditionExpression: 'attribute_not_exists(messageId)',
      Item: {
        messageId: `handoff-${LEAD_ID}-1-rep-sam-accepted`,
        kind: 'outcome',
        leadId: LEAD_ID,
        outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: NOW },
        receivedAt: NOW,
      },
    });
  });

  it('answers 200 again when the same confirmation is posted twice (the event is already stored)', async () => {
    stubSigningKey();
    stubLead(mqlLead());
    ddb
      .on(PutCommand, { TableName: 'events-table' })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    const result = await click({ action: 'accept', method: 'POST' });

    expect(result.statusCode).toBe(200);
    expectSigningKeyRead();
    expectLeadRead();
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'events-table',
      Item: expect.objectContaining({ messageId: `handoff-${LEAD_ID}-1-rep-sam-accepted` }),
    });
  });

  it('refuses a tampered signature with 403 and stores nothing', async () => {
    stubSigningKey();
    stubLead(mqlLead());
    stubEventStore();
    const genuine = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept' }, SIGNING_KEY);
    const tampered = (genuine[0] === 'A' ? 'B' : 'A') + genuine.slice(1);

    const result = await click({ action: 'accept', sig: tampered });

    expect(result.statusCode).toBe(403);
    expectSigningKeyRead();
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('refuses a reject link signed for accepting, with 403', async () => {
    stubSigningKey();
    stubLead(mqlLead());
    stubEventStore();

    const result = await click({
      action: 'reject',
      method: 'POST',
      body: 'reason=Not+a+fit',
      sig: signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept' }, SIGNING_KEY),
    });

    expect(result.statusCode).toBe(403);
    expectSigningKeyRead();
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('refuses a link signed with another key, with 403', async () => {
    stubSigningKey();
    stubLead(mqlLead());
    stubEventStore();

    const result = await click({
      action: 'accept',
      sig: signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept' }, 'some-other-key'),
    });

    expect(result.statusCode).toBe(403);
    expectSigningKeyRead();
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('shows a person whose browser follows a tampered link an HTML error page', async () => {
    stubSigningKey();
    stubLead(mqlLead());
    stubEventStore();

    const result = await click({ action: 'accept', sig: 'forged', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });

    expect(result.statusCode).toBe(403);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    expect(result.body).toContain('This link is not valid.');
    expectSigningKeyRead();
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('answers 409 and stores nothing when the lead is now owned by another rep', async () => {
    stubSigningKey();
    stubLead(mqlLead({ owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T09:30:00.000Z' } }));
    stubEventStore();

    const result = await click({ action: 'accept', rep: 'rep-sam' });

    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body ?? '')).toEqual({ error: 'the lead is no longer assigned to you' });
    expectSigningKeyRead();
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 200 "already accepted" and stores nothing when the rep clicks the same accept link again', async () => {
    stubSigningKey();
    stubLead(
      mqlLead({
        stage: 'sal',
        stageHistory: [
          { from: 'known', to: 'mql', at: '2026-03-01T09:00:00.000Z', cause: 'qualified' },
          { from: 'mql', to: 'sal', at: '2026-03-01T10:00:00.000Z', cause: 'accepted by rep-sam' },
        ],
      }),
    );
    stubEventStore();

    const result = await click({ action: 'accept' });

    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Already accepted');
    expectSigningKeyRead();
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 409 for a link from an earlier cycle of the lead', async () => {
    stubSigningKey();
    stubLead(mqlLead({ cycle: 2 }));
    stubEventStore();

    const result = await click({ action: 'accept', cycle: 1 });

    expect(result.statusCode).toBe(409);
    expectSigningKeyRead();
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 404 for a lead that does not exist', async () => {
    stubSigningKey();
    stubLead(undefined);
    stubEventStore();

    const result = await click({ action: 'accept' });

    expect(result.statusCode).toBe(404);
    expectSigningKeyRead();
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 400 naming `leadId` for a malformed lead id, without reading anything', async () => {
    stubSigningKey();
    stubEventStore();

    const result = await handler(
      httpEvent({
        method: 'GET',
        path: '/v1/handoffs/not-a-lead/1/accept',
        pathParameters: { leadId: 'not-a-lead', cycle: '1', action: 'accept' },
        queryStringParameters: { rep: 'rep-sam', sig: 'x' },
      }),
      lambdaContext('outcome'),
    );

    expect(result.statusCode).toBe(400);
    expect(issuePaths(result)).toEqual(['leadId']);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expectNoOutcomeStored();
  });

  describe('rejecting', () => {
    it('shows a form asking for the reason on GET and stores nothing yet', async () => {
      stubSigningKey();
      stubLead(mqlLead());
      stubEventStore();

      const result = await click({ action: 'reject', method: 'GET' });

      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toMatch(/^text\/html/);
      expect(result.body).toContain('<form method="post">');
      expect(result.body).toContain('name="reason"');
      expectSigningKeyRead();
      expectLeadRead();
      expectNoOutcomeStored();
    });

    it('stores a rejected outcome with the reason posted from the form', async () => {
      stubSigningKey();
      stubLead(mqlLead());
      stubEventStore();

      const result = await click({ action: 'reject', method: 'POST', body: 'reason=No+budget' });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('Lead sent back to marketing');
      expectSigningKeyRead();
      expectLeadRead();
      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'events-table',
        ConditionExpression: 'attribute_not_exists(messageId)',
        Item: {
          messageId: `handoff-${LEAD_ID}-1-rep-sam-rejected`,
          kind: 'outcome',
          leadId: LEAD_ID,
          outcome: { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: NOW, reason: 'No budget' },
          receivedAt: NOW,
        },
      });
    });

    it('reads a form body that API Gateway passed base64-encoded', async () => {
      stubSigningKey();
      stubLead(mqlLead());
      stubEventStore();

      const result = await click({
        action: 'reject',
        method: 'POST',
        body: Buffer.from('reason=Not+the+decision+maker').toString('base64'),
        isBase64Encoded: true,
      });

      expect(result.statusCode).toBe(200);
      expectSigningKeyRead();
      expectLeadRead();
      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'events-table',
        Item: expect.objectContaining({
          outcome: expect.objectContaining({ kind: 'rejected', reason: 'Not the decision maker' }),
        }),
      });
    });

    it('answers 400 naming `reason` when the form has no reason, and stores nothing', async () => {
      stubSigningKey();
      stubLead(mqlLead());
      stubEventStore();

      const result = await click({ action: 'reject', method: 'POST', body: '' });

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['reason']);
      expectSigningKeyRead();
      expectLeadRead();
      expectNoOutcomeStored();
    });

    it('answers 400 naming `reason` when the reason is only blanks', async () => {
      stubSigningKey();
      stubLead(mqlLead());
      stubEventStore();

      const result = await click({ action: 'reject', method: 'POST', body: 'reason=+++' });

      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body ?? '')).toMatchObject({ issues: [{ path: 'reason', message: 'a reason is required' }] });
      expectSigningKeyRead();
      expectLeadRead();
      expectNoOutcomeStored();
    });
  });
});
