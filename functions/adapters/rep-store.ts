import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Cycle } from '#core/cycle.ts';
import { openJourneyAttributes } from '#core/reconcile.ts';
import type { DynamoDBRecord } from 'aws-lambda';
import type { RepItemChange, StoredRep } from '#core/rep-availability.ts';
import { cycleKey, profileKey, queueKey, queuePartition, repIdOf, repKey, rotationKey } from '#core/table-layout.ts';
import type { RoutingRecord } from '#core/rep-availability.ts';
import type { QueuedLeadFacts } from '#core/queued-lead.ts';
import type { Stage } from '#core/lifecycle.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { transactWithCounts, type TransactItem } from './report-writes.ts';

/**
 * Reps' routing state in the leads table: each rep's item (open leads, time
 * away), each team's round robin (credits and a version), written only with
 * the facts that change them:
 * - a hand-off adds one open lead to its rep in the transaction that writes the
 *   cycle (conditional on the cycle not existing, so a retried step counts
 *   nothing) and moves the team's round robin on its version (a concurrent
 *   assignment in the team makes this one route again);
 * - the cycle carries `openFor` (the rep it is counted for) while it counts;
 *   whatever ends that (a rejection, the first contact after acceptance, a
 *   reassignment, the recycle) removes `openFor` on condition that it is still
 *   there, in the same transaction as the rep's −1: so exactly once.
 * No item is written by every lead: a rep's item by that rep's leads, a team's
 * round robin by that team's.
 */

/** The attribute of a cycle that names the rep whose open-lead count holds it. */
export const OPEN_FOR = 'openFor';

/** An update that adds `delta` to a rep's open leads (creating the rep's item on first use). */
export function openCountUpdate(leadsTable: string, repId: string, delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: leadsTable,
      Key: repKey(repId),
      UpdateExpression: 'ADD #open :delta',
      ExpressionAttributeNames: { '#open': 'open' },
      ExpressionAttributeValues: { ':delta': delta },
    },
  };
}

/** A team's round robin as read: credits per rep and the version a write must find. */
export interface RotationTurn {
  teamId: string;
  credits: Record<string, number>;
  version: number;
}

/** Writes a team's next round robin, on condition that nobody moved it since it was read. */
export function rotationPut(leadsTable: string, turn: RotationTurn): TransactItem {
  return {
    Put: {
      TableName: leadsTable,
      Item: { ...rotationKey(turn.teamId), credits: turn.credits, version: turn.version + 1 },
      ...(turn.version === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': turn.version } }),
    },
  };
}

export interface RepStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type RepStore = ReturnType<typeof createRepStore>;

/** Why an assignment was not written. */
export type AssignWrite = 'assigned' | 'cycle-exists' | 'rotation-moved' | 'queue-gone';

/** Attempts to save a rep's time away against concurrent changes to the same rep. */
const AWAY_ATTEMPTS = 5;

export function createRepStore({ client: sdkClient, leadsTable, onConsumed }: RepStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);

  function storedRepOf(item: Record<string, unknown> | undefined): StoredRep & { version: number } {
    return {
      open: Number(item?.open ?? 0),
      away: Array.isArray(item?.away) ? (item.away as { from: string; until: string }[]) : [],
      version: Number(item?.version ?? 0),
    };
  }

  async function storedRep(repId: string): Promise<StoredRep & { version: number }> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: repKey(repId), ConsistentRead: true }));
    return storedRepOf(Item);
  }

  /** Replaces a rep's time away with what `change` makes of it, on the rep's version (a concurrent change reads again). */
  async function changeAway(repId: string, change: (away: StoredRep['away']) => StoredRep['away']): Promise<StoredRep> {
    for (let attempt = 1; ; attempt++) {
      const current = await storedRep(repId);
      const away = change(current.away);
      try {
        await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: repKey(repId),
            // only the time away and its version: the open count (added to by hand-offs without a version) is left alone
            UpdateExpression: 'SET away = :away, version = :next',
            ConditionExpression: current.version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
            ExpressionAttributeValues: { ':away': away, ':next': current.version + 1, ...(current.version !== 0 && { ':version': current.version }) },
          }),
        );
        return { open: current.open, away };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= AWAY_ATTEMPTS) throw error;
      }
    }
  }

  return {
    storedRep,
    changeAway,

    /** Each rep's item, read consistently in one BatchGetItem (reps never written are left out). */
    async storedReps(repIds: readonly string[]): Promise<Record<string, StoredRep>> {
      const found: Record<string, StoredRep> = {};
      let keys: Record<string, unknown>[] = [...new Set(repIds)].map(repKey);
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await client.send(new BatchGetCommand({ RequestItems: { [leadsTable]: { Keys: keys.slice(0, 100), ConsistentRead: true } } }));
        for (const item of Responses?.[leadsTable] ?? []) found[repIdOf(String(item.pk))!] = storedRepOf(item);
        keys = [...((UnprocessedKeys?.[leadsTable]?.Keys as Record<string, unknown>[] | undefined) ?? []), ...keys.slice(100)];
      }
      return found;
    },

    /** A team's round robin as it is now (version 0 when never written). */
    async rotationOf(teamId: string): Promise<RotationTurn> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: rotationKey(teamId), ConsistentRead: true }));
      return { teamId, credits: (Item?.credits as Record<string, number> | undefined) ?? {}, version: Number(Item?.version ?? 0) };
    },

    /** The traits routing rules read, from the lead's profile alone. */
    async leadTraits(leadId: string): Promise<Record<string, unknown> | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ProjectionExpression: 'traits', ConsistentRead: true }));
      return Item ? ((Item.traits as Record<string, unknown> | undefined) ?? {}) : undefined;
    },

    /**
     * Writes a new cycle owned by its rep, counted as the rep's open lead, and
     * the team's round robin moved on, in one transaction; with `queued`, the
     * lead's queue item is marked taken in it too (on condition it is there
     * and not taken, so two drains never assign it twice). Says which
     * condition refused it.
     */
    async assignCycle(cycle: Cycle, turn: RotationTurn, queued?: { teamId: string }): Promise<AssignWrite> {
      const items: TransactItem[] = [
        {
          Put: {
            TableName: leadsTable,
            Item: { ...cycleKey(cycle.leadId, cycle.cycle), ...cycle, [OPEN_FOR]: cycle.owner.repId, ...openJourneyAttributes(cycle) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        openCountUpdate(leadsTable, cycle.owner.repId, 1),
        rotationPut(leadsTable, turn),
        // taken, not deleted: the journey's token may land on it meanwhile, and whoever writes second resumes the journey
        ...(queued
          ? [
              {
                Update: {
                  TableName: leadsTable,
                  Key: queueKey(queued.teamId, cycle.leadId, cycle.cycle),
                  UpdateExpression: 'SET takenBy = :rep',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(takenBy)',
                  ExpressionAttributeValues: { ':rep': cycle.owner.repId },
                },
              },
            ]
          : []),
      ];
      const failed = await transactWithCounts(client, items);
      if (!failed) return 'assigned';
      if (failed[0] === 'ConditionalCheckFailed') return 'cycle-exists';
      if (failed[3] === 'ConditionalCheckFailed') return 'queue-gone';
      return 'rotation-moved';
    },

    /**
     * Ends the open lead a cycle counts for its rep, once (a hand-off a merge
     * closed because the survivor holds its own): `openFor` removed on
     * condition it is still that rep, with the rep's −1.
     */
    async releaseOpen(leadId: string, cycle: number, repId: string): Promise<boolean> {
      const failed = await transactWithCounts(client, [
        {
          Update: {
            TableName: leadsTable,
            Key: cycleKey(leadId, cycle),
            UpdateExpression: 'REMOVE #openFor',
            ConditionExpression: '#openFor = :rep',
            ExpressionAttributeNames: { '#openFor': OPEN_FOR },
            ExpressionAttributeValues: { ':rep': repId },
          },
        },
        openCountUpdate(leadsTable, repId, -1),
      ]);
      return failed === undefined;
    },

    /** Puts a lead's cycle in its team's queue once; a repeat keeps the first. Returns when it was queued. */
    async enqueue(entry: { teamId: string; leadId: string; cycle: number; queuedAt: string; routing: RoutingRecord }): Promise<string> {
      const key = queueKey(entry.teamId, entry.leadId, entry.cycle);
      try {
        await client.send(new PutCommand({ TableName: leadsTable, Item: { ...key, ...entry }, ConditionExpression: 'attribute_not_exists(pk)' }));
        return entry.queuedAt;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: key, ConsistentRead: true }));
        return String(Item?.queuedAt ?? entry.queuedAt);
      }
    },

    /** One queue item as it is now, or undefined when it is gone. */
    async queueItem(teamId: string, leadId: string, cycle: number): Promise<QueueItem | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: queueKey(teamId, leadId, cycle), ConsistentRead: true }));
      if (!Item) return undefined;
      return {
        teamId,
        leadId,
        cycle,
        queuedAt: String(Item.queuedAt),
        routing: Item.routing as RoutingRecord,
        ...(typeof Item.taskToken === 'string' && { taskToken: Item.taskToken }),
        ...(typeof Item.takenBy === 'string' && { takenBy: Item.takenBy }),
      };
    },

    /** Forgets a queue item (its lead found a rep). */
    async dequeue(teamId: string, leadId: string, cycle: number): Promise<void> {
      await client.send(new DeleteCommand({ TableName: leadsTable, Key: queueKey(teamId, leadId, cycle) }));
    },

    /**
     * Removes a lead's queue items of that cycle from these teams' queues,
     * each only while no drain has taken it (a taken one is the drain's to
     * finish: its cycle is written, with the rep's count). Removing what is
     * gone is a no-op. Returns the teams whose item this call removed.
     */
    async dropQueued(teamIds: readonly string[], leadId: string, cycle: number): Promise<string[]> {
      const dropped: string[] = [];
      for (const teamId of teamIds) {
        try {
          await client.send(
            new DeleteCommand({ TableName: leadsTable, Key: queueKey(teamId, leadId, cycle), ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(takenBy)' }),
          );
          dropped.push(teamId);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      return dropped;
    },

    /** What a drain reads of a queued lead: its stage, cycle and any merge, from its profile alone (undefined when it is gone). */
    async queuedLead(leadId: string): Promise<QueuedLeadFacts | undefined> {
      const { Item } = await client.send(
        new GetCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          ProjectionExpression: 'stage, #cycle, mergedInto',
          ExpressionAttributeNames: { '#cycle': 'cycle' },
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return { stage: Item.stage as Stage, cycle: Number(Item.cycle ?? 0), ...(typeof Item.mergedInto === 'string' && { mergedInto: Item.mergedInto }) };
    },

    /** A team's queue as stored (taken items too: their journey may still wait to be resumed). */
    async queueOf(teamId: string): Promise<QueueItem[]> {
      const items: QueueItem[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': queuePartition(teamId) },
            ConsistentRead: true,
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          items.push({
            teamId,
            leadId: String(item.leadId),
            cycle: Number(item.cycle),
            queuedAt: String(item.queuedAt),
            routing: item.routing as RoutingRecord,
            ...(typeof item.taskToken === 'string' && { taskToken: item.taskToken }),
            ...(typeof item.takenBy === 'string' && { takenBy: item.takenBy }),
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },

    /**
     * Keeps the waiting journey's token on the lead's queue item. Returns the
     * item as it is now, or undefined when it is gone (the lead found a rep
     * and its drain finished).
     */
    async recordQueueToken(teamId: string, leadId: string, cycle: number, taskToken: string): Promise<QueueItem | undefined> {
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: queueKey(teamId, leadId, cycle),
            UpdateExpression: 'SET taskToken = :token',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':token': taskToken },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { teamId, leadId, cycle, queuedAt: String(Attributes?.queuedAt), routing: Attributes?.routing as RoutingRecord, taskToken, ...(typeof Attributes?.takenBy === 'string' && { takenBy: Attributes.takenBy }) };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },

    /**
     * How a cycle's owner was found (the routing kept on the cycle), or, while
     * the lead waits in one of these teams' queues, why it waits.
     */
    async routingOf(leadId: string, cycle: number, teamIds: readonly string[]): Promise<RoutingRecord | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: cycleKey(leadId, cycle), ProjectionExpression: 'routing', ConsistentRead: true }));
      if (Item) return Item.routing as RoutingRecord | undefined;
      if (teamIds.length === 0) return undefined;
      const { Responses } = await client.send(new BatchGetCommand({ RequestItems: { [leadsTable]: { Keys: teamIds.map((teamId) => queueKey(teamId, leadId, cycle)), ProjectionExpression: 'routing' } } }));
      return Responses?.[leadsTable]?.[0]?.routing as RoutingRecord | undefined;
    },

    /** The lead's name and email, for the manager's notice. */
    async leadSummary(leadId: string): Promise<{ name?: string; email?: string } | undefined> {
      const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ProjectionExpression: 'traits, email', ConsistentRead: true }));
      if (!Item) return undefined;
      const name = (Item.traits as Record<string, unknown> | undefined)?.name;
      return { ...(typeof name === 'string' && { name }), ...(typeof Item.email === 'string' && { email: Item.email }) };
    },
  };
}

/** A lead's cycle waiting in its team's queue. */
export interface QueueItem {
  teamId: string;
  leadId: string;
  cycle: number;
  queuedAt: string;
  routing: RoutingRecord;
  /** the waiting journey's token, once its wait began */
  taskToken?: string;
  /** the rep a drain assigned it to; the item goes once the journey is resumed */
  takenBy?: string;
}

/**
 * What the table's stream says of writes to reps' items: each rep's open
 * leads before and after (a missing count is 0). Records of other items are
 * left out.
 */
export function repItemChanges(records: readonly DynamoDBRecord[]): RepItemChange[] {
  return records.flatMap(({ dynamodb: change }) => {
    const repId = change?.Keys?.pk?.S !== undefined ? repIdOf(change.Keys.pk.S) : undefined;
    if (repId === undefined) return [];
    const open = (image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']) => Number(image?.open?.N ?? 0);
    return [{ repId, openBefore: open(change?.OldImage), openAfter: open(change?.NewImage) }];
  });
}
