import { BatchWriteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tombstoneLookup, type ErasedIdentity } from '#core/erasure.ts';
import { EVENTS_PARTITION_KEY, leadPartition, profileKey, type ItemKey } from '#core/table-layout.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface ErasureStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type ErasureStore = ReturnType<typeof createErasureStore>;

/** Requests per BatchWriteItem: DynamoDB's limit. */
const WRITES_PER_REQUEST = 25;

/** An item of a lead's partition as stored: its sort key and attributes. */
export type LeadItem = Record<string, unknown> & { sk: string };

/**
 * The reads and deletes of an erasure and an export (core/erasure.ts says
 * what), and the tombstones: every call metered, deletes in BatchWriteItem
 * chunks retried until nothing is left unprocessed (deleting what is gone is a no-op).
 */
export function createErasureStore({ client: sdkClient, leadsTable, eventsTable, onConsumed }: ErasureStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });

  async function batchWrite(table: string, requests: Record<string, unknown>[]): Promise<void> {
    for (let at = 0; at < requests.length; at += WRITES_PER_REQUEST) {
      let request: Record<string, Record<string, unknown>[]> | undefined = { [table]: requests.slice(at, at + WRITES_PER_REQUEST) };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const response = await client.send(new BatchWriteCommand({ RequestItems: request as never }));
        request = response.UnprocessedItems as typeof request;
      }
    }
  }

  const unique = (keys: readonly ItemKey[]): ItemKey[] => [...new Map(keys.map((key) => [`${key.pk}\n${key.sk}`, key])).values()];

  return {
    /** A lead's profile as stored (consistent), or undefined. */
    async getProfile(leadId: string): Promise<Record<string, unknown> | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ConsistentRead: true }));
      return Item;
    },

    /** Up to `limit` items of a lead's partition from its start (or after `after`), in sort-key order, and where the next page starts. */
    async leadItems(leadId: string, limit: number, after?: string): Promise<{ items: LeadItem[]; next?: string }> {
      const { Items = [], LastEvaluatedKey } = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': leadPartition(leadId) },
          ConsistentRead: true,
          Limit: limit,
          ...(after !== undefined && { ExclusiveStartKey: { pk: leadPartition(leadId), sk: after } }),
        }),
      );
      return { items: Items as LeadItem[], ...(LastEvaluatedKey && { next: String(LastEvaluatedKey.sk) }) };
    },

    /** The items of the leads table found for these keys. */
    getItems: (keys: readonly ItemKey[]) => batchGetAll(leadsTable, unique(keys)),

    /** The events stored under these messageIds. */
    getEvents: (messageIds: readonly string[]) => batchGetAll(eventsTable, [...new Set(messageIds)].map((messageId) => ({ [EVENTS_PARTITION_KEY]: messageId }))),

    /** Deletes these items of the leads table, in order of the chunks. */
    deleteItems: (keys: readonly ItemKey[]) => batchWrite(leadsTable, unique(keys).map((Key) => ({ DeleteRequest: { Key } }))),

    /** Deletes these events. */
    deleteEvents: (messageIds: readonly string[]) => batchWrite(eventsTable, [...new Set(messageIds)].map((messageId) => ({ DeleteRequest: { Key: { [EVENTS_PARTITION_KEY]: messageId } } }))),

    /** Writes tombstones (hashes only; writing one again changes nothing that matters). */
    putTombstones: (keys: readonly ItemKey[], at: string) => batchWrite(leadsTable, unique(keys).map((key) => ({ PutRequest: { Item: { ...key, at } } }))),

    /** Which of these identities an erasure left a tombstone for (as written now, or before the tombstone prefix): one consistent BatchGetItem. */
    async erasedAmong(identities: readonly ErasedIdentity[]): Promise<Set<ErasedIdentity>> {
      const byPartition = tombstoneLookup(identities);
      if (byPartition.size === 0) return new Set();
      const found = await batchGetAll(leadsTable, [...byPartition.values()].map(({ key }) => key), { consistentRead: true });
      return new Set(found.map((item) => byPartition.get(String(item.pk))!.identity));
    },
  };
}
