import { describe, expect, it } from 'vitest';
import { acceptanceWindow, escalationStep, serviceAgreementSchema, type ServiceAgreement } from '#core/service-agreement.ts';

const agreement: ServiceAgreement = { acceptWithinHours: 4, escalationLadder: ['notify-manager', 'reassign', 'recycle'] };

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = serviceAgreementSchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the service agreement schema', () => {
  it('accepts a ladder that ends with recycle', () => {
    // Prepare / Act / Assess
    expect(serviceAgreementSchema.safeParse(agreement).success).toBe(true);
    expect(serviceAgreementSchema.safeParse({ acceptWithinHours: 0.5, escalationLadder: ['recycle'] }).success).toBe(true);
  });

  it('refuses a ladder that does not end with recycle, so no lead waits forever', () => {
    // Prepare
    const endless = { acceptWithinHours: 4, escalationLadder: ['notify-manager', 'reassign'] };

    // Act
    const issues = issuesOf(endless);

    // Assess
    expect(issues).toEqual([{ path: 'escalationLadder', message: 'the ladder must end with "recycle" so no lead waits forever' }]);
  });

  it.each([
    ['an empty ladder', { acceptWithinHours: 4, escalationLadder: [] }, 'escalationLadder'],
    ['an unknown step', { acceptWithinHours: 4, escalationLadder: ['call-ceo', 'recycle'] }, 'escalationLadder.0'],
    ['a zero acceptance time', { acceptWithinHours: 0, escalationLadder: ['recycle'] }, 'acceptWithinHours'],
    ['an unknown key', { acceptWithinHours: 4, escalationLadder: ['recycle'], touchesWithinDays: 3 }, ''],
  ])('refuses %s, naming the field', (_, value, path) => {
    // Prepare / Act
    const issues = issuesOf(value);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
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
    expect(escalationStep({ acceptWithinHours: 4, escalationLadder: ['recycle'] }, 1)).toBe('recycle');
  });
});
