import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { keyHash, keyItemKey } from '#core/keys.ts';
import { configKey } from '#core/table-layout.ts';

const CACHE_MS = 60_000;

export type KeyKind = 'write' | 'server';
export interface ApiKey {
  sourceId: string;
  kind: KeyKind;
  /** origins a browser may use this key from (`*` for any); without it, browsers may not use it */
  allowedOrigins?: string[];
}

export interface KeysSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type Keys = ReturnType<typeof createKeys>;

/**
 * API keys and the link-signing secret, kept in the leads table. Each
 * instance caches what it read (one instance per container, built by the
 * handler's wiring), so a cold start reads afresh.
 */
export function createKeys({ client: sdkClient, leadsTable, onConsumed }: KeysSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const cache = new Map<string, { value: ApiKey | undefined; until: number }>();
  let linkKey: string | undefined;

  return {
    /** Looks a key up by its hash; only hashes are stored. Answers are cached briefly per container. */
    async findKey(key: string): Promise<ApiKey | undefined> {
      const hash = keyHash(key);
      const cached = cache.get(hash);
      if (cached && cached.until > Date.now()) return cached.value;
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: keyItemKey(key) }));
      const value =
        Item && Item.active !== false
          ? {
              sourceId: String(Item.sourceId),
              kind: Item.kind as KeyKind,
              ...(Array.isArray(Item.allowedOrigins) && { allowedOrigins: Item.allowedOrigins.map(String) }),
            }
          : undefined;
      cache.set(hash, { value, until: Date.now() + CACHE_MS });
      return value;
    },

    /** Registers a key for a source; more than one key per source may be active, so keys can be rotated. */
    async registerKey(key: string, apiKey: ApiKey): Promise<void> {
      await client.send(
        new PutCommand({
          TableName: leadsTable,
          Item: { ...keyItemKey(key), ...apiKey, active: true, createdAt: new Date().toISOString() },
        }),
      );
    },

    /**
     * The secret that signs hand-off links, created on first use and kept in the
     * table, so the same code works wherever the table is.
     */
    async getLinkSigningKey(): Promise<string> {
      if (linkKey) return linkKey;
      const key = configKey('link-signing-key');
      try {
        await client.send(
          new PutCommand({
            TableName: leadsTable,
            Item: { ...key, value: randomBytes(32).toString('base64url') },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: key, ConsistentRead: true }));
      linkKey = String(Item?.value);
      return linkKey;
    },
  };
}
