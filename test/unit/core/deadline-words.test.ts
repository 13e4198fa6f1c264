import { describe, expect, it } from 'vitest';
import { deadlineInWords, spanInWords } from '#core/deadline-words.ts';

describe('a deadline in words, in the reader’s time zone', () => {
  it.each([
    ['a winter morning in Berlin (UTC+1)', '2027-01-12T09:00:00Z', 'Europe/Berlin', 'Tuesday 12 January, 10:00 Europe/Berlin'],
    ['a summer afternoon in New York (UTC−4)', '2027-07-01T15:30:00Z', 'America/New_York', 'Thursday 1 July, 11:30 America/New_York'],
    ['past midnight: the reader’s date, not UTC’s', '2027-01-11T23:30:00Z', 'Europe/Berlin', 'Tuesday 12 January, 00:30 Europe/Berlin'],
    ['half-hour zones', '2027-01-12T09:00:00Z', 'Asia/Kolkata', 'Tuesday 12 January, 14:30 Asia/Kolkata'],
    ['the first hour of summer time', '2027-03-28T01:00:00Z', 'Europe/Berlin', 'Sunday 28 March, 03:00 Europe/Berlin'],
  ])('%s', (_, instant, zone, words) => {
    expect(deadlineInWords(new Date(instant), zone)).toBe(words);
  });

  it('names the year when the deadline falls in another year than today', () => {
    expect(deadlineInWords(new Date('2027-01-04T08:00:00Z'), 'Europe/Berlin', new Date('2026-12-30T12:00:00Z'))).toBe('Monday 4 January 2027, 09:00 Europe/Berlin');
    expect(deadlineInWords(new Date('2027-01-04T08:00:00Z'), 'Europe/Berlin', new Date('2027-01-01T12:00:00Z'))).toBe('Monday 4 January, 09:00 Europe/Berlin');
  });
});

describe('a stretch of time in words', () => {
  it('names the zone once, each end on the reader’s wall clock', () => {
    // Ada away 12–22 January: New York midnights, 05:00 UTC in winter
    expect(spanInWords(new Date('2027-01-12T05:00:00Z'), new Date('2027-01-23T05:00:00Z'), 'America/New_York', new Date('2027-01-11T21:30:00Z'))).toBe(
      'Tuesday 12 January, 00:00 to Saturday 23 January, 00:00 America/New_York',
    );
    // the same stretch read in Berlin, across the new year from December
    expect(spanInWords(new Date('2027-01-12T05:00:00Z'), new Date('2027-01-23T05:00:00Z'), 'Europe/Berlin', new Date('2026-12-30T12:00:00Z'))).toBe(
      'Tuesday 12 January 2027, 06:00 to Saturday 23 January 2027, 06:00 Europe/Berlin',
    );
  });
});
