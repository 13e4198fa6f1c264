import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeedbackOccasion } from '#core/feedback.ts';
import { cycleKey, feedbackOf, leadPartition } from '#core/table-layout.ts';
import type { ReportCount } from '#core/report-counts.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { reportCountUpdates, transactWithCounts } from './report-writes.ts';

export interface FollowUpStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type FollowUpStore = ReturnType<typeof createFollowUpStore>;

/** What the journey's follow-up keeps on a cycle, and the feedback it checks for. */
export function createFollowUpStore({ client: sdkClient, leadsTable, onConsumed }: FollowUpStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * Adds a step to the cycle's steps taken (a string set: adding it again
     * changes nothing). With report counts, they are added in the same
     * transaction, only when the step is not there yet: once.
     */
    async markFollowUpSent(leadId: string, cycle: number, step: string, reports: readonly ReportCount[] = []): Promise<void> {
      const update = { TableName: leadsTable, Key: cycleKey(leadId, cycle), UpdateExpression: 'ADD followUpSent :step', ExpressionAttributeValues: { ':step': new Set([step]) } };
      if (reports.length === 0) {
        await client.send(new UpdateCommand({ ...update, ConditionExpression: 'attribute_exists(pk)' }));
        return;
      }
      // refused when the step was kept before (a retry) or the cycle is gone: nothing is added then
      await transactWithCounts(client, [
        {
          Update: {
            ...update,
            ConditionExpression: 'attribute_exists(pk) AND NOT contains(followUpSent, :name)',
            ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':name': step },
          },
        },
        ...reportCountUpdates(leadsTable, leadId, reports),
      ]);
    },

    /** When feedback was given on a cycle, per occasion (its FEEDBACK# items). */
    async feedbackGiven(leadId: string, cycle: number): Promise<Partial<Record<FeedbackOccasion, string>>> {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': feedbackOf(cycle) },
          ProjectionExpression: 'occasion, #at',
          ExpressionAttributeNames: { '#at': 'at' },
          ConsistentRead: true,
        }),
      );
      return Object.fromEntries(Items.map((item) => [item.occasion as FeedbackOccasion, item.at as string]));
    },
  };
}
