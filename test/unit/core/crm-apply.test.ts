import { describe, expect, it } from 'vitest';
import { applyCrmOutcome, createSalesSourcedLead, dealAfter, inOutcomeOrder, stageStep, type SentOutcome } from '#core/crm-apply.ts';
import type { CrmStage } from '#core/crm-outcomes.ts';
import { leadIdFor } from '#core/lead-id.ts';
import type { Lead } from '#core/lead.ts';
import { applyOutcome } from '#core/outcomes.ts';
import { assignedMql, at, model } from './lead-fixtures.ts';

const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: at(5) };
const outcome = (stage: CrmStage, hours: number, extra: Partial<SentOutcome> = {}): SentOutcome => ({
  outcomeId: `o-${stage}-${hours}`,
  leadId: 'lead-1',
  stage,
  at: at(hours),
  via: 'hubspot',
  ...extra,
});

/** The fixture MQL accepted by rep-sam through the hand-off link, its journey started. */
function acceptedLead(): Lead {
  const { journeyPending: _started, ...lead } = applyOutcome(assignedMql(), { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6) }).lead;
  return lead;
}

function applied(lead: Lead, sent: SentOutcome) {
  const result = applyCrmOutcome(lead, sent);
  if (result.kind !== 'record') throw new Error(`expected the outcome to apply: ${result.plan.message}`);
  return result;
}

describe('applying a CRM outcome to a lead', () => {
  it('records the stages a deal skipped at one instant, each with who moved the lead', () => {
    // Prepare
    const lead = acceptedLead();

    // Act
    const { lead: after, changes } = applied(lead, outcome('opportunity', 10, { repId: 'rep-sam', opportunityId: 'opp-7' }));

    // Assess
    expect(after.stage).toBe('opportunity');
    expect(changes.map((c) => [c.from, c.to, c.at])).toEqual([
      ['sal', 'sql', at(10)],
      ['sql', 'opportunity', at(10)],
    ]);
    expect(changes.every((c) => c.by?.repId === 'rep-sam' && c.by.via === 'hubspot')).toBe(true);
    expect(after.stageHistory.slice(-2)).toEqual(changes);
    expect(after.deal).toEqual({ opportunityId: 'opp-7', stage: 'opportunity', at: at(10) });
    // the lead as given is left as it was
    expect(lead.stage).toBe('sal');
  });

  it('keeps the deal up to date: a later won adds its amount to the opportunity', () => {
    const opportunity = applied(acceptedLead(), outcome('opportunity', 10, { opportunityId: 'opp-7' })).lead;

    const won = applied(opportunity, outcome('won', 20, { amount: 12000, currency: 'EUR' })).lead;

    expect(won.stage).toBe('won');
    expect(won.deal).toEqual({ opportunityId: 'opp-7', amount: 12000, currency: 'EUR', stage: 'won', at: at(20) });
    expect(won.stageHistory.at(-1)).toMatchObject({ from: 'opportunity', to: 'won', cause: 'hubspot reported won' });
  });

  it('sends a lost lead back to marketing at the same instant: lost, then recycled, no owner, the reason kept', () => {
    const opportunity = { ...applied(acceptedLead(), outcome('opportunity', 10)).lead, owner: sam };

    const { lead, changes } = applied(opportunity, outcome('lost', 20, { reason: 'went with a competitor', repId: 'rep-sam' }));

    expect(changes.map((c) => [c.from, c.to, c.at])).toEqual([
      ['opportunity', 'lost', at(20)],
      ['lost', 'recycled', at(20)],
    ]);
    expect(changes[0]!.cause).toBe('hubspot reported lost (rep rep-sam): went with a competitor');
    expect(changes[1]!.cause).toBe('back to marketing: hubspot reported the deal lost: went with a competitor');
    expect(lead.stage).toBe('recycled');
    expect(lead.owner).toBeUndefined();
    expect(lead.deal).toMatchObject({ stage: 'lost' });
  });

  it('marks the CRM deciding a pending hand-off, without starting a cycle', () => {
    const result = applied(assignedMql(), outcome('sql', 8));

    expect(result.plan.handOffDecision).toBe('accepted');
    expect(result.changes[0]).toMatchObject({ from: 'mql', to: 'sal', decision: 'accepted' });
    expect(result.lead.cycle).toBe(1);
    expect(result.lead.owner).toEqual(assignedMql().owner);
  });

  it('starts a cycle when sales takes a recycled lead on itself: no journey, the named rep its owner when known', () => {
    const recycled = applied({ ...acceptedLead(), owner: sam }, outcome('recycled', 9)).lead;

    const result = applyCrmOutcome(recycled, outcome('sql', 30, { repId: 'rep-kim' }), {
      ownerOf: (repId, when) => (repId === 'rep-kim' ? { repId, teamId: 'sales-emea', assignedAt: when } : undefined),
    });

    if (result.kind !== 'record') throw new Error('expected the outcome to apply');
    expect(result.plan.startsCycle).toBe(true);
    expect(result.lead.cycle).toBe(2);
    expect(result.lead.journeyPending).toBeUndefined();
    expect(result.lead.owner).toEqual({ repId: 'rep-kim', teamId: 'sales-emea', assignedAt: at(30) });
    expect(result.changes.map((c) => c.to)).toEqual(['mql', 'sal', 'sql']);
  });

  it('refuses a backwards move, saying where the lead is and where it may go', () => {
    const won = applied(applied(acceptedLead(), outcome('opportunity', 10)).lead, outcome('won', 20)).lead;

    const result = applyCrmOutcome(won, outcome('opportunity', 30));

    expect(result).toMatchObject({ kind: 'refuse', plan: { stage: 'won', to: 'opportunity', allowed: [] } });
  });
});

describe('planning outcomes one after another', () => {
  it('plans each against the stage the previous left, lost ending in recycled', () => {
    const first = stageStep({ stage: 'sal', stageHistory: [] }, outcome('opportunity', 1), 'crm');
    if (first.kind !== 'record') throw new Error('expected a record');
    const second = stageStep(first.state, outcome('lost', 2), 'crm');
    if (second.kind !== 'record') throw new Error('expected a record');

    expect(first.state.stage).toBe('opportunity');
    expect(second.state.stage).toBe('recycled');
    expect(second.state.stageHistory.map((c) => c.to)).toEqual(['sql', 'opportunity', 'lost', 'recycled']);
    expect(stageStep(first.state, outcome('sql', 3), 'crm')).toMatchObject({ kind: 'refuse', plan: { stage: 'opportunity', allowed: ['won', 'lost'] } });
  });

  it('orders a lead’s outcomes by when they happened, then as given', () => {
    const items = [outcome('won', 5, { outcomeId: 'a' }), outcome('sql', 1, { outcomeId: 'b' }), outcome('opportunity', 5, { outcomeId: 'c' })];

    expect(inOutcomeOrder(items, (o) => o.at).map((o) => o.outcomeId)).toEqual(['b', 'a', 'c']);
  });
});

describe('the deal', () => {
  it('starts with the first outcome that names one, not with an sql', () => {
    expect(dealAfter(undefined, { stage: 'sql', at: at(1) })).toBeUndefined();
    expect(dealAfter(undefined, { stage: 'sql', at: at(1), amount: 5, currency: 'EUR' })).toEqual({ stage: 'sql', at: at(1), amount: 5, currency: 'EUR' });
  });

  it('is not rolled back by an outcome dated before its last report, and a new cycle starts without it', () => {
    const deal = { opportunityId: 'opp-1', stage: 'won' as const, at: at(10) };

    expect(dealAfter(deal, { stage: 'opportunity', at: at(5), amount: 1, currency: 'EUR' })).toBe(deal);
    expect(dealAfter(deal, { stage: 'sql', at: at(20) }, true)).toBeUndefined();
  });
});

describe('a sales-sourced lead', () => {
  it('enters in the reported stage, with its deal, email identity and source, counted in the funnel from its entry', () => {
    const { lead, entry } = createSalesSourcedLead(outcome('opportunity', 3, { email: 'Max@Acme.io', amount: 900, currency: 'USD' }), 'max@acme.io', model);

    expect(lead).toMatchObject({
      leadId: leadIdFor('email:max@acme.io'),
      email: 'max@acme.io',
      identities: ['email:max@acme.io'],
      source: 'sales',
      stage: 'opportunity',
      stageHistory: [],
      cycle: 0,
      createdAt: at(3),
      deal: { amount: 900, currency: 'USD', stage: 'opportunity', at: at(3) },
    });
    expect(lead.owner).toBeUndefined();
    expect(entry).toMatchObject({ from: 'visitor', to: 'opportunity', at: at(3) });
  });
});
