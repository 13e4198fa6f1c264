import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { MessageRejected, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { JourneyAssignment, JourneyState } from '../../../functions/core/journey.ts';
import { signLink } from '../../../functions/core/links.ts';
import { emailKey as emailItemKey } from '../../../functions/core/table-layout.ts';
import { mqlLead, profileItem, profileKey, signingKeyKey } from './fixtures.ts';
import { lambdaContext } from './http-event.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const TABLE = 'leads-table';
const SIGNING_KEY = 'handoff-signing-key';
const lead = mqlLead();
const LEAD_ID = lead.leadId;

// The signing key is cached per module for the container's life: each test loads the step afresh.
let handler: (typeof import('../../../functions/journey/send-handoff.ts'))['handler'];

const assignment: JourneyAssignment = {
  repId: 'rep-sam',
  teamId: 'sales-emea',
  previousReps: [],
  acceptBy: '2026-03-01T14:00:00.000Z',
  acceptWithinSeconds: 14_400,
};

function handoff(state: Partial<JourneyState & { assignment: JourneyAssignment }> = {}) {
  return handler({ leadId: LEAD_ID, cycle: 1, assignment, ...state }, lambdaContext('send-handoff'));
}

const emailKey = (repId: string) => emailItemKey(`${LEAD_ID}#1#handoff#${repId}`);
const conditionalCheckFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function stubLeadAndSigningKey() {
  ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({ Item: profileItem(lead, 4) });
  ddb.on(PutCommand, { TableName: TABLE, Item: signingKeyKey }).rejects(conditionalCheckFailed());
  ddb.on(GetCommand, { TableName: TABLE, Key: signingKeyKey }).resolves({ Item: { ...signingKeyKey, value: SIGNING_KEY } });
}

function expectLeadAndSigningKeyRead() {
  expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID), ConsistentRead: true });
  expect(ddb).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, Item: expect.objectContaining(signingKeyKey), ConditionExpression: 'attribute_not_exists(pk)' });
  expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: signingKeyKey, ConsistentRead: true });
}

function expectIdempotencyRecordPut(repId: string, to: string) {
  expect(ddb).toHaveReceivedCommandWith(PutCommand, {
    TableName: TABLE,
    Item: expect.objectContaining({ ...emailKey(repId), status: 'sending', to }),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

function linkFor(action: 'accept' | 'reject', repId = 'rep-sam'): string {
  const sig = signLink({ leadId: LEAD_ID, cycle: 1, repId, action }, SIGNING_KEY);
  return `https://api.example.test/v1/handoffs/${LEAD_ID}/1/${action}?rep=${repId}&sig=${sig}`;
}

describe('send-handoff journey step', () => {
  beforeEach(async () => {
    ddb.reset();
    ses.reset();
    vi.resetModules();
    ({ handler } = await import('../../../functions/journey/send-handoff.ts'));
  });

  it('emails the owner exactly once, after recording the send, with signed one-click links', async () => {
    // Prepare
    stubLeadAndSigningKey();
    ddb.on(PutCommand, { TableName: TABLE, Item: emailKey('rep-sam') }).resolves({});
    ddb.on(UpdateCommand, { TableName: TABLE, Key: emailKey('rep-sam') }).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });

    // Act
    const result = await handoff();

    // Assess
    expect(result).toEqual({ handoff: 'sent' });
    expectLeadAndSigningKeyRead();
    expectIdempotencyRecordPut('rep-sam', 'sam.seller@example.com');
    expect(ses).toHaveReceivedCommandExactlyOnceWith(SendEmailCommand, {
      FromEmailAddress: 'LeadLoop <leadloop@example.com>',
      Destination: { ToAddresses: ['sam.seller@example.com'] },
      ConfigurationSetName: 'leadloop-config-set',
    });
    const [send] = ses.commandCalls(SendEmailCommand);
    const content = send!.args[0].input.Content?.Simple;
    expect(content?.Subject?.Data).toContain('Dana Buyer (Acme Corp)');
    expect(content?.Body?.Text?.Data).toContain(`Accept: ${linkFor('accept')}`);
    expect(content?.Body?.Text?.Data).toContain(`Reject: ${linkFor('reject')}`);
    const idempotencyPut = ddb.commandCalls(PutCommand).find((call) => call.args[0].input.Item?.pk === emailKey('rep-sam').pk);
    expect(idempotencyPut!.calledBefore(send!)).toBe(true);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
      TableName: TABLE,
      Key: emailKey('rep-sam'),
      ExpressionAttributeValues: expect.objectContaining({ ':sent': 'sent', ':messageId': 'ses-message-1' }),
    });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('sends nothing when the idempotency record says the email was already sent', async () => {
    stubLeadAndSigningKey();
    ddb.on(PutCommand, { TableName: TABLE, Item: emailKey('rep-sam') }).rejects(conditionalCheckFailed());
    ddb.on(GetCommand, { TableName: TABLE, Key: emailKey('rep-sam') }).resolves({ Item: { ...emailKey('rep-sam'), status: 'sent' } });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-2' });

    const result = await handoff();

    expect(result).toEqual({ handoff: 'already-sent' });
    expectLeadAndSigningKeyRead();
    expectIdempotencyRecordPut('rep-sam', 'sam.seller@example.com');
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: emailKey('rep-sam'), ConsistentRead: true });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('refuses to send again when an earlier attempt never recorded its outcome', async () => {
    stubLeadAndSigningKey();
    ddb.on(PutCommand, { TableName: TABLE, Item: emailKey('rep-sam') }).rejects(conditionalCheckFailed());
    ddb.on(GetCommand, { TableName: TABLE, Key: emailKey('rep-sam') }).resolves({ Item: { ...emailKey('rep-sam'), status: 'sending' } });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-3' });

    await expect(handoff()).rejects.toMatchObject({ name: 'EmailOutcomeUnknownError' });

    expectLeadAndSigningKeyRead();
    expectIdempotencyRecordPut('rep-sam', 'sam.seller@example.com');
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: emailKey('rep-sam') });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('deletes the idempotency record and rethrows when SES refuses the email, so a retry can send', async () => {
    const refused = new MessageRejected({ message: 'Email address is not verified.', $metadata: {} });
    stubLeadAndSigningKey();
    ddb.on(PutCommand, { TableName: TABLE, Item: emailKey('rep-sam') }).resolves({});
    ddb.on(DeleteCommand, { TableName: TABLE, Key: emailKey('rep-sam') }).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejects(refused);

    await expect(handoff()).rejects.toBe(refused);

    expectLeadAndSigningKeyRead();
    expectIdempotencyRecordPut('rep-sam', 'sam.seller@example.com');
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(DeleteCommand, { TableName: TABLE, Key: emailKey('rep-sam') });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('hands a reassigned lead to the new owner, saying it was reassigned', async () => {
    stubLeadAndSigningKey();
    ddb.on(PutCommand, { TableName: TABLE, Item: emailKey('rep-kim') }).resolves({});
    ddb.on(UpdateCommand, { TableName: TABLE, Key: emailKey('rep-kim') }).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-4' });

    const result = await handoff({ assignment: { ...assignment, repId: 'rep-kim', previousReps: ['rep-sam'] } });

    expect(result).toEqual({ handoff: 'sent' });
    expectLeadAndSigningKeyRead();
    expectIdempotencyRecordPut('rep-kim', 'kim.closer@example.com');
    expect(ses).toHaveReceivedCommandExactlyOnceWith(SendEmailCommand, {
      Destination: { ToAddresses: ['kim.closer@example.com'] },
      ConfigurationSetName: 'leadloop-config-set',
    });
    const text = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Body?.Text?.Data;
    expect(text).toContain('reassigned to you');
    expect(text).toContain(`Accept: ${linkFor('accept', 'rep-kim')}`);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: emailKey('rep-kim') });
  });

  it('fails without emailing anyone when the lead does not exist', async () => {
    ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({});
    ddb.on(PutCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-5' });

    await expect(handoff()).rejects.toThrow(`lead ${LEAD_ID} does not exist`);

    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: profileKey(LEAD_ID) });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
