/**
 * The one clock of the local runtime. At speed N, N virtual seconds pass per
 * real second: SLA deadlines, Wait states and task timeouts all follow it, so
 * a business day of timers passes in seconds. Speed 1 is real time. It may
 * start at another instant (LEADLOOP_CLOCK_START), so a Friday-evening lead
 * can be shown on any day.
 */
export interface ClockSettings {
  /** virtual milliseconds per real millisecond */
  speed: number;
  /** the real epoch millisecond the clock started at */
  origin: number;
  /** the virtual epoch millisecond at `origin`; absent: `origin` (the clock starts at the real time) */
  start?: number;
}

export function createClock(speed: number, origin = Date.now(), start?: Date): ClockSettings {
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`LEADLOOP_CLOCK_SPEED must be a positive number, got "${speed}"`);
  if (start !== undefined && !Number.isFinite(start.getTime())) throw new Error('the clock cannot start at an invalid date');
  return { speed, origin, ...(start !== undefined && { start: start.getTime() }) };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * LEADLOOP_CLOCK_START as an instant: ISO 8601 with its offset
 * ("2027-01-08T18:00:00Z", "2027-01-08T19:00:00+01:00"); a time without an
 * offset is refused rather than read in this machine's zone.
 */
export function parseClockStart(raw: string | undefined): Date | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim();
  const at = ISO_INSTANT.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new Error(`LEADLOOP_CLOCK_START must be an ISO 8601 instant with its offset, e.g. 2027-01-08T18:00:00Z or 2027-01-08T19:00:00+01:00; got "${raw}"`);
  }
  return at;
}

/** Virtual now, from a real now. */
export function virtualNow(clock: ClockSettings, realNow: number): number {
  return (clock.start ?? clock.origin) + (realNow - clock.origin) * clock.speed;
}

/** How long to really wait for a virtual duration. */
export function realDelayMs(clock: ClockSettings, virtualMs: number): number {
  return Math.max(0, virtualMs / clock.speed);
}

/**
 * Replaces the global Date in a Lambda worker so that handler code, unchanged,
 * sees virtual time through `new Date()` and `Date.now()`.
 */
export function installVirtualDate(clock: ClockSettings): void {
  if (clock.speed === 1 && (clock.start === undefined || clock.start === clock.origin)) return;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(virtualNow(clock, realNow()));
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return virtualNow(clock, realNow());
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;
}
