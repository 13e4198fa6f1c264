import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mapConcurrently } from '#commons/concurrency.ts';
import type { EventRecord } from '#core/records.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface EventStoreSettings {
  client: DynamoDBDocumentClient;
  eventsTable: string;
  /** told the write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
}

export type EventStore = ReturnType<typeof createEventStore>;

/** Writes of one call in flight at once. */
const CONCURRENCY = 16;

/** The events table, written once per messageId. */
export function createEventStore({ client: sdkClient, eventsTable, onConsumed }: EventStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  // The client's own rules (removeUndefinedValues, …), so a rehearsal fails exactly where its write would.
  const marshallOptions = sdkClient.config.translateConfig?.marshallOptions;

  /**
   * Writes an event once: a conditional put keyed by messageId. A duplicate
   * costs one failed conditional write and changes nothing.
   * @returns false when the event was already stored
   */
  async function putEventOnce(event: EventRecord): Promise<boolean> {
    try {
      await client.send(
        new PutCommand({
          TableName: eventsTable,
          Item: event,
          ConditionExpression: 'attribute_not_exists(messageId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  return {
    putEventOnce,
    /**
     * Writes each event once (as putEventOnce). Every event is first
     * marshalled by the client's rules, so one the SDK cannot marshal fails
     * the call before anything is written: a batch is all or nothing (see
     * docs/decisions.md), and marshalling, run write by write, would
     * otherwise refuse its event after others were stored. A write failing
     * later (a throttle past the SDK's retries) can still leave some stored:
     * each is idempotent, so the sender's retry completes the batch.
     * @returns for each event, in order, whether it was new
     */
    async putEventsOnce(events: readonly EventRecord[]): Promise<boolean[]> {
      for (const event of events) marshall(event, marshallOptions);
      return mapConcurrently(events, CONCURRENCY, putEventOnce);
    },
  };
}
