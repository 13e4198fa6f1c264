import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEventStore } from '../../../functions/adapters/event-store.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import type { EventRecord } from '../../../functions/core/records.ts';

/**
 * The event store's write is one conditional put: the condition is the
 * contract that stores an event once per messageId (its effect against
 * DynamoDB's own engine: test/integration/adapters/event-store.contract.ts).
 */
const ddb = mockClient(DynamoDBDocumentClient);
const { putEventOnce } = createEventStore({ client: createDocumentClient({ region: 'eu-west-1' }), eventsTable: 'events-table' });

const event: EventRecord = {
  kind: 'tracking',
  messageId: 'msg-1',
  type: 'track',
  event: 'Email Clicked',
  anonymousId: 'anon-1',
  timestamp: '2026-03-01T12:00:00.000Z',
  receivedAt: '2026-03-01T12:00:01.000Z',
  sourceId: 'src-web',
};

describe('event store: putEventOnce', () => {
  beforeEach(() => {
    ddb.reset();
  });

  it('puts the event only where no event of its messageId exists', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await putEventOnce(event)).toBe(true);

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, { TableName: 'events-table', Item: event, ConditionExpression: 'attribute_not_exists(messageId)' });
  });

  it('answers false, without failing, when the condition finds the event already stored', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await putEventOnce(event)).toBe(false);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('lets any other failure through', async () => {
    ddb.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'rate exceeded', $metadata: {} }));

    await expect(putEventOnce(event)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});
