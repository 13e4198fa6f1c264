import { describe, expect, it } from 'vitest';
import { createClock, parseClockStart, virtualNow } from '../../../local/clock.ts';

describe('the local clock’s start (LEADLOOP_CLOCK_START)', () => {
  it('starts the virtual clock at the instant given, then runs at its speed', () => {
    // Prepare: started now (real), reading Friday 8 January 2027 18:00 UTC, an hour per second
    const origin = Date.parse('2026-12-01T15:00:00Z');
    const clock = createClock(3600, origin, parseClockStart('2027-01-08T18:00:00Z'));

    // Act / Assess: at the start, and 15 real seconds later (15 virtual hours)
    expect(new Date(virtualNow(clock, origin)).toISOString()).toBe('2027-01-08T18:00:00.000Z');
    expect(new Date(virtualNow(clock, origin + 15_000)).toISOString()).toBe('2027-01-09T09:00:00.000Z');
  });

  it('reads an offset, so a local time can be given as such', () => {
    expect(parseClockStart('2027-01-08T19:00:00+01:00')?.toISOString()).toBe('2027-01-08T18:00:00.000Z');
    expect(parseClockStart('2027-01-08T18:00Z')?.toISOString()).toBe('2027-01-08T18:00:00.000Z');
  });

  it('without a start, the clock starts at the real time, as before', () => {
    const clock = createClock(60, 1_000_000);
    expect(parseClockStart(undefined)).toBeUndefined();
    expect(parseClockStart('')).toBeUndefined();
    expect(virtualNow(clock, 1_000_000)).toBe(1_000_000);
    expect(virtualNow(clock, 1_001_000)).toBe(1_060_000);
  });

  it.each(['friday', '2027-01-08', '2027-01-08T18:00:00', '2027-13-40T18:00:00Z', '1736359200000'])('refuses "%s" with a message that says what to write', (raw) => {
    expect(() => parseClockStart(raw)).toThrow(`LEADLOOP_CLOCK_START must be an ISO 8601 instant with its offset, e.g. 2027-01-08T18:00:00Z or 2027-01-08T19:00:00+01:00; got "${raw}"`);
  });
});

describe('npm start with a bad LEADLOOP_CLOCK_START', () => {
  it('stops at once, before starting anything, and says what to write', async () => {
    // Prepare / Act: the entry point itself, in its own process
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, ['local/main.ts'], { env: { ...process.env, LEADLOOP_CLOCK_START: 'next friday' }, encoding: 'utf8', timeout: 60_000 });

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('LEADLOOP_CLOCK_START must be an ISO 8601 instant with its offset, e.g. 2027-01-08T18:00:00Z');
    expect(result.stdout).not.toContain('LeadLoop is running locally');
  }, 60_000);
});
