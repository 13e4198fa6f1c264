import * as z from '../zod.ts';
import { reportDimensions } from '../report-counts.ts';
import { traitDimension } from '../report-traits.ts';
import { attributionDimensions, attributionModels } from './attribution.ts';

/**
 * The period and slicing a report is asked for (`?from=&to=&by=&format=`):
 * whole days, UTC, both ends included. Bounded: a report reads one item
 * partition per day.
 */

export const MAX_REPORT_DAYS = 366;
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;

/** The years a report's day may fall in: beyond them a date is a typo (0000, 9999), and periods before year 1 print as -000001. */
export const MIN_REPORT_YEAR = 2000;
export const MAX_REPORT_YEAR = 2100;

const day = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD'),
  z.refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'not a day of the calendar'),
  z.refine((value) => {
    const year = Number(value.slice(0, 4));
    return year >= MIN_REPORT_YEAR && year <= MAX_REPORT_YEAR;
  }, `a day from ${MIN_REPORT_YEAR}-01-01 to ${MAX_REPORT_YEAR}-12-31`),
);

/** From and to, when both are given: in order, and at most MAX_REPORT_DAYS apart. */
const periodCheck = z.superRefine((query: { from?: string | undefined; to?: string | undefined }, ctx) => {
  if (query.from !== undefined && query.to !== undefined) {
    const days = (Date.parse(query.to) - Date.parse(query.from)) / DAY_MS + 1;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (days > MAX_REPORT_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `a report covers at most ${MAX_REPORT_DAYS} days` });
  }
});

export const reportQuerySchema = z
  .strictObject({
    from: z.optional(day),
    to: z.optional(day),
    by: z.optional(z.enum(reportDimensions)),
    format: z.optional(z.enum(['json', 'csv'])),
  })
  .check(periodCheck);
export type ReportQuery = z.infer<typeof reportQuerySchema>;

/** The funnel's slices read from the campaign slices: a campaign has one type (see funnel.ts). */
export const CAMPAIGN_TYPE = 'campaignType';

/**
 * What the funnel can be sliced by: the dimensions kept, `campaignType`, and
 * `trait:<name>` for each trait config/reports.json keeps (no other: a trait
 * not kept has no counts).
 */
export function funnelSlices(traitNames: readonly string[]): string[] {
  return [...reportDimensions, CAMPAIGN_TYPE, ...traitNames.map(traitDimension)];
}

/** `GET /v1/reports/funnel`: as reportQuerySchema, with `by` any of funnelSlices (a 400 names `by` and lists them). */
export function funnelQuerySchema(traitNames: readonly string[]) {
  const allowed = funnelSlices(traitNames);
  return z
    .strictObject({
      from: z.optional(day),
      to: z.optional(day),
      by: z.optional(z.string().check(z.refine((by) => allowed.includes(by), `one of ${allowed.join(', ')}`))),
      format: z.optional(z.enum(['json', 'csv'])),
    })
    .check(periodCheck);
}
export type FunnelQuery = z.infer<ReturnType<typeof funnelQuerySchema>>;

/** `GET /v1/reports/attribution`: a period, the model (`linear` when absent) and what credit is rolled up by (`campaign`). */
export const attributionQuerySchema = z.strictObject({
  from: z.optional(day),
  to: z.optional(day),
  model: z.optional(z.enum(attributionModels)),
  by: z.optional(z.enum(attributionDimensions)),
  format: z.optional(z.enum(['json', 'csv'])),
}).check(periodCheck);
export type AttributionQuery = z.infer<typeof attributionQuerySchema>;

export interface ReportPeriod {
  from: string;
  to: string;
  /** every day from `from` to `to`, in order */
  days: string[];
}

/** The days a report covers: as asked, or the last DEFAULT_REPORT_DAYS days to today (UTC), or that many from `from`. */
export function reportPeriod(query: Pick<ReportQuery, 'from' | 'to'>, now: Date): ReportPeriod {
  const today = now.toISOString().slice(0, 10);
  const shift = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  const to = query.to ?? (query.from !== undefined ? minDay(shift(query.from, DEFAULT_REPORT_DAYS - 1), shift(query.from, MAX_REPORT_DAYS - 1)) : today);
  const from = query.from ?? shift(to, -(DEFAULT_REPORT_DAYS - 1));
  const days: string[] = [];
  for (let d = from; d <= to; d = shift(d, 1)) days.push(d);
  return { from, to, days };
}

const minDay = (a: string, b: string) => (a < b ? a : b);

/** A day as YYYY-MM-DD that the calendar has: what every report's dates are. */
export { day as daySchema };

export const DEFAULT_FEEDBACK_COMMENTS = 20;
export const MAX_FEEDBACK_COMMENTS = 100;

/** `GET /v1/reports/feedback?from=&to=&by=all|team|rep&limit=`: a period, the segments (`all` when absent) and how many of the latest comments. */
export const feedbackQuerySchema = z
  .strictObject({
    from: z.optional(day),
    to: z.optional(day),
    by: z.optional(z.enum(['all', 'team', 'rep'])),
    limit: z.optional(z.coerce.number().check(z.int('a whole number'), z.gte(1, 'at least 1'), z.lte(MAX_FEEDBACK_COMMENTS, `at most ${MAX_FEEDBACK_COMMENTS}`))),
    format: z.optional(z.enum(['json', 'csv'])),
  })
  .check(periodCheck);
export type FeedbackQuery = z.infer<typeof feedbackQuerySchema>;
