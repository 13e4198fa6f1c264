import { beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createCrmOutcomeStore, type CrmOutcomeStore } from '../../../functions/adapters/crm-outcome-store.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { newLead } from '../../../functions/core/lead.ts';
import { retiredInto } from '../../../functions/core/merge.ts';
import type { CrmOutcomeEvent } from '../../../functions/core/records.ts';
import { eventsWhere, uniqueId, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * Storing the CRM's outcomes, against DynamoDB Local: the transaction and its
 * cancellation reasons are the engine's own, so duplicates are found the way
 * they are in production.
 */
let tables: TestTables;
let store: CrmOutcomeStore;
let leads: LeadStore;
const consumed: ConsumedUnits[] = [];

const T0 = '2026-03-01T09:00:00.000Z';

function outcomeEvent(leadId: string, outcomeId = uniqueId('deal')): CrmOutcomeEvent {
  return {
    messageId: `crm-${outcomeId}`,
    kind: 'crm-outcome',
    leadId,
    outcome: { outcomeId, leadId, stage: 'won', at: T0, amount: 12000, currency: 'EUR', via: 'hubspot' },
    receivedAt: T0,
  };
}
const storedFor = (leadId: string) => eventsWhere(tables, (e) => e.kind === 'crm-outcome' && e.leadId === leadId);

export function crmOutcomeStoreContract(getTables: () => TestTables): void {
  beforeAll(() => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    store = createCrmOutcomeStore({ client, leadsTable, eventsTable, onConsumed: (units) => consumed.push(units) });
    leads = createLeadStore({ client, leadsTable });
  });

  describe('storing outcomes', () => {
    it('stores a batch in one transaction, every item as given', async () => {
      const leadId = uniqueLeadId();
      const events = [outcomeEvent(leadId), outcomeEvent(leadId), outcomeEvent(leadId)];
      consumed.length = 0;

      const { duplicates } = await store.storeOutcomes(events);

      expect(duplicates).toEqual(new Set());
      expect((await storedFor(leadId)).sort((a, b) => String(a.messageId).localeCompare(String(b.messageId)))).toEqual(
        [...events].sort((a, b) => a.messageId.localeCompare(b.messageId)),
      );
      expect(consumed.map((c) => c.operation)).toContain('TransactWrite');
    });

    it('names the outcomes stored already and stores the rest', async () => {
      const leadId = uniqueLeadId();
      const [first, second, third] = [outcomeEvent(leadId), outcomeEvent(leadId), outcomeEvent(leadId)];
      await store.storeOutcomes([first!]);

      const { duplicates } = await store.storeOutcomes([first!, second!, { ...third!, outcome: { ...third!.outcome, amount: 1 } }]);
      const again = await store.storeOutcomes([second!, third!]);

      expect(duplicates).toEqual(new Set([first!.messageId]));
      expect(again.duplicates).toEqual(new Set([second!.messageId, third!.messageId]));
      const stored = await storedFor(leadId);
      expect(stored).toHaveLength(3);
      // the first write of an outcome stands
      expect(stored.find((e) => e.messageId === third!.messageId)?.outcome).toMatchObject({ amount: 1 });
    });

    it('tells a batch of nothing but duplicates apart', async () => {
      const leadId = uniqueLeadId();
      const events = [outcomeEvent(leadId), outcomeEvent(leadId)];
      await store.storeOutcomes(events);

      expect(await store.storeOutcomes(events)).toEqual({ duplicates: new Set(events.map((e) => e.messageId)) });
      expect(await store.storedOutcomes([...events.map((e) => e.messageId), 'crm-never-sent'])).toEqual(new Set(events.map((e) => e.messageId)));
    });

    it('refuses more than one transaction holds', async () => {
      const leadId = uniqueLeadId();
      await expect(store.storeOutcomes(Array.from({ length: 101 }, () => outcomeEvent(leadId)))).rejects.toThrow(RangeError);
      expect(await storedFor(leadId)).toHaveLength(0);
    });
  });

  describe('finding the lead an outcome names', () => {
    it('by id, following a merge, and by the email linked to it', async () => {
      const survivorId = uniqueLeadId();
      const absorbedId = uniqueLeadId();
      const email = `${uniqueId('jo')}@contract.example`;
      const survivor = { ...newLead(survivorId, T0, scoringModel), email, identities: [`email:${email}`] };
      await leads.saveLead({ lead: survivor, version: 0, changes: [], identities: [`email:${email}`] });
      await leads.saveLead({ lead: retiredInto(newLead(absorbedId, T0, scoringModel), survivorId), version: 0, changes: [] });

      expect((await store.findLead({ leadId: survivorId }))?.lead.leadId).toBe(survivorId);
      expect((await store.findLead({ leadId: absorbedId }))?.lead.leadId).toBe(survivorId);
      expect((await store.findLead({ email }))?.lead.email).toBe(email);
      expect(await store.findLead({ email: `${uniqueId('nobody')}@contract.example` })).toBeUndefined();
      expect(await store.findLead({ leadId: uniqueLeadId() })).toBeUndefined();
    });
  });
}
