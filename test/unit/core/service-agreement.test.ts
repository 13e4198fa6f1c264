import { describe, expect, it } from 'vitest';
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
  it('ends acceptWithinHours after the given instant', () => {
    // Prepare
    const from = new Date('2026-03-02T10:00:00.000Z');

    // Act
    const window = acceptanceWindow(agreement, from);

    // Assess: 4 hours = 14 400 seconds
    expect(window).toEqual({ acceptBy: '2026-03-02T14:00:00.000Z', acceptWithinSeconds: 14_400 });
  });

  it('handles fractional hours in whole seconds', () => {
    // Prepare: 1.5 hours = 5 400 seconds; 1/7 hour = 514.28… seconds → 514
    const from = new Date('2026-03-02T23:00:00.000Z');

    // Act
    const ninetyMinutes = acceptanceWindow({ ...agreement, acceptWithinHours: 1.5 }, from);
    const seventhOfAnHour = acceptanceWindow({ ...agreement, acceptWithinHours: 1 / 7 }, from);

    // Assess
    expect(ninetyMinutes).toEqual({ acceptBy: '2026-03-03T00:30:00.000Z', acceptWithinSeconds: 5_400 });
    expect(seventhOfAnHour).toEqual({ acceptBy: '2026-03-02T23:08:34.000Z', acceptWithinSeconds: 514 });
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
