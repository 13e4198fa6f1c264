import { describe, expect, it } from 'vitest';
import { nextFire, parseCron } from '../../../local/cron.ts';

const next = (expression: string, timeZone: string, after: string) => nextFire(parseCron(expression), timeZone, new Date(after))?.toISOString();

describe('cron expressions of EventBridge Scheduler, run locally', () => {
  it('fires the digest’s Monday 08:00 in the company’s zone, winter and summer', () => {
    // Tuesday 1 December 2026 → Monday 7 December, 08:00 CET = 07:00 UTC
    expect(next('cron(0 8 ? * MON *)', 'Europe/Berlin', '2026-12-01T12:00:00Z')).toBe('2026-12-07T07:00:00.000Z');
    // in summer 08:00 CEST is 06:00 UTC
    expect(next('cron(0 8 ? * MON *)', 'Europe/Berlin', '2026-07-08T00:00:00Z')).toBe('2026-07-13T06:00:00.000Z');
  });

  it('keeps 08:00 local across the switch to summer time', () => {
    // Monday 23 March (CET) then Monday 30 March (CEST, the day after the switch)
    expect(next('cron(0 8 ? * MON *)', 'Europe/Berlin', '2026-03-23T07:00:00Z')).toBe('2026-03-30T06:00:00.000Z');
  });

  it('fires strictly after the instant given: at the very time, the next week', () => {
    expect(next('cron(0 8 ? * MON *)', 'Europe/Berlin', '2026-12-07T07:00:00Z')).toBe('2026-12-14T07:00:00.000Z');
    expect(next('cron(0 8 ? * MON *)', 'Europe/Berlin', '2026-12-07T06:59:59Z')).toBe('2026-12-07T07:00:00.000Z');
  });

  it('reads lists, ranges, day numbers (1 is Sunday) and a day of the month', () => {
    expect(next('cron(0,30 9-17 ? * MON-FRI *)', 'UTC', '2026-12-04T17:30:00Z')).toBe('2026-12-07T09:00:00.000Z');
    expect(next('cron(15 6 ? * 1 *)', 'UTC', '2026-12-01T00:00:00Z')).toBe('2026-12-06T06:15:00.000Z');
    expect(next('cron(0 0 1 * ? *)', 'America/New_York', '2026-12-01T12:00:00Z')).toBe('2027-01-01T05:00:00.000Z');
  });

  it('never fires past its last year', () => {
    expect(next('cron(0 8 ? * MON 2025)', 'UTC', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('refuses what it cannot run, naming the field', () => {
    expect(() => parseCron('rate(1 day)')).toThrow(/only cron/);
    expect(() => parseCron('cron(0 8 * * MON *)')).toThrow(/exactly one of day-of-month and day-of-week must be \?/);
    expect(() => parseCron('cron(0 8 ? * MON#1 *)')).toThrow(/day-of-week "MON#1"/);
    expect(() => parseCron('cron(0 25 ? * MON *)')).toThrow(/hours "25"/);
    expect(() => parseCron('cron(0 8 ? * MON)')).toThrow(/six fields/);
  });
});
