import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import type { Outcome } from '#core/outcomes.ts';

const eventsTable = getStringFromEnv('EVENTS_TABLE');

/** An outcome reported by a rep or the CRM; stored and applied like any other event. */
export interface OutcomeEvent {
  messageId: string;
  kind: 'outcome';
  leadId: string;
  outcome: Outcome;
  receivedAt: string;
}

export type EventRecord = (StoredEvent & { kind: 'tracking' }) | OutcomeEvent;

/**
 * Writes an event once: a conditional put keyed by messageId. A duplicate
 * costs one failed conditional write and changes nothing.
 * @returns false when the event was already stored
 */
export async function putEventOnce(event: EventRecord): Promise<boolean> {
  try {
    await dynamodb.send(
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
