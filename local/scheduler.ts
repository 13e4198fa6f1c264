import { realDelayMs, virtualNow, type ClockSettings } from './clock.ts';
import { nextFire, parseCron, type Cron } from './cron.ts';
import type { Invoke } from './http-router.ts';
import type { LocalSchedule } from './template.ts';

/**
 * EventBridge Scheduler, locally: each schedule of the template whose target
 * is a function fires on the runtime's clock (LEADLOOP_CLOCK_SPEED makes a
 * week pass in seconds), its cron read in its time zone, with the target's
 * Input and its context attributes filled in as the scheduler fills them. A
 * failed invocation is retried (the target's RetryPolicy) a virtual minute later.
 */

/** The longest a Node timer waits (about 24.8 days); longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_DELAY_MS = 60_000;

export interface ScheduleFiring {
  schedule: string;
  /** the scheduled time (ISO) */
  scheduledTime: string;
  attempt: number;
  result?: unknown;
  error?: string;
}

interface Armed {
  schedule: LocalSchedule;
  cron: Cron;
  next: Date | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** The scheduler's context attributes in a target's Input (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html). */
export function targetInput(schedule: LocalSchedule, scheduledTime: Date, attempt: number): unknown {
  const arn = `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${schedule.logicalId}`;
  // the scheduler gives the scheduled time to the second, in UTC
  const time = scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const text = schedule.input
    .replaceAll('<aws.scheduler.scheduled-time>', time)
    .replaceAll('<aws.scheduler.schedule-arn>', arn)
    .replaceAll('<aws.scheduler.execution-id>', `${schedule.logicalId}-${time}`)
    .replaceAll('<aws.scheduler.attempt-number>', String(attempt));
  return JSON.parse(text) as unknown;
}

export class LocalScheduler {
  private readonly armed = new Map<string, Armed>();
  private readonly clock: ClockSettings;
  private readonly invoke: Invoke;
  private readonly log: (message: string) => void;
  private stopped = false;
  /** every invocation made, in order (for the landing page and tests) */
  readonly firings: ScheduleFiring[] = [];

  constructor(schedules: readonly LocalSchedule[], invoke: Invoke, clock: ClockSettings, log: (message: string) => void) {
    this.clock = clock;
    this.invoke = invoke;
    this.log = log;
    for (const schedule of schedules) {
      // a schedule the runtime cannot read fails the start, rather than never firing
      this.armed.set(schedule.logicalId, { schedule, cron: parseCron(schedule.expression), next: undefined, timer: undefined });
    }
  }

  private now(): Date {
    return new Date(virtualNow(this.clock, Date.now()));
  }

  /** Arms every enabled schedule for its next time after now (virtual). */
  start(): void {
    for (const armed of this.armed.values()) if (armed.schedule.enabled) this.arm(armed, this.now());
  }

  /** Each schedule and when it fires next (virtual time). */
  list(): { schedule: string; expression: string; timeZone: string; functionLogicalId: string; next: string | null }[] {
    return [...this.armed.values()].map(({ schedule, next }) => ({
      schedule: schedule.logicalId,
      expression: schedule.expression,
      timeZone: schedule.timeZone,
      functionLogicalId: schedule.functionLogicalId,
      next: next?.toISOString() ?? null,
    }));
  }

  private arm(armed: Armed, after: Date): void {
    armed.next = nextFire(armed.cron, armed.schedule.timeZone, after);
    if (!armed.next || this.stopped) return;
    this.wait(armed, armed.next);
  }

  private wait(armed: Armed, at: Date): void {
    const delay = Math.min(realDelayMs(this.clock, at.getTime() - this.now().getTime()), MAX_TIMER_MS);
    armed.timer = setTimeout(() => {
      armed.timer = undefined;
      if (this.stopped) return;
      // the clock may not have reached it (a timer's rounding, or a wait longer than a timer can)
      if (this.now().getTime() < at.getTime()) return this.wait(armed, at);
      // the next time after this firing ends: a fast clock that passed further times meanwhile does not
      // fire them one after another to catch up (the scheduler fires each time once, when it comes)
      void this.fire(armed.schedule.logicalId, at).finally(() => this.arm(armed, new Date(Math.max(at.getTime(), this.now().getTime()))));
    }, delay);
    armed.timer.unref?.();
  }

  /**
   * Fires a schedule for a scheduled time (as the scheduler does, or by hand:
   * `leadloop` tests fire one twice to see it is safe), retrying a failed
   * invocation as the target's RetryPolicy allows. Resolves with the last firing.
   */
  async fire(logicalId: string, scheduledTime: Date = this.now()): Promise<ScheduleFiring> {
    const armed = this.armed.get(logicalId);
    if (!armed) throw new Error(`no schedule ${logicalId} in the template`);
    const { schedule } = armed;
    for (let attempt = 1; ; attempt++) {
      const firing: ScheduleFiring = { schedule: logicalId, scheduledTime: scheduledTime.toISOString(), attempt };
      this.firings.push(firing);
      try {
        firing.result = await this.invoke(schedule.functionLogicalId, targetInput(schedule, scheduledTime, attempt));
        return firing;
      } catch (error) {
        firing.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.log(`schedule ${logicalId} → ${schedule.functionLogicalId}: attempt ${attempt} failed: ${firing.error}`);
        if (attempt > schedule.maxRetryAttempts || this.stopped) return firing;
        await new Promise((resolve) => setTimeout(resolve, realDelayMs(this.clock, RETRY_DELAY_MS)));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const armed of this.armed.values()) if (armed.timer) clearTimeout(armed.timer);
  }
}
