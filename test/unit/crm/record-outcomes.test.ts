import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmOutcome } from '#core/crm-outcomes.ts';
import { leadIdFor } from '#core/lead-id.ts';
import type { LeadRef } from '#core/lead-ref.ts';
import type { Lead } from '#core/lead.ts';
import type { Stage } from '#core/lifecycle.ts';
import type { CrmOutcomeEvent, VersionedLead } from '#core/records.ts';
import { recordOutcomes, type RecordOutcomesPorts } from '../../../functions/crm/record-outcomes.ts';
import { assignedMql, at } from '../core/lead-fixtures.ts';

const NOW = new Date('2026-03-20T12:00:00.000Z');
const JO = leadIdFor('email:jo@acme.io');

/** The ports in memory: leads by id and by email, and the events table (a messageId stored once). */
let leads: Map<string, Lead>;
let stored: Map<string, CrmOutcomeEvent>;
let writes: number;
let ports: RecordOutcomesPorts;

function leadIn(stage: Stage, leadId = JO, email = 'jo@acme.io'): Lead {
  return { ...assignedMql(), leadId, email, identities: [`email:${email}`], stage, stageHistory: [{ from: 'mql', to: stage, at: at(6), cause: 'accepted by rep-sam' }] };
}

beforeEach(() => {
  leads = new Map();
  stored = new Map();
  writes = 0;
  ports = {
    now: () => NOW,
    findLead: async (ref: LeadRef): Promise<VersionedLead | undefined> => {
      const lead = 'leadId' in ref ? leads.get(ref.leadId) : [...leads.values()].find((l) => l.identities.includes(`email:${ref.email}`));
      return lead && { lead, version: 3 };
    },
    storeOutcomes: async (events) => {
      writes += 1;
      const duplicates = new Set(events.filter((e) => stored.has(e.messageId)).map((e) => e.messageId));
      for (const event of events) if (!duplicates.has(event.messageId)) stored.set(event.messageId, event);
      return { duplicates };
    },
  };
});

const options = { via: 'hubspot', dryRun: false };
const outcome = (outcomeId: string, stage: CrmOutcome['stage'], hours: number, extra: Partial<CrmOutcome> = {}): CrmOutcome => ({ outcomeId, leadId: JO, stage, at: at(hours), ...extra });

describe('recording the CRM’s outcomes', () => {
  it('stores each as an event of its lead, with who sent it, and answers the stage it leaves the lead in', async () => {
    leads.set(JO, leadIn('sal'));
    const sent = outcome('deal-1', 'opportunity', 10, { amount: 12000, currency: 'EUR' });

    const answer = await recordOutcomes([sent], options, ports);

    expect(answer).toEqual({ stored: true, results: [{ index: 0, outcomeId: 'deal-1', leadId: JO, status: 'recorded', stage: 'opportunity' }] });
    expect([...stored.values()]).toEqual([{ messageId: 'crm-deal-1', kind: 'crm-outcome', leadId: JO, outcome: { ...sent, via: 'hubspot' }, receivedAt: NOW.toISOString() }]);
  });

  it('finds a lead by its email, and stores the outcome under its id', async () => {
    leads.set(JO, leadIn('sal'));

    const { results } = await recordOutcomes([{ outcomeId: 'deal-1', email: 'jo@acme.io', stage: 'sql', at: at(9) }], options, ports);

    expect(results[0]).toMatchObject({ leadId: JO, status: 'recorded', stage: 'sql' });
    expect(stored.get('crm-deal-1')?.leadId).toBe(JO);
  });

  it('plans a lead’s outcomes in time order, each against the stage the previous left, whatever order they came in', async () => {
    leads.set(JO, leadIn('sal'));

    const { results } = await recordOutcomes([outcome('won', 'won', 20, { amount: 5, currency: 'EUR' }), outcome('opp', 'opportunity', 10)], options, ports);

    expect(results.map((r) => r.status === 'recorded' && r.stage)).toEqual(['won', 'opportunity']);
    expect(stored.size).toBe(2);
  });

  it('answers a repeat as a duplicate and stores nothing new', async () => {
    leads.set(JO, leadIn('sal'));
    await recordOutcomes([outcome('deal-1', 'opportunity', 10)], options, ports);
    const before = [...stored.values()];

    const { stored: written, results } = await recordOutcomes([outcome('deal-1', 'opportunity', 10, { amount: 1, currency: 'EUR' })], options, ports);

    expect(written).toBe(true);
    expect(results[0]).toMatchObject({ status: 'duplicate' });
    expect([...stored.values()]).toEqual(before);
  });

  it('answers a repeat sent after its lead moved on as a duplicate too, when the ports can tell', async () => {
    // the lead has since been won; its opportunity outcome comes again (a CRM retrying, an import run again)
    leads.set(JO, leadIn('won'));
    stored.set('crm-opp', { messageId: 'crm-opp', kind: 'crm-outcome', leadId: JO, outcome: { ...outcome('opp', 'opportunity', 10), via: 'hubspot' }, receivedAt: at(10) });
    const storedOutcomes = async (ids: string[]) => new Set(ids.filter((id) => stored.has(id)));

    const withLookup = await recordOutcomes([outcome('opp', 'opportunity', 10)], options, { ...ports, storedOutcomes });
    const without = await recordOutcomes([outcome('opp', 'opportunity', 10)], options, ports);

    expect(withLookup.results[0]).toMatchObject({ status: 'duplicate', stage: 'won' });
    expect(without.results[0]).toMatchObject({ status: 'refused', code: 409 });
  });

  describe('refusing', () => {
    it('an unknown lead with a 404 naming the field, by id or by email', async () => {
      const byId = await recordOutcomes([outcome('o-1', 'sql', 1)], options, ports);
      const byEmail = await recordOutcomes([{ outcomeId: 'o-2', email: 'max@acme.io', stage: 'sql', at: at(1) }], options, ports);

      expect(byId).toEqual({ stored: false, results: [{ index: 0, outcomeId: 'o-1', status: 'refused', code: 404, path: 'leadId', message: `no lead ${JO}` }] });
      expect(byEmail.results[0]).toMatchObject({ status: 'refused', code: 404, path: 'email' });
      expect(writes).toBe(0);
    });

    it('a move the lifecycle does not allow with a 409 naming the lead’s stage and where it may go', async () => {
      leads.set(JO, leadIn('opportunity'));

      const { stored: written, results } = await recordOutcomes([outcome('o-1', 'sql', 30)], options, ports);

      expect(written).toBe(false);
      expect(results[0]).toEqual({
        index: 0,
        outcomeId: 'o-1',
        status: 'refused',
        code: 409,
        path: 'stage',
        message: 'the lead is opportunity; an outcome may move it to won, lost',
        leadStage: 'opportunity',
        allowed: ['won', 'lost'],
      });
    });

    it('all of a batch when one is refused, naming it by its place; the others would record', async () => {
      leads.set(JO, leadIn('sal'));
      const other = leadIdFor('email:al@acme.io');

      const { stored: written, results } = await recordOutcomes([outcome('o-1', 'opportunity', 10), { ...outcome('o-2', 'sql', 10), leadId: other }], options, ports);

      expect(written).toBe(false);
      expect(results.map((r) => r.status)).toEqual(['would-record', 'refused']);
      expect(results[1]).toMatchObject({ path: 'batch[1].leadId', code: 404 });
      expect(writes).toBe(0);
      expect(stored.size).toBe(0);
    });

    it('a later outcome of a batch that the earlier one makes impossible', async () => {
      leads.set(JO, leadIn('opportunity'));

      const { results } = await recordOutcomes([outcome('won', 'won', 10), outcome('lost', 'lost', 11)], options, ports);

      expect(results[1]).toMatchObject({ status: 'refused', code: 409, path: 'batch[1].stage', leadStage: 'won', allowed: [] });
      expect(stored.size).toBe(0);
    });
  });

  describe('createIfMissing', () => {
    it('makes an unknown email a sales-sourced lead, with the id its email gives, later outcomes planned against it', async () => {
      const maxId = leadIdFor('email:max@acme.io');
      const create = { outcomeId: 'o-1', email: ' Max@Acme.io', stage: 'opportunity' as const, at: at(1), createIfMissing: true };

      const { results } = await recordOutcomes([create, { outcomeId: 'o-2', email: 'max@acme.io', stage: 'won', at: at(2) }], options, ports);

      expect(results).toEqual([
        { index: 0, outcomeId: 'o-1', leadId: maxId, status: 'recorded', stage: 'opportunity' },
        { index: 1, outcomeId: 'o-2', leadId: maxId, status: 'recorded', stage: 'won' },
      ]);
      expect([...stored.values()].map((e) => e.leadId)).toEqual([maxId, maxId]);
    });

    it('applies to a lead that exists as to any other', async () => {
      leads.set(JO, leadIn('sal'));

      const { results } = await recordOutcomes([{ outcomeId: 'o-1', email: 'jo@acme.io', stage: 'opportunity', at: at(9), createIfMissing: true }], options, ports);

      expect(results[0]).toMatchObject({ leadId: JO, status: 'recorded', stage: 'opportunity' });
    });
  });

  it('stores nothing on a dry run, and says what would happen', async () => {
    leads.set(JO, leadIn('sal'));

    const answer = await recordOutcomes([outcome('o-1', 'won', 10, { amount: 1, currency: 'EUR' })], { ...options, dryRun: true }, ports);

    expect(answer).toEqual({ stored: false, results: [{ index: 0, outcomeId: 'o-1', leadId: JO, status: 'would-record', stage: 'won' }] });
    expect(writes).toBe(0);
  });
});
