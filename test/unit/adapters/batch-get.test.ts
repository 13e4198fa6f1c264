import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBatchGet, REQUESTS_AT_ONCE } from '../../../functions/adapters/batch-get.ts';
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

  it('has at most a few requests in flight, and answers the items in the order of the keys’ chunks', async () => {
    // Prepare: each request answers its keys once the requests sent so far have all started
    let inFlight = 0;
    let most = 0;
    ddb.on(BatchGetCommand).callsFake(async (input: { RequestItems: { events: { Keys: unknown[] } } }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { Responses: { events: input.RequestItems.events.Keys } };
    });
    const keys = Array.from({ length: 1_000 }, (_, i) => key(i));

    // Act
    const items = await batchGetAll('events', keys);

    // Assess
    expect(items).toEqual(keys);
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 10);
    expect(most).toBe(REQUESTS_AT_ONCE);
    expect(REQUESTS_AT_ONCE).toBeLessThan(10);
  });
});
