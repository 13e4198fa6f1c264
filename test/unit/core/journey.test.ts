import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { journeyName, planAssignment, planEscalation, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import { defaultWeeklyHours, type WorkCalendar } from '#core/business-hours.ts';
import type { AcceptanceTerms } from '#core/service-agreement.ts';
import { teamsSchema, type TeamsConfig } from '#core/teams.ts';

const person = (id: string) => ({ id, name: `Name of ${id}`, email: `${id}@example.com` });
const rep = (id: string) => ({ ...person(id), timeZone: 'Europe/London' });

function teamOf(repIds: readonly string[]): TeamsConfig {
  return teamsSchema.parse({
    teams: [{ id: 'sales-emea', manager: person('mgr-ana'), reps: repIds.map(rep) }],
    sender: 'LeadLoop <leadloop@example.com>',
  });
}

const teams = teamOf(['rep-sam', 'rep-kim']);
const agreement: AcceptanceTerms = { acceptWithinHours: 4, escalationLadder: ['notify-manager', 'reassign', 'recycle'] };
const HOUR_MS = 3_600_000;
// Every rep in London, Monday to Friday 09:00–17:00 (UTC in March before the clocks change)
const calendars = (): WorkCalendar => ({ timeZone: 'Europe/London', week: defaultWeeklyHours, holidays: [], away: [] });
const assignedAt = new Date('2026-03-02T09:00:00.000Z');
const lead = { leadId: 'lead-0123456789abcdef0123', cycle: 1 };

type Escalated = JourneyState & { assignment: JourneyAssignment };

describe('planning the first assignment', () => {
  it('picks a team rep with nobody before them and a deadline acceptWithinHours away', () => {
    // Prepare / Act
    const assignment = planAssignment(teams, agreement, lead, assignedAt, calendars);

    // Assess: 4 hours after 09:00
    expect(['rep-sam', 'rep-kim']).toContain(assignment.repId);
    expect(assignment).toMatchObject({
      teamId: 'sales-emea',
      previousReps: [],
      acceptBy: '2026-03-02T13:00:00.000Z',
      acceptWithinSeconds: 14_400,
    });
  });

  it('plans the same assignment when retried', () => {
    // Prepare / Act
    const first = planAssignment(teams, agreement, lead, assignedAt, calendars);
    const retried = planAssignment(teams, agreement, { ...lead }, assignedAt, calendars);

    // Assess
    expect(retried).toEqual(first);
  });
});

describe('planning an escalation', () => {
  const start = (): Escalated => ({ ...lead, assignment: planAssignment(teams, agreement, lead, assignedAt, calendars) });

  it('first notifies the manager and leaves the rep in place with a fresh deadline', () => {
    // Prepare
    const state = start();
    const missedAt = new Date(assignedAt.getTime() + 4 * HOUR_MS);

    // Act
    const next = planEscalation(teams, agreement, state, missedAt, calendars);

    // Assess: the new deadline is 4 hours after 13:00
    expect(next.escalation).toEqual({ missed: 1, step: 'notify-manager' });
    expect(next.assignment).toEqual({
      ...state.assignment,
      acceptBy: '2026-03-02T17:00:00.000Z',
      acceptWithinSeconds: 14_400,
      // no reminder in this agreement: the reminder is the deadline
      remindAt: '2026-03-02T17:00:00.000Z',
      remindWithinSeconds: 14_400,
    });
    expect(next.leadId).toBe(lead.leadId);
    expect(next.cycle).toBe(1);
  });

  it('then reassigns to another rep, remembering the previous one', () => {
    // Prepare
    const first = start();
    const notified = planEscalation(teams, agreement, first, new Date(assignedAt.getTime() + 4 * HOUR_MS), calendars);

    // Act
    const reassigned = planEscalation(teams, agreement, notified, new Date(assignedAt.getTime() + 8 * HOUR_MS), calendars);

    // Assess: 4 working hours after 17:00 end on Tuesday at 13:00, not at 21:00 that evening
    expect(reassigned.escalation).toEqual({ missed: 2, step: 'reassign' });
    expect(reassigned.assignment.repId).not.toBe(first.assignment.repId);
    expect(['rep-sam', 'rep-kim']).toContain(reassigned.assignment.repId);
    expect(reassigned.assignment.previousReps).toEqual([first.assignment.repId]);
    expect(reassigned.assignment.acceptBy).toBe('2026-03-03T13:00:00.000Z');
    expect(reassigned.assignment.acceptWithinSeconds).toBe(20 * 3600);
    expect(reassigned.assignment.teamId).toBe('sales-emea');
  });

  it('restarts the clock in the new rep’s hours and zone when it reassigns', () => {
    // Prepare: Sam in London, Kim in New York (UTC−5 in early March), both 09:00–17:00; a reminder at 75%
    const zones: Record<string, string> = { 'rep-sam': 'Europe/London', 'rep-kim': 'America/New_York' };
    const byRep = (repId: string): WorkCalendar => ({ timeZone: zones[repId]!, week: defaultWeeklyHours, holidays: [], away: [] });
    const reminding: AcceptanceTerms = { ...agreement, remindAt: 0.75, escalationLadder: ['reassign', 'recycle'] };
    const first: Escalated = { ...lead, assignment: planAssignment(teams, reminding, lead, assignedAt, byRep) };
    const missedAt = new Date(first.assignment.acceptBy);

    // Act
    const reassigned = planEscalation(teams, reminding, first, missedAt, byRep);

    // Assess: whoever had it first, the new owner's 4 hours start at the new owner's next working minute
    const next = reassigned.assignment;
    if (next.repId === 'rep-kim') {
      // 13:00 UTC is 08:00 in New York: 09:00–13:00 there, 18:00 UTC; reminded after 3 hours, 17:00 UTC
      expect(next).toMatchObject({ acceptBy: '2026-03-02T18:00:00.000Z', remindAt: '2026-03-02T17:00:00.000Z', acceptWithinSeconds: 5 * 3600, remindWithinSeconds: 4 * 3600 });
    } else {
      // Kim had it (New York: 09:00–13:00 local is 14:00–18:00 UTC); Sam's 4 hours start 09:00 London the next day
      expect(first.assignment.acceptBy).toBe('2026-03-02T18:00:00.000Z');
      expect(next).toMatchObject({ repId: 'rep-sam', acceptBy: '2026-03-03T13:00:00.000Z', remindAt: '2026-03-03T12:00:00.000Z' });
    }
  });

  it('finally recycles, and keeps recycling past the end of the ladder', () => {
    // Prepare
    let state: Escalated = start();
    const steps: string[] = [];

    // Act
    for (let missed = 1; missed <= 5; missed++) {
      state = planEscalation(teams, agreement, state, new Date(assignedAt.getTime() + missed * 4 * HOUR_MS), calendars);
      steps.push(state.escalation!.step);
    }

    // Assess
    expect(steps).toEqual(['notify-manager', 'reassign', 'recycle', 'recycle', 'recycle']);
    expect(state.escalation?.missed).toBe(5);
  });

  it('is the same plan when a step is retried with the same state and time', () => {
    // Prepare
    const state = start();
    const now = new Date(assignedAt.getTime() + 4 * HOUR_MS);

    // Act / Assess
    expect(planEscalation(teams, agreement, state, now, calendars)).toEqual(planEscalation(teams, agreement, structuredClone(state), now, calendars));
  });

  it('hands each reassignment to a rep other than the one who missed, and grows previousReps by one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 10 }),
        (repCount, reassignments, leadId, cycle) => {
          // Prepare: a ladder of nothing but reassignments, then recycle
          const team = teamOf(Array.from({ length: repCount }, (_, i) => `rep-${i}`));
          const ladder: AcceptanceTerms = {
            acceptWithinHours: 1,
            escalationLadder: [...Array.from({ length: reassignments }, () => 'reassign' as const), 'recycle'],
          };
          let state: Escalated = { leadId, cycle, assignment: planAssignment(team, ladder, { leadId, cycle }, assignedAt, calendars) };

          for (let missed = 1; missed <= reassignments; missed++) {
            // Act
            const next = planEscalation(team, ladder, state, assignedAt, calendars);

            // Assess
            expect(next.escalation.step).toBe('reassign');
            expect(next.assignment.repId).not.toBe(state.assignment.repId);
            expect(next.assignment.previousReps).toEqual([...state.assignment.previousReps, state.assignment.repId]);
            if (missed < repCount) expect(next.assignment.previousReps).not.toContain(next.assignment.repId);
            state = next;
          }
        },
      ),
    );
  });
});

describe('naming a cycle’s journey', () => {
  it('names it after the lead and the cycle', () => {
    // Prepare / Act / Assess
    expect(journeyName('lead-abc', 2)).toBe('lead-abc-cycle-2');
  });
});
