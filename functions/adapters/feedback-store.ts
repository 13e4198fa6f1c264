import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import type { FeedbackOccasion } from '#core/feedback.ts';
import type { FeedbackComment } from '#core/reports/feedback.ts';
import type { FeedbackEntry, FeedbackEvent } from '#core/records.ts';
import type { ReportCount } from '#core/report-counts.ts';
import { commentKey, commentsPartition, feedbackKey, feedbackOf as feedbackPrefix, leadPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { reportCountUpdates, transactWithCounts } from './report-writes.ts';

/** Days' comment partitions read at once, newest first. */
const DAYS_AT_ONCE = 7;

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
 * A comment's item in its day's comments index (what the reports read), or
 * none when the feedback has no words. `messageId` (the feedback event's)
 * keeps two comments of one instant apart.
 */
export function commentItem(feedback: FeedbackEntry, messageId: string, teamId: string | undefined): Record<string, unknown> | undefined {
  const { comment, at, leadId, cycle, occasion, rating, repId } = feedback;
  if (comment === undefined || comment.trim() === '') return undefined;
  return { ...commentKey(at, messageId), at, leadId, cycle, occasion, rating, repId, ...(teamId !== undefined && { teamId }), comment };
}

/**
 * Reps' feedback on their hand-offs: each stored once per cycle and occasion,
 * in one transaction, as an event (the raw history) and as an item under the
 * lead (what the lead view and the feedback clock read).
 */
export function createFeedbackStore({ client: sdkClient, leadsTable, eventsTable, onConsumed }: FeedbackStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * Stores the feedback unless feedback on that cycle and occasion is there:
     * then nothing changes. A comment is indexed by its day in the same
     * transaction (with the team the hand-off went to, `teamId`), so it is
     * there exactly when the feedback is.
     */
    async storeFeedback(event: FeedbackEvent, reports: readonly ReportCount[] = [], teamId?: string): Promise<'recorded' | 'duplicate'> {
      const { leadId, cycle, occasion } = event.feedback;
      const { leadId: _leadId, ...item } = event.feedback;
      // The report counts go in the same transaction: added exactly when the feedback is stored, never for a repeat.
      const comment = commentItem(event.feedback, event.messageId, teamId);
      const commented = comment ? [{ Put: { TableName: leadsTable, Item: comment, ConditionExpression: 'attribute_not_exists(pk)' } }] : [];
      const failed = await transactWithCounts(client, [
        { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
        { Put: { TableName: leadsTable, Item: { ...feedbackKey(leadId, cycle, occasion), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...commented,
        ...reportCountUpdates(leadsTable, leadId, reports),
      ]);
      return failed ? 'duplicate' : 'recorded';
    },

    latestComments: createCommentReader({ client: sdkClient, leadsTable, ...(onConsumed && { onConsumed }) }).latestComments,

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

/**
 * The comments index read back (the reports read only this): the latest
 * comments of a period, one Query per day's partition, never a scan.
 */
export function createCommentReader({ client: sdkClient, leadsTable, onConsumed }: Omit<FeedbackStoreSettings, 'eventsTable'>) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * The latest comments of these days (given newest first): each day's
     * partition read newest first, a few days at once, until `limit` are found
     * or the days run out. May return a few more than `limit` (from the days
     * read at once); the caller keeps the newest.
     */
    async latestComments(days: readonly string[], limit: number): Promise<FeedbackComment[]> {
      const found: FeedbackComment[] = [];
      for (let i = 0; i < days.length && found.length < limit; i += DAYS_AT_ONCE) {
        const batch = days.slice(i, i + DAYS_AT_ONCE);
        const byDay = new Map<string, FeedbackComment[]>();
        await forEachConcurrently(batch, DAYS_AT_ONCE, async (day) => {
          const comments: FeedbackComment[] = [];
          let start: Record<string, unknown> | undefined;
          do {
            const page = await client.send(
              new QueryCommand({
                TableName: leadsTable,
                KeyConditionExpression: 'pk = :pk',
                ExpressionAttributeValues: { ':pk': commentsPartition(day) },
                ScanIndexForward: false,
                Limit: limit - comments.length,
                ...(start && { ExclusiveStartKey: start }),
              }),
            );
            for (const { pk: _pk, sk: _sk, teamId, ...rest } of page.Items ?? []) comments.push({ ...(rest as Omit<FeedbackComment, 'teamId'>), teamId: typeof teamId === 'string' ? teamId : null });
            start = page.LastEvaluatedKey;
          } while (start && comments.length < limit);
          byDay.set(day, comments);
        });
        for (const day of batch) found.push(...(byDay.get(day) ?? []));
      }
      return found;
    },
  };
}
