import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CampaignsConfig } from '#core/campaigns.ts';
import { historyOf, withHistory, type LeadHistoryView } from '#core/lead.ts';
import type { EventRecord, EventRef, LeadPage, RescoreProgress, ScanPosition, VersionedLead } from '#core/records.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { createBatchGet } from './batch-get.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { eventOfMarker, leadIdOfPartition, leadPartition, MARKER_PREFIX, PROFILE_SK, rescoreKey } from '#core/table-layout.ts';

/** How many of a lead's latest events a reader's view of its history is made from: its recent activity and touches. */
export const RECENT_EVENTS = 100;

/**
 * A lead's history as stored: the events it was made from. Every applied
 * event left a marker on its lead (`LEAD#id / EVENT#at#messageId`), so the
 * markers list a lead's events in time order and the events table holds
 * their bodies. Rescoring, backtesting and merges read leads this way, and
 * the lead view and hand-off email their recent activity; the hot path never does.
 */

export interface LeadHistorySettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** told the read and write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
  /** the campaigns whose event rules make tracked events touches (lead.ts touchOf); without them only UTM and referrer touches */
  campaigns?: CampaignsConfig;
}

export type LeadHistory = ReturnType<typeof createLeadHistory>;

export function createLeadHistory({ client: sdkClient, leadsTable, eventsTable, onConsumed, campaigns }: LeadHistorySettings) {
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  /** The stored tracking events among these messageIds (outcomes are left out), in no particular order. */
  async function trackingEvents(messageIds: readonly string[]): Promise<StoredEvent[]> {
    const items = await batchGetAll<EventRecord>(eventsTable, [...new Set(messageIds)].map((messageId) => ({ messageId })));
    return items.flatMap((record) => {
      if (record.kind !== 'tracking') return [];
      const { kind: _kind, ...event } = record;
      return [event];
    });
  }

  return {
    /** Every event applied to a lead (tracking events and outcomes): its messageId and when it happened, from its marker. */
    async leadEvents(leadId: string): Promise<EventRef[]> {
      const refs: EventRef[] = [];
      let startKey: ScanPosition | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': MARKER_PREFIX },
            ProjectionExpression: 'sk, o',
            ConsistentRead: true,
            ...(startKey && { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) refs.push({ ...eventOfMarker(String(item.sk)), ...(Number(item.o) === 1 && { outcome: true as const }) });
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return refs;
    },

    /**
     * What a reader of the lead sees of its history: the activity of its
     * latest events and the touches among them, from the markers of the
     * latest `events` (newest first) and the events they name, and
     * `alsoEvents` (those of markers the lead's last save is still writing).
     */
    async recentHistory(leadId: string, alsoEvents: readonly string[] = [], events = RECENT_EVENTS): Promise<LeadHistoryView> {
      const { Items = [] } = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':prefix': MARKER_PREFIX },
          ProjectionExpression: 'sk',
          ScanIndexForward: false,
          Limit: events,
        }),
      );
      const ids = Items.map((item) => eventOfMarker(String(item.sk)).messageId);
      return historyOf(await trackingEvents([...ids, ...alsoEvents]), campaigns);
    },

    trackingEvents,

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

/**
 * A lead reader for those who show the lead (the lead view, the hand-off
 * email): the lead as stored, with its recent activity and touches read back.
 */
export function readingHistory(
  getLead: (leadId: string, options: { withEvents: true }) => Promise<VersionedLead | undefined>,
  recentHistory: (leadId: string, alsoEvents: readonly string[]) => Promise<LeadHistoryView>,
): (leadId: string) => Promise<VersionedLead | undefined> {
  return async (leadId) => {
    const read = await getLead(leadId, { withEvents: true });
    if (!read || read.lead.mergedInto !== undefined) return read;
    const { lead, readEvents } = read;
    // Events applied since the lead was read (their markers were read for the history, not for the lead) wait for the next read.
    const counted = (item: { messageId: string; at: string }) => readEvents === undefined || readEvents.has(item.messageId) || (lead.ledgerFrom !== undefined && item.at < lead.ledgerFrom);
    const history = await recentHistory(leadId, read.pendingEvents ?? []);
    return { ...read, lead: withHistory(lead, { recentActivity: history.recentActivity.filter(counted), touches: history.touches.filter(counted) }) };
  };
}
