import { repCalendars, serviceAgreement } from '../../config/index.ts';
import { acceptanceWindow } from '../../functions/core/service-agreement.ts';
import { virtualNow } from '../../local/clock.ts';
import type { LocalRuntime } from '../../local/runtime.ts';

/**
 * How long (real ms) a test may wait for `windows` acceptance windows of a
 * rep to pass back to back from the local clock's now: the acceptance clock
 * runs in the rep's working hours, so a window may span a night or a
 * weekend. Only for time budgets: what a test asserts comes from elsewhere.
 */
export function acceptanceBudgetMs(runtime: Pick<LocalRuntime, 'clock'>, repId: string, windows: number, marginMs = 20_000): number {
  const now = virtualNow(runtime.clock, Date.now());
  let at = new Date(now);
  for (let i = 0; i < windows; i++) at = new Date(acceptanceWindow(serviceAgreement, at, repCalendars(repId)).acceptBy);
  return (at.getTime() - now) / runtime.clock.speed + marginMs;
}
