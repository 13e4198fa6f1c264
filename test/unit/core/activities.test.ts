import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityRepId, activitySchema, salesClocks, salesDeadlines, salesSteps, type SalesClockInput, type SalesStep } from '#core/activities.ts';
import { isWorking, workingMsBetween } from '#core/business-hours.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { calendarArb, officeCalendar, roundTheClock, startArb } from './calendar-arbitraries.ts';

const acceptedAt = '2026-03-02T09:00:00.000Z';
const HOUR_MS = 3_600_000;
const hoursAfter = (hours: number) => new Date(Date.parse(acceptedAt) + hours * HOUR_MS);
const iso = (hours: number) => hoursAfter(hours).toISOString();
/**
 * first contact within 24 hours; 3 activities within 14 days (336 hours); the manager 24 hours after a missed deadline.
 * Round the clock, so every hour counts: what the ladder does, in plain arithmetic (working time: the last describe).
 */
const sales = { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24 };
const clocks = (activityHours: number[], nowHours: number, sent: SalesStep[] = []) =>
  salesClocks({ acceptedAt, activities: activityHours.map((h) => ({ at: iso(h) })), sales, calendar: roundTheClock, now: hoursAfter(nowHours), sent });

const valid = { activityId: 'call-1', email: 'jo@acme.io', kind: 'call', at: acceptedAt };

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = activitySchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the activity schema', () => {
  it('takes an activity by email or by lead id, with or without a rep and result', () => {
    // Prepare / Act / Assess
    expect(activitySchema.safeParse(valid).success).toBe(true);
    expect(activitySchema.safeParse({ ...valid, email: undefined, leadId: leadIdFor('email:jo@acme.io'), repId: 'rep-sam', result: 'demo booked' }).success).toBe(true);
  });

  it.each([
    ['no lead', { ...valid, email: undefined }, 'leadId', 'either leadId or email is required'],
    ['two leads', { ...valid, leadId: leadIdFor('email:jo@acme.io') }, 'email', 'give leadId or email, not both'],
  ])('refuses %s, naming the field', (_, value, path, message) => {
    // Prepare / Act / Assess
    expect(issuesOf(value)).toEqual([{ path, message }]);
  });

  it.each([
    ['no activityId', { ...valid, activityId: undefined }, 'activityId'],
    ['an activityId too long for a key', { ...valid, activityId: 'a'.repeat(256) }, 'activityId'],
    ['an unknown kind', { ...valid, kind: 'lunch' }, 'kind'],
    ['no time', { ...valid, at: undefined }, 'at'],
    ['a time that is not ISO 8601', { ...valid, at: 'yesterday' }, 'at'],
    ['an empty repId', { ...valid, repId: '' }, 'repId'],
    ['a result too long', { ...valid, result: 'r'.repeat(1001) }, 'result'],
    ['an unknown field', { ...valid, duration: 30 }, ''],
  ])('refuses %s', (_, value, path) => {
    // Prepare / Act / Assess
    expect(issuesOf(value).map((i) => i.path)).toContain(path);
  });
});

describe('the rep of an activity', () => {
  it('is the rep named, else the lead owner', () => {
    // Prepare
    const lead = { owner: { repId: 'rep-sam' } };

    // Act / Assess
    expect(activityRepId({ repId: 'rep-kim' }, lead)).toEqual({ repId: 'rep-kim' });
    expect(activityRepId({}, lead)).toEqual({ repId: 'rep-sam' });
  });

  it('must be named for a lead nobody owns', () => {
    // Prepare / Act / Assess
    expect(activityRepId({}, {})).toEqual({ issue: { path: 'repId', message: 'the lead has no owner, so repId is required' } });
  });
});

describe('the first-contact clock', () => {
  it('runs until its deadline, with the reminder next', () => {
    // Prepare / Act
    const result = clocks([], 23);

    // Assess
    expect(result.firstContact).toEqual({ status: 'due', dueAt: iso(24) });
    expect(result.due).toEqual([]);
    expect(result.next).toEqual({ step: 'first-contact-remind-rep', at: iso(24) });
  });

  it('is met by any activity up to the deadline, including one before acceptance', () => {
    // Prepare / Act / Assess
    expect(clocks([24], 30).firstContact).toEqual({ status: 'met', dueAt: iso(24), contactedAt: iso(24) });
    expect(clocks([-1], 2).firstContact).toMatchObject({ status: 'met', contactedAt: iso(-1) });
  });

  it('reminds the rep at the deadline, then tells the manager once the wait is over', () => {
    // Prepare / Act
    const atDeadline = clocks([], 24);
    const atManager = clocks([], 48, ['first-contact-remind-rep']);

    // Assess
    expect(atDeadline.firstContact.status).toBe('missed');
    expect(atDeadline.due).toEqual(['first-contact-remind-rep']);
    expect(atDeadline.next).toEqual({ step: 'first-contact-notify-manager', at: iso(48) });
    expect(atManager.due).toEqual(['first-contact-notify-manager']);
    expect(atManager.next).toEqual({ step: 'follow-up-remind-rep', at: iso(336) });
  });

  it('takes both steps at once, in order, when the journey wakes late', () => {
    // Prepare / Act / Assess
    expect(clocks([], 50).due).toEqual(['first-contact-remind-rep', 'first-contact-notify-manager']);
  });

  it('stays missed for a late contact, but does not tell the manager about a rep who caught up', () => {
    // Prepare / Act
    const result = clocks([30], 48, ['first-contact-remind-rep']);

    // Assess
    expect(result.firstContact).toEqual({ status: 'missed', dueAt: iso(24), contactedAt: iso(30) });
    expect(result.due).toEqual([]);
  });

  it('counts no activity dated after now', () => {
    // Prepare / Act / Assess
    expect(clocks([40], 24).due).toEqual(['first-contact-remind-rep']);
  });
});

describe('the follow-up clock', () => {
  it('is met once the agreed activities are in, the first contact included, and nothing more comes', () => {
    // Prepare / Act
    const result = clocks([1, 50, 100], 101);

    // Assess
    expect(result.followUp).toEqual({ status: 'met', endsAt: iso(336), required: 3, counted: 3 });
    expect(result.due).toEqual([]);
    expect(result.next).toBeUndefined();
  });

  it('counts only activities inside the window', () => {
    // Prepare / Act
    const result = clocks([1, 50, 400], 401);

    // Assess
    expect(result.followUp).toEqual({ status: 'missed', endsAt: iso(336), required: 3, counted: 2 });
  });

  it('reminds the rep when the window ends short, and tells the manager if still short after the wait', () => {
    // Prepare / Act
    const atEnd = clocks([1, 50], 336);
    const atManager = clocks([1, 50], 360, ['follow-up-remind-rep']);
    const caughtUp = clocks([1, 50, 340], 360, ['follow-up-remind-rep']);

    // Assess
    expect(atEnd.due).toEqual(['follow-up-remind-rep']);
    expect(atEnd.next).toEqual({ step: 'follow-up-notify-manager', at: iso(360) });
    expect(atManager.due).toEqual(['follow-up-notify-manager']);
    expect(atManager.next).toBeUndefined();
    expect(caughtUp.followUp.status).toBe('missed');
    expect(caughtUp.due).toEqual([]);
    expect(caughtUp.next).toBeUndefined();
  });
});

describe('the journey walking the clocks', () => {
  /** What the journey does: evaluate, take what is due, sleep until the next step, until nothing can come. */
  function walk(input: Omit<SalesClockInput, 'now' | 'sent'>): SalesStep[] {
    const sent: SalesStep[] = [];
    let now = new Date(input.acceptedAt);
    for (;;) {
      const result = salesClocks({ ...input, now, sent });
      sent.push(...result.due);
      if (!result.next) return sent;
      now = new Date(result.next.at);
    }
  }

  const anySales = fc.record({
    firstContactWithinHours: fc.integer({ min: 1, max: 72 }),
    followUp: fc.record({ activities: fc.integer({ min: 1, max: 5 }), withinDays: fc.integer({ min: 3, max: 30 }) }),
    notifyManagerAfterHours: fc.integer({ min: 0, max: 72 }),
  });
  const anyActivityHours = fc.array(fc.integer({ min: -24, max: 1000 }), { maxLength: 8 });

  it('takes each step at most once, the rep before the manager, exactly when the rep is still behind at its time', () => {
    fc.assert(
      fc.property(anySales, anyActivityHours, (s, activityHours) => {
        // Prepare
        const activities = activityHours.map((h) => ({ at: iso(h) }));
        const by = (hours: number) => activityHours.filter((h) => h <= hours).length;
        const due = s.firstContactWithinHours;
        const ends = s.followUp.withinDays * 24;
        const wait = s.notifyManagerAfterHours;

        // Act
        const sent = walk({ acceptedAt, activities, sales: s, calendar: roundTheClock });

        // Assess
        expect(new Set(sent).size).toBe(sent.length);
        const expected = [
          by(due) === 0 && 'first-contact-remind-rep',
          by(due + wait) === 0 && 'first-contact-notify-manager',
          by(ends) < s.followUp.activities && 'follow-up-remind-rep',
          by(ends + wait) < s.followUp.activities && 'follow-up-notify-manager',
        ].filter((step): step is SalesStep => step !== false);
        expect([...sent].sort()).toEqual([...expected].sort());
        for (const [rep, manager] of [[0, 1], [2, 3]] as const) {
          if (sent.includes(salesSteps[manager])) expect(sent.indexOf(salesSteps[rep])).toBeLessThan(sent.indexOf(salesSteps[manager]));
        }
      }),
    );
  });

  it('reports a clock met exactly when it was kept, whenever it is asked', () => {
    fc.assert(
      fc.property(anySales, anyActivityHours, fc.integer({ min: 0, max: 1200 }), (s, activityHours, nowHours) => {
        // Prepare
        const known = activityHours.filter((h) => h <= nowHours);

        // Act
        const result = salesClocks({ acceptedAt, activities: activityHours.map((h) => ({ at: iso(h) })), sales: s, calendar: roundTheClock, now: hoursAfter(nowHours) });

        // Assess
        const contactedInTime = known.some((h) => h <= s.firstContactWithinHours);
        expect(result.firstContact.status).toBe(contactedInTime ? 'met' : nowHours >= s.firstContactWithinHours ? 'missed' : 'due');
        const counted = known.filter((h) => h <= s.followUp.withinDays * 24).length;
        expect(result.followUp.counted).toBe(counted);
        expect(result.followUp.status === 'met').toBe(counted >= s.followUp.activities);
      }),
    );
  });
});

describe('the sales clocks in the rep’s working time', () => {
  it('a lead accepted Friday evening in Berlin is due a first contact on Wednesday, and its follow-up window ends 14 working days on', () => {
    // Friday 8 January 2027, 18:00 Berlin: 24 working hours are Monday, Tuesday and Wednesday (09:00–17:00);
    // the window's 14 working days count from Monday 09:00: Friday 29 January, 09:00.
    const result = salesClocks({ acceptedAt: '2027-01-08T17:00:00.000Z', activities: [], sales, calendar: officeCalendar('Europe/Berlin'), now: new Date('2027-01-09T10:00:00Z') });

    expect(result.firstContact).toEqual({ status: 'due', dueAt: '2027-01-13T16:00:00.000Z' });
    expect(result.followUp.endsAt).toBe('2027-01-29T08:00:00.000Z');
    expect(result.next).toEqual({ step: 'first-contact-remind-rep', at: '2027-01-13T16:00:00.000Z' });
  });

  const anySales = fc.record({
    firstContactWithinHours: fc.integer({ min: 1, max: 72 }),
    followUp: fc.record({ activities: fc.integer({ min: 1, max: 5 }), withinDays: fc.integer({ min: 3, max: 30 }) }),
    notifyManagerAfterHours: fc.integer({ min: 0, max: 72 }),
  });
  const HOUR = 3_600_000;
  const atWork = (instant: Date, cal: Parameters<typeof isWorking>[1]) => isWorking(instant, cal) || isWorking(new Date(instant.getTime() - 1), cal);

  it('no deadline or step falls inside non-working time, none is sooner than in plain hours and days, and the first contact holds its working hours', () => {
    fc.assert(
      fc.property(calendarArb, startArb, anySales, (cal, accepted, s) => {
        // Act
        const deadlines = salesDeadlines(accepted.toISOString(), s, cal);
        const steps: Date[] = [];
        const sent: SalesStep[] = [];
        for (let now = accepted; ; ) {
          const result = salesClocks({ acceptedAt: accepted.toISOString(), activities: [], sales: s, calendar: cal, now, sent });
          sent.push(...result.due);
          if (!result.next) break;
          now = new Date(result.next.at);
          steps.push(now);
        }

        // Assess
        expect(atWork(deadlines.firstContactDue, cal)).toBe(true);
        expect(deadlines.firstContactDue.getTime()).toBeGreaterThanOrEqual(accepted.getTime() + s.firstContactWithinHours * HOUR);
        expect(workingMsBetween(accepted, deadlines.firstContactDue, cal)).toBe(s.firstContactWithinHours * HOUR);
        expect(isWorking(deadlines.followUpEnds, cal)).toBe(true);
        expect(deadlines.followUpEnds.getTime()).toBeGreaterThanOrEqual(accepted.getTime() + s.followUp.withinDays * 24 * HOUR);
        expect(sent).toHaveLength(4);
        for (const step of steps) expect(atWork(step, cal)).toBe(true);
      }),
      { seed: 1307, numRuns: 50 },
    );
  });
});
