import { describe, expect, it } from 'vitest';
import type { Cycle } from '#core/cycle.ts';
import { journeyName } from '#core/journey.ts';
import { journeyNames, MAX_RESUMES, openJourneyAttributes, reconcileCycle, resumedAssignment, resumedJourneyName, resumePoint, type JourneyStatus } from '#core/reconcile.ts';
import { OPEN_STAGE, STAGE_SINCE } from '#core/table-layout.ts';

const leadId = 'lead-0123456789abcdef0123';
const assignedAt = '2027-01-11T09:00:00.000Z';
/** Accept by 13:00, reminded at 12:00, assigned at 09:00. */
const cycle: Cycle & { resumes?: number } = {
  leadId,
  cycle: 2,
  owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt },
  previousReps: [],
  acceptBy: '2027-01-11T13:00:00.000Z',
  acceptWithinSeconds: 4 * 3600,
  remindAt: '2027-01-11T12:00:00.000Z',
  remindWithinSeconds: 3 * 3600,
  missed: 0,
};
const at = (time: string) => new Date(`2027-01-11T${time}:00.000Z`);
const ended: JourneyStatus[] = ['FAILED', 'ABORTED', 'TIMED_OUT'];

describe('where a cycle stands, from its record', () => {
  it('waits before the reminder, reminds from it, escalates from the deadline, and follows up once a rep decided', () => {
    expect(resumePoint(cycle, at('11:59'))).toBe('await');
    expect(resumePoint(cycle, at('12:00'))).toBe('remind');
    expect(resumePoint(cycle, at('12:59'))).toBe('remind');
    expect(resumePoint(cycle, at('13:00'))).toBe('escalate');
    expect(resumePoint({ ...cycle, outcome: { kind: 'accepted', cycle: 2, repId: 'rep-sam', at: '2027-01-11T10:00:00.000Z' } }, at('14:00'))).toBe('follow-up');
  });

  it('takes a cycle from before reminders (no remindAt) as reminded at its deadline', () => {
    const { remindAt: _r, remindWithinSeconds: _w, ...old } = cycle;
    expect(resumePoint(old, at('12:30'))).toBe('await');
    expect(resumePoint(old, at('13:00'))).toBe('escalate');
  });
});

describe('what the reconciler does with an open cycle', () => {
  it('leaves a running journey (or one waiting for a redrive) alone', () => {
    expect(reconcileCycle(cycle, 'RUNNING', at('14:00'))).toEqual({ action: 'leave' });
    expect(reconcileCycle(cycle, 'PENDING_REDRIVE', at('14:00'))).toEqual({ action: 'leave' });
  });

  it('takes a cycle out of the index once it is recycled, merged away, or its journey succeeded, whatever its journey does', () => {
    expect(reconcileCycle({ ...cycle, recycled: { repId: 'rep-sam', at: assignedAt } as never }, 'MISSING', at('14:00'))).toEqual({ action: 'close', why: 'recycled' });
    expect(reconcileCycle({ ...cycle, mergedInto: { leadId: 'lead-ffffffffffffffffffff', cycle: 1 } }, 'ABORTED', at('14:00'))).toEqual({ action: 'close', why: 'merged' });
    expect(reconcileCycle(cycle, 'SUCCEEDED', at('14:00'))).toEqual({ action: 'close', why: 'succeeded' });
  });

  it('leaves the journeys of a lead merged into another stopped: the merge stopped them, then closes the cycle and retires the lead', () => {
    expect(reconcileCycle(cycle, 'ABORTED', at('10:00'), { stoppedWith: 'LeadMerged' })).toEqual({ action: 'close', why: 'merged' });
    expect(reconcileCycle(cycle, 'MISSING', at('10:00'), { leadMergedAway: true })).toEqual({ action: 'close', why: 'merged' });
    // an operator's stop is resumed
    expect(reconcileCycle(cycle, 'ABORTED', at('10:00'), { stoppedWith: 'Operator' })).toMatchObject({ action: 'resume' });
  });

  it('starts a missing journey under the name it had, without a claim: the name itself makes the start once', () => {
    const decision = reconcileCycle(cycle, 'MISSING', at('10:00'));
    expect(decision).toEqual({
      action: 'resume',
      from: 'await',
      resumes: 0,
      claim: false,
      name: journeyName(leadId, 2),
      input: { leadId, cycle: 2, resumed: { count: 0, from: 'await' } },
    });
    expect(reconcileCycle({ ...cycle, resumes: 2 }, 'MISSING', at('10:00'))).toMatchObject({ action: 'resume', resumes: 2, claim: false, name: `${journeyName(leadId, 2)}-resume-2` });
  });

  it('resumes a journey that ended without succeeding under the next name, claimed first', () => {
    for (const status of ended) {
      expect(reconcileCycle(cycle, status, at('13:30')), status).toMatchObject({ action: 'resume', from: 'escalate', resumes: 1, claim: true, name: `${journeyName(leadId, 2)}-resume-1` });
    }
  });

  it('carries the escalations taken so far, so the ladder goes on from the next step', () => {
    const decision = reconcileCycle({ ...cycle, missed: 1, resumes: 1 }, 'ABORTED', at('13:30'));
    expect(decision).toMatchObject({ action: 'resume', input: { leadId, cycle: 2, escalation: { missed: 1 }, resumed: { count: 2, from: 'escalate' } } });
  });

  it(`gives up after ${MAX_RESUMES} resumptions, and never claims past them`, () => {
    expect(reconcileCycle({ ...cycle, resumes: MAX_RESUMES - 1 }, 'FAILED', at('10:00'))).toMatchObject({ action: 'resume', resumes: MAX_RESUMES });
    expect(reconcileCycle({ ...cycle, resumes: MAX_RESUMES }, 'FAILED', at('10:00'))).toEqual({ action: 'give-up', resumes: MAX_RESUMES });
    // its last name lost (a restart): started again under that name, no new claim
    expect(reconcileCycle({ ...cycle, resumes: MAX_RESUMES }, 'MISSING', at('10:00'))).toMatchObject({ action: 'resume', resumes: MAX_RESUMES, claim: false });
  });
});

describe('journey names', () => {
  it('are the journey’s own name first, then one per resumption, each distinct: what a merge stops', () => {
    const names = journeyNames(leadId, 3);
    expect(names[0]).toBe(journeyName(leadId, 3));
    expect(names).toHaveLength(MAX_RESUMES + 1);
    expect(new Set(names).size).toBe(names.length);
    expect(names.at(-1)).toBe(resumedJourneyName(leadId, 3, MAX_RESUMES));
    // Step Functions allows 80 characters
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(80);
  });
});

describe('the assignment of a cycle already written', () => {
  it('counts the waits from now: to the reminder and the deadline the record holds', () => {
    const assignment = resumedAssignment(cycle, at('10:30'));
    expect(assignment).toMatchObject({ repId: 'rep-sam', acceptBy: cycle.acceptBy, remindAt: cycle.remindAt, remindWithinSeconds: 1.5 * 3600, acceptWithinSeconds: 2.5 * 3600 });
  });

  it('waits one second (the shortest timeout) for a reminder or deadline already passed', () => {
    expect(resumedAssignment(cycle, at('12:30'))).toMatchObject({ remindWithinSeconds: 1, acceptWithinSeconds: 1800 });
    expect(resumedAssignment(cycle, at('15:00'))).toMatchObject({ remindWithinSeconds: 1, acceptWithinSeconds: 1 });
  });
});

describe('the open-cycles index attributes', () => {
  it('put a cycle in its lead’s shard of the journey partitions, sorted by when it was assigned', () => {
    const attributes = openJourneyAttributes(cycle);
    expect(attributes[OPEN_STAGE]).toMatch(/^journey#[0-3]$/);
    expect(attributes[STAGE_SINCE]).toBe(assignedAt);
    // every cycle of a lead in the same shard
    expect(openJourneyAttributes({ ...cycle, owner: { ...cycle.owner, repId: 'rep-kim' } })[OPEN_STAGE]).toBe(attributes[OPEN_STAGE]);
  });
});
