import { beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import { createEventStore } from '../../../functions/adapters/event-store.ts';
import { createLeadHistory, type LeadHistory } from '../../../functions/adapters/lead-history.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { newLead } from '../../../functions/core/lead.ts';
import type { EventRecord, RescoreProgress } from '../../../functions/core/records.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { uniqueId, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/** The lead history's contract: a lead's events found through its markers, leads found by a parallel scan, a rescore's progress kept. */
let tables: TestTables;
let history: LeadHistory;
let store: LeadStore;
let putEventOnce: (event: EventRecord) => Promise<boolean>;

const T0 = '2026-03-01T09:00:00.000Z';
const event = (messageId: string): StoredEvent => ({ messageId, type: 'page', name: 'Home', anonymousId: 'visitor', timestamp: T0, receivedAt: T0, sourceId: 'contract' });

/** A stored lead with these events applied (bodies in the events table, markers on the lead). */
async function leadWith(messageIds: readonly string[]): Promise<string> {
  const leadId = uniqueLeadId();
  for (const id of messageIds) await putEventOnce({ ...event(id), kind: 'tracking' });
  await store.saveLead({ lead: newLead(leadId, T0, scoringModel), version: 0, changes: [] });
  await store.addMarkersAndLinks(leadId, messageIds, [], T0);
  return leadId;
}

export function leadHistoryContract(getTables: () => TestTables): void {
  beforeAll(async () => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    history = createLeadHistory({ client, leadsTable, eventsTable });
    store = createLeadStore({ client, leadsTable });
    ({ putEventOnce } = createEventStore({ client, eventsTable }));
  });

  describe('a lead’s events', () => {
    it('lists the messageIds of every event applied to the lead, and only its own', async () => {
      const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      const leadId = await leadWith(ids);
      await leadWith([uniqueId('other')]);

      expect((await history.leadEventIds(leadId)).sort()).toEqual([...ids].sort());
    });

    it('reads the tracking events back past one batch read, each once, leaving outcomes out', async () => {
      const ids = Array.from({ length: 120 }, (_, i) => uniqueId(`many-${i}`));
      for (const id of ids) await putEventOnce({ ...event(id), kind: 'tracking' });
      const outcomeId = uniqueId('outcome');
      await putEventOnce({ kind: 'outcome', messageId: outcomeId, leadId: uniqueLeadId(), outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: T0 }, receivedAt: T0 });

      const found = await history.trackingEvents([...ids, ids[0]!, outcomeId, uniqueId('missing')]);

      expect(found.map((e) => e.messageId).sort()).toEqual([...ids].sort());
      expect(found.find((e) => e.messageId === ids[0])).toEqual(event(ids[0]!));
    });
  });

  describe('scanning for leads', () => {
    it('finds every lead across segments and pages, profiles only, each once', async () => {
      const seeded = await Promise.all(Array.from({ length: 9 }, () => leadWith([uniqueId('scan')])));
      const found: string[] = [];

      for (let segment = 0; segment < 3; segment++) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await history.scanLeadIds(segment, 3, startKey, 2);
          found.push(...page.leadIds);
          startKey = page.nextKey;
        } while (startKey);
      }

      expect(found.filter((id) => seeded.includes(id)).sort()).toEqual([...seeded].sort());
      expect(new Set(found).size).toBe(found.length);
      expect(found.every((id) => /^lead-[0-9a-f]{20}$/.test(id))).toBe(true);
    });
  });

  describe('a rescore’s progress', () => {
    it('is kept per model version and read back as saved', async () => {
      const version = uniqueId('model');
      const progress: RescoreProgress = { modelVersion: version, startedAt: T0, updatedAt: T0, segments: ['done', { pk: 'LEAD#lead-00000000000000000001', sk: 'PROFILE' }, 'start'], leads: 3, events: 7, advanced: 1 };

      await history.saveRescoreProgress(progress);

      expect(await history.getRescoreProgress(version)).toEqual(progress);
      expect(await history.getRescoreProgress(uniqueId('model'))).toBeUndefined();
    });
  });
}
