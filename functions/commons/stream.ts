import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { logger } from './logger.ts';

export interface StreamConsumer<T> {
  /** The consumer's record from an inserted item (unmarshalled); throws when the item is not one. */
  read: (item: Record<string, unknown>) => T;
  /**
   * Applies the records read, in stream order, and answers those it could
   * not apply (the same objects it was given). A failure that belongs to no
   * one record is thrown instead.
   */
  apply: (records: readonly T[], context: Context) => Promise<Iterable<T>>;
}

/**
 * The one middleware chain every DynamoDB stream consumer shares, with
 * partial batch failure reporting (the event source mapping sets
 * `ReportBatchItemFailures`). Inserted items are read, then applied; every
 * record that could not be read or applied is reported by its sequence
 * number, in stream order (the mapping takes the lowest as its checkpoint),
 * and only those: a record that cannot be read is reported on its own while
 * the others are applied. Other changes (modifications, TTL removals) are
 * skipped. An error thrown by `apply` fails the whole batch, so the mapping
 * bisects it until the record causing it stands alone (docs/decisions.md,
 * "The stream isolates a failing record").
 */
export function streamHandler<T>(consumer: StreamConsumer<T>) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      const failed = new Set<string>();
      const read: { sequenceNumber: string; record: T }[] = [];
      for (const r of event.Records) {
        if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) continue;
        const sequenceNumber = r.dynamodb.SequenceNumber!;
        try {
          read.push({ sequenceNumber, record: consumer.read(unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>)) });
        } catch (error) {
          logger.error('a stream record could not be read', { sequenceNumber, eventID: r.eventID, error: String(error) });
          failed.add(sequenceNumber);
        }
      }
      const notApplied = new Set(
        await consumer.apply(
          read.map((r) => r.record),
          context,
        ),
      );
      for (const { sequenceNumber, record } of read) if (notApplied.has(record)) failed.add(sequenceNumber);
      const batchItemFailures = event.Records.flatMap((r) => (failed.has(r.dynamodb?.SequenceNumber ?? '') ? [{ itemIdentifier: r.dynamodb!.SequenceNumber! }] : []));
      return { batchItemFailures };
    });
}
