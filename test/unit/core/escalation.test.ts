import { describe, expect, it } from 'vitest';
import type { Cycle } from '#core/cycle.ts';
import { escalatedCycle, escalationChange, escalationCourse } from '#core/decisions.ts';
import { assignmentOf, endOfCycle, stoodDown, type JourneyAssignment } from '#core/journey.ts';
import type { Outcome } from '#core/outcomes.ts';

const NOW = new Date('2026-03-01T17:01:00.000Z');
const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T13:00:00.000Z' };
const accepted: Outcome = { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T16:59:00.000Z' };
const samMissed = { repId: 'rep-sam', acceptBy: '2026-03-01T17:00:00.000Z', at: '2026-03-01T17:01:00.000Z' };
const mql = { cycle: 1, stage: 'mql' as const };
const cycle: Cycle = { leadId: 'lead-1', cycle: 1, owner: sam, previousReps: [], acceptBy: '2026-03-01T17:00:00.000Z', acceptWithinSeconds: 14_400, missed: 1 };
const freshWindow = { acceptBy: '2026-03-01T21:01:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T20:01:00.000Z', remindWithinSeconds: 10_800 };
const kimAssignment: JourneyAssignment = { repId: 'rep-kim', teamId: 'sales-emea', previousReps: ['rep-sam'], ...freshWindow };

describe('the course of an escalation step', () => {
  it('stands down when a decision is recorded on the cycle, whatever the lead says', () => {
    expect(escalationCourse(mql, { ...cycle, outcome: accepted }, 2)).toBe('stand-down');
    expect(escalationCourse({ cycle: 1, stage: 'sal' }, { ...cycle, outcome: accepted }, 2)).toBe('stand-down');
  });

  it('ends the cycle’s journey when the lead left the cycle another way', () => {
    expect(escalationCourse({ cycle: 2, stage: 'mql' }, cycle, 2)).toBe('end-cycle');
    expect(escalationCourse({ cycle: 1, stage: 'disqualified' }, cycle, 2)).toBe('end-cycle');
    expect(escalationCourse({ cycle: 1, stage: 'sal' }, cycle, 2)).toBe('end-cycle');
  });

  it('only repeats the effects when the step is already written (a retry)', () => {
    expect(escalationCourse(mql, { ...cycle, missed: 2 }, 2)).toBe('taken');
    expect(escalationCourse(mql, { ...cycle, recycled: samMissed }, 2)).toBe('taken');
  });

  it('writes the step while the lead waits in this cycle and nothing stands in the way', () => {
    expect(escalationCourse(mql, cycle, 2)).toBe('due');
  });
});

describe('the change an escalation step writes on the cycle', () => {
  it('notify-manager: a fresh window for the same owner, no handover', () => {
    const plan = { escalation: { step: 'notify-manager' as const }, assignment: { ...kimAssignment, repId: 'rep-sam', previousReps: [] } };
    expect(escalationChange(cycle, plan, NOW)).toEqual({ step: 'notify-manager', ...freshWindow });
  });

  it('reassign: the planned rep from now, and the current owner’s missed window as the handover', () => {
    const change = escalationChange(cycle, { escalation: { step: 'reassign' }, assignment: kimAssignment }, NOW);
    expect(change).toEqual({
      step: 'reassign',
      owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:01:00.000Z' },
      previousReps: ['rep-sam'],
      ...freshWindow,
      handover: samMissed,
    });
  });

  it('recycle: only the handover of the owner whose window ended', () => {
    expect(escalationChange(cycle, { escalation: { step: 'recycle' }, assignment: kimAssignment }, NOW)).toEqual({ step: 'recycle', handover: samMissed });
  });
});

describe('the cycle as an escalation leaves it', () => {
  it('counts the missed deadline and opens the fresh window', () => {
    expect(escalatedCycle(cycle, 2, { step: 'notify-manager', ...freshWindow })).toEqual({ ...cycle, missed: 2, ...freshWindow });
  });

  it('hands the cycle to the new owner and keeps every earlier handover', () => {
    const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:01:00.000Z' };
    const earlier = { repId: 'rep-lou', acceptBy: '2026-03-01T13:00:00.000Z', at: '2026-03-01T13:01:00.000Z' };
    const written = escalatedCycle({ ...cycle, reassignments: [earlier] }, 2, { step: 'reassign', owner: kim, previousReps: ['rep-lou', 'rep-sam'], ...freshWindow, handover: samMissed });
    expect(written).toEqual({ ...cycle, missed: 2, owner: kim, previousReps: ['rep-lou', 'rep-sam'], ...freshWindow, reassignments: [earlier, samMissed] });
  });

  it('marks the cycle recycled and keeps the missed window as it was', () => {
    expect(escalatedCycle(cycle, 3, { step: 'recycle', handover: samMissed })).toEqual({ ...cycle, missed: 3, recycled: samMissed });
  });
});

describe('the journey state an escalation returns', () => {
  const state = { leadId: 'lead-1', cycle: 1, assignment: kimAssignment };

  it('stands down with the count of deadlines missed so far', () => {
    expect(stoodDown(state)).toEqual({ ...state, escalation: { missed: 0, step: 'outcome-recorded' } });
    expect(stoodDown({ ...state, escalation: { missed: 2, step: 'reassign' } })).toEqual({ ...state, escalation: { missed: 2, step: 'outcome-recorded' } });
  });

  it('ends the cycle as a recycle step of the plan, so the journey stops waiting', () => {
    expect(endOfCycle({ ...state, escalation: { missed: 1, step: 'notify-manager' } })).toEqual({ ...state, escalation: { missed: 1, step: 'recycle' } });
  });

  it('returns the assignment the cycle holds', () => {
    expect(assignmentOf({ ...cycle, owner: { ...sam, repId: 'rep-kim' }, previousReps: ['rep-sam'] })).toEqual({
      repId: 'rep-kim',
      teamId: 'sales-emea',
      previousReps: ['rep-sam'],
      acceptBy: cycle.acceptBy,
      acceptWithinSeconds: 14_400,
      // a cycle written before reminders: reminded at the deadline, i.e. not at all
      remindAt: cycle.acceptBy,
      remindWithinSeconds: 14_400,
    });
    expect(assignmentOf({ ...cycle, remindAt: '2026-03-01T16:00:00.000Z', remindWithinSeconds: 10_800 })).toMatchObject({ remindAt: '2026-03-01T16:00:00.000Z', remindWithinSeconds: 10_800 });
  });
});
