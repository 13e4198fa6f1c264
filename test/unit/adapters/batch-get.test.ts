import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBatchGet } from '../../../functions/adapters/batch-get.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';

/**
 * What DynamoDB Local cannot be made to do on demand: answer with unprocessed
 * keys (AWS does under load). The contract is the SDK exchange itself, so
 * the SDK is mocked here; every other batch read is tested against DynamoDB Local.
 */
const ddb = mockClient(DynamoDBDocumentClient);
const batchGetAll = createBatchGet({ client: createDocumentClient({ region: 'eu-west-1' }) });
const key = (i: number) => ({ messageId: `m-${i}` });

describe('reading a batch of keys', () => {
  beforeEach(() => ddb.reset());

  it('asks again for the keys DynamoDB left unprocessed until none are left', async () => {
    // Prepare
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { events: [key(1)] }, UnprocessedKeys: { events: { Keys: [key(2), key(3)], ConsistentRead: true } } })
      .resolvesOnce({ Responses: { events: [key(2)] }, UnprocessedKeys: { events: { Keys: [key(3)], ConsistentRead: true } } })
      .resolvesOnce({ Responses: { events: [key(3)] }, UnprocessedKeys: {} });

    // Act
    const items = await batchGetAll('events', [key(1), key(2), key(3)], { consistentRead: true });

    // Assess
    expect(items).toEqual([key(1), key(2), key(3)]);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 3);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 1, { RequestItems: { events: { Keys: [key(1), key(2), key(3)], ConsistentRead: true } } });
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 3, { RequestItems: { events: { Keys: [key(3)], ConsistentRead: true } } });
  });

  it('reads at most 100 keys per request', async () => {
    // Prepare
    ddb.on(BatchGetCommand).callsFake((input: { RequestItems: { events: { Keys: unknown[] } } }) => ({ Responses: { events: input.RequestItems.events.Keys } }));
    const keys = Array.from({ length: 250 }, (_, i) => key(i));

    // Act
    const items = await batchGetAll('events', keys);

    // Assess
    expect(items).toHaveLength(250);
    expect(ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems?.events?.Keys?.length)).toEqual([100, 100, 50]);
  });
});
