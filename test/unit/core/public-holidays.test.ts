import { describe, expect, it } from 'vitest';
import { isHolidayPlace, publicHolidays, UnknownHolidayPlaceError } from '#core/public-holidays.ts';

// Expected dates worked out from the calendar: Easter Sunday 2027 is 28 March, so Good Friday
// is 26 March, Easter Monday 29 March, Ascension (Easter + 39) 6 May, Whit Monday (Easter + 50) 17 May.
describe('public holidays by country', () => {
  it('Germany 2027: the national holidays, from the package data, offline', () => {
    expect(publicHolidays({ country: 'DE' }, 2027, 2027)).toEqual([
      '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-01', '2027-05-06', '2027-05-17', '2027-10-03', '2027-12-25', '2027-12-26',
    ]);
  });

  it('Bavaria adds Epiphany, Corpus Christi and All Saints to the national ones', () => {
    const bavaria = publicHolidays({ country: 'DE', state: 'BY' }, 2027, 2027);
    const national = publicHolidays({ country: 'DE' }, 2027, 2027);
    // Corpus Christi is Easter + 60: 27 May 2027
    expect(bavaria.filter((d) => !national.includes(d))).toEqual(expect.arrayContaining(['2027-01-06', '2027-05-27', '2027-11-01']));
    expect(national.every((d) => bavaria.includes(d))).toBe(true);
  });

  it('England: a Christmas on the weekend moves to the weekdays after it', () => {
    // 25 and 26 December 2027 are Saturday and Sunday; the days off are Monday 27th and Tuesday 28th
    const dates = publicHolidays({ country: 'GB' }, 2027, 2027);
    expect(dates).toEqual(expect.arrayContaining(['2027-12-27', '2027-12-28']));
  });

  it('the US: Thanksgiving is the fourth Thursday of November, over several years', () => {
    const dates = publicHolidays({ country: 'us' }, 2026, 2028);
    expect(dates).toEqual(expect.arrayContaining(['2026-11-26', '2027-11-25', '2028-11-23']));
    expect(dates).toEqual([...dates].sort());
  });

  it('refuses a place it does not know, by name', () => {
    expect(isHolidayPlace({ country: 'XX' })).toBe(false);
    expect(isHolidayPlace({ country: 'DE', state: 'ZZ' })).toBe(false);
    expect(isHolidayPlace({ country: 'DE', state: 'BY' })).toBe(true);
    expect(() => publicHolidays({ country: 'XX' }, 2027, 2027)).toThrow(UnknownHolidayPlaceError);
  });
});
