import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventRecord, LeadPage, RescoreProgress, ScanPosition } from '#core/records.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { leadIdOfPartition, leadPartition, MARKER_PREFIX, messageIdOfMarker, PROFILE_SK, rescoreKey } from '#core/table-layout.ts';

/**
 * A lead's history as stored: the events it was made from. Every applied
 * event left a marker on its lead (`LEAD#id / EVENT#messageId`), so the
 * markers list a lead's events and the events table holds their bodies.
 * Rescoring and backtesting read leads this way; the hot path never does.
 */

export interface LeadHistorySettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** told the read and write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
}

export type LeadHistory = ReturnType<typeof createLeadHistory>;

export function createLeadHistory({ client: sdkClient, leadsTable, eventsTable, onConsumed }: LeadHistorySettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  return {
    /** The messageIds of every event applied to a lead (tracking events and outcomes). */
    async leadEventIds(leadId: string): Promise<string[]> {
      const ids: string[] = [];
      let startKey: ScanPosition | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': MARKER_PREFIX },
            ProjectionExpression: 'sk',
            ConsistentRead: true,
            ...(startKey && { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) ids.push(messageIdOfMarker(String(item.sk)));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return ids;
    },

    /** The stored tracking events among these messageIds (outcomes are left out), in no particular order. */
    async trackingEvents(messageIds: readonly string[]): Promise<StoredEvent[]> {
      const items = await batchGetAll<EventRecord>(eventsTable, [...new Set(messageIds)].map((messageId) => ({ messageId })));
      return items.flatMap((record) => {
        if (record.kind !== 'tracking') return [];
        const { kind: _kind, ...event } = record;
        return [event];
      });
    },

    /**
     * One page of lead ids from one segment of a parallel scan of the leads
     * table (`pageSize` items read, profiles or not). The scan reads every item (markers, links, cycles) to find the
     * profiles: a rare, operator-run cost, kept off the hot path's write bill.
     */
    async scanLeadIds(segment: number, totalSegments: number, startKey?: ScanPosition, pageSize = 1000): Promise<LeadPage> {
      const page = await client.send(
        new ScanCommand({
          TableName: leadsTable,
          Segment: segment,
          TotalSegments: totalSegments,
          Limit: pageSize,
          FilterExpression: 'sk = :profile',
          ExpressionAttributeValues: { ':profile': PROFILE_SK },
          ProjectionExpression: 'pk',
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      return {
        leadIds: (page.Items ?? []).map((item) => leadIdOfPartition(String(item.pk))),
        ...(page.LastEvaluatedKey && { nextKey: page.LastEvaluatedKey }),
      };
    },

    async getRescoreProgress(modelVersion: string): Promise<RescoreProgress | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: rescoreKey(modelVersion), ConsistentRead: true }));
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, ...progress } = Item;
      return progress as RescoreProgress;
    },

    async saveRescoreProgress(progress: RescoreProgress): Promise<void> {
      await client.send(new PutCommand({ TableName: leadsTable, Item: { ...rescoreKey(progress.modelVersion), ...progress } }));
    },
  };
}
