import { beforeEach, describe, expect, it } from 'vitest';
import type { CrmOutcome } from '../../../functions/core/crm-outcomes.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { leadIdFor } from '../../../functions/core/lead-id.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { CrmOutcomeEvent } from '../../../functions/core/records.ts';
import { scoringModelSchema } from '../../../functions/core/scoring.ts';
import { applyEventRecords } from '../../../functions/score/apply-events.ts';
import { mqlLead } from './fixtures.ts';
import { InMemoryLeads } from './in-memory-leads.ts';

/**
 * The CRM's outcomes applied by the stream path, with the leads table, the
 * cycles and the journeys' waits in memory (the adapters' rules: a marker per
 * applied event, a decision recorded on the cycle only while its rep may decide).
 */
const model = scoringModelSchema.parse({
  version: 'crm-test-1',
  engagement: { engagedThreshold: 10, rules: [{ id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 }] },
  fit: { rules: [], grades: { A: 30, B: 20, C: 10 } },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

const LEAD = 'lead-0123456789abcdef0123';
const at = (hours: number) => new Date(Date.parse('2026-03-01T09:00:00.000Z') + hours * 3_600_000).toISOString();
const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: at(0) };

let store: InMemoryLeads;

function crm(outcomeId: string, outcome: Omit<CrmOutcome, 'outcomeId'>, leadId = LEAD): CrmOutcomeEvent {
  return { messageId: `crm-${outcomeId}`, kind: 'crm-outcome', leadId, outcome: { outcomeId, ...outcome, via: 'hubspot' } as CrmOutcomeEvent['outcome'], receivedAt: at(100) };
}

function cycleOf(overrides: Partial<Cycle> = {}): Cycle {
  return { leadId: LEAD, cycle: 1, owner: sam, previousReps: [], acceptBy: at(4), acceptWithinSeconds: 14_400, missed: 0, ...overrides };
}

/** The fixture lead, accepted by rep-sam in cycle 1 (the journey waiting on its follow-up). */
function acceptedLead(overrides: Partial<Lead> = {}): Lead {
  return mqlLead({
    modelVersion: model.version,
    stage: 'sal',
    stageHistory: [
      { from: 'known', to: 'mql', at: at(0), cause: 'qualified' },
      { from: 'mql', to: 'sal', at: at(1), cause: 'accepted by rep-sam', decision: 'accepted' },
    ],
    ...overrides,
  });
}

async function apply(...records: CrmOutcomeEvent[]) {
  const { failedMessageIds } = await applyEventRecords(records, store.ports());
  expect([...failedMessageIds]).toEqual([]);
}
const leadNow = (leadId = LEAD) => store.leads.get(leadId)!.lead;

beforeEach(() => {
  store = new InMemoryLeads(model);
});

describe('applying the CRM’s outcomes', () => {
  it('moves the lead through the stages it skipped at one instant, keeps the deal, and wakes the journey’s follow-up wait', async () => {
    store.putLead(acceptedLead(), 4);
    store.setCycle(cycleOf({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(1) }, taskToken: 'follow-up-token' }));

    await apply(crm('opp', { leadId: LEAD, stage: 'opportunity', at: at(10), opportunityId: 'opp-7', repId: 'rep-sam' }));
    await apply(crm('won', { leadId: LEAD, stage: 'won', at: at(20), amount: 12000, currency: 'EUR' }));

    const lead = leadNow();
    expect(lead.stage).toBe('won');
    expect(lead.stageHistory.slice(2).map((c) => [c.from, c.to, c.at, c.by])).toEqual([
      ['sal', 'sql', at(10), { repId: 'rep-sam', via: 'hubspot' }],
      ['sql', 'opportunity', at(10), { repId: 'rep-sam', via: 'hubspot' }],
      ['opportunity', 'won', at(20), { via: 'hubspot' }],
    ]);
    expect(lead.deal).toEqual({ opportunityId: 'opp-7', amount: 12000, currency: 'EUR', stage: 'won', at: at(20) });
    expect(store.resumed).toEqual([
      { taskToken: 'follow-up-token', output: { wake: 'opportunity' } },
      { taskToken: 'follow-up-token', output: { wake: 'won' } },
    ]);
    expect(store.funnel.get('reached.won')).toBe(1);
    expect(store.funnel.get('current.won')).toBe(1);
  });

  it('applies an outcome once: a replay changes nothing and wakes nothing', async () => {
    store.putLead(acceptedLead(), 4);
    store.setCycle(cycleOf({ taskToken: 'follow-up-token' }));
    const won = crm('won', { leadId: LEAD, stage: 'won', at: at(20), amount: 12000, currency: 'EUR' });
    await apply(won);
    const after = structuredClone(store.leads.get(LEAD));

    await apply(won);

    expect(store.leads.get(LEAD)).toEqual(after);
    expect(store.resumed).toHaveLength(1);
    expect(store.markers.get(LEAD)?.has('crm-won')).toBe(true);
  });

  it('applies a batch’s outcomes of one lead in the order they happened', async () => {
    store.putLead(acceptedLead(), 4);

    await apply(crm('won', { leadId: LEAD, stage: 'won', at: at(20) }), crm('opp', { leadId: LEAD, stage: 'opportunity', at: at(10) }));

    expect(leadNow().stage).toBe('won');
    expect(store.logged).toEqual([]);
  });

  it('logs a move the lead as it is now does not allow, changes nothing, and does not retry it', async () => {
    store.putLead(acceptedLead({ stage: 'won', stageHistory: [{ from: 'opportunity', to: 'won', at: at(5), cause: 'won' }] }), 4);

    await apply(crm('back', { leadId: LEAD, stage: 'sql', at: at(20) }));

    expect(leadNow().stage).toBe('won');
    expect(store.logged).toEqual([{ message: 'CRM outcome refused', details: { leadId: LEAD, messageId: 'crm-back', refusal: 'the lead is won, a closed stage: no outcome moves it' } }]);
    expect(store.markers.get(LEAD)?.has('crm-back')).toBe(true);
  });

  it('sends a lost lead back to marketing: recycled at the same instant, no owner, the reason kept', async () => {
    store.putLead(acceptedLead({ stage: 'opportunity' }), 4);

    await apply(crm('lost', { leadId: LEAD, stage: 'lost', at: at(30), reason: 'no budget this year' }));

    const lead = leadNow();
    expect(lead.stage).toBe('recycled');
    expect(lead.owner).toBeUndefined();
    expect(lead.stageHistory.slice(-2).map((c) => [c.to, c.at, c.cause])).toEqual([
      ['lost', at(30), 'hubspot reported lost: no budget this year'],
      ['recycled', at(30), 'back to marketing: hubspot reported the deal lost: no budget this year'],
    ]);
    expect(store.funnel.get('reached.lost')).toBe(1);
    expect(store.funnel.get('current.recycled')).toBe(1);
  });

  describe('a hand-off still waiting on a rep', () => {
    it('is decided as the owner’s click would: recorded on the cycle, the acceptance wait resumed, the lead moved on', async () => {
      store.putLead(mqlLead({ modelVersion: model.version }), 4);
      store.setCycle(cycleOf({ taskToken: 'acceptance-token' }));

      await apply(crm('sql', { leadId: LEAD, stage: 'sql', at: at(2) }));

      expect(store.cycle(LEAD, 1)?.outcome).toEqual({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(2) });
      expect(store.resumed).toEqual([{ taskToken: 'acceptance-token', output: { outcome: 'accepted', repId: 'rep-sam' } }]);
      expect(leadNow().stage).toBe('sql');
      expect(leadNow().stageHistory.at(-2)).toMatchObject({ from: 'mql', to: 'sal', decision: 'accepted' });
    });

    it('records a rejection with the CRM’s reason', async () => {
      store.putLead(mqlLead({ modelVersion: model.version }), 4);
      store.setCycle(cycleOf());

      await apply(crm('dq', { leadId: LEAD, stage: 'recycled', at: at(2), reason: 'student' }));

      expect(store.cycle(LEAD, 1)?.outcome).toEqual({ kind: 'rejected', cycle: 1, repId: 'rep-sam', at: at(2), reason: 'student' });
      expect(leadNow()).toMatchObject({ stage: 'recycled' });
      expect(leadNow().owner).toBeUndefined();
    });

    it('changes nothing when the cycle no longer takes the decision (an escalation got there first)', async () => {
      store.putLead(mqlLead({ modelVersion: model.version }), 4);
      store.setCycle(cycleOf({ recycled: { repId: 'rep-sam', acceptBy: at(4), at: at(5) } }));

      await apply(crm('sql', { leadId: LEAD, stage: 'sql', at: at(6) }));

      expect(leadNow().stage).toBe('mql');
      expect(store.resumed).toEqual([]);
      expect(store.logged[0]).toMatchObject({ message: 'CRM outcome refused', details: { refusal: 'the cycle does not take a decision by rep-sam' } });
    });
  });

  it('starts a cycle without a journey when sales takes a recycled lead on itself, waking the old cycle’s wait', async () => {
    store.putLead(acceptedLead({ stage: 'recycled', owner: undefined }), 4);
    store.setCycle(cycleOf({ taskToken: 'recontact-token' }));

    await apply(crm('again', { leadId: LEAD, stage: 'opportunity', at: at(50), repId: 'rep-kim' }));

    const lead = leadNow();
    expect(lead.cycle).toBe(2);
    expect(lead.stage).toBe('opportunity');
    expect(lead.owner).toEqual({ repId: 'rep-kim', teamId: 'sales-emea', assignedAt: at(50) });
    expect(store.journeys.size).toBe(0);
    expect(store.resumed).toEqual([{ taskToken: 'recontact-token', output: { wake: 'opportunity' } }]);
  });

  describe('createIfMissing', () => {
    const maxId = leadIdFor('email:max@acme.io');

    it('creates a sales-sourced lead, linked by its email, counted in the funnel, later outcomes applied to it', async () => {
      await apply(
        crm('new', { email: 'Max@Acme.io', stage: 'opportunity', at: at(1), createIfMissing: true, amount: 500, currency: 'EUR' }, maxId),
        crm('won', { email: 'max@acme.io', stage: 'won', at: at(2) }, maxId),
      );

      const lead = leadNow(maxId);
      expect(lead).toMatchObject({ leadId: maxId, email: 'max@acme.io', source: 'sales', stage: 'won', cycle: 0, deal: { amount: 500, currency: 'EUR', stage: 'won' } });
      expect(store.links.get('email:max@acme.io')).toBe(maxId);
      expect(store.funnel.get('reached.opportunity')).toBe(1);
      expect(store.funnel.get('current.won')).toBe(1);
      expect(store.funnel.get('current.opportunity') ?? 0).toBe(0);
      expect([...store.markers.get(maxId)!].sort()).toEqual(['crm-new', 'crm-won']);
    });

    it('applies to the lead the email came to be linked to meanwhile', async () => {
      store.putLead(acceptedLead({ email: 'max@acme.io', identities: ['email:max@acme.io'] }), 4);

      await apply(crm('new', { email: 'max@acme.io', stage: 'opportunity', at: at(1), createIfMissing: true }, maxId));

      expect(store.leads.has(maxId)).toBe(false);
      expect(leadNow().stage).toBe('opportunity');
    });

    it('ignores an outcome for an unknown lead without createIfMissing', async () => {
      await apply(crm('lost', { leadId: maxId, stage: 'won', at: at(1) }, maxId));

      expect(store.leads.size).toBe(0);
      expect(store.logged).toEqual([{ message: 'outcome for an unknown lead ignored', details: { leadId: maxId } }]);
    });
  });
});

describe('the open lead of an accepted hand-off the CRM moves on', () => {
  const accepted = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: at(1) };

  it('ends it once, with the move, when no contact was logged; a replay and later moves end nothing more', async () => {
    store.putLead(acceptedLead(), 4);
    store.setCycle(cycleOf({ outcome: accepted, openFor: 'rep-sam' }));
    const sql = crm('sql', { leadId: LEAD, stage: 'sql', at: at(10), repId: 'rep-sam' });

    await apply(sql);
    await apply(sql);
    await apply(crm('won', { leadId: LEAD, stage: 'won', at: at(20) }));

    expect(leadNow().stage).toBe('won');
    expect(store.released).toEqual([`${LEAD}#1#rep-sam`]);
    expect(store.cycle(LEAD, 1)).not.toHaveProperty('openFor');
  });

  for (const stage of ['opportunity', 'won', 'lost', 'disqualified'] as const) {
    it(`ends it when the CRM reports the lead ${stage}`, async () => {
      store.putLead(acceptedLead(), 4);
      store.setCycle(cycleOf({ outcome: accepted, openFor: 'rep-sam' }));

      await apply(crm(stage, { leadId: LEAD, stage, at: at(10), ...(stage === 'lost' && { reason: 'went with a competitor' }) }));

      expect(store.released).toEqual([`${LEAD}#1#rep-sam`]);
    });
  }

  it('ends it when the CRM takes a pending hand-off straight past acceptance (mql to sql)', async () => {
    store.putLead(mqlLead({ modelVersion: model.version, owner: sam }), 4);
    store.setCycle(cycleOf({ openFor: 'rep-sam', taskToken: 'accept-token' }));

    await apply(crm('sql', { leadId: LEAD, stage: 'sql', at: at(2), repId: 'rep-sam' }));

    expect(leadNow().stage).toBe('sql');
    expect(store.cycle(LEAD, 1)?.outcome?.kind).toBe('accepted');
    expect(store.released).toEqual([`${LEAD}#1#rep-sam`]);
  });

  it('ends nothing once the first contact ended it, and nothing while the lead stays accepted', async () => {
    store.putLead(acceptedLead(), 4);
    store.setCycle(cycleOf({ outcome: accepted }));

    await apply(crm('sql', { leadId: LEAD, stage: 'sql', at: at(10), repId: 'rep-sam' }));

    expect(store.released).toEqual([]);
  });

  it('applies the move when the first contact ends the count between the read and the save, ending it once', async () => {
    store.putLead(acceptedLead(), 4);
    store.setCycle(cycleOf({ outcome: accepted, openFor: 'rep-sam' }));
    // the first contact is logged (its own −1) just after the cycle was read for the save
    store.beforeNext('saveLead', () => {
      delete store.cycle(LEAD, 1)!.openFor;
      store.released.push(`${LEAD}#1#rep-sam (contact)`);
    });

    await apply(crm('sql', { leadId: LEAD, stage: 'sql', at: at(10), repId: 'rep-sam' }));

    expect(leadNow().stage).toBe('sql');
    expect(store.released).toEqual([`${LEAD}#1#rep-sam (contact)`]);
  });
});
