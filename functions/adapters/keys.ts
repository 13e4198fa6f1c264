import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import { keyHash, keyItemKey } from '#core/keys.ts';
import { configKey } from '#core/table-layout.ts';

const leadsTable = getStringFromEnv('LEADS_TABLE');
const CACHE_MS = 60_000;

export type KeyKind = 'write' | 'server';
export interface ApiKey {
  sourceId: string;
  kind: KeyKind;
  /** origins a browser may use this key from (`*` for any); without it, browsers may not use it */
  allowedOrigins?: string[];
}

const cache = new Map<string, { value: ApiKey | undefined; until: number }>();

/** Looks a key up by its hash; only hashes are stored. Answers are cached briefly per container. */
export async function findKey(key: string): Promise<ApiKey | undefined> {
  const hash = keyHash(key);
  const cached = cache.get(hash);
  if (cached && cached.until > Date.now()) return cached.value;
  const { Item } = await dynamodb.send(new GetCommand({ TableName: leadsTable, Key: keyItemKey(key) }));
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
}

/** Registers a key for a source; more than one key per source may be active, so keys can be rotated. */
export async function registerKey(key: string, apiKey: ApiKey): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: leadsTable,
      Item: { ...keyItemKey(key), ...apiKey, active: true, createdAt: new Date().toISOString() },
    }),
  );
}

let linkKey: string | undefined;

/**
 * The secret that signs hand-off links, created on first use and kept in the
 * table, so the same code works wherever the table is.
 */
export async function getLinkSigningKey(): Promise<string> {
  if (linkKey) return linkKey;
  const key = configKey('link-signing-key');
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: leadsTable,
        Item: { ...key, value: randomBytes(32).toString('base64url') },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const { Item } = await dynamodb.send(new GetCommand({ TableName: leadsTable, Key: key, ConsistentRead: true }));
  linkKey = String(Item?.value);
  return linkKey;
}
