import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { MessageRejected, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../../functions/adapters/mailer.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import { EmailUnansweredError } from '../../../functions/commons/errors.ts';
import type { EmailToSend } from '../../../functions/core/emails.ts';

/**
 * At most one email per idempotency key: the record written before SES is
 * called, and its order with the send, is the contract.
 */
const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);

const TABLE = 'leads-table';
const { sendEmailOnce } = createMailer({
  client: createDocumentClient({ region: 'eu-west-1' }),
  ses: new SESv2Client({ region: 'eu-west-1' }),
  leadsTable: TABLE,
  senderAddress: 'LeadLoop <leadloop@example.com>',
  sesConfigurationSet: 'leadloop-config-set',
});
const KEY = 'lead-0123456789abcdef0123#1#handoff#rep-sam';
const recordKey = { pk: `EMAIL#${KEY}`, sk: 'EMAIL' };
const email: EmailToSend = { to: 'sam.seller@example.com', subject: 'New lead: Dana Buyer (Acme Corp)', html: '<p>hi</p>', text: 'hi', idempotencyKey: KEY };
const conditionalCheckFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function expectRecordPut() {
  expect(ddb).toHaveReceivedCommandWith(PutCommand, {
    TableName: TABLE,
    Item: expect.objectContaining({ ...recordKey, status: 'sending', to: 'sam.seller@example.com' }),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

describe('mailer: sendEmailOnce', () => {
  beforeEach(() => {
    ddb.reset();
    ses.reset();
  });

  it('records the send before calling SES, sends from the configured sender, and marks it sent', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).resolves({});
    ddb.on(UpdateCommand, { TableName: TABLE, Key: recordKey }).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });

    expect(await sendEmailOnce(email)).toEqual({ sent: true, messageId: 'ses-message-1' });

    expectRecordPut();
    expect(ses).toHaveReceivedCommandExactlyOnceWith(SendEmailCommand, {
      FromEmailAddress: 'LeadLoop <leadloop@example.com>',
      Destination: { ToAddresses: ['sam.seller@example.com'] },
      ConfigurationSetName: 'leadloop-config-set',
    });
    const [send] = ses.commandCalls(SendEmailCommand);
    const content = send!.args[0].input.Content?.Simple;
    expect(content?.Subject?.Data).toBe(email.subject);
    expect(content?.Body?.Text?.Data).toBe(email.text);
    expect(content?.Body?.Html?.Data).toBe(email.html);
    const recordPut = ddb.commandCalls(PutCommand).find((call) => call.args[0].input.Item?.pk === recordKey.pk);
    expect(recordPut!.calledBefore(send!)).toBe(true);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
      TableName: TABLE,
      Key: recordKey,
      ExpressionAttributeValues: expect.objectContaining({ ':sent': 'sent', ':messageId': 'ses-message-1' }),
    });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('sends nothing when the record says the email was already sent', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).rejects(conditionalCheckFailed());
    ddb.on(GetCommand, { TableName: TABLE, Key: recordKey }).resolves({ Item: { ...recordKey, status: 'sent' } });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-2' });

    expect(await sendEmailOnce(email)).toEqual({ sent: false, reason: 'already-sent' });

    expectRecordPut();
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: recordKey, ConsistentRead: true });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('refuses to send again when an earlier attempt never recorded its outcome', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).rejects(conditionalCheckFailed());
    ddb.on(GetCommand, { TableName: TABLE, Key: recordKey }).resolves({ Item: { ...recordKey, status: 'sending' } });
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-3' });

    await expect(sendEmailOnce(email)).rejects.toMatchObject({ name: 'EmailOutcomeUnknownError' });

    expectRecordPut();
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: recordKey });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('deletes the record and rethrows when SES refuses the email, so a retry can send', async () => {
    const refused = new MessageRejected({ message: 'Email address is not verified.', $metadata: {} });
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).resolves({});
    ddb.on(DeleteCommand, { TableName: TABLE, Key: recordKey }).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejects(refused);

    await expect(sendEmailOnce(email)).rejects.toBe(refused);

    expectRecordPut();
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(DeleteCommand, { TableName: TABLE, Key: recordKey });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('sends when the record found is its own: a put whose answer was lost, sent again by the SDK', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).rejects(conditionalCheckFailed());
    // the record holds whatever attempt id this call put (the first, lost, answer)
    ddb.on(GetCommand, { TableName: TABLE, Key: recordKey }).callsFake(() => {
      const put = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
      return { Item: { ...recordKey, status: 'sending', attempt: put.attempt } };
    });
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-5' });

    expect(await sendEmailOnce(email)).toEqual({ sent: true, messageId: 'ses-message-5' });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('counts a send SES never answered as sent: the record stays, nothing is sent again', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).rejects(new EmailUnansweredError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));

    expect(await sendEmailOnce(email)).toEqual({ sent: true, messageId: 'unanswered' });

    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: recordKey, ExpressionAttributeValues: expect.objectContaining({ ':sent': 'sent', ':messageId': 'unanswered' }) });
  });

  it('answers sent when SES took the email but marking the record failed: the record, still sending, stops a second send', async () => {
    ddb.on(PutCommand, { TableName: TABLE, Item: recordKey }).resolves({});
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }));
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-6' });

    expect(await sendEmailOnce(email)).toEqual({ sent: true, messageId: 'ses-message-6' });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });
});
