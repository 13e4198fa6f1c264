import * as z from '../zod.ts';
import { daySchema } from './period.ts';

/**
 * The periods the service-agreement scorecard compares (`?period=week|month&from=`):
 * the week (Monday to Sunday) or calendar month that holds `from` (today when
 * absent), UTC; the period before it; and the periods of the MQL trend.
 */

export const agreementPeriodKinds = ['week', 'month'] as const;
export type AgreementPeriodKind = (typeof agreementPeriodKinds)[number];

export const serviceAgreementQuerySchema = z.strictObject({
  period: z.optional(z.enum(agreementPeriodKinds)),
  from: z.optional(daySchema),
  format: z.optional(z.enum(['json', 'csv'])),
});
export type ServiceAgreementQuery = z.infer<typeof serviceAgreementQuerySchema>;

/** Periods of the MQL trend, the asked one last. */
export const TREND_PERIODS: Record<AgreementPeriodKind, number> = { week: 8, month: 6 };

/** One period: [from, to) as instants, and its days (YYYY-MM-DD) so far — none after `now`'s day. */
export interface AgreementPeriod {
  kind: AgreementPeriodKind;
  /** the period's first instant (00:00 UTC) */
  from: string;
  /** the instant after the period counted: its end, or the end of today while it runs */
  to: string;
  /** the whole period's end, also while it runs */
  ends: string;
  days: string[];
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The start (ms) of the period holding `dayMs`, and of the one after it. */
function bounds(kind: AgreementPeriodKind, dayMs: number): [number, number] {
  const date = new Date(dayMs);
  if (kind === 'week') {
    const monday = dayMs - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    return [monday, monday + 7 * DAY_MS];
  }
  return [Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)];
}

function period(kind: AgreementPeriodKind, startMs: number, now: Date): AgreementPeriod {
  const [from, ends] = bounds(kind, startMs);
  const endOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  const to = Math.max(from + DAY_MS, Math.min(ends, endOfToday));
  const days: string[] = [];
  for (let d = from; d < to; d += DAY_MS) days.push(dayOf(d));
  return { kind, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ends: new Date(ends).toISOString(), days };
}

/**
 * The period asked for, the one before it, and the trend's periods (oldest
 * first, the asked one last). A period that has not started yet counts its
 * first day only, so its targets are a day's.
 */
export function agreementPeriods(query: ServiceAgreementQuery, now: Date): { current: AgreementPeriod; previous: AgreementPeriod; trend: AgreementPeriod[] } {
  const kind = query.period ?? 'week';
  const asked = query.from !== undefined ? Date.parse(`${query.from}T00:00:00Z`) : Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const trend: AgreementPeriod[] = [];
  let start = bounds(kind, asked)[0];
  for (let i = 0; i < TREND_PERIODS[kind]; i++) {
    trend.unshift(period(kind, start, now));
    start = bounds(kind, start - DAY_MS)[0];
  }
  return { current: trend.at(-1)!, previous: trend.at(-2)!, trend };
}
