import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatHolidaysFile, holidaysFile, holidaysSource } from '../../../bin/cli/holidays.ts';
import { holidays, routing, teams } from '../../../config/index.ts';
import { addWorkingHours } from '#core/business-hours.ts';
import { holidayPlaces, holidaysIssues, holidaysOf, placeKey } from '#core/holiday-dates.ts';
import { publicHolidays } from '#core/public-holidays.ts';
import { repCalendars } from '#core/rep-calendars.ts';
import { routingSchema } from '#core/routing.ts';

describe('config/holidays.json', () => {
  it('is what `npx leadloop holidays` writes for the reps as configured and the date-holidays installed', () => {
    // Prepare: the file as generated now, for the years the file says it covers
    const expected = formatHolidaysFile(holidaysFile(routing, teams, holidays.fromYear, holidays.toYear));

    // Assess: a rep from a new country, a new library version or a hand edit makes this fail
    expect(readFileSync('config/holidays.json', 'utf8'), 'config/holidays.json is out of date: run `npx leadloop holidays`').toBe(expected);
  });

  it('covers this year and the next, so the clocks never run on without holidays', () => {
    const thisYear = new Date().getUTCFullYear();
    expect(holidays.fromYear).toBeLessThanOrEqual(thisYear);
    expect(holidays.toYear, 'run `npx leadloop holidays` to cover more years').toBeGreaterThanOrEqual(thisYear + 1);
  });

  it('names its source, the package version it came from', () => {
    expect(holidays.source).toBe(holidaysSource());
  });
});

describe('the holiday places the reps need', () => {
  it('are each rep profile’s country and state, and the default country', () => {
    // Prepare: Kim in Berlin (DE-BE), Sam in England (GB-ENG), Ada and Ben in the United States, and nobody else names a place
    const places = holidayPlaces(routing, teams).map(placeKey);

    // Assess
    expect(places).toEqual(['DE-BE', 'GB-ENG', 'US']);
    // Berlin's own holiday (International Women's Day, 8 March) is in Kim's dates, not Sam's
    expect(holidaysOf(holidays, { country: 'DE', state: 'BE' })).toContain('2027-03-08');
    expect(holidaysOf(holidays, { country: 'GB', state: 'ENG' })).not.toContain('2027-03-08');
    expect(holidaysOf(holidays, { country: 'GB', state: 'ENG' })).toContain('2027-12-27');
    expect(holidaysOf(holidays, { country: 'US' })).toContain('2027-07-05');
    expect(holidaysOf(holidays, undefined)).toEqual([]);
  });

  it('Sam in London has England’s Summer bank holiday (the last Monday of August), which Britain as a whole does not', () => {
    // Prepare: Sam's calendar as the clocks and routing read it
    const sam = repCalendars({ teams, routing, holidays })('rep-sam');

    // Assess: 30 August 2027 is the last Monday of that August
    expect(new Date('2027-08-30T12:00:00Z').getUTCDay()).toBe(1);
    expect(new Date('2027-09-06T12:00:00Z').getUTCMonth()).toBe(8);
    expect(sam.holidays).toContain('2027-08-30');
    // why Sam needs a state: the library's dates for GB alone leave it out
    expect(publicHolidays({ country: 'GB' }, 2027, 2027)).not.toContain('2027-08-30');
    // and a Monday-afternoon lead that day is due on Tuesday for Sam: the bank holiday is no working time
    expect(addWorkingHours(new Date('2027-08-30T13:00:00Z'), 4, sam).toISOString()).toBe('2027-08-31T12:00:00.000Z');
  });

  it('a rep from a country the file lacks is named as a config issue', () => {
    // Prepare: Sam moves to France
    const moved = routingSchema.parse({ ...routing, teams: { 'sales-emea': { reps: { ...routing.teams['sales-emea']!.reps, 'rep-sam': { country: 'FR' } } } } });

    // Act
    const issues = holidaysIssues(holidays, moved, teams, new Date(Date.UTC(holidays.fromYear, 5, 1)));

    // Assess
    expect(issues).toEqual([{ path: 'places.FR', message: expect.stringContaining('npx leadloop holidays') }]);
  });

  it('years that end before next year are an issue', () => {
    const issues = holidaysIssues(holidays, routing, teams, new Date(Date.UTC(holidays.toYear, 5, 1)));
    expect(issues).toEqual([{ path: 'toYear', message: expect.stringContaining(`${holidays.fromYear}–${holidays.toYear}`) }]);
  });
});
