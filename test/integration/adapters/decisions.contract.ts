import { beforeAll, describe, expect, it } from 'vitest';
import { createDecisions, type Decisions } from '../../../functions/adapters/decisions.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import type { CycleEscalation } from '../../../functions/core/cycle.ts';
import type { Outcome } from '../../../functions/core/outcomes.ts';
import type { DecisionEvent } from '../../../functions/core/records.ts';
import { eventsWhere, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * The two writers that race on a cycle, the rep's decision and the
 * escalation ladder, against DynamoDB Local (the conditions are AWS's own
 * engine's, not strings compared in a mock), called in both orders.
 */
let tables: TestTables;
let store: LeadStore;
let decisions: Decisions;

const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:00.000Z' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:01:00.000Z' };
const samMissed = { repId: 'rep-sam', acceptBy: '2026-03-01T17:00:00.000Z', at: '2026-03-01T17:01:00.000Z' };

/** A fresh lead id with cycle 1 assigned to rep-sam, as assign-rep leaves it, one deadline missed. */
async function openCycle(): Promise<string> {
  const leadId = uniqueLeadId();
  await store.putCycle({ leadId, cycle: 1, owner: sam, previousReps: [], acceptBy: samMissed.acceptBy, acceptWithinSeconds: 14_400, missed: 1 });
  return leadId;
}

function decision(leadId: string, outcome: Outcome): DecisionEvent {
  return { messageId: `handoff-${leadId}-1-${outcome.repId}-${outcome.kind}`, kind: 'outcome', leadId, outcome, receivedAt: outcome.at };
}

const accepted: Outcome = { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T16:59:00.000Z' };
const reassignToKim: CycleEscalation = { step: 'reassign', owner: kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T21:01:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T20:01:00.000Z', remindWithinSeconds: 10_800, handover: samMissed };
const outcomeEventsOf = (leadId: string) => eventsWhere(tables, (e) => e.kind === 'outcome' && e.leadId === leadId);

export function decisionsContract(getTables: () => TestTables): void {
  beforeAll(async () => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    store = createLeadStore({ client, leadsTable });
    decisions = createDecisions({ client, leadsTable, eventsTable });
  });

  describe('a decision written before the escalation', () => {
    it('stands: the reassignment is refused and sees it', async () => {
      const leadId = await openCycle();

      expect(await decisions.recordDecision(decision(leadId, accepted))).toEqual({ recorded: true });
      const seen = await store.recordEscalation(leadId, 1, 2, reassignToKim);

      expect(seen?.outcome).toEqual(accepted);
      expect(seen?.owner).toEqual(sam);
      expect(seen?.missed).toBe(1);
      expect(await outcomeEventsOf(leadId)).toHaveLength(1);
    });

    it('is confirmed, not overwritten, when the stream records it again; a rejection after it is refused', async () => {
      const leadId = await openCycle();
      await decisions.recordDecision(decision(leadId, accepted));

      const again = await store.recordOutcome(leadId, { ...accepted, at: '2026-03-01T16:59:30.000Z' });
      const rejection = await decisions.recordDecision(decision(leadId, { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: '2026-03-01T16:59:10.000Z', reason: 'No budget' }));

      expect(again?.outcome).toEqual(accepted);
      expect(rejection).toMatchObject({ recorded: false, cycle: { outcome: accepted } });
      expect((await outcomeEventsOf(leadId)).map((e) => e.messageId)).toEqual([`handoff-${leadId}-1-rep-sam-accepted`]);
    });
  });

  describe('an escalation written before the decision', () => {
    it('refuses the previous owner’s decision, stores no event, and keeps the handover for their page', async () => {
      const leadId = await openCycle();

      expect(await store.recordEscalation(leadId, 1, 2, reassignToKim)).toBeUndefined();
      const write = await decisions.recordDecision(decision(leadId, accepted));

      expect(write).toMatchObject({ recorded: false, cycle: { owner: kim, missed: 2, reassignments: [samMissed] } });
      expect(write.recorded === false && write.cycle?.outcome).toBeUndefined();
      expect(await outcomeEventsOf(leadId)).toEqual([]);
    });

    it('refuses a decision once the ladder recycled the cycle, and a retried step is not written twice', async () => {
      const leadId = await openCycle();

      expect(await store.recordEscalation(leadId, 1, 2, { step: 'recycle', handover: samMissed })).toBeUndefined();
      const retried = await store.recordEscalation(leadId, 1, 2, { step: 'recycle', handover: { ...samMissed, at: '2026-03-01T17:02:00.000Z' } });
      const write = await decisions.recordDecision(decision(leadId, accepted));

      expect(retried?.recycled).toEqual(samMissed);
      expect(write).toMatchObject({ recorded: false, cycle: { recycled: samMissed } });
      expect(await store.recordOutcome(leadId, accepted)).not.toHaveProperty('outcome');
      expect(await outcomeEventsOf(leadId)).toEqual([]);
    });
  });

  describe('a decision and an escalation at the same instant (issue 14)', () => {
    it('end as one of the two orders, never both nor neither: the decision and its event with the owner kept, or the reassignment and no event', async () => {
      const ends = { decision: 0, reassignment: 0 };
      for (let round = 0; round < 20; round++) {
        const leadId = await openCycle();

        // Act: both writes sent at once (the order alternates, so each may be first on the wire)
        const [write, seen] =
          round % 2 === 0
            ? await Promise.all([decisions.recordDecision(decision(leadId, accepted)), store.recordEscalation(leadId, 1, 2, reassignToKim)])
            : await Promise.all([store.recordEscalation(leadId, 1, 2, reassignToKim), decisions.recordDecision(decision(leadId, accepted))]).then(([e, d]) => [d, e] as const);

        // Assess: what each writer was told agrees with the cycle as stored and with the events
        const cycle = await store.getCycle(leadId, 1);
        const events = await outcomeEventsOf(leadId);
        if (write.recorded) {
          ends.decision++;
          expect(seen?.outcome).toEqual(accepted);
          expect(cycle).toMatchObject({ outcome: accepted, owner: sam, missed: 1 });
          expect(events).toHaveLength(1);
        } else {
          ends.reassignment++;
          expect(seen).toBeUndefined();
          expect(cycle).toMatchObject({ owner: kim, missed: 2, reassignments: [samMissed] });
          expect(cycle?.outcome).toBeUndefined();
          expect(events).toEqual([]);
        }
      }
      expect(ends.decision + ends.reassignment).toBe(20);
    });
  });

  describe('a new cycle record', () => {
    it('is never written over an existing one, which may carry a decision', async () => {
      const leadId = await openCycle();
      await decisions.recordDecision(decision(leadId, accepted));

      await expect(store.putCycle({ leadId, cycle: 1, owner: kim, previousReps: [], acceptBy: 'x', acceptWithinSeconds: 1, missed: 0 })).rejects.toMatchObject({
        name: 'ConcurrentUpdateError',
      });
      expect((await store.getCycle(leadId, 1))?.outcome).toEqual(accepted);
    });
  });
}
