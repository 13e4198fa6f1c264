import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { batchGetAll } from './batch-get.ts';
import type { EventRecord } from './event-store.ts';
import { leadIdOfPartition, leadPartition, MARKER_PREFIX, messageIdOfMarker, PROFILE_SK, rescoreKey } from '#core/table-layout.ts';

/**
 * A lead's history as stored: the events it was made from. Every applied
 * event left a marker on its lead (`LEAD#id / EVENT#messageId`), so the
 * markers list a lead's events and the events table holds their bodies.
 * Rescoring and backtesting read leads this way; the hot path never does.
 */

const leadsTable = getStringFromEnv('LEADS_TABLE');
const eventsTable = getStringFromEnv('EVENTS_TABLE');

type Key = Record<string, unknown>;

/** The messageIds of every event applied to a lead (tracking events and outcomes). */
export async function leadEventIds(leadId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Key | undefined;
  do {
    const page = await dynamodb.send(
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
}

/** The stored tracking events among these messageIds (outcomes are left out), in no particular order. */
export async function trackingEvents(messageIds: readonly string[]): Promise<StoredEvent[]> {
  const items = await batchGetAll<EventRecord>(eventsTable, [...new Set(messageIds)].map((messageId) => ({ messageId })));
  return items.flatMap((record) => {
    if (record.kind !== 'tracking') return [];
    const { kind: _kind, ...event } = record;
    return [event];
  });
}

export interface LeadPage {
  leadIds: string[];
  /** where the next page starts; undefined at the end of the segment */
  nextKey?: Key;
}

/**
 * One page of lead ids from one segment of a parallel scan of the leads
 * table (`pageSize` items read, profiles or not). The scan reads every item (markers, links, cycles) to find the
 * profiles: a rare, operator-run cost, kept off the hot path's write bill.
 */
export async function scanLeadIds(segment: number, totalSegments: number, startKey?: Key, pageSize = 1000): Promise<LeadPage> {
  const page = await dynamodb.send(
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
}

/** Where a rescore stands: per scan segment, the key to resume from, or 'done'. */
export interface RescoreProgress {
  modelVersion: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  segments: (Key | 'start' | 'done')[];
  leads: number;
  events: number;
  /** leads whose stage moved forward under the model (new MQLs among them) */
  advanced: number;
}

export async function getRescoreProgress(modelVersion: string): Promise<RescoreProgress | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: leadsTable, Key: rescoreKey(modelVersion), ConsistentRead: true }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, ...progress } = Item;
  return progress as RescoreProgress;
}

export async function saveRescoreProgress(progress: RescoreProgress): Promise<void> {
  await dynamodb.send(new PutCommand({ TableName: leadsTable, Item: { ...rescoreKey(progress.modelVersion), ...progress } }));
}
