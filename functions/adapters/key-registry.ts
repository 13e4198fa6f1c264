import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { meteredClient, type OnConsumed } from './capacity.ts';
import type { KeyEntry, KeyKind } from '#core/key-registry.ts';
import { apiKeyKey, KEY_REGISTRY_PARTITION, keyRegistryKey } from '#core/table-layout.ts';

export interface KeyRegistrySettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

/** A key (by its hash) or a registry id already taken: nothing was written. */
export class KeyAlreadyRegisteredError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KeyAlreadyRegisteredError';
  }
}

export type KeyRegistry = ReturnType<typeof createKeyRegistry>;

function entryOf(item: Record<string, unknown>): KeyEntry {
  return {
    id: String(item.id),
    kind: item.kind as KeyKind,
    sourceId: String(item.sourceId),
    name: String(item.name ?? ''),
    allowedOrigins: Array.isArray(item.allowedOrigins) ? item.allowedOrigins.map(String) : [],
    keyHash: String(item.keyHash),
    hashPrefix: String(item.hashPrefix),
    createdAt: String(item.createdAt),
    ...(typeof item.revokedAt === 'string' && { revokedAt: item.revokedAt }),
    ...(typeof item.replaces === 'string' && { replaces: item.replaces }),
  };
}

/**
 * The key registry (leadloop keys): each key's own record under its hash
 * (what the functions' findKey reads) and its registry entry under `KEYS`,
 * always written together in one transaction, so a listing is one Query and
 * never misses or invents a key.
 */
export function createKeyRegistry({ client: sdkClient, leadsTable, onConsumed }: KeyRegistrySettings) {
  const client = meteredClient(sdkClient, onConsumed);

  return {
    /** Stores a new key's record (as the functions read it) and its registry entry; refuses a key or id already there. */
    async addKey(entry: KeyEntry): Promise<void> {
      const { keyHash, ...rest } = entry;
      const record = {
        ...apiKeyKey(keyHash),
        sourceId: entry.sourceId,
        kind: entry.kind,
        ...(entry.kind === 'write' && { allowedOrigins: entry.allowedOrigins }),
        active: true,
        createdAt: entry.createdAt,
        keyId: entry.id,
      };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: leadsTable, Item: record, ConditionExpression: 'attribute_not_exists(pk)' } },
              { Put: { TableName: leadsTable, Item: { ...keyRegistryKey(entry.id), ...rest, keyHash }, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
          throw new KeyAlreadyRegisteredError(`key ${entry.id} (sha256:${entry.hashPrefix}…) is already registered`, { cause: error });
        }
        throw error;
      }
    },

    /** Every registered key, oldest first by id order (one Query of the registry partition, paged). */
    async listKeys(): Promise<KeyEntry[]> {
      const entries: KeyEntry[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': KEY_REGISTRY_PARTITION },
            ConsistentRead: true,
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        entries.push(...(page.Items ?? []).map(entryOf));
        start = page.LastEvaluatedKey;
      } while (start);
      return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },

    /** A key's registry entry, or undefined. */
    async getKey(id: string): Promise<KeyEntry | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: keyRegistryKey(id), ConsistentRead: true }));
      return Item ? entryOf(Item) : undefined;
    },

    /**
     * Marks a key revoked in the registry and inactive in its record, both or
     * neither. Returns false when it was already revoked (nothing written).
     */
    async revokeKey(entry: KeyEntry, at: Date): Promise<boolean> {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: leadsTable,
                  Key: keyRegistryKey(entry.id),
                  UpdateExpression: 'SET revokedAt = :at',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
                  ExpressionAttributeValues: { ':at': at.toISOString() },
                },
              },
              {
                Update: {
                  TableName: leadsTable,
                  Key: apiKeyKey(entry.keyHash),
                  UpdateExpression: 'SET active = :off, revokedAt = :at',
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':off': false, ':at': at.toISOString() },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
        throw error;
      }
    },
  };
}
