import { addDays, dayIn, instantOf, weekdays } from '../functions/core/zoned-time.ts';

/**
 * EventBridge Scheduler's cron expressions, evaluated in a time zone, for the
 * local runtime's schedules: `cron(minutes hours day-of-month month day-of-week year)`.
 * The subset the stack uses and a little more: numbers, `*`, lists (`0,30`),
 * ranges (`MON-FRI`, `8-17`), `?` for the day field not given, day names or
 * 1 (Sunday) to 7 (Saturday) as AWS numbers them. Anything else (`L`, `W`, `#`,
 * steps) is refused by name, rather than fired at the wrong time.
 */

export interface Cron {
  minutes: number[];
  hours: number[];
  /** undefined: any day of the month (`*` or `?`) */
  daysOfMonth?: number[];
  months?: number[];
  /** 0 (Sunday) to 6; undefined: any */
  daysOfWeek?: number[];
  years?: number[];
  expression: string;
}

export class CronError extends Error {
  constructor(expression: string, problem: string) {
    super(`schedule expression "${expression}": ${problem}`);
    this.name = 'CronError';
  }
}

function field(expression: string, name: string, text: string, min: number, max: number, names: readonly string[] = [], nameBase = 0): number[] | undefined {
  if (text === '*' || text === '?') return undefined;
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + nameBase : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new CronError(expression, `${name} "${token}" is not supported (${min} to ${max}${names.length ? ` or ${names.join(', ')}` : ''})`);
    return n;
  };
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const range = part.split('-');
    if (range.length === 1) values.add(value(part));
    else if (range.length === 2) {
      const [from, to] = [value(range[0]!), value(range[1]!)];
      if (to < from) throw new CronError(expression, `${name} range "${part}" runs backwards`);
      for (let n = from; n <= to; n++) values.add(n);
    } else throw new CronError(expression, `${name} "${part}" is not supported`);
  }
  return [...values].sort((a, b) => a - b);
}

export function parseCron(expression: string): Cron {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) throw new CronError(expression, 'only cron(...) expressions are run locally');
  const parts = match[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new CronError(expression, 'a cron expression has six fields: minutes hours day-of-month month day-of-week year');
  const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new CronError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  const minutes = field(expression, 'minutes', min, 0, 59) ?? range(0, 59);
  const hours = field(expression, 'hours', hour, 0, 23) ?? range(0, 23);
  const daysOfMonth = field(expression, 'day-of-month', dom, 1, 31);
  const months = field(expression, 'month', month, 1, 12, ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], 1);
  // AWS numbers days 1 (Sunday) to 7 (Saturday); kept here as 0 to 6
  const daysOfWeek = field(expression, 'day-of-week', dow, 1, 7, weekdays, 1)?.map((d) => d - 1);
  const years = field(expression, 'year', year, 1970, 2199);
  return {
    expression,
    minutes,
    hours,
    ...(daysOfMonth && { daysOfMonth }),
    ...(months && { months }),
    ...(daysOfWeek && { daysOfWeek }),
    ...(years && { years }),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** How far ahead a schedule is looked for before it is taken to never fire (a 29 February on a Monday is rare, not never). */
const HORIZON_DAYS = 366 * 8;

/** The first time strictly after `after` the schedule fires, in `timeZone`; undefined when it never fires again. */
export function nextFire(cron: Cron, timeZone: string, after: Date): Date | undefined {
  const start = dayIn(after, timeZone);
  for (let i = 0; i <= HORIZON_DAYS; i++) {
    const day = addDays(start, i);
    const [year, month, date] = day.split('-').map(Number) as [number, number, number];
    if (cron.years && !cron.years.includes(year)) {
      if (year > cron.years.at(-1)!) return undefined;
      continue;
    }
    if (cron.months && !cron.months.includes(month)) continue;
    if (cron.daysOfMonth && !cron.daysOfMonth.includes(date)) continue;
    if (cron.daysOfWeek && !cron.daysOfWeek.includes(new Date(Date.UTC(year, month - 1, date)).getUTCDay())) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const at = instantOf({ year, month, day: date, hour, minute }, timeZone);
        if (at.getTime() > after.getTime()) return at;
      }
    }
  }
  return undefined;
}
