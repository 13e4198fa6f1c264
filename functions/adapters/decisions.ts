import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import type { OutcomeEvent } from './event-store.ts';
import { getCycle, openForDecision, type Cycle } from './lead-store.ts';
import { cycleKey } from '#core/table-layout.ts';

const leadsTable = getStringFromEnv('LEADS_TABLE');
const eventsTable = getStringFromEnv('EVENTS_TABLE');

export type DecisionWrite = { recorded: true } | { recorded: false; cycle: Cycle | undefined };

/**
 * Records a rep's decision the moment it is made: on the cycle, on condition
 * that the rep may still decide (an escalation written first refuses it, and
 * one written after sees it), together with the outcome event that moves the
 * lead's stage through the stream. One transaction, so there is never a
 * decision without its event, nor an event for a refused decision.
 */
export async function recordDecision(event: OutcomeEvent): Promise<DecisionWrite> {
  const open = openForDecision(event.outcome.repId);
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: leadsTable,
              Key: cycleKey(event.leadId, event.outcome.cycle),
              UpdateExpression: 'SET outcome = :outcome',
              ...open,
              ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':outcome': event.outcome },
            },
          },
          { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
        ],
      }),
    );
    return { recorded: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    // Refused: the cycle as it is now says what stands instead.
    return { recorded: false, cycle: await getCycle(event.leadId, event.outcome.cycle) };
  }
}
