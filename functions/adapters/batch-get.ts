import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapConcurrently } from '#commons/concurrency.ts';

type Key = Record<string, unknown>;

/** Keys per BatchGetItem request: DynamoDB's limit. */
const KEYS_PER_REQUEST = 100;

/**
 * Requests in flight per read. A merge reads a lead's whole history (thousands
 * of events); unbounded, that is dozens of requests at once, each up to 16 MB
 * of answer, competing for the table's read capacity and the function's memory.
 */
export const REQUESTS_AT_ONCE = 4;

export type BatchGetAll = <T = Record<string, unknown>>(table: string, keys: readonly Key[], options?: { consistentRead?: boolean }) => Promise<T[]>;

/**
 * Every item found for these keys in one table, in the order of the chunks
 * read: BatchGetItem in chunks of 100, a few at a time (REQUESTS_AT_ONCE),
 * each retried until DynamoDB has no unprocessed keys left.
 */
export function createBatchGet({ client }: { client: DynamoDBDocumentClient }): BatchGetAll {
  return async function batchGetAll<T = Record<string, unknown>>(table: string, keys: readonly Key[], options: { consistentRead?: boolean } = {}): Promise<T[]> {
    const chunks = Array.from({ length: Math.ceil(keys.length / KEYS_PER_REQUEST) }, (_, i) => keys.slice(i * KEYS_PER_REQUEST, (i + 1) * KEYS_PER_REQUEST));
    const pages = await mapConcurrently(chunks, REQUESTS_AT_ONCE, async (chunk) => {
      const items: T[] = [];
      let request: Record<string, { Keys: Key[]; ConsistentRead?: boolean }> | undefined = {
        [table]: { Keys: chunk, ...(options.consistentRead && { ConsistentRead: true }) },
      };
      while (request && Object.keys(request).length > 0) {
        const response = await client.send(new BatchGetCommand({ RequestItems: request }));
        items.push(...((response.Responses?.[table] ?? []) as T[]));
        request = response.UnprocessedKeys as typeof request;
      }
      return items;
    });
    return pages.flat();
  };
}
