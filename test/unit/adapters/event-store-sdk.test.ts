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
const { putEventOnce, putEventsOnce } = createEventStore({ client: createDocumentClient({ region: 'eu-west-1' }), eventsTable: 'events-table' });

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

describe('event store: putEventsOnce', () => {
  beforeEach(() => {
    ddb.reset();
  });

  it('puts each event once and says which were new, in order', async () => {
    // Prepare: msg-2 is stored already
    ddb.on(PutCommand).resolves({});
    ddb.on(PutCommand, { Item: { messageId: 'msg-2' } }, false).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const stored = await putEventsOnce([event, { ...event, messageId: 'msg-2' }, { ...event, messageId: 'msg-3' }]);

    // Assess
    expect(stored).toEqual([true, false, true]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
  });

  it('writes none of the events when one cannot be marshalled, and fails', async () => {
    // Prepare: a map whose "constructor" field makes the SDK take it for a class instance (the edge refuses it;
    // this is the store's own guard), after two events it could write
    ddb.on(PutCommand).resolves({});
    const unmarshallable = { ...event, messageId: 'msg-3', properties: JSON.parse('{"constructor":"x"}') as Record<string, unknown> };

    // Act / Assess
    await expect(putEventsOnce([event, { ...event, messageId: 'msg-2' }, unmarshallable])).rejects.toThrow(/Unsupported type/);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
  });
});
