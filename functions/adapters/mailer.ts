import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { EmailOutcomeUnknownError, EmailUnansweredError } from '#commons/errors.ts';
import type { EmailToSend, SendResult } from '#core/emails.ts';
import { emailKey } from '#core/table-layout.ts';

export interface MailerSettings {
  client: DynamoDBDocumentClient;
  ses: SESv2Client;
  /** where the record of each send is kept */
  leadsTable: string;
  senderAddress: string;
  sesConfigurationSet: string;
  /** Told the capacity units each DynamoDB call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type Mailer = ReturnType<typeof createMailer>;

/** A header an email carries beside SES's own (a nurture email's List-Unsubscribe, List-Unsubscribe-Post). */
export interface MailHeader {
  name: string;
  value: string;
}

export function createMailer({ client: sdkClient, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed }: MailerSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * Sends an email at most once per idempotency key: the record is written
     * before SendEmail. If a send fails for certain, the record is removed so a
     * retry can send; if its outcome is unknown, it is never sent again. A send
     * SES did not answer counts as sent (see decisions: Faults).
     */
    async sendEmailOnce(email: EmailToSend & { headers?: readonly MailHeader[] }): Promise<SendResult> {
      const key = emailKey(email.idempotencyKey);
      // names this call's record: a put whose answer was lost and that the SDK sent again finds its own record
      const attempt = randomUUID();
      try {
        await client.send(
          new PutCommand({
            TableName: leadsTable,
            Item: { ...key, status: 'sending', attempt, to: email.to, subject: email.subject, startedAt: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: key, ConsistentRead: true }));
        if (Item?.status === 'sent') return { sent: false, reason: 'already-sent' };
        if (Item?.status !== 'sending' || Item.attempt !== attempt) throw new EmailOutcomeUnknownError(email.idempotencyKey);
      }

      let messageId: string;
      try {
        const response = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: senderAddress,
            Destination: { ToAddresses: typeof email.to === 'string' ? [email.to] : [...email.to] },
            ConfigurationSetName: sesConfigurationSet,
            Content: {
              Simple: {
                Subject: { Data: email.subject, Charset: 'UTF-8' },
                Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
                ...(email.headers && email.headers.length > 0 && { Headers: email.headers.map(({ name, value }) => ({ Name: name, Value: value })) }),
              },
            },
          }),
        );
        messageId = response.MessageId ?? 'unknown';
      } catch (error) {
        // No answer: it may have gone out. Never again; the record says so, and the caller goes on as if sent.
        if (error instanceof EmailUnansweredError) messageId = 'unanswered';
        else {
          // SES refused the request, so nothing was sent: let a retry send it.
          await client.send(new DeleteCommand({ TableName: leadsTable, Key: key }));
          throw error;
        }
      }
      await client
        .send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: key,
            UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAt = :now',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sent': 'sent', ':messageId': messageId, ':now': new Date().toISOString() },
          }),
        )
        // The email is out: failing now would only fail the caller. Left 'sending', the record still stops a second send.
        .catch(() => undefined);
      return { sent: true, messageId };
    },
  };
}
