import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LeadRef } from '#core/lead-ref.ts';
import { followMerges } from '#core/merge.ts';
import type { CrmOutcomeEvent, VersionedLead } from '#core/records.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { createLeadStore } from './lead-store.ts';

export interface CrmOutcomeStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type CrmOutcomeStore = ReturnType<typeof createCrmOutcomeStore>;

/** One transaction holds at most 100 items. */
export const MAX_OUTCOMES_PER_WRITE = 100;
/** Rounds of a transaction refused only because other writers held its items at that moment. */
const MAX_CONFLICT_ROUNDS = 5;

/** Thrown when a transaction keeps being refused for reasons other than duplicates. */
export class OutcomesNotStoredError extends Error {
  constructor(reasons: readonly (string | undefined)[], options?: ErrorOptions) {
    super(`the outcomes were not stored: ${reasons.filter((r) => r !== undefined && r !== 'None').join(', ') || 'refused'}`, options);
    this.name = 'OutcomesNotStoredError';
  }
}

/**
 * What recording the CRM's outcomes needs from the tables: the lead an
 * outcome names (by id, following merges, or by the email it is linked to),
 * and the outcome events, stored all together, each at most once.
 */
export function createCrmOutcomeStore({ client: sdkClient, leadsTable, eventsTable, onConsumed }: CrmOutcomeStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const leads = createLeadStore({ client: sdkClient, leadsTable, ...(onConsumed && { onConsumed }) });
  const batchGetAll = createBatchGet({ client });
  const read = (leadId: string) => leads.getLead(leadId);

  return {
    async findLead(ref: LeadRef): Promise<VersionedLead | undefined> {
      const leadId = 'leadId' in ref ? ref.leadId : await leads.leadIdOf(`email:${ref.email}`);
      return leadId === undefined ? undefined : followMerges(await read(leadId), read);
    },

    /**
     * Stores the events in one transaction (each Put on condition that its
     * messageId is new), so they are all stored or none. Events stored
     * already are duplicates: DynamoDB names them in the cancellation
     * reasons, and the rest is written again without them. One event is one
     * conditional put (a transaction costs twice).
     * @returns the messageIds that were stored already
     */
    async storeOutcomes(events: CrmOutcomeEvent[]): Promise<{ duplicates: Set<string> }> {
      if (events.length > MAX_OUTCOMES_PER_WRITE) throw new RangeError(`at most ${MAX_OUTCOMES_PER_WRITE} outcomes are stored at once, got ${events.length}`);
      const duplicates = new Set<string>();
      let rest = [...events];
      for (let conflicts = 0; rest.length > 0; ) {
        if (rest.length === 1) {
          const [only] = rest;
          try {
            await client.send(new PutCommand({ TableName: eventsTable, Item: only, ConditionExpression: 'attribute_not_exists(messageId)' }));
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            duplicates.add(only!.messageId);
          }
          return { duplicates };
        }
        try {
          await client.send(
            new TransactWriteCommand({
              TransactItems: rest.map((event) => ({ Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } })),
            }),
          );
          return { duplicates };
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const stored = rest.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed');
          if (stored.length === 0) {
            // Refused only because the items were busy (another writer's transaction): try again a few times.
            if (++conflicts >= MAX_CONFLICT_ROUNDS) throw new OutcomesNotStoredError(reasons.map((r) => r.Code), { cause: error });
            continue;
          }
          for (const event of stored) duplicates.add(event.messageId);
          rest = rest.filter((event) => !duplicates.has(event.messageId));
        }
      }
      return { duplicates };
    },

    /** Of these messageIds, those stored already (strongly consistent). */
    async storedOutcomes(messageIds: string[]): Promise<Set<string>> {
      const items = await batchGetAll(eventsTable, [...new Set(messageIds)].map((messageId) => ({ messageId })), { consistentRead: true });
      return new Set(items.map((item) => String(item.messageId)));
    },
  };
}
