import fc from 'fast-check';
import { defaultWeeklyHours, weekdays, type WeeklyHours, type WorkCalendar } from '#core/business-hours.ts';

/**
 * Random working calendars for property tests of every clock that counts
 * working time: zones with summer time (both hemispheres, a 30-minute change
 * at Lord Howe) and without, random weekly hours, holidays and time away, and
 * start instants gathered near the clock changes, where mistakes live.
 */

const zones = ['Europe/Berlin', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2028-12-31T00:00:00Z');
const hhmm = (quarter: number) => `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

const dayRanges = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 0, maxLength: 4 })
  .map((cuts) => cuts.sort((a, b) => a - b))
  .map((cuts) => {
    const ranges: { from: string; to: string }[] = [];
    for (let i = 0; i + 1 < cuts.length; i += 2) ranges.push({ from: hhmm(cuts[i]!), to: hhmm(cuts[i + 1]!) });
    return ranges;
  });
export const weekArb = fc
  .tuple(...weekdays.map(() => dayRanges))
  .map((days) => Object.fromEntries(weekdays.map((day, i) => [day, days[i]!])) as WeeklyHours)
  .filter((week) => weekdays.some((day) => (week[day]?.length ?? 0) > 0));
export const instantArb = fc.integer({ min: FROM, max: TO }).map((ms) => new Date(ms));
// Instants near the changes, where mistakes live: the Sunday mornings of the switches in Europe and the US.
const nearChangeArb = fc
  .tuple(fc.constantFrom('2027-03-28T01:00:00Z', '2027-10-31T01:00:00Z', '2027-03-14T07:00:00Z', '2027-11-07T06:00:00Z', '2027-04-04T16:00:00Z'), fc.integer({ min: -4 * 24 * 60, max: 24 * 60 }))
  .map(([iso, minutes]) => new Date(Date.parse(iso) + minutes * 60_000));
export const startArb = fc.oneof(instantArb, nearChangeArb);
export const calendarArb: fc.Arbitrary<WorkCalendar> = fc.record({
  timeZone: fc.constantFrom(...zones),
  week: fc.oneof(fc.constant(defaultWeeklyHours), weekArb),
  holidays: fc.array(fc.integer({ min: 0, max: 3 * 365 }).map((d) => new Date(FROM + d * 86_400_000).toISOString().slice(0, 10)), { maxLength: 40 }),
  away: fc.array(
    fc.tuple(instantArb, fc.integer({ min: 1, max: 14 * 24 * 60 })).map(([from, minutes]) => ({ from, until: new Date(from.getTime() + minutes * 60_000) })),
    { maxLength: 3 },
  ),
});

/** Working or not, read from the local wall clock through its own formatter: an oracle independent of the module's intervals. */
export function oracle(instant: Date, cal: WorkCalendar): boolean {
  if (cal.away.some((r) => r.from <= instant && instant < r.until)) return false;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: cal.timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  if (cal.holidays.includes(`${parts.year}-${parts.month}-${parts.day}`)) return false;
  const day = parts.weekday!.toLowerCase() as (typeof weekdays)[number];
  const now = `${parts.hour}:${parts.minute}`;
  return (cal.week[day] ?? []).some((range) => range.from <= now && now < range.to);
}


/** Every hour of every day. */
export const allDay: WeeklyHours = Object.fromEntries(weekdays.map((day) => [day, [{ from: '00:00', to: '24:00' }]]));
/**
 * A calendar on which working time is plain time (UTC, every hour, no
 * holidays): a clock on it counts as a wall clock does, so tests of what a
 * clock's ladder does can keep plain arithmetic.
 */
export const roundTheClock: WorkCalendar = { timeZone: 'UTC', week: allDay, holidays: [], away: [] };
/** A rep with the default hours in a zone, with these holidays. */
export const officeCalendar = (timeZone: string, holidays: readonly string[] = []): WorkCalendar => ({ timeZone, week: defaultWeeklyHours, holidays, away: [] });
