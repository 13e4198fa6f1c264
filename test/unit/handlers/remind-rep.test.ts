import { describe, expect, it } from 'vitest';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { JourneyAssignment } from '../../../functions/core/journey.ts';
import { remindRep } from '../../../functions/journey/remind-rep.ts';
import { mqlLead } from './fixtures.ts';
import { InMemoryJourney } from './in-memory-journey.ts';

// Sam (Europe/London) was handed the lead Friday 8 January 2027 at 18:00; due Monday 13:00, reminded at 12:00.
const REMIND_AT = '2027-01-11T12:00:00.000Z';
const ACCEPT_BY = '2027-01-11T13:00:00.000Z';
const lead = mqlLead();
const LEAD_ID = lead.leadId;
const assignment: JourneyAssignment = {
  repId: 'rep-sam',
  teamId: 'sales-emea',
  previousReps: [],
  acceptBy: ACCEPT_BY,
  acceptWithinSeconds: 67 * 3600,
  remindAt: REMIND_AT,
  remindWithinSeconds: 66 * 3600,
};
const cycle: Cycle = {
  leadId: LEAD_ID,
  cycle: 1,
  owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2027-01-08T18:00:00.000Z' },
  previousReps: [],
  acceptBy: ACCEPT_BY,
  acceptWithinSeconds: 67 * 3600,
  remindAt: REMIND_AT,
  remindWithinSeconds: 66 * 3600,
  missed: 0,
};

function world(at: string, current: Cycle = cycle): InMemoryJourney {
  const store = new InMemoryJourney(new Date(at));
  store.putLead(lead, 4);
  store.setCycle(current);
  return store;
}

describe('the reminder before the acceptance deadline', () => {
  it('emails the owner once, the deadline in their zone and in words, and says how long is left', async () => {
    // Prepare: the first wait timed out at the reminder instant
    const store = world(REMIND_AT);

    // Act: the step, and a retry of it
    const first = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment }, store.ports);
    const retried = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment }, store.ports);

    // Assess: one email, to Sam; an hour (3 600 s) is left either time
    expect(first).toEqual({ reminder: 'sent', acceptWithinSeconds: 3600 });
    expect(retried).toEqual({ reminder: 'already-sent', acceptWithinSeconds: 3600 });
    expect(store.sent).toHaveLength(1);
    const [email] = store.sent;
    expect(email!.to).toBe('sam.seller@example.com');
    expect(email!.idempotencyKey).toBe(`${LEAD_ID}#1#reminder#0#rep-sam`);
    expect(email!.subject).toContain('by Monday 11 January, 13:00 Europe/London');
    expect(email!.text).toContain('Please accept or reject it by Monday 11 January, 13:00 Europe/London');
    expect(email!.text).toMatch(/^Accept: https:\/\/api\.example\.test\/v1\/handoffs\/\S+\/1\/accept\?rep=rep-sam/m);
    expect(email!.text).not.toContain('2027-01-11T13:00');
  });

  it('sends nothing to a rep who decided meanwhile, and lets the wait pick the decision up at once', async () => {
    // Prepare: Sam accepted at 11:30; the decision is on the cycle (the stream may not have applied it yet)
    const store = world(REMIND_AT, { ...cycle, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2027-01-11T11:30:00.000Z' } });

    // Act
    const result = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment }, store.ports);

    // Assess
    expect(result).toEqual({ reminder: 'not-needed', acceptWithinSeconds: 3600 });
    expect(store.sent).toEqual([]);
  });

  it('sends nothing when the agreement sets no reminder (the first wait ended at the deadline)', async () => {
    // Prepare
    const store = world(ACCEPT_BY);

    // Act
    const result = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment: { ...assignment, remindAt: ACCEPT_BY, remindWithinSeconds: 67 * 3600 } }, store.ports);

    // Assess: the shortest wait a timeout allows, then the ladder
    expect(result).toEqual({ reminder: 'not-needed', acceptWithinSeconds: 1 });
    expect(store.sent).toEqual([]);
  });

  it('sends nothing when the lead has moved to another owner since', async () => {
    const store = world(REMIND_AT, { ...cycle, owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2027-01-11T11:00:00.000Z' } });

    const result = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment }, store.ports);

    expect(result.reminder).toBe('not-needed');
    expect(store.sent).toEqual([]);
  });

  it('sends nothing when a merge closed the hand-off meanwhile (the survivor’s journey goes on)', async () => {
    const store = world(REMIND_AT, { ...cycle, mergedInto: { leadId: 'lead-survivor0000000000', cycle: 2 } });

    const result = await remindRep({ leadId: LEAD_ID, cycle: 1, assignment }, store.ports);

    expect(result.reminder).toBe('not-needed');
    expect(store.sent).toEqual([]);
  });
});
