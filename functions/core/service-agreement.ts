import * as z from './zod.ts';
import { addWorkingHours, reminderAt, type WorkCalendar } from './business-hours.ts';
import { EscalationStepName, escalationSteps, type EscalationStep } from './journey-contract.ts';

/**
 * The service agreement both teams signed: the acceptance timer and its
 * escalation ladder, what sales commits to once it accepted a lead (first
 * contact, follow-up, feedback) and what marketing commits to (MQL volume,
 * acceptance rate).
 */

const positive = () => z.number().check(z.positive());
const positiveWhole = () => z.int().check(z.positive());
/** Days of a clock are the rep's working days (business-hours.ts addWorkingDays): whole ones. */
const workingDays = () => z.number().check(z.positive(), z.refine((n) => Number.isInteger(n), 'a whole number of working days'));

/** What sales commits to for every lead it accepted. */
export const salesCommitmentSchema = z
  .strictObject({
    /** the first contact (any activity) is made within this many working hours of the rep after accepting */
    firstContactWithinHours: positive(),
    /** at least `activities` activities (the first contact counts) within `withinDays` working days of the rep after accepting */
    followUp: z.strictObject({ activities: positiveWhole(), withinDays: workingDays() }),
    /** a missed clock reminds the rep at once; the manager is told this many working hours of the rep later if the rep has still not caught up */
    notifyManagerAfterHours: z.number().check(z.nonnegative()),
    /** a rep gives feedback on a lead handed to them within this many working days; then one reminder, then the manager */
    feedbackWithinDays: workingDays(),
  })
  .check(
    z.superRefine((sales, ctx) => {
      if (sales.followUp.withinDays * 24 < sales.firstContactWithinHours) {
        ctx.addIssue({
          code: 'custom',
          path: ['followUp', 'withinDays'],
          message: `the follow-up window (${sales.followUp.withinDays} days) must not end before the first contact is due (${sales.firstContactWithinHours} hours)`,
        });
      }
    }),
  );
export type SalesCommitment = z.infer<typeof salesCommitmentSchema>;

/** What marketing commits to. */
export const marketingCommitmentSchema = z.strictObject({
  /** MQLs handed to sales per week */
  mqlsPerWeek: positiveWhole(),
  /** the share of hand-offs sales accepts, from 0 to 1 */
  minAcceptanceRate: z.number().check(z.gte(0, 'a rate is at least 0'), z.lte(1, 'a rate is at most 1 (write 0.6 for 60%)')),
});
export type MarketingCommitment = z.infer<typeof marketingCommitmentSchema>;

/**
 * How many days a lead may sit in a stage the agreement's own clocks do not
 * time before the stalled-leads report lists it (mql and sal are timed by
 * `acceptWithinHours` and the follow-up window). A stage left out is not reported.
 */
export const stalledAfterDaysSchema = z.strictObject({
  engaged: z.optional(z.number().check(z.positive(), z.lte(3650, 'at most 3650 days'))),
  sql: z.optional(z.number().check(z.positive(), z.lte(3650, 'at most 3650 days'))),
  opportunity: z.optional(z.number().check(z.positive(), z.lte(3650, 'at most 3650 days'))),
});
export type StalledAfterDays = z.infer<typeof stalledAfterDaysSchema>;

export const serviceAgreementSchema = z.strictObject({
  /** a rep must accept (or reject) a hand-off within this many working hours, in the rep's own hours and zone */
  acceptWithinHours: positive(),
  /**
   * when the rep is reminded of an open hand-off: this share of the window's
   * working time (0.75: with a quarter left); absent, no reminder
   */
  remindAt: z.optional(
    z.number().check(
      z.gt(0, 'a reminder comes after the window opens: more than 0'),
      z.lt(1, 'a reminder comes before the deadline: less than 1 (write 0.75 for 75% of the window)'),
    ),
  ),
  /** what each missed acceptance deadline leads to, in order; the last step ends the cycle */
  escalationLadder: z
    .array(z.enum(escalationSteps))
    .check(
      z.minLength(1),
      z.refine((ladder) => ladder.at(-1) === EscalationStepName.recycle, `the ladder must end with "${EscalationStepName.recycle}" so no lead waits forever`),
    ),
  sales: salesCommitmentSchema,
  marketing: marketingCommitmentSchema,
  /** limits of the stalled-leads report for stages the agreement does not time; absent: only mql and sal are reported */
  stalledAfterDays: z.optional(stalledAfterDaysSchema),
});
export type ServiceAgreement = z.infer<typeof serviceAgreementSchema>;
/** The part of the agreement the hand-off journey runs on: the acceptance timer, its reminder and its ladder. */
export type AcceptanceTerms = Pick<ServiceAgreement, 'acceptWithinHours' | 'remindAt' | 'escalationLadder'>;

export interface AcceptanceWindow {
  /** the deadline: `acceptWithinHours` working hours of the owner after the window opened */
  acceptBy: string;
  /** wall-clock seconds from the window's start to acceptBy: the journey's wait times out then */
  acceptWithinSeconds: number;
  /** when the owner is reminded (acceptBy when the agreement sets no reminder) */
  remindAt: string;
  /** wall-clock seconds from the window's start to remindAt: the journey's first wait times out then */
  remindWithinSeconds: number;
}

/**
 * When the current owner must have accepted by, counted in the owner's
 * working hours (their week, zone and public holidays: a lead handed over
 * Friday evening with a 4-hour window is due Monday at 13:00 for a rep who
 * starts at 9), and when they are reminded. The seconds are wall-clock time
 * from `from`, for the journey's timeouts, at least 1 (a Step Functions
 * timeout is a positive whole number of seconds).
 */
export function acceptanceWindow(agreement: Pick<ServiceAgreement, 'acceptWithinHours' | 'remindAt'>, from: Date, calendar: WorkCalendar): AcceptanceWindow {
  const deadline = addWorkingHours(from, agreement.acceptWithinHours, calendar);
  const reminder = agreement.remindAt === undefined ? deadline : reminderAt(from, agreement.acceptWithinHours, agreement.remindAt, calendar);
  const seconds = (at: Date) => Math.max(1, Math.ceil((at.getTime() - from.getTime()) / 1000));
  return {
    acceptBy: deadline.toISOString(),
    acceptWithinSeconds: seconds(deadline),
    remindAt: reminder.toISOString(),
    remindWithinSeconds: seconds(reminder),
  };
}

/** When the manager is told of a missed deadline: `notifyManagerAfterHours` working hours of the rep after it. */
export function managerNoticeAt(deadline: Date, sales: Pick<SalesCommitment, 'notifyManagerAfterHours'>, calendar: WorkCalendar): Date {
  return addWorkingHours(deadline, sales.notifyManagerAfterHours, calendar);
}

/** The step taken after the `missed`-th missed deadline (1-based). */
export function escalationStep(agreement: Pick<ServiceAgreement, 'escalationLadder'>, missed: number): EscalationStep {
  const ladder = agreement.escalationLadder;
  return ladder[Math.min(missed, ladder.length) - 1] ?? EscalationStepName.recycle;
}
