import Holidays from 'date-holidays';

/**
 * Public holidays by country (and optionally state or province, ISO 3166-2
 * code without the country: "BY" for Bavaria), from the `date-holidays`
 * data: the local dates a rep in that country has off, for business-hours
 * calendars. Pure computation over data shipped in the package (no network).
 *
 * Kept apart from business-hours.ts on purpose: the data and its date
 * libraries weigh about 1.4 MB minified, so a function that only counts
 * working hours takes the dates as values and never imports this module
 * (docs/decisions.md, "Business hours, routing").
 */

export interface HolidayPlace {
  /** ISO 3166-1 alpha-2, e.g. "DE" */
  readonly country: string;
  /** ISO 3166-2 subdivision code without the country, e.g. "BY" */
  readonly state?: string | undefined;
}

export class UnknownHolidayPlaceError extends Error {
  constructor(place: HolidayPlace) {
    super(`no public holidays are known for ${place.state ? `${place.country}-${place.state}` : place.country}`);
    this.name = 'UnknownHolidayPlaceError';
  }
}

const calendars = new Map<string, Holidays>();

function holidaysFor(place: HolidayPlace): Holidays {
  const country = place.country.toUpperCase();
  const state = place.state?.toUpperCase();
  const key = `${country}-${state ?? ''}`;
  let holidays = calendars.get(key);
  if (!holidays) {
    holidays = new Holidays();
    const known = state ? holidays.getStates(country)?.[state] : holidays.getCountries()[country];
    if (!known) throw new UnknownHolidayPlaceError(place);
    if (state) holidays.init(country, state);
    else holidays.init(country);
    calendars.set(key, holidays);
  }
  return holidays;
}

/** Whether `date-holidays` knows the place (for config checks). */
export function isHolidayPlace(place: HolidayPlace): boolean {
  try {
    holidaysFor(place);
    return true;
  } catch (error) {
    if (error instanceof UnknownHolidayPlaceError) return false;
    throw error;
  }
}

/**
 * The public holidays (type "public", substitute days included) of a place in
 * the years `fromYear`–`toYear`, as sorted local dates "YYYY-MM-DD". Bank
 * holidays, observances and half days (Christmas Eve afternoon) are left out:
 * a rep works those unless they book time away.
 */
export function publicHolidays(place: HolidayPlace, fromYear: number, toYear: number): string[] {
  const holidays = holidaysFor(place);
  const dates = new Set<string>();
  for (let year = fromYear; year <= toYear; year++) {
    for (const holiday of holidays.getHolidays(year)) if (holiday.type === 'public') dates.add(holiday.date.slice(0, 10));
  }
  return [...dates].sort();
}
