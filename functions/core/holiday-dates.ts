import * as z from './zod.ts';
import { repProfile, type RoutingConfig } from './routing.ts';
import type { TeamsConfig } from './teams.ts';

/**
 * The public holidays the clocks need, as data: config/holidays.json, written
 * by `npx leadloop holidays` from the `date-holidays` package for every place
 * (country, or country and state) a rep's profile names, over a range of
 * years. Functions read the file, never the library (1.45 MB: see
 * docs/decisions.md, "Business-hours clocks"). A test regenerates the file
 * in memory and fails when config or the library changed and it was not
 * written again.
 */

/** A place holidays are kept for: "GB", or "DE-BE" (country and ISO 3166-2 subdivision). */
export interface HolidayPlaceRef {
  readonly country: string;
  readonly state?: string | undefined;
}

export function placeKey(place: HolidayPlaceRef): string {
  return place.state ? `${place.country}-${place.state}` : place.country;
}

const DATE = z.iso.date();

export const holidaysFileSchema = z
  .strictObject({
    /** what wrote the file and how to write it again */
    generatedBy: z.string(),
    /** the date-holidays version the dates come from */
    source: z.string(),
    /** the first and last years covered, both included */
    fromYear: z.int().check(z.gte(2000), z.lte(2200)),
    toYear: z.int().check(z.gte(2000), z.lte(2200)),
    /** place ("GB", "DE-BE") → its public holidays, sorted local dates */
    places: z.record(z.string().check(z.regex(/^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$/, 'a country code, or country and subdivision ("DE-BE")')), z.array(DATE)),
  })
  .check(z.refine((file) => file.fromYear <= file.toYear, { message: 'toYear must not be before fromYear', path: ['toYear'] }));
export type HolidaysFile = z.infer<typeof holidaysFileSchema>;

/** The places whose holidays the reps' profiles need (each once, sorted by key). */
export function holidayPlaces(routing: RoutingConfig, teams: TeamsConfig): HolidayPlaceRef[] {
  const places = new Map<string, HolidayPlaceRef>();
  if (routing.defaults.country) places.set(routing.defaults.country, { country: routing.defaults.country });
  for (const team of teams.teams) {
    for (const rep of team.reps) {
      const profile = repProfile(routing, team.id, rep.id);
      if (!profile.country) continue;
      const place = { country: profile.country, ...(profile.state && { state: profile.state }) };
      places.set(placeKey(place), place);
    }
  }
  return [...places.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, place]) => place);
}

/**
 * What config/holidays.json lacks for the reps as configured: a place with no
 * dates, or years that end before next year (so the clocks would run on
 * without holidays). Issues as `{ path, message }`, as in ConfigError.
 */
export function holidaysIssues(file: HolidaysFile, routing: RoutingConfig, teams: TeamsConfig, now: Date): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const again = 'run `npx leadloop holidays` to write it again';
  for (const place of holidayPlaces(routing, teams)) {
    if (!file.places[placeKey(place)]) issues.push({ path: `places.${placeKey(place)}`, message: `no holidays for ${placeKey(place)}, which a rep's profile in config/routing.json names; ${again}` });
  }
  const thisYear = now.getUTCFullYear();
  if (file.fromYear > thisYear || file.toYear < thisYear + 1) {
    issues.push({ path: 'toYear', message: `the holidays cover ${file.fromYear}–${file.toYear}, not this year and the next (${thisYear}–${thisYear + 1}); ${again}` });
  }
  return issues;
}

/** A place's public holidays from the file; none when the rep's profile names no country. */
export function holidaysOf(file: HolidaysFile, place: HolidayPlaceRef | undefined): readonly string[] {
  return place ? (file.places[placeKey(place)] ?? []) : [];
}
