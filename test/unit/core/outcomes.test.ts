import { describe, expect, it } from 'vitest';
import { applyEvents } from '#core/lead.ts';
import { applyOutcome, OutcomeRefusedError, outcomeRefusal, recycleUnaccepted, returnToSales, type Outcome } from '#core/outcomes.ts';
import { assignedMql, at, demoRequest, model, pageView } from './lead-fixtures.ts';

describe('outcomes of a hand-off', () => {
  const accepted = (fields: Partial<Outcome> = {}): Outcome => ({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6), ...fields }) as Outcome;
  const rejected: Outcome = { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: at(6), reason: 'No budget' };

  it('moves an accepted MQL to SAL', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const { lead, changes } = applyOutcome(mql, accepted());

    // Assess
    expect(changes).toEqual([{ from: 'mql', to: 'sal', at: at(6), cause: 'accepted by rep-sam', decision: 'accepted', by: { repId: 'rep-sam' } }]);
    expect(lead.stage).toBe('sal');
    expect(lead.cycle).toBe(1);
    expect(mql.stage).toBe('mql');
  });

  it('recycles a rejected MQL, recording the reason', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const { lead, changes } = applyOutcome(mql, rejected);

    // Assess
    expect(changes).toEqual([{ from: 'mql', to: 'recycled', at: at(6), cause: 'rejected by rep-sam: No budget', decision: 'rejected', by: { repId: 'rep-sam' } }]);
    expect(lead.stage).toBe('recycled');
    expect(lead.stageHistory.at(-1)).toEqual(changes[0]);
  });

  it('accepts an outcome from the owner of the current cycle while the lead waits', () => {
    // Prepare / Act / Assess
    expect(outcomeRefusal(assignedMql(), accepted())).toBeUndefined();
  });

  it('refuses an outcome for another cycle', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const refusal = outcomeRefusal(mql, accepted({ cycle: 0 }));

    // Assess
    expect(refusal).toBe('this hand-off belongs to an earlier cycle of the lead');
  });

  it('refuses an outcome from a rep who does not own the lead', () => {
    // Prepare
    const mql = assignedMql();
    const { owner: _owner, ...unassigned } = mql;

    // Act / Assess
    expect(outcomeRefusal(mql, accepted({ repId: 'rep-kim' }))).toBe('the lead is no longer assigned to you');
    expect(outcomeRefusal(unassigned, accepted())).toBe('the lead is no longer assigned to you');
  });

  it('refuses a second outcome once the lead was handled', () => {
    // Prepare
    const { lead: sal } = applyOutcome(assignedMql(), accepted());

    // Act
    const refusal = outcomeRefusal(sal, rejected);

    // Assess
    expect(refusal).toBe('the lead was already handled (stage sal)');
  });

  it('throws OutcomeRefusedError with the refusal when applying a refused outcome', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const act = () => applyOutcome(mql, accepted({ repId: 'rep-kim' }));

    // Assess
    expect(act).toThrow(OutcomeRefusedError);
    expect(act).toThrow(expect.objectContaining({ name: 'OutcomeRefusedError', message: 'the lead is no longer assigned to you' }));
  });

  it('keeps a rejected lead with marketing when only its old engagement would qualify it', () => {
    // Prepare: rejected in cycle 1 with engagement 50 and grade B
    const { lead: recycled } = applyOutcome(assignedMql(), rejected);

    // Act: one more page view: 55 in all, but only 5 since the rejection
    const { lead, changes } = applyEvents(recycled, [pageView('m-7', 7)], model);

    // Assess
    expect(changes).toEqual([]);
    expect(lead.stage).toBe('recycled');
    expect(lead.cycle).toBe(1);
  });

  it('starts cycle 2 when a recycled lead earns qualifying engagement again', () => {
    // Prepare: rejected in cycle 1 with engagement 50 and grade B
    const { lead: recycled } = applyOutcome(assignedMql(), rejected);

    // Act: a demo request (40) and two page views (5 each) since the rejection = 50
    const { lead, changes } = applyEvents(recycled, [demoRequest('m-7', 7), pageView('m-8', 8), pageView('m-9', 9)], model);

    // Assess
    expect(changes).toEqual([
      // the change into mql keeps the lead's whole engagement then (the band calibration counts it in): 50 + 50
      { from: 'recycled', to: 'mql', at: at(9), cause: 'grade B and engagement 50 since recycling met the qualification rule of model lead-test-1', engagement: 100 },
    ]);
    expect(lead.cycle).toBe(2);
    expect(lead.journeyPending).toBe(2);
    expect(lead.owner).toBeUndefined();
    expect(outcomeRefusal(lead, accepted())).toBe('this hand-off belongs to an earlier cycle of the lead');
  });

  it('clears the owner of a rejected lead', () => {
    // Prepare / Act
    const { lead } = applyOutcome(assignedMql(), rejected);

    // Assess
    expect(lead.owner).toBeUndefined();
  });
});

describe('recycling a lead nobody accepted', () => {
  it('sends an MQL of the given cycle back to marketing and clears its owner', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const { lead, changes } = recycleUnaccepted(mql, 1, at(30));

    // Assess
    expect(changes).toEqual([
      { from: 'mql', to: 'recycled', at: at(30), cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' },
    ]);
    expect(lead.stage).toBe('recycled');
    expect(lead.owner).toBeUndefined();
    expect(mql.owner?.repId).toBe('rep-sam');
  });

  it('changes nothing for another cycle', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const result = recycleUnaccepted(mql, 2, at(30));

    // Assess
    expect(result).toEqual({ lead: mql, changes: [] });
  });

  it('changes nothing once the lead was accepted', () => {
    // Prepare
    const { lead: sal } = applyOutcome(assignedMql(), { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6) });

    // Act
    const result = recycleUnaccepted(sal, 1, at(30));

    // Assess
    expect(result).toEqual({ lead: sal, changes: [] });
  });
});

describe('the return to sales a rep asked for', () => {
  const rejectedLead = () => applyOutcome(assignedMql(), { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: at(6), reason: 'Too early', recontactAt: at(90) }).lead;

  it('makes the recycled lead an MQL again on the date, in a new cycle whose journey is pending, with no owner', () => {
    const { lead, changes } = returnToSales(rejectedLead(), { kind: 'return-to-sales', cycle: 1, repId: 'rep-sam', at: at(90) });

    expect(changes).toEqual([{ from: 'recycled', to: 'mql', at: at(90), cause: `back to sales: rep-sam asked to recontact on ${at(90).slice(0, 10)}` }]);
    expect(lead).toMatchObject({ stage: 'mql', cycle: 2, journeyPending: 2 });
    expect(lead.owner).toBeUndefined();
  });

  it('leaves a lead that already came back (a later cycle) or moved on as it is', () => {
    const back = returnToSales(rejectedLead(), { kind: 'return-to-sales', cycle: 1, repId: 'rep-sam', at: at(90) }).lead;

    expect(returnToSales(back, { kind: 'return-to-sales', cycle: 1, repId: 'rep-sam', at: at(91) })).toEqual({ lead: back, changes: [] });
    expect(returnToSales(assignedMql(), { kind: 'return-to-sales', cycle: 1, repId: 'rep-sam', at: at(91) }).changes).toEqual([]);
  });
});
