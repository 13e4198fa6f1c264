import { describe, expect, it } from 'vitest';
import { addDays, dayIn, instantOf, isTimeZone, wallClockAt } from '#core/zoned-time.ts';

describe('wall-clock time in a zone', () => {
  it('reads an instant’s calendar fields in the zone, weekday counted from Sunday', () => {
    // 2026-03-01 23:30 UTC is Monday 00:30 in Berlin (CET, +1)
    expect(wallClockAt(new Date('2026-03-01T23:30:00Z'), 'Europe/Berlin')).toEqual({ year: 2026, month: 3, day: 2, hour: 0, minute: 30, second: 0, weekday: 1 });
    expect(dayIn(new Date('2026-03-01T23:30:00Z'), 'UTC')).toBe('2026-03-01');
  });

  it('turns a wall-clock time back into the instant, summer and winter', () => {
    expect(instantOf({ year: 2026, month: 1, day: 12, hour: 8 }, 'Europe/Berlin').toISOString()).toBe('2026-01-12T07:00:00.000Z');
    expect(instantOf({ year: 2026, month: 7, day: 13, hour: 8 }, 'Europe/Berlin').toISOString()).toBe('2026-07-13T06:00:00.000Z');
    expect(instantOf({ year: 2026, month: 7, day: 13, hour: 8 }, 'America/New_York').toISOString()).toBe('2026-07-13T12:00:00.000Z');
  });

  it('takes a time the clocks skip to just after the gap, and a repeated time at its first occurrence', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 → 03:00; falls back on 2026-10-25 at 03:00 → 02:00
    expect(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(instantOf({ year: 2026, month: 3, day: 29, hour: 3, minute: 30 }, 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(instantOf({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, 'Europe/Berlin').toISOString()).toBe('2026-10-24T23:30:00.000Z');
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });

  it('moves days on the calendar, across months and years', () => {
    expect(addDays('2026-02-27', 2)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});
