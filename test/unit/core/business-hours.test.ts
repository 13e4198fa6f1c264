import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  addWorkingHours,
  awayDays,
  defaultWeeklyHours,
  isWorking,
  localDate,
  localMidnight,
  nextWorkingInstant,
  NoWorkingTimeError,
  reminderAt,
  weekdays,
  weeklyHoursSchema,
  workingMsBetween,
  type WeeklyHours,
  type WorkCalendar,
} from '#core/business-hours.ts';
import { allDay, calendarArb, instantArb, oracle, startArb } from './calendar-arbitraries.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const calendar = (timeZone: string, more: Partial<WorkCalendar> = {}): WorkCalendar => ({ timeZone, week: defaultWeeklyHours, holidays: [], away: [], ...more });

// Every expected instant below is worked out by hand from the calendar: Berlin is UTC+1 in
// winter and UTC+2 in summer (clocks change on the last Sundays of March and October), New
// York is UTC−5 / UTC−4 (second Sunday of March, first Sunday of November).
describe('a working-hours deadline', () => {
  const berlin = calendar('Europe/Berlin');

  it.each([
    ['within one day', '2027-01-06T12:00:00Z' /* Wed 13:00 */, 4, '2027-01-06T16:00:00Z' /* Wed 17:00, the end of the day, not Thu 09:00 */],
    ['started before work', '2027-01-11T06:00:00Z' /* Mon 07:00 */, 1, '2027-01-11T09:00:00Z' /* Mon 10:00 */],
    ['Friday evening, 4 hours: Monday', '2027-01-08T17:00:00Z' /* Fri 18:00 */, 4, '2027-01-11T12:00:00Z' /* Mon 13:00 */],
    ['Friday evening, 12 hours: Tuesday', '2027-01-08T17:00:00Z' /* Fri 18:00 */, 12, '2027-01-12T12:00:00Z' /* Mon 8 h, Tue 13:00 */],
    ['Friday afternoon, split over the weekend', '2027-01-08T14:00:00Z' /* Fri 15:00 */, 4, '2027-01-11T10:00:00Z' /* Fri 2 h, Mon 11:00 */],
    ['on Saturday', '2027-01-09T10:00:00Z', 2, '2027-01-11T10:00:00Z' /* Mon 11:00 */],
    ['half an hour', '2027-01-06T15:45:00Z' /* Wed 16:45 */, 0.5, '2027-01-07T08:15:00Z' /* Thu 09:15 */],
  ])('%s', (_, start, hours, deadline) => {
    // Act
    const result = addWorkingHours(at(start), hours, berlin);

    // Assess
    expect(result.toISOString()).toBe(new Date(deadline).toISOString());
  });

  it('a window of 0 ends where it starts, even at night', () => {
    expect(addWorkingHours(at('2027-01-09T03:00:00Z'), 0, berlin).toISOString()).toBe('2027-01-09T03:00:00.000Z');
  });

  it('skips public holidays: Christmas Eve afternoon lands on the Monday after', () => {
    // Prepare: Thu 24 December 2026 16:00 Berlin; Friday 25th and Saturday 26th are holidays
    const cal = calendar('Europe/Berlin', { holidays: ['2026-12-25', '2026-12-26'] });

    // Act
    const deadline = addWorkingHours(at('2026-12-24T15:00:00Z'), 4, cal);

    // Assess: 1 h on Thursday, 3 h on Monday 28th: 12:00 Berlin
    expect(deadline.toISOString()).toBe('2026-12-28T11:00:00.000Z');
  });

  it('skips time away: a rep off on Monday gets the Friday-evening lead on Tuesday', () => {
    // Prepare
    const cal = calendar('Europe/Berlin', { away: [awayDays('2027-01-11', '2027-01-11', 'Europe/Berlin')] });

    // Act
    const deadline = addWorkingHours(at('2027-01-08T17:00:00Z'), 4, cal);

    // Assess: Tuesday 13:00 Berlin
    expect(deadline.toISOString()).toBe('2027-01-12T12:00:00.000Z');
  });

  it('counts time away to the minute, not by whole days', () => {
    // Prepare: away Wednesday 10:00–11:30 Berlin
    const cal = calendar('Europe/Berlin', { away: [{ from: at('2027-01-06T09:00:00Z'), until: at('2027-01-06T10:30:00Z') }] });

    // Act
    const deadline = addWorkingHours(at('2027-01-06T08:00:00Z'), 3, cal);

    // Assess: 09:00–10:00 and 11:30–13:30 Berlin
    expect(deadline.toISOString()).toBe('2027-01-06T12:30:00.000Z');
  });

  describe('across daylight-saving changes', () => {
    it('Berlin in March: Friday 16:00 in winter time, Monday 11:00 in summer time', () => {
      // 1 h on Friday 26 March (16:00–17:00 CET), 2 h on Monday 29 March (09:00–11:00 CEST)
      expect(addWorkingHours(at('2027-03-26T15:00:00Z'), 3, berlin).toISOString()).toBe('2027-03-29T09:00:00.000Z');
    });

    it('Berlin in October: Friday 16:00 in summer time, Monday 11:00 in winter time', () => {
      expect(addWorkingHours(at('2027-10-29T14:00:00Z'), 3, berlin).toISOString()).toBe('2027-11-01T10:00:00.000Z');
    });

    it('New York in March and November', () => {
      const newYork = calendar('America/New_York');
      // Fri 12 March 16:00 EST → Mon 15 March 10:00 EDT
      expect(addWorkingHours(at('2027-03-12T21:00:00Z'), 2, newYork).toISOString()).toBe('2027-03-15T14:00:00.000Z');
      // Fri 5 November 16:00 EDT → Mon 8 November 10:00 EST
      expect(addWorkingHours(at('2027-11-05T20:00:00Z'), 2, newYork).toISOString()).toBe('2027-11-08T15:00:00.000Z');
    });

    it('a round-the-clock calendar counts the 23-hour and the 25-hour day as they are', () => {
      const always = calendar('Europe/Berlin', { week: allDay });
      expect(workingMsBetween(localMidnight('2027-03-28', 'Europe/Berlin'), localMidnight('2027-03-29', 'Europe/Berlin'), always)).toBe(23 * HOUR);
      expect(workingMsBetween(localMidnight('2027-10-31', 'Europe/Berlin'), localMidnight('2027-11-01', 'Europe/Berlin'), always)).toBe(25 * HOUR);
      // 24 working hours from Saturday noon CET are 24 real hours: Sunday 13:00 CEST
      expect(addWorkingHours(at('2027-03-27T11:00:00Z'), 24, always).toISOString()).toBe('2027-03-28T11:00:00.000Z');
    });

    it('hours inside the skipped hour start when the clocks say so, hours in the repeated hour count twice', () => {
      // Sunday work 02:00–04:00: on 28 March 2027 02:00–03:00 does not happen (1 h left), on 31 October it happens twice (3 h)
      const sunday = calendar('Europe/Berlin', { week: { sun: [{ from: '02:00', to: '04:00' }] } });
      expect(workingMsBetween(localMidnight('2027-03-28', 'Europe/Berlin'), localMidnight('2027-03-29', 'Europe/Berlin'), sunday)).toBe(1 * HOUR);
      expect(workingMsBetween(localMidnight('2027-10-31', 'Europe/Berlin'), localMidnight('2027-11-01', 'Europe/Berlin'), sunday)).toBe(3 * HOUR);
      expect(nextWorkingInstant(at('2027-03-27T12:00:00Z'), sunday).toISOString()).toBe('2027-03-28T01:00:00.000Z'); // 03:00 CEST
    });
  });

  it('a reminder at 75% of a 4-hour window started Friday 16:00 comes Monday 11:00', () => {
    // 1 h Friday, then 2 h Monday: 3 of the 4 hours
    expect(reminderAt(at('2027-01-08T15:00:00Z'), 4, 0.75, berlin).toISOString()).toBe('2027-01-11T10:00:00.000Z');
  });

  it('refuses a window that is not a number, rather than searching years for it', () => {
    expect(() => addWorkingHours(at('2027-01-08T15:00:00Z'), Number.NaN, berlin)).toThrow(RangeError);
  });

  it('refuses a reminder fraction outside 0–1', () => {
    expect(() => reminderAt(at('2027-01-08T15:00:00Z'), 4, 1.5, berlin)).toThrow(RangeError);
  });

  it('fails plainly on a calendar with no working time at all, instead of looping', () => {
    const never = calendar('Europe/Berlin', { away: [{ from: at('2020-01-01T00:00:00Z'), until: at('2040-01-01T00:00:00Z') }] });
    expect(() => addWorkingHours(at('2027-01-08T15:00:00Z'), 1, never)).toThrow(NoWorkingTimeError);
  });

  it('isWorking and localDate read the rep’s own clock', () => {
    const tokyo = calendar('Asia/Tokyo');
    // 00:30 UTC Monday is 09:30 Monday in Tokyo, still Sunday evening in Berlin
    expect(isWorking(at('2027-01-11T00:30:00Z'), tokyo)).toBe(true);
    expect(isWorking(at('2027-01-11T00:30:00Z'), berlin)).toBe(false);
    expect(localDate(at('2027-01-10T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-01-11');
  });
});

describe('a working-days deadline', () => {
  const berlin = calendar('Europe/Berlin');

  it.each([
    ['Friday afternoon, 5 days: the Friday after', '2027-01-08T14:00:00Z' /* Fri 15:00 */, 5, '2027-01-15T14:00:00Z'],
    ['Saturday, 5 days: from Monday morning, the Monday after', '2027-01-09T10:00:00Z', 5, '2027-01-18T08:00:00Z' /* Mon 09:00 */],
    ['Monday evening, 1 day: from Tuesday morning, Wednesday morning', '2027-01-11T19:00:00Z' /* Mon 20:00 */, 1, '2027-01-13T08:00:00Z'],
    ['Tuesday noon, 14 days: two weeks and four days', '2027-01-12T11:00:00Z', 14, '2027-02-01T11:00:00Z'],
    ['Friday in winter time, 1 day: Monday in summer time, same local time', '2027-03-26T09:00:00Z' /* Fri 10:00 CET */, 1, '2027-03-29T08:00:00Z' /* Mon 10:00 CEST */],
    ['Friday in summer time, 1 day: Monday in winter time, same local time', '2027-10-29T08:00:00Z' /* Fri 10:00 CEST */, 1, '2027-11-01T09:00:00Z' /* Mon 10:00 CET */],
  ])('%s', (_, start, days, deadline) => {
    expect(addWorkingDays(at(start), days, berlin).toISOString()).toBe(new Date(deadline).toISOString());
  });

  it('skips public holidays: Christmas Eve afternoon plus 1 day is the Monday after', () => {
    const cal = calendar('Europe/Berlin', { holidays: ['2026-12-25', '2026-12-26'] });
    expect(addWorkingDays(at('2026-12-24T15:00:00Z'), 1, cal).toISOString()).toBe('2026-12-28T15:00:00.000Z');
  });

  it('is never sooner than the plain days: a Sunday worker’s 23-hour day in March gives the hour back', () => {
    // Saturday 27 March 2027, 10:00 CET; Sunday is a working day and 23 hours long: same local time would be 23 h later
    const everyDay = calendar('Europe/Berlin', { week: Object.fromEntries(weekdays.map((day) => [day, [{ from: '09:00', to: '17:00' }]])) });
    expect(addWorkingDays(at('2027-03-27T09:00:00Z'), 1, everyDay).toISOString()).toBe('2027-03-28T09:00:00.000Z'); // 11:00 CEST
  });

  it('counts plain days round the clock', () => {
    const always = calendar('UTC', { week: allDay });
    expect(addWorkingDays(at('2027-01-09T10:30:00Z'), 3, always).toISOString()).toBe('2027-01-12T10:30:00.000Z');
  });

  it('takes whole days only, and 0 days ends where it starts', () => {
    expect(() => addWorkingDays(at('2027-01-08T15:00:00Z'), 1.5, berlin)).toThrow(RangeError);
    expect(addWorkingDays(at('2027-01-09T03:00:00Z'), 0, berlin).toISOString()).toBe('2027-01-09T03:00:00.000Z');
  });
});

describe('the weekly-hours schema', () => {
  it.each([
    ['a range ending before it starts', { mon: [{ from: '17:00', to: '09:00' }] }, 'mon.0.to'],
    ['overlapping ranges', { mon: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '17:00' }] }, 'mon.1.from'],
    ['a time that is not HH:MM', { tue: [{ from: '9am', to: '17:00' }] }, 'tue.0.from'],
    ['an unknown day', { monday: [{ from: '09:00', to: '17:00' }] }, ''],
    ['a week without hours', { mon: [] }, ''],
  ])('refuses %s, naming the field', (_, value, path) => {
    const result = weeklyHoursSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('takes a lunch break and a Saturday morning', () => {
    const value = { mon: [{ from: '09:00', to: '12:30' }, { from: '13:30', to: '18:00' }], sat: [{ from: '10:00', to: '14:00' }] };
    expect(weeklyHoursSchema.parse(value)).toEqual(value);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, over random calendars (calendar-arbitraries.ts).

const hoursArb = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true }));

describe('working-hours properties', () => {
  it('isWorking agrees with the local wall clock', () => {
    fc.assert(
      fc.property(calendarArb, startArb, (cal, instant) => {
        const whole = new Date(Math.floor(instant.getTime() / 60_000) * 60_000);
        expect(isWorking(whole, cal)).toBe(oracle(whole, cal));
      }),
      { seed: 1301, numRuns: 400 },
    );
  });

  it('a deadline ends a working stretch, is never before the plain-hours deadline, and holds exactly the window', () => {
    fc.assert(
      fc.property(calendarArb, startArb, hoursArb, (cal, start, hours) => {
        // Act
        const deadline = addWorkingHours(start, hours, cal);

        // Assess
        const window = Math.round(hours * HOUR);
        if (window > 0) expect(isWorking(new Date(deadline.getTime() - 1), cal)).toBe(true);
        else expect(deadline.getTime()).toBe(start.getTime());
        expect(deadline.getTime()).toBeGreaterThanOrEqual(start.getTime() + window);
        expect(workingMsBetween(start, deadline, cal)).toBe(window);
      }),
      { seed: 1302, numRuns: 300 },
    );
  });

  it('a longer window never ends sooner, and the reminder comes inside the window', () => {
    fc.assert(
      fc.property(calendarArb, startArb, hoursArb, hoursArb, fc.double({ min: 0, max: 1, noNaN: true }), (cal, start, h1, h2, fraction) => {
        const [shorter, longer] = h1 <= h2 ? [h1, h2] : [h2, h1];
        const deadline = addWorkingHours(start, longer, cal);
        expect(addWorkingHours(start, shorter, cal).getTime()).toBeLessThanOrEqual(deadline.getTime());
        const reminder = reminderAt(start, longer, fraction, cal);
        expect(reminder.getTime()).toBeGreaterThanOrEqual(start.getTime());
        expect(reminder.getTime()).toBeLessThanOrEqual(deadline.getTime());
      }),
      { seed: 1303, numRuns: 200 },
    );
  });

  it('working time adds up over consecutive spans', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, fc.integer({ min: 0, max: 20 * 86_400_000 }), fc.integer({ min: 0, max: 20 * 86_400_000 }), (cal, a, d1, d2) => {
        const b = new Date(a.getTime() + d1);
        const c = new Date(b.getTime() + d2);
        expect(workingMsBetween(a, b, cal) + workingMsBetween(b, c, cal)).toBe(workingMsBetween(a, c, cal));
        expect(workingMsBetween(a, c, cal)).toBeLessThanOrEqual(c.getTime() - a.getTime());
      }),
      { seed: 1304, numRuns: 150 },
    );
  });

  it('a deadline in days is at a working minute, never before the plain days, and later for more days', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (cal, start, d1, d2) => {
        // Act
        const [fewer, more] = d1 <= d2 ? [d1, d2] : [d2, d1];
        const deadline = addWorkingDays(start, more, cal);

        // Assess
        if (more === 0) expect(deadline.getTime()).toBe(start.getTime());
        else expect(isWorking(deadline, cal)).toBe(true);
        expect(deadline.getTime()).toBeGreaterThanOrEqual(start.getTime() + more * 86_400_000);
        expect(addWorkingDays(start, fewer, cal).getTime()).toBeLessThanOrEqual(deadline.getTime());
      }),
      { seed: 1305, numRuns: 300 },
    );
  });

  it('a deadline in days holds as many working days as it counts', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fc.integer({ min: 1, max: 20 }), (cal, start, days) => {
        // Act
        const deadline = addWorkingDays(start, days, cal);

        // Assess: the local days after the clock's first working day, up to the deadline's, that hold working time
        const begins = nextWorkingInstant(start, cal);
        const last = localDate(deadline, cal.timeZone);
        let worked = 0;
        for (let day = localDate(begins, cal.timeZone); day < last; ) {
          day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
          const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
          if (workingMsBetween(localMidnight(day, cal.timeZone), localMidnight(next, cal.timeZone), cal) > 0) worked += 1;
        }
        expect(worked).toBeGreaterThanOrEqual(days);
      }),
      { seed: 1306, numRuns: 100 },
    );
  });
});

// The time to accept and to first contact are counted with workingMsBetween: what it must never do.
describe('working time between two instants', () => {
  const dstZones = ['Europe/Berlin', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe'] as const;
  const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const dayArb = fc.integer({ min: 0, max: 3 * 365 }).map((d) => new Date(Date.parse('2026-01-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10));

  it('is never more than the wall-clock time, and never negative', () => {
    fc.assert(
      fc.property(calendarArb, startArb, startArb, (cal, a, b) => {
        const ms = workingMsBetween(a, b, cal);
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(Math.max(0, b.getTime() - a.getTime()));
      }),
      { seed: 1310, numRuns: 200 },
    );
  });

  it('is zero across a holiday and across a weekend of a Monday–Friday week, wherever the clocks change', () => {
    fc.assert(
      fc.property(calendarArb, dayArb, (cal, day) => {
        // a holiday: the whole local day, 23, 24 or 25 hours long
        const off = { ...cal, holidays: [...cal.holidays, day] };
        expect(workingMsBetween(localMidnight(day, cal.timeZone), localMidnight(nextDay(day), cal.timeZone), off)).toBe(0);
        // the weekend around that day: Saturday 00:00 to Monday 00:00, local
        const saturday = new Date(Date.parse(`${day}T00:00:00Z`) + (((6 - new Date(`${day}T00:00:00Z`).getUTCDay()) % 7) * 86_400_000)).toISOString().slice(0, 10);
        const office = { ...cal, week: defaultWeeklyHours };
        expect(workingMsBetween(localMidnight(saturday, cal.timeZone), localMidnight(nextDay(nextDay(saturday)), cal.timeZone), office)).toBe(0);
      }),
      { seed: 1311, numRuns: 200 },
    );
  });

  it('counts the days the clocks change, both directions, as the clocks say: round the clock it is real time, and an office week holds 40 hours', () => {
    fc.assert(
      fc.property(fc.constantFrom(...dstZones), startArb, fc.integer({ min: 0, max: 3 * 86_400_000 }), dayArb, (zone, a, span, day) => {
        const b = new Date(a.getTime() + span);
        expect(workingMsBetween(a, b, calendar(zone, { week: allDay }))).toBe(span);
        // Monday 00:00 to the next Monday 00:00, local: five 8-hour days whatever change falls in the week
        const monday = new Date(Date.parse(`${day}T00:00:00Z`) - (((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) * 86_400_000)).toISOString().slice(0, 10);
        const nextMonday = new Date(Date.parse(`${monday}T00:00:00Z`) + 7 * 86_400_000).toISOString().slice(0, 10);
        expect(workingMsBetween(localMidnight(monday, zone), localMidnight(nextMonday, zone), calendar(zone))).toBe(40 * HOUR);
      }),
      { seed: 1312, numRuns: 200 },
    );
    // the weeks of the changes themselves, both directions (Berlin: 28 March and 31 October 2027 are Sundays)
    expect(workingMsBetween(localMidnight('2027-03-22', 'Europe/Berlin'), localMidnight('2027-03-29', 'Europe/Berlin'), calendar('Europe/Berlin', { week: allDay }))).toBe(7 * 24 * HOUR - HOUR);
    expect(workingMsBetween(localMidnight('2027-10-25', 'Europe/Berlin'), localMidnight('2027-11-01', 'Europe/Berlin'), calendar('Europe/Berlin', { week: allDay }))).toBe(7 * 24 * HOUR + HOUR);
  });
});
