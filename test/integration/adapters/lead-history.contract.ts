import { beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import { createEventStore } from '../../../functions/adapters/event-store.ts';
import { createLeadHistory, readingHistory, type LeadHistory } from '../../../functions/adapters/lead-history.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { historyOf, newLead } from '../../../functions/core/lead.ts';
import type { EventRecord, EventRef, RescoreProgress } from '../../../functions/core/records.ts';
import { allMarkers } from '../../../functions/core/score-items.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { uniqueId, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/** The lead history's contract: a lead's events found through its markers, its recent history read back, leads found by a parallel scan, a rescore's progress kept. */
let tables: TestTables;
let history: LeadHistory;
let store: LeadStore;
let putEventOnce: (event: EventRecord) => Promise<boolean>;

const T0 = '2026-03-01T09:00:00.000Z';
const event = (messageId: string, timestamp = T0): StoredEvent => ({ messageId, type: 'page', name: 'Home', anonymousId: 'visitor', timestamp, receivedAt: timestamp, sourceId: 'contract' });
/** `T0` and `minutes` later. */
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A stored lead with these events applied (bodies in the events table, markers on the lead), each at its instant. */
async function leadWith(events: readonly (EventRecord | string)[]): Promise<string> {
  const leadId = uniqueLeadId();
  const records = events.map((e): EventRecord => (typeof e === 'string' ? { ...event(e), kind: 'tracking' } : e));
  for (const record of records) await putEventOnce(record);
  const refs: EventRef[] = records.map((r) => ({ messageId: r.messageId, at: r.kind === 'tracking' ? r.timestamp : r.receivedAt }));
  await store.saveLead({ lead: newLead(leadId, T0, scoringModel), version: 0, changes: [], markers: allMarkers([], refs) });
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
    it('lists every event applied to the lead with when it happened, in time order, and only its own', async () => {
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      const leadId = await leadWith([{ ...event(a, at(30)), kind: 'tracking' }, { ...event(b, at(0)), kind: 'tracking' }, { ...event(c, at(10)), kind: 'tracking' }]);
      await leadWith([uniqueId('other')]);

      expect(await history.leadEvents(leadId)).toEqual([
        { messageId: b, at: at(0) },
        { messageId: c, at: at(10) },
        { messageId: a, at: at(30) },
      ]);
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

  describe('a lead’s recent history', () => {
    it('is the activity and touches of its latest events, read from its newest markers, outcomes left out', async () => {
      // Prepare: four visits, the third from a campaign, then an outcome
      const ids = [uniqueId('v1'), uniqueId('v2'), uniqueId('v3'), uniqueId('v4')];
      const visits: EventRecord[] = ids.map((id, i) => ({
        ...event(id, at(i * 10)),
        url: `https://acme.example/page-${i}`,
        ...(i === 2 && { campaign: { source: 'newsletter', medium: 'email' } }),
        kind: 'tracking',
      }));
      const outcome: EventRecord = { kind: 'outcome', messageId: uniqueId('outcome'), leadId: uniqueLeadId(), outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(50) }, receivedAt: at(50) };
      const leadId = await leadWith([...visits, outcome]);

      // Act: the three newest markers
      const recent = await history.recentHistory(leadId, [], 3);

      // Assess: v3 and v4 (the outcome takes the third place and is not activity), oldest first
      expect(recent.recentActivity.map((a) => a.messageId)).toEqual([ids[2], ids[3]]);
      expect(recent.touches).toEqual([{ messageId: ids[2], at: at(20), source: 'newsletter', medium: 'email' }]);
      const { kind: _kind, ...v3 } = visits[2] as EventRecord & { kind: 'tracking' };
      const { kind: _kind4, ...v4 } = visits[3] as EventRecord & { kind: 'tracking' };
      expect(recent).toEqual(historyOf([v3, v4]));
    });

    it('is read back with the lead for those who show it, and not for a merged lead', async () => {
      const ids = [uniqueId('r1'), uniqueId('r2')];
      const leadId = await leadWith(ids.map((id, i): EventRecord => ({ ...event(id, at(i)), campaign: { source: `source-${i}` }, kind: 'tracking' })));
      const read = readingHistory(store.getLead, history.recentHistory);

      const shown = await read(leadId);

      expect(shown?.lead.recentActivity.map((a) => a.messageId)).toEqual(ids);
      expect(shown?.lead.touches).toEqual([
        { messageId: ids[0], at: at(0), source: 'source-0' },
        { messageId: ids[1], at: at(1), source: 'source-1' },
      ]);
      expect(shown).toMatchObject({ version: 1, profileVersion: 2 }); // created (1), its funnel counts settled (2)

      const merged = (await store.getLead(leadId))!;
      await store.retireLead({ ...merged.lead, mergedInto: uniqueLeadId() }, merged);
      let historyRead = false;
      const retired = await readingHistory(store.getLead, async (id) => {
        historyRead = true;
        return history.recentHistory(id);
      })(leadId);
      expect(retired?.lead.recentActivity).toEqual([]);
      expect(historyRead).toBe(false);
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
