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

const sam = { repId: 'rep-sam', teamId: 'sales-emea' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea' };

describe('planning the first assignment', () => {
  it('gives the cycle to the rep routing chose, with nobody before them and a deadline acceptWithinHours away', () => {
    // Prepare / Act
    const assignment = planAssignment(teams, agreement, lead, assignedAt, calendars, kim);

    // Assess: 4 hours after 09:00
    expect(assignment).toMatchObject({
      repId: 'rep-kim',
      teamId: 'sales-emea',
      previousReps: [],
      acceptBy: '2026-03-02T13:00:00.000Z',
      acceptWithinSeconds: 14_400,
    });
  });

  it('plans the same assignment when retried', () => {
    // Prepare / Act
    const first = planAssignment(teams, agreement, lead, assignedAt, calendars, sam);
    const retried = planAssignment(teams, agreement, { ...lead }, assignedAt, calendars, sam);

    // Assess
    expect(retried).toEqual(first);
  });
});

describe('planning an escalation', () => {
  const start = (): Escalated => ({ ...lead, assignment: planAssignment(teams, agreement, lead, assignedAt, calendars, sam) });

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

  it('then reassigns to the rep routing chose, remembering the previous one', () => {
    // Prepare
    const first = start();
    const notified = planEscalation(teams, agreement, first, new Date(assignedAt.getTime() + 4 * HOUR_MS), calendars);

    // Act
    const reassigned = planEscalation(teams, agreement, notified, new Date(assignedAt.getTime() + 8 * HOUR_MS), calendars, kim);

    // Assess: 4 working hours after 17:00 end on Tuesday at 13:00, not at 21:00 that evening
    expect(reassigned.escalation).toEqual({ missed: 2, step: 'reassign' });
    expect(reassigned.assignment.repId).toBe('rep-kim');
    expect(reassigned.assignment.previousReps).toEqual(['rep-sam']);
    expect(reassigned.assignment.acceptBy).toBe('2026-03-03T13:00:00.000Z');
    expect(reassigned.assignment.acceptWithinSeconds).toBe(20 * 3600);
    expect(reassigned.assignment.teamId).toBe('sales-emea');
  });

  it('restarts the clock in the new rep’s hours and zone when it reassigns', () => {
    // Prepare: Sam in London, Kim in New York (UTC−5 in early March), both 09:00–17:00; a reminder at 75%
    const zones: Record<string, string> = { 'rep-sam': 'Europe/London', 'rep-kim': 'America/New_York' };
    const byRep = (repId: string): WorkCalendar => ({ timeZone: zones[repId]!, week: defaultWeeklyHours, holidays: [], away: [] });
    const reminding: AcceptanceTerms = { ...agreement, remindAt: 0.75, escalationLadder: ['reassign', 'recycle'] };
    const first: Escalated = { ...lead, assignment: planAssignment(teams, reminding, lead, assignedAt, byRep, sam) };
    const missedAt = new Date(first.assignment.acceptBy);

    // Act
    const reassigned = planEscalation(teams, reminding, first, missedAt, byRep, kim);

    // Assess: Sam's window ends 13:00 UTC, 08:00 in New York: Kim's 4 hours are 09:00–13:00 there, 18:00 UTC;
    // reminded after 3 of them, 17:00 UTC
    expect(first.assignment.acceptBy).toBe('2026-03-02T13:00:00.000Z');
    expect(reassigned.assignment).toMatchObject({ repId: 'rep-kim', acceptBy: '2026-03-02T18:00:00.000Z', remindAt: '2026-03-02T17:00:00.000Z', acceptWithinSeconds: 5 * 3600, remindWithinSeconds: 4 * 3600 });
  });

  it('tells the manager instead when nobody else can take the lead: the owner keeps it with a fresh deadline', () => {
    // Prepare
    const notified = planEscalation(teams, agreement, start(), new Date(assignedAt.getTime() + 4 * HOUR_MS), calendars);

    // Act: the ladder says reassign, and routing found nobody
    const next = planEscalation(teams, agreement, notified, new Date(assignedAt.getTime() + 8 * HOUR_MS), calendars, undefined);

    // Assess: 4 working hours after Monday 17:00 end Tuesday 13:00
    expect(next.escalation).toEqual({ missed: 2, step: 'notify-manager' });
    expect(next.assignment).toMatchObject({ repId: 'rep-sam', previousReps: [], acceptBy: '2026-03-03T13:00:00.000Z', acceptWithinSeconds: 20 * 3600 });
  });

  it('finally recycles, and keeps recycling past the end of the ladder', () => {
    // Prepare
    let state: Escalated = start();
    const steps: string[] = [];

    // Act
    for (let missed = 1; missed <= 5; missed++) {
      state = planEscalation(teams, agreement, state, new Date(assignedAt.getTime() + missed * 4 * HOUR_MS), calendars, kim);
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
});

describe('naming a cycle’s journey', () => {
  it('names it after the lead and the cycle', () => {
    // Prepare / Act / Assess
    expect(journeyName('lead-abc', 2)).toBe('lead-abc-cycle-2');
  });
});
