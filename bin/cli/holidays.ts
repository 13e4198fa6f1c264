import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { parseConfig } from '#core/config-errors.ts';
import { holidayPlaces, placeKey, type HolidaysFile } from '#core/holiday-dates.ts';
import { publicHolidays } from '#core/public-holidays.ts';
import { routingSchema, type RoutingConfig } from '#core/routing.ts';
import { teamsSchema, type TeamsConfig } from '#core/teams.ts';
import type { CliIo } from './run.ts';

/**
 * `leadloop holidays`: writes config/holidays.json, the public holidays of
 * every place the reps' profiles name, from the `date-holidays` package. The
 * functions read that file; the library (1.45 MB) stays out of their bundles.
 */

export const HOLIDAYS_FILE = 'config/holidays.json';
const GENERATED_BY = 'npx leadloop holidays (from config/routing.json and config/teams.json); do not edit by hand';

export const HOLIDAYS_USAGE = `Usage: leadloop holidays [--from <year>] [--to <year>] [--check]

Writes ${HOLIDAYS_FILE}: the public holidays (from the date-holidays package) of
every country and state the reps' profiles in config/routing.json name, for the
years given (this year − 1 to this year + 4 by default). The service-agreement
clocks skip these days in each rep's own calendar. Run it again after adding a
rep from another country, and before the last year runs out.

Options:
  --from <year>        First year (default: last year)
  --to <year>          Last year (default: four years from now)
  --check              Write nothing; exit 1 when the file is not what it would write
                       (for the years the file covers, unless --from or --to say otherwise)
  -h, --help           Show this help

Exit status: 0 when written (or up to date), 1 when not, 2 for a usage error.`;

/** The version of date-holidays the dates come from. */
export function holidaysSource(): string {
  const require = createRequire(import.meta.url);
  const { version } = require('date-holidays/package.json') as { version: string };
  return `date-holidays ${version}`;
}

/** The file's content for the reps as configured, over the years given. */
export function holidaysFile(routing: RoutingConfig, teams: TeamsConfig, fromYear: number, toYear: number, source = holidaysSource()): HolidaysFile {
  const places: Record<string, string[]> = {};
  for (const place of holidayPlaces(routing, teams)) places[placeKey(place)] = publicHolidays(place, fromYear, toYear);
  return { generatedBy: GENERATED_BY, source, fromYear, toYear, places };
}

/** The file as written: one place per line, so a change reads well in a diff. */
export function formatHolidaysFile(file: HolidaysFile): string {
  const places = Object.entries(file.places).map(([key, dates]) => `    ${JSON.stringify(key)}: ${JSON.stringify(dates)}`);
  return `{
  "generatedBy": ${JSON.stringify(file.generatedBy)},
  "source": ${JSON.stringify(file.source)},
  "fromYear": ${file.fromYear},
  "toYear": ${file.toYear},
  "places": {
${places.join(',\n')}
  }
}
`;
}

export async function holidaysCommand(args: readonly string[], io: CliIo): Promise<number> {
  let values: { from?: string | undefined; to?: string | undefined; check?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: [...args], options: { from: { type: 'string' }, to: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${HOLIDAYS_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(HOLIDAYS_USAGE);
    return 0;
  }
  const thisYear = new Date().getUTCFullYear();
  // --check compares with the years the file says it covers, unless told otherwise
  let written: Partial<HolidaysFile> = {};
  try {
    written = JSON.parse(readFileSync(HOLIDAYS_FILE, 'utf8')) as Partial<HolidaysFile>;
  } catch {
    // missing or not JSON: the defaults
  }
  const year = (value: string | undefined, fallback: number, name: string) => {
    if (value === undefined) return fallback;
    if (!/^\d{4}$/.test(value)) throw new RangeError(`--${name} must be a year such as ${thisYear}, got "${value}"`);
    return Number(value);
  };
  let fromYear: number;
  let toYear: number;
  try {
    fromYear = year(values.from, (values.check && typeof written.fromYear === 'number' && written.fromYear) || thisYear - 1, 'from');
    toYear = year(values.to, (values.check && typeof written.toYear === 'number' && written.toYear) || thisYear + 4, 'to');
    if (toYear < fromYear) throw new RangeError(`--to (${toYear}) must not be before --from (${fromYear})`);
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${HOLIDAYS_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    const routing = parseConfig('config/routing.json', routingSchema, JSON.parse(io.readFile('config/routing.json')));
    const teams = parseConfig('config/teams.json', teamsSchema, JSON.parse(io.readFile('config/teams.json')));
    text = formatHolidaysFile(holidaysFile(routing, teams, fromYear, toYear));
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}`);
    return 1;
  }
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(HOLIDAYS_FILE, 'utf8');
    } catch {
      // missing: not up to date
    }
    if (current === text) {
      io.out(`${HOLIDAYS_FILE} is up to date.`);
      return 0;
    }
    io.err(`${HOLIDAYS_FILE} is not what leadloop holidays --from ${fromYear} --to ${toYear} would write; run it.`);
    return 1;
  }
  writeFileSync(HOLIDAYS_FILE, text);
  const file = JSON.parse(text) as HolidaysFile;
  io.out(`Wrote ${HOLIDAYS_FILE}: ${Object.entries(file.places).map(([key, dates]) => `${key} (${dates.length} days)`).join(', ') || 'no places'} for ${fromYear}–${toYear}.`);
  return 0;
}
