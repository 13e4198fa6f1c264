import { describe, expect, it } from 'vitest';
import { decisionMessageId, decisionOutcome, decisionRequestOf } from '#core/decisions.ts';
import { decisionForm } from '#core/emails.ts';

const AT = '2026-03-01T10:30:00.000Z';
const link = { leadId: 'lead-0123456789abcdef0123', cycle: 2, repId: 'rep-sam' };

describe('a hand-off link as a decision', () => {
  it('asks to accept or reject the link’s cycle, as the link’s rep', () => {
    expect(decisionRequestOf({ ...link, action: 'accept' })).toEqual({ kind: 'accepted', cycle: 2, repId: 'rep-sam' });
    expect(decisionRequestOf({ ...link, action: 'reject' })).toEqual({ kind: 'rejected', cycle: 2, repId: 'rep-sam' });
  });

  it('records an acceptance without a reason and a rejection with its reason', () => {
    expect(decisionOutcome({ kind: 'accepted', cycle: 2, repId: 'rep-sam' }, AT, undefined)).toEqual({ kind: 'accepted', cycle: 2, repId: 'rep-sam', at: AT });
    expect(decisionOutcome({ kind: 'accepted', cycle: 2, repId: 'rep-sam' }, AT, 'ignored')).toEqual({ kind: 'accepted', cycle: 2, repId: 'rep-sam', at: AT });
    expect(decisionOutcome({ kind: 'rejected', cycle: 2, repId: 'rep-sam' }, AT, 'No budget')).toEqual({ kind: 'rejected', cycle: 2, repId: 'rep-sam', at: AT, reason: 'No budget' });
  });

  it('refuses to record a rejection without a reason', () => {
    expect(() => decisionOutcome({ kind: 'rejected', cycle: 2, repId: 'rep-sam' }, AT, undefined)).toThrow(/reason/);
  });

  it('is stored under one event id per lead, cycle, rep and kind, whenever it is clicked', () => {
    const id = decisionMessageId(link.leadId, { kind: 'accepted', cycle: 2, repId: 'rep-sam' });
    expect(id).toBe('handoff-lead-0123456789abcdef0123-2-rep-sam-accepted');
    expect(decisionMessageId(link.leadId, { kind: 'rejected', cycle: 2, repId: 'rep-sam' })).not.toBe(id);
    expect(decisionMessageId(link.leadId, { kind: 'accepted', cycle: 3, repId: 'rep-sam' })).not.toBe(id);
    expect(decisionMessageId(link.leadId, { kind: 'accepted', cycle: 2, repId: 'rep-kim' })).not.toBe(id);
  });

  it('shows a button that posts the decision, asking a rejection why', () => {
    expect(decisionForm('accepted')).toContain('<form method="post">');
    expect(decisionForm('accepted')).not.toContain('name="reason"');
    expect(decisionForm('rejected')).toContain('<form method="post">');
    expect(decisionForm('rejected')).toContain('<select name="reason">');
  });
});
