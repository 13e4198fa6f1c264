import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { activityMessageId } from '#core/activities.ts';
import type { Cycle } from '#core/cycle.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import { activityReportCounts, type ActivityCountFacts } from '#core/reports/scorecard-counts.ts';
import type { SalesCommitment } from '#core/service-agreement.ts';
import type { ActivityEvent, ActivityRecord } from '#core/records.ts';
import { activitiesOf, activityKey, cycleKey, leadPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import { reportCountUpdates, transactWithCounts, type TransactItem } from './report-writes.ts';
import { OPEN_FOR, openCountUpdate } from './rep-store.ts';

/** Reads of the cycle when other activities on it keep being counted meanwhile. */
const STALE_ATTEMPTS = 5;

export interface ActivityStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  eventsTable: string;
  /** what sales committed to: the scorecard counts activities against it */
  sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp'>;
  /** each rep's working calendar: an activity is counted in its owner's working time */
  calendars: RepCalendars;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type ActivityStore = ReturnType<typeof createActivityStore>;

export { activityMessageId } from '#core/activities.ts';

/**
 * A rep's activities for a lead: each stored once, in one transaction, as an
 * event (the raw history the reports are recomputed from) and as an item
 * under the lead's cycle in time order (what the sales clocks read).
 */
export function createActivityStore({ client: sdkClient, leadsTable, eventsTable, sales, calendars, onConsumed }: ActivityStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);

  /**
   * The cycle an activity is counted against (its acceptance, owner, and what
   * was counted on it: `scorecard`, versioned), undefined without a cycle.
   */
  async function countFactsOf(record: ActivityRecord): Promise<{ facts: ActivityCountFacts; version?: number; openFor?: string } | undefined> {
    const { Item } = await client.send(
      new GetCommand({
        TableName: leadsTable,
        Key: cycleKey(record.leadId, record.cycle),
        ProjectionExpression: 'outcome, #owner, scorecard, #openFor',
        ExpressionAttributeNames: { '#owner': 'owner', '#openFor': OPEN_FOR },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const outcome = Item.outcome as Cycle['outcome'];
    const owner = Item.owner as Cycle['owner'];
    const kept = Item.scorecard as { firstContactAt?: string; inWindow: number; version: number } | undefined;
    return {
      ...(typeof Item[OPEN_FOR] === 'string' && { openFor: Item[OPEN_FOR] as string }),
      facts: {
        acceptedAt: outcome?.kind === 'accepted' ? outcome.at : undefined,
        owner: { repId: owner.repId, ...(owner.teamId !== undefined && { teamId: owner.teamId }) },
        ...(kept?.firstContactAt !== undefined && { firstContactAt: kept.firstContactAt }),
        inWindow: kept?.inWindow ?? 0,
      },
      ...(kept && { version: kept.version }),
    };
  }

  return {
    /**
     * Stores the activity unless its activityId was stored before: then
     * nothing changes. With it, in the same transaction, the scorecard's
     * counts of it (scorecard-counts.ts: first contact, follow-up) against
     * its cycle as read, and the cycle's count of activities counted, so a
     * concurrent activity on the same cycle makes this one read again.
     */
    async recordActivity(record: ActivityRecord, receivedAt = new Date().toISOString()): Promise<'recorded' | 'duplicate'> {
      const event: ActivityEvent = { messageId: activityMessageId(record.activityId), kind: 'activity', leadId: record.leadId, activity: record, receivedAt };
      const { leadId: _leadId, ...item } = record;
      const facts: TransactItem[] = [
        { Put: { TableName: eventsTable, Item: event, ConditionExpression: 'attribute_not_exists(messageId)' } },
        {
          Put: {
            TableName: leadsTable,
            Item: { ...activityKey(record.leadId, record.cycle, record.at, record.activityId), ...item },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      for (let attempt = 1; ; attempt++) {
        const cycle = await countFactsOf(record);
        // the owner's calendar only once the hand-off is accepted: before, nothing is counted
        const counting = cycle?.facts.acceptedAt !== undefined ? activityReportCounts(record, cycle.facts, sales, calendars(cycle.facts.owner.repId)) : undefined;
        // The first contact after acceptance ends the rep's open lead (rep-store.ts): −1 with it, while the cycle counts for them.
        const contacted = counting !== undefined && cycle!.openFor !== undefined;
        const counted: TransactItem[] = counting
          ? [
              {
                Update: {
                  TableName: leadsTable,
                  Key: cycleKey(record.leadId, record.cycle),
                  UpdateExpression: `SET scorecard = :next${contacted ? ' REMOVE #openFor' : ''}`,
                  ConditionExpression: `${cycle!.version === undefined ? 'attribute_not_exists(scorecard)' : 'scorecard.version = :seen'}${contacted ? ' AND #openFor = :openFor' : ''}`,
                  ...(contacted && { ExpressionAttributeNames: { '#openFor': OPEN_FOR } }),
                  ExpressionAttributeValues: {
                    ':next': { ...counting.next, version: (cycle!.version ?? 0) + 1 },
                    ...(cycle!.version !== undefined && { ':seen': cycle!.version }),
                    ...(contacted && { ':openFor': cycle!.openFor }),
                  },
                },
              },
              ...(contacted ? [openCountUpdate(leadsTable, cycle!.openFor!, -1)] : []),
              ...reportCountUpdates(leadsTable, record.leadId, counting.reports),
            ]
          : [];
        const failed = await transactWithCounts(client, [...facts, ...counted]);
        if (!failed) return 'recorded';
        if (failed[0] === 'ConditionalCheckFailed' || failed[1] === 'ConditionalCheckFailed') return 'duplicate';
        // another activity on the cycle was counted since the read: read it again
        if (attempt >= STALE_ATTEMPTS) throw new Error(`the activities of cycle ${record.cycle} of lead ${record.leadId} kept changing while ${record.activityId} was counted`);
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
