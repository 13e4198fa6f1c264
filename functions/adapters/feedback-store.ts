import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeedbackOccasion } from '#core/feedback.ts';
import type { FeedbackEntry, FeedbackEvent } from '#core/records.ts';
import type { ReportCount } from '#core/report-counts.ts';
import { feedbackKey, feedbackOf as feedbackPrefix, leadPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { reportCountUpdates, transactWithCounts } from './report-writes.ts';

export interface FeedbackStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type FeedbackStore = ReturnType<typeof createFeedbackStore>;

function entryOf(leadId: string, item: Record<string, unknown>): FeedbackEntry {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return { leadId, ...rest } as FeedbackEntry;
}

/**
 * Reps' feedback on their hand-offs: each stored once per cycle and occasion,
 * in one transaction, as an event (the raw history) and as an item under the
 * lead (what the lead view and the feedback clock read).
 */
export function createFeedbackStore({ client: sdkClient, leadsTable, eventsTable, onConsumed }: FeedbackStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /** Stores the feedback unless feedback on that cycle and occasion is there: then nothing changes. */
    async storeFeedback(event: FeedbackEvent, reports: readonly ReportCount[] = []): Promise<'recorded' | 'duplicate'> {
      const { leadId, cycle, occasion } = event.feedback;
      const { leadId: _leadId, ...item } = event.feedback;
      // The report counts go in the same transaction: added exactly when the feedback is stored, never for a repeat.
      const failed = await transactWithCounts(client, [
        { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
        { Put: { TableName: leadsTable, Item: { ...feedbackKey(leadId, cycle, occasion), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...reportCountUpdates(leadsTable, leadId, reports),
      ]);
      return failed ? 'duplicate' : 'recorded';
    },

    /** The feedback given on one cycle and occasion, if any. */
    async getFeedback(leadId: string, cycle: number, occasion: FeedbackOccasion): Promise<FeedbackEntry | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: feedbackKey(leadId, cycle, occasion), ConsistentRead: true }));
      return Item ? entryOf(leadId, Item) : undefined;
    },

    /** The lead's feedback, of one cycle or of all, by cycle then occasion (a lead has a handful: one per cycle and occasion). */
    async feedbackOf(leadId: string, cycle?: number): Promise<FeedbackEntry[]> {
      const entries: FeedbackEntry[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': feedbackPrefix(cycle) },
            ConsistentRead: true,
            ...(ExclusiveStartKey && { ExclusiveStartKey }),
          }),
        );
        entries.push(...(page.Items ?? []).map((item) => entryOf(leadId, item)));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return entries;
    },
  };
}
