import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventRecord } from '#core/records.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface EventStoreSettings {
  client: DynamoDBDocumentClient;
  eventsTable: string;
  /** told the write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
}

export type EventStore = ReturnType<typeof createEventStore>;

/** The events table, written once per messageId. */
export function createEventStore({ client: sdkClient, eventsTable, onConsumed }: EventStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * Writes an event once: a conditional put keyed by messageId. A duplicate
     * costs one failed conditional write and changes nothing.
     * @returns false when the event was already stored
     */
    async putEventOnce(event: EventRecord): Promise<boolean> {
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
    },
  };
}
