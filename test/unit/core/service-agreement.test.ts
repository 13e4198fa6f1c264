import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultWeeklyHours, isWorking, weekdays, type WorkCalendar } from '#core/business-hours.ts';
import { acceptanceWindow, escalationStep, serviceAgreementSchema, type ServiceAgreement } from '#core/service-agreement.ts';

const agreement: ServiceAgreement = {
  acceptWithinHours: 4,
  escalationLadder: ['notify-manager', 'reassign', 'recycle'],
  sales: { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24, feedbackWithinDays: 7 },
  marketing: { mqlsPerWeek: 20, minAcceptanceRate: 0.6 },
};
const { sales, marketing } = agreement;

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = serviceAgreementSchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the service agreement schema', () => {
  it('accepts a ladder that ends with recycle', () => {
    // Prepare / Act / Assess
    expect(serviceAgreementSchema.safeParse(agreement).success).toBe(true);
    expect(serviceAgreementSchema.safeParse({ acceptWithinHours: 0.5, escalationLadder: ['recycle'], sales, marketing }).success).toBe(true);
  });

  it('refuses a ladder that does not end with recycle, so no lead waits forever', () => {
    // Prepare
    const endless = { acceptWithinHours: 4, escalationLadder: ['notify-manager', 'reassign'], sales, marketing };

    // Act
    const issues = issuesOf(endless);

    // Assess
    expect(issues).toEqual([{ path: 'escalationLadder', message: 'the ladder must end with "recycle" so no lead waits forever' }]);
  });

  it.each([
    ['an empty ladder', { acceptWithinHours: 4, escalationLadder: [], sales, marketing }, 'escalationLadder'],
    ['an unknown step', { acceptWithinHours: 4, escalationLadder: ['call-ceo', 'recycle'], sales, marketing }, 'escalationLadder.0'],
    ['a zero acceptance time', { acceptWithinHours: 0, escalationLadder: ['recycle'], sales, marketing }, 'acceptWithinHours'],
    ['an unknown key', { acceptWithinHours: 4, escalationLadder: ['recycle'], sales, marketing, touchesWithinDays: 3 }, ''],
    ['an agreement without the sales side', { acceptWithinHours: 4, escalationLadder: ['recycle'], marketing }, 'sales'],
    ['an agreement without the marketing side', { acceptWithinHours: 4, escalationLadder: ['recycle'], sales }, 'marketing'],
    ['a first contact due after 0 hours', { ...agreement, sales: { ...sales, firstContactWithinHours: 0 } }, 'sales.firstContactWithinHours'],
    ['a fractional number of follow-ups', { ...agreement, sales: { ...sales, followUp: { activities: 2.5, withinDays: 14 } } }, 'sales.followUp.activities'],
    ['no follow-ups', { ...agreement, sales: { ...sales, followUp: { activities: 0, withinDays: 14 } } }, 'sales.followUp.activities'],
    ['a follow-up window of 0 days', { ...agreement, sales: { ...sales, followUp: { activities: 3, withinDays: 0 } } }, 'sales.followUp.withinDays'],
    ['a follow-up window of part of a day (days are working days, whole)', { ...agreement, sales: { ...sales, followUp: { activities: 3, withinDays: 1.5 } } }, 'sales.followUp.withinDays'],
    ['feedback within part of a day', { ...agreement, sales: { ...sales, feedbackWithinDays: 0.5 } }, 'sales.feedbackWithinDays'],
    ['a negative wait before the manager is told', { ...agreement, sales: { ...sales, notifyManagerAfterHours: -1 } }, 'sales.notifyManagerAfterHours'],
    ['no feedback deadline', { ...agreement, sales: { ...sales, feedbackWithinDays: undefined } }, 'sales.feedbackWithinDays'],
    ['an unknown key on the sales side', { ...agreement, sales: { ...sales, touchesWithinDays: 3 } }, 'sales'],
    ['a fractional number of MQLs a week', { ...agreement, marketing: { ...marketing, mqlsPerWeek: 7.5 } }, 'marketing.mqlsPerWeek'],
    ['an acceptance rate written as a percentage', { ...agreement, marketing: { ...marketing, minAcceptanceRate: 60 } }, 'marketing.minAcceptanceRate'],
    ['a negative acceptance rate', { ...agreement, marketing: { ...marketing, minAcceptanceRate: -0.1 } }, 'marketing.minAcceptanceRate'],
  ])('refuses %s, naming the field', (_, value, path) => {
    // Prepare / Act
    const issues = issuesOf(value);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });
});

describe('the sales side of the agreement', () => {
  it('accepts a follow-up window that ends exactly when the first contact is due, and a manager told at once', () => {
    // Prepare: 1 day = 24 hours; no wait before the manager
    const value = { ...agreement, sales: { ...sales, firstContactWithinHours: 24, followUp: { activities: 1, withinDays: 1 }, notifyManagerAfterHours: 0 } };

    // Act / Assess
    expect(serviceAgreementSchema.safeParse(value).success).toBe(true);
  });

  it('refuses a follow-up window that ends before the first contact is due, naming the window', () => {
    // Prepare: 1 day is 24 hours, first contact due after 36
    const value = { ...agreement, sales: { ...sales, firstContactWithinHours: 36, followUp: { activities: 2, withinDays: 1 } } };

    // Act
    const issues = issuesOf(value);

    // Assess
    expect(issues).toEqual([
      { path: 'sales.followUp.withinDays', message: 'the follow-up window (1 days) must not end before the first contact is due (36 hours)' },
    ]);
  });

  it('says how to write an acceptance rate', () => {
    // Prepare / Act
    const issues = issuesOf({ ...agreement, marketing: { ...marketing, minAcceptanceRate: 60 } });

    // Assess
    expect(issues).toEqual([{ path: 'marketing.minAcceptanceRate', message: 'a rate is at most 1 (write 0.6 for 60%)' }]);
  });
});

describe('the acceptance window', () => {
  const london = (more: Partial<WorkCalendar> = {}): WorkCalendar => ({ timeZone: 'Europe/London', week: defaultWeeklyHours, holidays: [], away: [], ...more });
  const allDay: WorkCalendar = { timeZone: 'UTC', week: Object.fromEntries(weekdays.map((day) => [day, [{ from: '00:00', to: '24:00' }]])), holidays: [], away: [] };

  it('ends acceptWithinHours working hours after the given instant, within one working day', () => {
    // Prepare: Monday 10:00 in London (UTC in early March)
    const from = new Date('2026-03-02T10:00:00.000Z');

    // Act
    const window = acceptanceWindow(agreement, from, london());

    // Assess: 4 hours = 14 400 seconds; no reminder configured, so the reminder is the deadline
    expect(window).toEqual({ acceptBy: '2026-03-02T14:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-02T14:00:00.000Z', remindWithinSeconds: 14_400 });
  });

  it('a lead handed over Friday at 18:00 with a 4-hour window is due Monday at 13:00, reminded at 12:00 (75%)', () => {
    // Prepare: Friday 8 January 2027, 18:00 in London (UTC in winter)
    const from = new Date('2027-01-08T18:00:00.000Z');

    // Act
    const window = acceptanceWindow({ ...agreement, remindAt: 0.75 }, from, london());

    // Assess: the weekend does not count; Monday 09:00 + 3 h and + 4 h; seconds are wall-clock
    expect(window).toEqual({
      acceptBy: '2027-01-11T13:00:00.000Z',
      acceptWithinSeconds: 67 * 3600,
      remindAt: '2027-01-11T12:00:00.000Z',
      remindWithinSeconds: 66 * 3600,
    });
  });

  it('skips the rep’s public holidays: over Christmas in London the window runs on 29 December', () => {
    // Prepare: Thursday 24 December 2026 at 16:00; 25 and 28 December (Boxing Day, a Saturday, moves to Monday) are off
    const from = new Date('2026-12-24T16:00:00.000Z');

    // Act
    const window = acceptanceWindow(agreement, from, london({ holidays: ['2026-12-25', '2026-12-28'] }));

    // Assess: 1 hour on Thursday, 3 on Tuesday 29th
    expect(window.acceptBy).toBe('2026-12-29T12:00:00.000Z');
  });

  it('handles fractional hours in whole seconds, rounding up so the wait never ends before the deadline', () => {
    // Prepare: round the clock, 1.5 hours = 5 400 seconds; 1/7 hour = 514.28… seconds → 515
    const from = new Date('2026-03-02T23:00:00.000Z');

    // Act
    const ninetyMinutes = acceptanceWindow({ ...agreement, acceptWithinHours: 1.5 }, from, allDay);
    const seventhOfAnHour = acceptanceWindow({ ...agreement, acceptWithinHours: 1 / 7 }, from, allDay);

    // Assess
    expect(ninetyMinutes).toMatchObject({ acceptBy: '2026-03-03T00:30:00.000Z', acceptWithinSeconds: 5_400 });
    expect(seventhOfAnHour).toMatchObject({ acceptBy: '2026-03-02T23:08:34.286Z', acceptWithinSeconds: 515 });
  });

  it('never ends inside non-working time nor before the plain-hours deadline, and reminds inside the window (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom('Europe/London', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (from, hours, timeZone, remindAt) => {
          // Prepare
          const calendar: WorkCalendar = { timeZone, week: defaultWeeklyHours, holidays: ['2027-12-27', '2027-12-28'], away: [] };

          // Act
          const window = acceptanceWindow({ acceptWithinHours: hours, remindAt }, from, calendar);

          // Assess: the deadline closes a working stretch (working just before it), never earlier than plain hours
          const deadline = Date.parse(window.acceptBy);
          expect(isWorking(new Date(deadline - 1), calendar)).toBe(true);
          expect(deadline).toBeGreaterThanOrEqual(from.getTime() + hours * 3_600_000);
          expect(window.acceptWithinSeconds * 1000).toBeGreaterThanOrEqual(deadline - from.getTime());
          const reminder = Date.parse(window.remindAt);
          expect(reminder).toBeGreaterThan(from.getTime());
          expect(reminder).toBeLessThan(deadline);
          expect(window.remindWithinSeconds).toBeLessThanOrEqual(window.acceptWithinSeconds);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the reminder in the schema', () => {
  it.each([0, 1, 1.5, -0.25])('refuses remindAt %s: a reminder comes inside the window', (remindAt) => {
    const issues = issuesOf({ ...agreement, remindAt });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('remindAt');
  });

  it('takes 0.75, and no reminder at all', () => {
    expect(serviceAgreementSchema.safeParse({ ...agreement, remindAt: 0.75 }).success).toBe(true);
    expect(serviceAgreementSchema.safeParse(agreement).success).toBe(true);
  });
});

describe('the escalation ladder', () => {
  it('takes the step at the position of the missed deadline', () => {
    // Prepare / Act / Assess
    expect(escalationStep(agreement, 1)).toBe('notify-manager');
    expect(escalationStep(agreement, 2)).toBe('reassign');
    expect(escalationStep(agreement, 3)).toBe('recycle');
  });

  it('stays on the last step after the ladder runs out', () => {
    // Prepare / Act / Assess
    expect(escalationStep(agreement, 4)).toBe('recycle');
    expect(escalationStep(agreement, 99)).toBe('recycle');
  });

  it('recycles at once with a one-step ladder', () => {
    // Prepare / Act / Assess
    expect(escalationStep({ escalationLadder: ['recycle'] }, 1)).toBe('recycle');
  });
});

describe('the stalled-leads limits of the agreement', () => {
  it('are optional, and take days for the stages the agreement does not time', () => {
    expect(serviceAgreementSchema.safeParse({ ...agreement, stalledAfterDays: { engaged: 30, sql: 21, opportunity: 45.5 } }).success).toBe(true);
    expect(serviceAgreementSchema.safeParse({ ...agreement, stalledAfterDays: {} }).success).toBe(true);
  });

  it.each([
    ['a stage the agreement times already', { mql: 2 }, 'stalledAfterDays'],
    ['a stage no lead stalls in', { won: 2 }, 'stalledAfterDays'],
    ['zero days', { sql: 0 }, 'stalledAfterDays.sql'],
    ['more than ten years', { opportunity: 4000 }, 'stalledAfterDays.opportunity'],
    ['a number as text', { engaged: '30' }, 'stalledAfterDays.engaged'],
  ])('refuses %s', (_what, stalledAfterDays, path) => {
    const issues = issuesOf({ ...agreement, stalledAfterDays });
    expect(issues.map((i) => i.path)).toEqual([path]);
  });
});
