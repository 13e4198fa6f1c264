import { describe, expect, it } from 'vitest';
import { applyCrmOutcome, createSalesSourcedLead, type SentOutcome } from '#core/crm-apply.ts';
import type { Lead } from '#core/lead.ts';
import { leadView } from '#core/lead-view.ts';
import { applyOutcome } from '#core/outcomes.ts';
import { assignedMql, at, model } from './lead-fixtures.ts';

/** What GET /v1/leads/{id} shows of what sales did: the deal, and who moved the lead at each stage, when and why. */
function reported(lead: Lead, outcome: Omit<SentOutcome, 'outcomeId' | 'leadId' | 'via'>): Lead {
  const result = applyCrmOutcome(lead, { outcomeId: `o-${outcome.stage}`, leadId: lead.leadId, via: 'hubspot', ...outcome });
  if (result.kind !== 'record') throw new Error(result.plan.message);
  return result.lead;
}

describe('the lead view of a lead sales worked', () => {
  it('shows the deal, and for each stage change when, who and why', () => {
    // Prepare: accepted by rep-sam's click, won in the CRM with an amount
    const accepted = applyOutcome(assignedMql(), { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6) }).lead;
    const won = reported(accepted, { stage: 'won', at: at(20), amount: 12000, currency: 'EUR', opportunityId: 'opp-7', repId: 'rep-sam', reason: 'signed' });

    // Act
    const view = leadView(won, model, new Date(at(30)));

    // Assess
    expect(view.deal).toEqual({ opportunityId: 'opp-7', amount: 12000, currency: 'EUR', stage: 'won', at: at(20) });
    expect(view.source).toBe('marketing');
    expect(view.stageHistory.map(({ to, at: when, by, cause }) => ({ to, when, by, cause }))).toEqual([
      { to: 'known', when: at(1), by: null, cause: 'identified as jo@acme.io' },
      { to: 'engaged', when: expect.any(String), by: null, cause: expect.stringMatching(/^engagement/) },
      { to: 'mql', when: expect.any(String), by: null, cause: expect.stringMatching(/qualification rule/) },
      { to: 'sal', when: at(6), by: { repId: 'rep-sam' }, cause: 'accepted by rep-sam' },
      { to: 'sql', when: at(20), by: { repId: 'rep-sam', via: 'hubspot' }, cause: 'passed when hubspot reported won (rep rep-sam): signed' },
      { to: 'opportunity', when: at(20), by: { repId: 'rep-sam', via: 'hubspot' }, cause: 'passed when hubspot reported won (rep rep-sam): signed' },
      { to: 'won', when: at(20), by: { repId: 'rep-sam', via: 'hubspot' }, cause: 'hubspot reported won (rep rep-sam): signed' },
    ]);
  });

  it('shows a lead the CRM reported first as sales-sourced, and a lead with no deal as null', () => {
    const { lead } = createSalesSourcedLead({ outcomeId: 'o-1', email: 'max@acme.io', stage: 'sql', at: at(1), via: 'hubspot' }, 'max@acme.io', model);

    const view = leadView(lead, model, new Date(at(2)));

    expect(view.source).toBe('sales');
    expect(view.deal).toBeNull();
    expect(view.stage).toBe('sql');
  });
});
