/**
 * Wall-clock time in an IANA time zone (`Europe/Berlin`), from and to
 * instants, with the zone rules of the runtime's ICU (Intl). Pure: instants
 * in, calendar fields out, and back. Used by the weekly digest (which week,
 * in the company's zone) and by the local runtime's schedules (cron in a zone).
 */

export const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof weekdays)[number];

export interface WallClock {
  year: number;
  /** 1 to 12 */
  month: number;
  /** 1 to 31 */
  day: number;
  /** 0 to 23 */
  hour: number;
  minute: number;
  second: number;
  /** 0 (Sunday) to 6 (Saturday), as cron and Date count them */
  weekday: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether the runtime knows the zone (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatIn(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar fields of an instant in a zone. */
export function wallClockAt(at: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(formatIn(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: weekdays.indexOf(String(parts.weekday).toUpperCase().slice(0, 3) as Weekday),
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant (ms). */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClockAt(new Date(at), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a wall-clock time in a zone names. A time the clocks skip
 * (spring forward) is taken at the offset before the change, so it lands
 * just after the gap; a time they repeat (fall back) is its first occurrence.
 */
export function instantOf(wall: Pick<WallClock, 'year' | 'month' | 'day'> & Partial<Pick<WallClock, 'hour' | 'minute' | 'second'>>, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour ?? 0, wall.minute ?? 0, wall.second ?? 0);
  // The offsets three hours either side: a wall time is at one of them (or in the gap between).
  const before = offsetAt(asUtc - 3 * 3_600_000, timeZone);
  const after = offsetAt(asUtc + 3 * 3_600_000, timeZone);
  const first = asUtc - before;
  if (offsetAt(first, timeZone) === before) return new Date(first);
  const second = asUtc - after;
  if (offsetAt(second, timeZone) === after) return new Date(second);
  // in the gap the clocks skip: the instant just as far past it
  return new Date(first);
}

/** A calendar day as YYYY-MM-DD. */
export function dayString(wall: Pick<WallClock, 'year' | 'month' | 'day'>): string {
  return `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

/** A day (YYYY-MM-DD) `days` later (or earlier), on the calendar: zones play no part. */
export function addDays(day: string, days: number): string {
  const at = new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000);
  return at.toISOString().slice(0, 10);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in a zone. */
export function dayIn(at: Date, timeZone: string): string {
  return dayString(wallClockAt(at, timeZone));
}
