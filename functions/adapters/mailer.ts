import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb, ses } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import { EmailOutcomeUnknownError } from '#commons/errors.ts';
import type { RenderedEmail } from '#core/emails.ts';
import { emailKey } from '#core/table-layout.ts';

const leadsTable = getStringFromEnv('LEADS_TABLE');
const sender = getStringFromEnv('SENDER_ADDRESS');
const configurationSet = getStringFromEnv('SES_CONFIGURATION_SET');

export interface EmailToSend extends RenderedEmail {
  to: string;
  /** what this email is for; at most one email is sent per idempotency key */
  idempotencyKey: string;
}

export type SendResult = { sent: true; messageId: string } | { sent: false; reason: 'already-sent' };

/**
 * Sends an email at most once per idempotency key: the record is written
 * before SendEmail. If a send fails for certain, the record is removed so a
 * retry can send; if its outcome is unknown, it is never sent again.
 */
export async function sendEmailOnce(email: EmailToSend): Promise<SendResult> {
  const key = emailKey(email.idempotencyKey);
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: leadsTable,
        Item: { ...key, status: 'sending', to: email.to, subject: email.subject, startedAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await dynamodb.send(new GetCommand({ TableName: leadsTable, Key: key, ConsistentRead: true }));
    if (Item?.status === 'sent') return { sent: false, reason: 'already-sent' };
    throw new EmailOutcomeUnknownError(email.idempotencyKey);
  }

  let messageId: string;
  try {
    const response = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: sender,
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: configurationSet,
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
    messageId = response.MessageId ?? 'unknown';
  } catch (error) {
    // SES refused the request, so nothing was sent: let a retry send it.
    await dynamodb.send(new DeleteCommand({ TableName: leadsTable, Key: key }));
    throw error;
  }
  await dynamodb.send(
    new UpdateCommand({
      TableName: leadsTable,
      Key: key,
      UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAt = :now',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sent': 'sent', ':messageId': messageId, ':now': new Date().toISOString() },
    }),
  );
  return { sent: true, messageId };
}
