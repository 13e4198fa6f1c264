import { beforeAll, expect, it } from 'vitest';
import { createActivityStore, type ActivityStore } from '../../../functions/adapters/activity-store.ts';
import type { ActivityRecord } from '../../../functions/core/records.ts';
import { eventsWhere, uniqueLeadId, type TestTables } from '../../support/tables.ts';

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
    store = createActivityStore({ client, leadsTable, eventsTable });
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
    const metered = createActivityStore({ ...tables, onConsumed: (units) => operations.push(units.operation) });

    const all = await metered.activitiesOfLead(leadId);

    expect(all.map((a) => a.activityId)).toEqual([`c1-${leadId}`, `c2-${leadId}`]);
    expect(all[0]).toEqual(activity(leadId, `c1-${leadId}`, '2026-03-05T10:00:00.000Z'));
    expect(operations).toEqual(['Query']);
  });
}
