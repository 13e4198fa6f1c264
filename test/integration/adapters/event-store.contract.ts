import { beforeAll, describe, expect, it } from 'vitest';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createEventStore, type EventStore } from '../../../functions/adapters/event-store.ts';
import type { EventRecord } from '../../../functions/core/records.ts';
import { eventsWhere, uniqueId, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/** The event store's contract: each messageId is stored once, and the first write stands. */
let tables: TestTables;
let events: EventStore;

const tracking = (messageId: string, name: string): EventRecord => ({
  kind: 'tracking',
  messageId,
  type: 'track',
  event: name,
  anonymousId: 'visitor-1',
  timestamp: '2026-03-01T09:00:00.000Z',
  receivedAt: '2026-03-01T09:00:01.000Z',
  sourceId: 'contract',
});

export function eventStoreContract(getTables: () => TestTables): void {
  beforeAll(async () => {
    tables = getTables();
    events = createEventStore({ client: tables.client, eventsTable: tables.eventsTable });
  });

  describe('putting an event once', () => {
    it('stores a new event', async () => {
      const messageId = uniqueId('event');

      expect(await events.putEventOnce(tracking(messageId, 'Demo Requested'))).toBe(true);

      expect(await eventsWhere(tables, (e) => e.messageId === messageId)).toEqual([tracking(messageId, 'Demo Requested')]);
    });

    it('says a repeated messageId was already stored and keeps the first event as it was', async () => {
      const messageId = uniqueId('event');
      await events.putEventOnce(tracking(messageId, 'Demo Requested'));

      const again = await events.putEventOnce(tracking(messageId, 'Pricing Viewed'));

      expect(again).toBe(false);
      expect(await eventsWhere(tables, (e) => e.messageId === messageId)).toEqual([tracking(messageId, 'Demo Requested')]);
    });

    it('stores an outcome like any other event, once', async () => {
      const messageId = uniqueId('outcome');
      const outcome: EventRecord = {
        kind: 'outcome',
        messageId,
        leadId: uniqueLeadId(),
        outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' },
        receivedAt: '2026-03-01T10:00:00.000Z',
      };

      expect([await events.putEventOnce(outcome), await events.putEventOnce(outcome)]).toEqual([true, false]);
      expect(await eventsWhere(tables, (e) => e.messageId === messageId)).toEqual([outcome]);
    });
  });

  describe('the capacity it consumes', () => {
    it('reports one write unit for storing a small event', async () => {
      // Prepare
      const consumed: ConsumedUnits[] = [];
      const metered = createEventStore({ client: tables.client, eventsTable: tables.eventsTable, onConsumed: (units) => consumed.push(units) });

      // Act
      await metered.putEventOnce(tracking(uniqueId('metered'), 'Demo Requested'));

      // Assess
      expect(consumed).toEqual([{ operation: 'Put', table: tables.eventsTable, readUnits: 0, writeUnits: 1 }]);
    });
  });
}
