import { describe, expect, it } from 'vitest';
import { backtest, type LeadHistory } from '#core/backtest.ts';
import { applyCrmOutcome, type SentOutcome } from '#core/crm-apply.ts';
import { applyEvents, newLead, type Lead } from '#core/lead.ts';
import { applyOutcome } from '#core/outcomes.ts';
import { current, draft, known } from './backtest-fixtures.ts';
import { at, demoRequest } from './lead-fixtures.ts';

/**
 * The backtest's win rate per score band reads the stage history the CRM's
 * outcomes leave: the lead as the stream path applies them (crm-apply.ts),
 * not a history written by hand.
 */
const owner = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: at(2) };

/** A lead that qualified on a demo request at hour 1 (50 points: grade B, engagement 50), owned by rep-sam. */
function qualified(leadId: string): { lead: Lead; history: LeadHistory['events'] } {
  const events = [known(leadId), demoRequest(`${leadId}-d`, 1)];
  const { lead } = applyEvents(newLead(leadId, at(0), current), events, current);
  expect(lead.stage).toBe('mql');
  return { lead: { ...lead, owner }, history: events };
}

function reported(lead: Lead, outcome: Omit<SentOutcome, 'outcomeId' | 'via' | 'leadId'>): Lead {
  const result = applyCrmOutcome(lead, { outcomeId: `${lead.leadId}-${outcome.stage}`, leadId: lead.leadId, via: 'hubspot', ...outcome });
  if (result.kind !== 'record') throw new Error(result.plan.message);
  return result.lead;
}

describe('the backtest’s win rate per band, from the CRM’s outcomes', () => {
  it('counts a deal the CRM reported won, and one it reported lost, in the band of the lead’s hand-off', () => {
    // Prepare: one lead accepted by its rep's click, then won in the CRM (12000 EUR, skipping sql and opportunity);
    // the other decided by the CRM itself (an opportunity straight from the MQL), then lost
    const first = qualified('crm-won');
    const accepted = applyOutcome(first.lead, { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(3) }).lead;
    const won = reported(accepted, { stage: 'won', at: at(20), amount: 12000, currency: 'EUR' });
    const second = qualified('crm-lost');
    const lost = reported(reported(second.lead, { stage: 'opportunity', at: at(4) }), { stage: 'lost', at: at(30), reason: 'no budget' });

    // Act
    const report = backtest(
      [
        { lead: won, events: first.history },
        { lead: lost, events: second.history },
      ],
      current,
      draft,
    );

    // Assess
    expect(report.perLead.map((lead) => [lead.leadId, lead.handOff])).toEqual([
      ['crm-won', { at: at(1), decision: 'accepted', close: 'won' }],
      ['crm-lost', { at: at(1), decision: 'accepted', close: 'lost' }],
    ]);
    expect(report.current.bands.find((band) => band.label === '40–59')).toMatchObject({ leads: 2, accepted: 2, won: 1, lost: 1, winRate: 0.5 });
  });
});
