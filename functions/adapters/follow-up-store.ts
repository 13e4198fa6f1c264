import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FeedbackOccasion } from '#core/feedback.ts';
import { cycleKey, feedbackOf, leadPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

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
    /** Adds a step to the cycle's steps taken (a string set: adding it again changes nothing). */
    async markFollowUpSent(leadId: string, cycle: number, step: string): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: cycleKey(leadId, cycle),
          UpdateExpression: 'ADD followUpSent :step',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':step': new Set([step]) },
        }),
      );
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
