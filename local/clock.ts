/**
 * The one clock of the local runtime. At speed N, N virtual seconds pass per
 * real second: SLA deadlines, Wait states and task timeouts all follow it, so
 * a business day of timers passes in seconds. Speed 1 is real time.
 */
export interface ClockSettings {
  /** virtual milliseconds per real millisecond */
  speed: number;
  /** the real epoch millisecond at which virtual and real time were equal */
  origin: number;
}

export function createClock(speed: number, origin = Date.now()): ClockSettings {
  if (!Number.isFinite(speed) || speed <= 0) throw new Error(`LEADLOOP_CLOCK_SPEED must be a positive number, got "${speed}"`);
  return { speed, origin };
}

/** Virtual now, from a real now. */
export function virtualNow(clock: ClockSettings, realNow: number): number {
  return clock.origin + (realNow - clock.origin) * clock.speed;
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
  if (clock.speed === 1) return;
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
