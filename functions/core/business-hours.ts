import * as z from './zod.ts';

/**
 * Working time in a rep's own time zone: weekly hours, public holidays (whole
 * local days) and out-of-office ranges. Every service-agreement clock counts
 * working hours on such a calendar. Pure: instants in, instants out; the
 * holidays come in as local dates (see public-holidays.ts for where they come
 * from), so this module carries no holiday data.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** A stretch of a working day, local wall-clock times "HH:MM"; `to` may be "24:00". */
export interface TimeRange {
  readonly from: string;
  readonly to: string;
}
export type WeeklyHours = Readonly<Partial<Record<Weekday, readonly TimeRange[]>>>;

/** Monday to Friday, 09:00–17:00: the hours of a rep who has not said otherwise. */
export const defaultWeeklyHours: WeeklyHours = Object.fromEntries(
  weekdays.slice(0, 5).map((day) => [day, [{ from: '09:00', to: '17:00' }]]),
) as WeeklyHours;

/** Time away, as instants: [from, until). */
export interface AwayRange {
  readonly from: Date;
  readonly until: Date;
}

export interface WorkCalendar {
  /** IANA time zone, e.g. "Europe/Berlin" */
  readonly timeZone: string;
  readonly week: WeeklyHours;
  /** local dates "YYYY-MM-DD" off work all day */
  readonly holidays: readonly string[];
  readonly away: readonly AwayRange[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** How far ahead a calendar is searched for working time before it is taken as having none. */
const HORIZON_DAYS = 3 * 366;

// ---------------------------------------------------------------------------------------------
// Schemas, for the files that hold weekly hours (config/routing.json)

const clock = (allow24: boolean) =>
  z.string().check(
    z.regex(allow24 ? /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/ : /^(?:[01]\d|2[0-3]):[0-5]\d$/, `a local time "HH:MM"${allow24 ? ' (up to 24:00)' : ''}`),
  );

export const timeRangeSchema = z.strictObject({ from: clock(false), to: clock(true) }).check(
  z.refine((range) => minutesOf(range.to) > minutesOf(range.from), { message: '"to" must be after "from" (a range does not cross midnight)', path: ['to'] }),
);

const dayRangesSchema = z.array(timeRangeSchema).check(
  z.superRefine((ranges, ctx) => {
    ranges.forEach((range, i) => {
      const before = ranges[i - 1];
      if (before && minutesOf(range.from) < minutesOf(before.to)) {
        ctx.addIssue({ code: 'custom', path: [i, 'from'], message: `ranges must be in order and not overlap (${before.from}–${before.to} ends after ${range.from})` });
      }
    });
  }),
);

/** `{ "mon": [{ "from": "09:00", "to": "17:00" }], … }`; a day left out is a day off. */
export const weeklyHoursSchema = z
  .strictObject(Object.fromEntries(weekdays.map((day) => [day, z.optional(dayRangesSchema)])) as Record<Weekday, z.ZodMiniOptional<typeof dayRangesSchema>>)
  .check(z.refine((week) => weekdays.some((day) => (week[day]?.length ?? 0) > 0), 'a week needs some working hours'));

/** An IANA time zone this runtime knows. */
export const timeZoneSchema = z.string().check(z.refine((zone) => isTimeZone(zone), 'not a known IANA time zone (e.g. "Europe/Berlin")'));

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Local wall-clock time ↔ instants, with Intl only

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Readings already taken, per zone: the clocks read the same day boundaries again and again (bounded). */
const readings = new Map<string, Map<number, number>>();
const MAX_READINGS = 20_000;

/** The wall-clock reading at `ms` in `timeZone`, written as if it were UTC (ms since epoch). */
function wallClock(ms: number, timeZone: string): number {
  let known = readings.get(timeZone);
  if (!known) readings.set(timeZone, (known = new Map()));
  let wall = known.get(ms);
  if (wall === undefined) {
    if (known.size >= MAX_READINGS) known.clear();
    wall = readWallClock(ms, timeZone);
    known.set(ms, wall);
  }
  return wall;
}

function readWallClock(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const second = Math.floor(ms / 1000) * 1000;
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) + (ms - second);
}

/**
 * The instant a local wall-clock time (given as if UTC) happens in `timeZone`.
 * A time skipped by a spring-forward change is read with the offset before it
 * (02:30 on the morning clocks go 02:00 → 03:00 is 03:30), a time that happens
 * twice in the autumn is the first one: the "compatible" reading Temporal uses.
 */
function instantOf(wall: number, timeZone: string): number {
  const offsetBefore = wallClock(wall - DAY, timeZone) - (wall - DAY);
  const offsetAfter = wallClock(wall + DAY, timeZone) - (wall + DAY);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter((t) => wallClock(t, timeZone) === wall).sort((a, b) => a - b);
  return candidates[0] ?? wall - offsetBefore;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The local date "YYYY-MM-DD" of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  return new Date(wallClock(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Working intervals

interface Interval {
  start: number;
  end: number;
}

/** Day-by-day working intervals from the local day of `fromMs` on, in order, before away time is taken out. */
function* plainIntervals(calendar: WorkCalendar, fromMs: number): Generator<Interval> {
  const holidays = new Set(calendar.holidays);
  // Midnight of the local day `fromMs` falls on, as a wall-clock value.
  let day = Math.floor(wallClock(fromMs, calendar.timeZone) / DAY) * DAY;
  for (let n = 0; n <= HORIZON_DAYS; n++, day += DAY) {
    const date = new Date(day);
    if (holidays.has(date.toISOString().slice(0, 10))) continue;
    const weekday = weekdays[(date.getUTCDay() + 6) % 7]!;
    for (const range of calendar.week[weekday] ?? []) {
      const start = instantOf(day + minutesOf(range.from) * 60_000, calendar.timeZone);
      const end = instantOf(day + minutesOf(range.to) * 60_000, calendar.timeZone);
      if (end > fromMs && end > start) yield { start: Math.max(start, fromMs), end };
    }
  }
}

/** Working intervals from `fromMs` on: the weekly hours less holidays and time away. */
function* workingIntervals(calendar: WorkCalendar, fromMs: number): Generator<Interval> {
  const away = calendar.away.map((r) => ({ start: r.from.getTime(), end: r.until.getTime() })).filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  for (const interval of plainIntervals(calendar, fromMs)) {
    let pieces: Interval[] = [interval];
    for (const range of away) {
      if (range.end <= interval.start || range.start >= interval.end) continue;
      pieces = pieces.flatMap((piece) =>
        [
          { start: piece.start, end: Math.min(piece.end, range.start) },
          { start: Math.max(piece.start, range.end), end: piece.end },
        ].filter((p) => p.end > p.start),
      );
    }
    yield* pieces;
  }
}

export class NoWorkingTimeError extends Error {
  constructor(timeZone: string, from: Date) {
    super(`no working time within ${HORIZON_DAYS} days of ${from.toISOString()} on a calendar in ${timeZone}`);
    this.name = 'NoWorkingTimeError';
  }
}

/**
 * The instant `hours` working hours after `start`: the deadline of a clock
 * that runs only in working time. It is the end of a working stretch (a
 * 4-hour window started at 13:00 ends at 17:00 that day, not at 09:00 the next).
 * A window of 0 (or less) ends at `start`.
 */
export function addWorkingHours(start: Date, hours: number, calendar: WorkCalendar): Date {
  if (!Number.isFinite(hours)) throw new RangeError(`a window is a finite number of hours, got ${hours}`);
  let remaining = Math.round(hours * HOUR);
  if (remaining <= 0) return new Date(start);
  for (const { start: from, end } of workingIntervals(calendar, start.getTime())) {
    if (end - from >= remaining) return new Date(from + remaining);
    remaining -= end - from;
  }
  throw new NoWorkingTimeError(calendar.timeZone, start);
}

/**
 * The instant `days` working days after `start`: the deadline of a clock
 * counted in days (the follow-up window, the feedback ask). The clock starts
 * at the rep's first working minute at or after `start`, and ends at that
 * local time of day on the `days`-th working day after (a working day: a
 * local day with working time, so no weekend day or public holiday): accepted
 * Friday 15:00 with 5 days, due Friday 15:00 a week later; accepted Saturday,
 * due the Monday after next at the start of work. Never before `start` plus
 * `days` × 24 hours, and always at a working minute: where that time of day
 * is outside the day's hours (uneven weeks, a clock change), the rep's next
 * working minute. A window of 0 ends at `start`; days are whole.
 */
export function addWorkingDays(start: Date, days: number, calendar: WorkCalendar): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`a window in days is a whole number of days, got ${days}`);
  if (days === 0) return new Date(start);
  const begins = nextWorkingInstant(start, calendar).getTime();
  const startOfDay = (wall: number) => Math.floor(wall / DAY) * DAY;
  const wall = wallClock(begins, calendar.timeZone);
  // Walk the working stretches from the clock's start: each new local day one holds is a working day.
  let day = startOfDay(wall);
  let counted = 0;
  for (const { start: from } of workingIntervals(calendar, begins)) {
    const of = startOfDay(wallClock(from, calendar.timeZone));
    if (of > day) {
      day = of;
      if (++counted === days) break;
    }
  }
  if (counted < days) throw new NoWorkingTimeError(calendar.timeZone, start);
  const sameTime = instantOf(day + (wall - startOfDay(wall)), calendar.timeZone);
  return nextWorkingInstant(new Date(Math.max(sameTime, start.getTime() + days * DAY)), calendar);
}

/** Working time between two instants, in ms; 0 when `b` is not after `a`. */
export function workingMsBetween(a: Date, b: Date, calendar: WorkCalendar): number {
  const until = b.getTime();
  let total = 0;
  if (until <= a.getTime()) return 0;
  for (const { start, end } of workingIntervals(calendar, a.getTime())) {
    if (start >= until) break;
    total += Math.min(end, until) - start;
  }
  return total;
}

/** Whether the rep is at work at this instant (working hours, no holiday, not away). */
export function isWorking(instant: Date, calendar: WorkCalendar): boolean {
  const ms = instant.getTime();
  for (const { start, end } of workingIntervals(calendar, ms)) {
    if (start > ms) return false;
    if (ms >= start && ms < end) return true;
  }
  return false;
}

/** The first working instant at or after `instant`. */
export function nextWorkingInstant(instant: Date, calendar: WorkCalendar): Date {
  for (const { start } of workingIntervals(calendar, instant.getTime())) return new Date(start);
  throw new NoWorkingTimeError(calendar.timeZone, instant);
}

/**
 * When to remind the rep: `fraction` of the window's working time after
 * `start` (0.75 reminds with a quarter of the window left). A fraction outside
 * 0–1 is refused: a reminder after the deadline is no reminder.
 */
export function reminderAt(start: Date, hours: number, fraction: number, calendar: WorkCalendar): Date {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`a reminder fraction is between 0 and 1, got ${fraction}`);
  return addWorkingHours(start, hours * fraction, calendar);
}

/** Midnight at the start of a local date "YYYY-MM-DD" in a time zone. */
export function localMidnight(date: string, timeZone: string): Date {
  return new Date(instantOf(Date.parse(`${date}T00:00:00Z`), timeZone));
}

/**
 * Days away, as a person gives them (`reps away rep-kim --from 2027-01-04 --until 2027-01-08`):
 * whole local days, both ends included, in the rep's time zone.
 */
export function awayDays(from: string, until: string, timeZone: string): AwayRange {
  const after = new Date(Date.parse(`${until}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
  return { from: localMidnight(from, timeZone), until: localMidnight(after, timeZone) };
}
