import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { createActivityStore, type ActivityStore } from '../../../functions/adapters/activity-store.ts';
import { createReportStore } from '../../../functions/adapters/report-store.ts';
import { bucketOf } from '../../../functions/core/reports/histogram.ts';
import { cycleKey } from '../../../functions/core/table-layout.ts';
import type { ActivityRecord } from '../../../functions/core/records.ts';
import { eventsWhere, uniqueLeadId, type TestTables } from '../../support/tables.ts';
import { roundTheClock } from '../../unit/core/calendar-arbitraries.ts';

const HOUR = 3_600_000;
const sales = { firstContactWithinHours: 24, followUp: { activities: 2, withinDays: 14 } };
/** The reps whose calendar the store asked for; every rep works round the clock here, so the hours below are plain (working time: scorecard-counts.test.ts). */
const calendarsAsked: string[] = [];
const calendars = (repId: string) => {
  calendarsAsked.push(repId);
  return roundTheClock;
};

/** A cycle accepted by `repId` of team-x at `at`, as the stream path leaves it. */
async function acceptedCycle(leadId: string, repId: string, at: string): Promise<void> {
  await tables.client.send(
    new PutCommand({
      TableName: tables.leadsTable,
      Item: { ...cycleKey(leadId, 1), leadId, cycle: 1, owner: { teamId: 'team-x', repId }, missed: 0, outcome: { kind: 'accepted', cycle: 1, repId, at } },
    }),
  );
}

/** A rep's activities against DynamoDB Local: stored once with their event, read back per cycle in time order. */
let tables: TestTables;
let store: ActivityStore;

const activity = (leadId: string, activityId: string, at: string, cycle = 1): ActivityRecord => ({
  leadId,
  cycle,
  activityId,
  kind: 'call',
  at,
  repId: 'rep-sam',
  via: 'api',
});

export function activityStoreContract(getTables: () => TestTables): void {
  beforeAll(() => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    store = createActivityStore({ client, leadsTable, eventsTable, sales, calendars });
  });

  it('counts an accepted hand-off’s activities for the scorecard once each, as their times say whatever order they arrive in', async () => {
    const leadId = uniqueLeadId();
    const rep = `rep-${leadId}`;
    await acceptedCycle(leadId, rep, '2026-04-01T08:00:00.000Z');
    const late = { ...activity(leadId, `late-${leadId}`, '2026-04-03T12:00:00.000Z'), repId: rep }; // 52 h after: the first contact is late
    const first = { ...activity(leadId, `first-${leadId}`, '2026-04-01T10:00:00.000Z'), repId: rep }; // 2 h after: in time
    const outside = { ...activity(leadId, `outside-${leadId}`, '2026-04-20T10:00:00.000Z'), repId: rep }; // past the 14-day window

    // the late one first; then the earliest, an activity outside the window and a repeat, all at once
    expect(await store.recordActivity(late)).toBe('recorded');
    const statuses = await Promise.all([store.recordActivity(first), store.recordActivity(outside), store.recordActivity(late)]);
    expect(statuses).toEqual(['recorded', 'recorded', 'duplicate']);

    const reader = createReportStore({ client: tables.client, leadsTable: tables.leadsTable });
    const byRep = await reader.sliceCounts('funnel', ['2026-04-01', '2026-04-03', '2026-04-20'], 'rep');
    // the earliest is the first contact (the late one's counts taken back); two activities in the window reach the agreed 2
    expect(byRep.get(rep)).toEqual({
      'contact.first': 1,
      'contact.in-time': 1,
      [`contact.time.${bucketOf(2 * HOUR)}`]: 1,
      [`contact.time.${bucketOf(52 * HOUR)}`]: 0,
      'followUp.activity': 2,
      'followUp.met': 1,
    });
    expect((await reader.sliceCounts('funnel', ['2026-04-01', '2026-04-03', '2026-04-20'], 'team')).get('team-x')).toMatchObject({ 'contact.first': 1, 'followUp.met': 1 });
    // counted in the owner's working time: their calendar, and nobody else's
    expect(new Set(calendarsAsked.filter((id) => id.includes(leadId)))).toEqual(new Set([rep]));
  });

  it('counts nothing for the scorecard while the hand-off is not accepted', async () => {
    const leadId = uniqueLeadId();
    const rep = `rep-${leadId}`;
    await tables.client.send(
      new PutCommand({ TableName: tables.leadsTable, Item: { ...cycleKey(leadId, 1), leadId, cycle: 1, owner: { teamId: 'team-x', repId: rep }, missed: 0 } }),
    );
    expect(await store.recordActivity({ ...activity(leadId, `a-${leadId}`, '2026-04-05T10:00:00.000Z'), repId: rep })).toBe('recorded');
    expect(calendarsAsked).not.toContain(rep);

    const reader = createReportStore({ client: tables.client, leadsTable: tables.leadsTable });
    expect((await reader.sliceCounts('funnel', ['2026-04-05'], 'rep')).get(rep)).toBeUndefined();
  });

  it('stores an activity once: the same activityId again changes nothing, even with other fields', async () => {
    const leadId = uniqueLeadId();
    const first = activity(leadId, `a-${leadId}`, '2026-03-02T10:00:00.000Z');

    expect(await store.recordActivity(first)).toBe('recorded');
    expect(await store.recordActivity({ ...first, kind: 'meeting', at: '2026-03-03T10:00:00.000Z' })).toBe('duplicate');

    expect(await store.earliestActivities(leadId, 1, 10)).toEqual([first]);
    const events = await eventsWhere(tables, (e) => e.kind === 'activity' && e.leadId === leadId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ messageId: `activity-a-${leadId}`, activity: first });
  });

  it('reads a cycle’s earliest activities oldest first, only that cycle’s, at most the limit', async () => {
    const leadId = uniqueLeadId();
    await store.recordActivity(activity(leadId, `late-${leadId}`, '2026-03-05T10:00:00.000Z'));
    await store.recordActivity(activity(leadId, `early-${leadId}`, '2026-03-02T09:00:00+01:00'));
    await store.recordActivity(activity(leadId, `middle-${leadId}`, '2026-03-03T10:00:00.000Z'));
    await store.recordActivity(activity(leadId, `other-cycle-${leadId}`, '2026-03-01T10:00:00.000Z', 2));

    const earliest = await store.earliestActivities(leadId, 1, 2);

    expect(earliest.map((a) => a.activityId)).toEqual([`early-${leadId}`, `middle-${leadId}`]);
    expect((await store.earliestActivities(leadId, 2, 5)).map((a) => a.activityId)).toEqual([`other-cycle-${leadId}`]);
  });

  it('reads every activity of a lead, all cycles, none of another lead’s, in one metered Query', async () => {
    const leadId = uniqueLeadId();
    const other = uniqueLeadId();
    await store.recordActivity(activity(leadId, `c1-${leadId}`, '2026-03-05T10:00:00.000Z'));
    await store.recordActivity(activity(leadId, `c2-${leadId}`, '2026-03-01T10:00:00.000Z', 2));
    await store.recordActivity(activity(other, `x-${other}`, '2026-03-02T10:00:00.000Z'));
    const operations: string[] = [];
    const metered = createActivityStore({ ...tables, sales, calendars, onConsumed: (units) => operations.push(units.operation) });

    const all = await metered.activitiesOfLead(leadId);

    expect(all.map((a) => a.activityId)).toEqual([`c1-${leadId}`, `c2-${leadId}`]);
    expect(all[0]).toEqual(activity(leadId, `c1-${leadId}`, '2026-03-05T10:00:00.000Z'));
    expect(operations).toEqual(['Query']);
  });
}
