import { describe, expect, it } from 'vitest';
import type { CycleDecisionFacts } from '#core/decisions.ts';
import { recontactDate } from '#core/decisions.ts';
import { contactedActivityId, contactRefusal, feedbackRefusal } from '#core/link-rules.ts';
import type { Outcome } from '#core/outcomes.ts';

const sam = { repId: 'rep-sam' };
const kim = { repId: 'rep-kim' };
const accepted: Outcome = { kind: 'accepted', cycle: 2, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' };
const rejected: Outcome = { kind: 'rejected', cycle: 2, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z', reason: 'No budget' };
const samHandover = { repId: 'rep-sam', acceptBy: '2026-03-01T14:00:00.000Z', at: '2026-03-01T14:01:00.000Z' };

const link = (repId: string, occasion: 'accepted' | 'rejected' | 'closed' = 'accepted', cycle = 2) => ({ repId, occasion, cycle });

describe('who may give feedback on a hand-off', () => {
  it('on an acceptance or a closed lead: the cycle’s owner, once accepted', () => {
    const cycle: CycleDecisionFacts = { owner: sam, outcome: accepted };

    expect(feedbackRefusal({ cycle: 2, stage: 'sal' }, cycle, link('rep-sam'))).toBeUndefined();
    expect(feedbackRefusal({ cycle: 2, stage: 'won' }, cycle, link('rep-sam', 'closed'))).toBeUndefined();
    expect(feedbackRefusal({ cycle: 2, stage: 'mql' }, { owner: sam }, link('rep-sam'))).toBe('you have not accepted this lead yet');
    expect(feedbackRefusal({ cycle: 2, stage: 'recycled' }, { owner: sam, outcome: rejected }, link('rep-sam'))).toBe(
      'you rejected this lead; its feedback is on the rejection',
    );
  });

  it('on a rejection: the rep whose rejection stands', () => {
    expect(feedbackRefusal({ cycle: 2, stage: 'recycled' }, { owner: sam, outcome: rejected }, link('rep-sam', 'rejected'))).toBeUndefined();
    expect(feedbackRefusal({ cycle: 2, stage: 'sal' }, { owner: sam, outcome: accepted }, link('rep-sam', 'rejected'))).toBe('you accepted this lead; it was not rejected');
    expect(feedbackRefusal({ cycle: 2, stage: 'mql' }, { owner: sam }, link('rep-sam', 'rejected'))).toBe('you have not rejected this lead');
  });

  it('refuses a rep the lead was reassigned away from, and one it never had', () => {
    const cycle: CycleDecisionFacts = { owner: kim, outcome: { ...accepted, repId: 'rep-kim' }, reassignments: [samHandover] };

    expect(feedbackRefusal({ cycle: 2, stage: 'sal' }, cycle, link('rep-sam'))).toBe('the lead was reassigned from you to another rep');
    expect(feedbackRefusal({ cycle: 2, stage: 'sal' }, cycle, link('rep-ann'))).toBe('the lead is not assigned to you');
    expect(feedbackRefusal({ cycle: 2, stage: 'recycled' }, { ...cycle, outcome: { ...rejected, repId: 'rep-kim' } }, link('rep-sam', 'rejected'))).toBe(
      'the lead was reassigned from you to another rep',
    );
  });

  it('refuses a link of an earlier cycle, and one of a cycle that does not exist', () => {
    const cycle: CycleDecisionFacts = { owner: sam, outcome: accepted };

    expect(feedbackRefusal({ cycle: 3, stage: 'mql' }, cycle, link('rep-sam'))).toBe('this link is for an earlier hand-off of the lead; it was handed to sales again since');
    expect(feedbackRefusal({ cycle: 2, stage: 'sal' }, undefined, link('rep-sam'))).toBe('this hand-off does not exist');
    expect(feedbackRefusal({ cycle: 1, stage: 'sal' }, cycle, link('rep-sam'))).toBe('this hand-off does not exist');
  });
});

describe('who may say "I contacted them"', () => {
  const cycle: CycleDecisionFacts = { owner: sam, outcome: accepted };

  it('the cycle’s owner while the lead is accepted and open (sal, sql, opportunity)', () => {
    for (const stage of ['sal', 'sql', 'opportunity'] as const) expect(contactRefusal({ cycle: 2, stage }, cycle, link('rep-sam'))).toBeUndefined();
  });

  it('the owner of a lead accepted on its cycle that the stream path has not saved as sal yet', () => {
    expect(contactRefusal({ cycle: 2, stage: 'mql' }, cycle, link('rep-sam'))).toBeUndefined();
  });

  it('nobody before acceptance, after the lead closed, or after it went back to marketing', () => {
    expect(contactRefusal({ cycle: 2, stage: 'mql' }, { owner: sam }, link('rep-sam'))).toBe('accept the lead first: contact is counted once it is accepted');
    for (const stage of ['won', 'lost', 'disqualified', 'recycled'] as const) {
      expect(contactRefusal({ cycle: 2, stage }, cycle, link('rep-sam'))).toBe(`the lead is no longer open with sales (stage ${stage})`);
    }
  });

  it('no other rep, and no link of an earlier cycle', () => {
    expect(contactRefusal({ cycle: 2, stage: 'sal' }, { owner: kim, reassignments: [samHandover] }, link('rep-sam'))).toBe('the lead was reassigned from you to another rep');
    expect(contactRefusal({ cycle: 3, stage: 'sal' }, cycle, link('rep-sam'))).toMatch(/earlier hand-off/);
  });

  it('is one activity per rep, cycle and UTC day', () => {
    expect(contactedActivityId('lead-1', 2, 'rep-sam', new Date('2026-03-01T23:59:59.999Z'))).toBe('contacted-lead-1-2-rep-sam-2026-03-01');
    expect(contactedActivityId('lead-1', 2, 'rep-sam', new Date('2026-03-02T00:00:00.000Z'))).toBe('contacted-lead-1-2-rep-sam-2026-03-02');
  });
});

describe('the recontact date of a "not now" rejection', () => {
  it('is 1, 3 or 6 calendar months later at the same time of day (UTC)', () => {
    expect(recontactDate('2026-03-01T10:30:00.000Z', 1)).toBe('2026-04-01T10:30:00.000Z');
    expect(recontactDate('2026-03-01T10:30:00.000Z', 3)).toBe('2026-06-01T10:30:00.000Z');
    expect(recontactDate('2026-09-15T08:00:00.000Z', 6)).toBe('2027-03-15T08:00:00.000Z');
  });

  it('falls on the last day of a shorter month', () => {
    expect(recontactDate('2026-01-31T12:00:00.000Z', 1)).toBe('2026-02-28T12:00:00.000Z');
    expect(recontactDate('2027-08-31T12:00:00.000Z', 6)).toBe('2028-02-29T12:00:00.000Z');
    expect(recontactDate('2026-05-31T12:00:00.000Z', 1)).toBe('2026-06-30T12:00:00.000Z');
  });
});
