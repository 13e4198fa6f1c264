import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivityEvent, ActivityRecord } from '#core/records.ts';
import { activitiesOf, activityKey, leadPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface ActivityStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type ActivityStore = ReturnType<typeof createActivityStore>;

/** The messageId of an activity in the events table: the sender's id, so a repeat stores nothing. */
export const activityMessageId = (activityId: string): string => `activity-${activityId}`;

/**
 * A rep's activities for a lead: each stored once, in one transaction, as an
 * event (the raw history the reports are recomputed from) and as an item
 * under the lead's cycle in time order (what the sales clocks read).
 */
export function createActivityStore({ client: sdkClient, leadsTable, eventsTable, onConsumed }: ActivityStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /** Stores the activity unless its activityId was stored before: then nothing changes. */
    async recordActivity(record: ActivityRecord, receivedAt = new Date().toISOString()): Promise<'recorded' | 'duplicate'> {
      const event: ActivityEvent = { messageId: activityMessageId(record.activityId), kind: 'activity', leadId: record.leadId, activity: record, receivedAt };
      const { leadId: _leadId, ...item } = record;
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
              {
                Put: {
                  TableName: leadsTable,
                  Item: { ...activityKey(record.leadId, record.cycle, record.at, record.activityId), ...item },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return 'recorded';
      } catch (error) {
        const duplicate =
          error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');
        if (duplicate) return 'duplicate';
        throw error;
      }
    },

    /** The cycle's earliest activities, oldest first, at most `limit` (the clocks need only as many as the agreement asks for). */
    async earliestActivities(leadId: string, cycle: number, limit: number): Promise<ActivityRecord[]> {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': activitiesOf(cycle) },
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return Items.map(({ pk: _pk, sk: _sk, ...item }) => ({ leadId, ...item }) as ActivityRecord);
    },

    /** Every activity of a lead, all cycles, each cycle's in time order: what a deal's attribution counts as sales touches. One Query (more pages only past 1 MB). */
    async activitiesOfLead(leadId: string): Promise<ActivityRecord[]> {
      const activities: ActivityRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': activitiesOf() },
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const { pk: _pk, sk: _sk, ...item } of page.Items ?? []) activities.push({ leadId, ...item } as ActivityRecord);
        start = page.LastEvaluatedKey;
      } while (start);
      return activities;
    },
  };
}
