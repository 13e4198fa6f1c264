import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { meter, RETURN_CONSUMED, type OnConsumed } from '#commons/consumed.ts';

type Key = Record<string, unknown>;

export type BatchGetAll = <T = Record<string, unknown>>(table: string, keys: readonly Key[], options?: { consistentRead?: boolean }) => Promise<T[]>;

/**
 * Every item found for these keys in one table: BatchGetItem in chunks of
 * 100, read at once, each retried until DynamoDB has no unprocessed keys left.
 */
export interface BatchGetSettings {
  client: DynamoDBDocumentClient;
  /** Told the read units of each BatchGetItem call, retries of unprocessed keys included. @default - not reported */
  onConsumed?: OnConsumed;
}

export function createBatchGet({ client, onConsumed }: BatchGetSettings): BatchGetAll {
  const consumed = meter(onConsumed);
  return async function batchGetAll<T = Record<string, unknown>>(table: string, keys: readonly Key[], options: { consistentRead?: boolean } = {}): Promise<T[]> {
    const chunks = Array.from({ length: Math.ceil(keys.length / 100) }, (_, i) => keys.slice(i * 100, i * 100 + 100));
    const pages = await Promise.all(
      chunks.map(async (chunk) => {
        const items: T[] = [];
        let request: Record<string, { Keys: Key[]; ConsistentRead?: boolean }> | undefined = {
          [table]: { Keys: chunk, ...(options.consistentRead && { ConsistentRead: true }) },
        };
        while (request && Object.keys(request).length > 0) {
          const response = await client.send(new BatchGetCommand({ RequestItems: request, ...RETURN_CONSUMED }));
          consumed.read(response.ConsumedCapacity);
          items.push(...((response.Responses?.[table] ?? []) as T[]));
          request = response.UnprocessedKeys as typeof request;
        }
        return items;
      }),
    );
    return pages.flat();
  };
}
