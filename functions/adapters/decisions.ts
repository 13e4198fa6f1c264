import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cycle } from '#core/cycle.ts';
import type { DecisionWrite, DecisionEvent, OutcomeEvent } from '#core/records.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { createLeadStore, decisionUpdate, openForDecision } from './lead-store.ts';
import { transactWithCounts, type TransactItem } from './report-writes.ts';
import { openCountUpdate } from './rep-store.ts';
import { cycleKey } from '#core/table-layout.ts';


export interface DecisionsSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type Decisions = ReturnType<typeof createDecisions>;

export function createDecisions({ client: sdkClient, leadsTable, eventsTable, onConsumed }: DecisionsSettings) {
  const { getCycle } = createLeadStore({ client: sdkClient, leadsTable, onConsumed });
  const client = meteredClient(sdkClient, onConsumed);
  /** Whether the transaction was written; refused (a condition, or cancelled for good) is false. */
  async function written(items: TransactItem[]): Promise<boolean> {
    try {
      return (await transactWithCounts(client, items)) === undefined;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  return {
    /**
     * Records a rep's decision the moment it is made: on the cycle, on condition
     * that the rep may still decide (an escalation written first refuses it, and
     * one written after sees it), together with the outcome event that moves the
     * lead's stage through the stream. One transaction, so there is never a
     * decision without its event, nor an event for a refused decision.
     */
    async recordDecision(event: DecisionEvent): Promise<DecisionWrite> {
      const open = openForDecision(event.outcome.repId);
      const decisionWith = (counted: boolean): TransactItem[] => [
        {
          Update: {
            TableName: leadsTable,
            Key: cycleKey(event.leadId, event.outcome.cycle),
            ...decisionUpdate(open, event.outcome, counted),
          },
        },
        { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
        ...(counted ? [openCountUpdate(leadsTable, event.outcome.repId, -1)] : []),
      ];
      // A rejection ends the rep's open lead: −1 with it while the cycle counts for them (rep-store.ts); a cycle
      // written before open leads were counted has no openFor, and is decided without.
      if (event.outcome.kind === 'rejected' && (await written(decisionWith(true)))) return { recorded: true };
      if (await written(decisionWith(false))) return { recorded: true };
      // Refused: the cycle as it is now says what stands instead.
      return { recorded: false, cycle: await getCycle(event.leadId, event.outcome.cycle) };
    },
  };
}
