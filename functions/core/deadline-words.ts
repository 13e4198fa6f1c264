/**
 * A deadline as its reader sees it: in their own time zone, in words, with
 * the zone named so nobody has to guess ("Tuesday 12 January, 10:00 Europe/Berlin").
 * Emails put this where they showed a UTC timestamp.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * "Tuesday 12 January, 10:00 Europe/Berlin". The year is left out within the
 * year the deadline is read in (`now`), and written otherwise ("Friday 31
 * December 2027, 16:00 …") so a deadline far off is not misread.
 */
export function deadlineInWords(deadline: Date, timeZone: string, now?: Date): string {
  return `${wallTimeInWords(deadline, timeZone, now)} ${timeZone}`;
}

/** "Tuesday 12 January, 10:00", without the zone (the year as in deadlineInWords). */
function wallTimeInWords(instant: Date, timeZone: string, now?: Date): string {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(instant).map((part) => [part.type, part.value]));
  const year = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric' }).format(instant);
  const sameYear = now === undefined || new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric' }).format(now) === year;
  return `${parts.weekday} ${parts.day} ${parts.month}${sameYear ? '' : ` ${year}`}, ${parts.hour}:${parts.minute}`;
}

/**
 * A stretch of time, the zone named once: "Tuesday 12 January, 00:00 to
 * Saturday 23 January, 00:00 America/New_York" (years as in deadlineInWords).
 */
export function spanInWords(from: Date, until: Date, timeZone: string, now?: Date): string {
  return `${wallTimeInWords(from, timeZone, now)} to ${wallTimeInWords(until, timeZone, now)} ${timeZone}`;
}
