import * as z from './zod.ts';
import { addWorkingDays, addWorkingHours, type WorkCalendar } from './business-hours.ts';
import { leadRefFields, leadRefIssue, repIdSchema, senderIdSchema, type FieldIssue } from './lead-ref.ts';
import { managerNoticeAt, type SalesCommitment } from './service-agreement.ts';

/**
 * Activities: what a rep did for a lead (a call, an email, a meeting), sent
 * by `POST /v1/activities` or the rep's "I contacted them" link, and the
 * sales clocks they stop: first contact within N hours of accepting, and K
 * activities within D days. A missed clock walks its ladder: the rep is
 * reminded, then the manager told, each once. Every clock counts the owning
 * rep's working time: hours as working hours, days as working days
 * (business-hours.ts).
 */

export const activityKinds = ['call', 'email', 'meeting'] as const;
export type ActivityKind = (typeof activityKinds)[number];

export const MAX_RESULT_LENGTH = 1000;

export const activitySchema = z
  .strictObject({
    /** the sender's id of this activity: sending it again changes nothing */
    activityId: senderIdSchema,
    ...leadRefFields,
    kind: z.enum(activityKinds),
    at: z.iso.datetime({ offset: true }),
    /** the rep who did it; the lead's owner when omitted (see activityRepId) */
    repId: z.optional(repIdSchema),
    /** what came of it, in the rep's words ("left a voicemail", "demo booked") */
    result: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_RESULT_LENGTH))),
  })
  .check(
    z.superRefine((activity, ctx) => {
      const lead = leadRefIssue(activity);
      if (lead) ctx.addIssue({ code: 'custom', ...lead });
    }),
  );
export type Activity = z.infer<typeof activitySchema>;

/** The rep an activity is counted for: the one it names, else the lead's owner; a lead nobody owns needs a repId. */
export function activityRepId(activity: Pick<Activity, 'repId'>, lead: { owner?: { repId: string } | undefined }): { repId: string } | { issue: FieldIssue } {
  if (activity.repId !== undefined) return { repId: activity.repId };
  if (lead.owner !== undefined) return { repId: lead.owner.repId };
  return { issue: { path: 'repId', message: 'the lead has no owner, so repId is required' } };
}

/**
 * The sales clocks' escalation steps, in the order they come. Stable ids: the
 * journey records each it has sent and passes them back, so each is sent once.
 */
export const SalesStepName = {
  /** the first contact is overdue: remind the rep */
  firstContactRemindRep: 'first-contact-remind-rep',
  /** still no contact `notifyManagerAfterHours` later: tell the manager */
  firstContactNotifyManager: 'first-contact-notify-manager',
  /** the follow-up window ended short of the agreed activities: remind the rep */
  followUpRemindRep: 'follow-up-remind-rep',
  /** still short `notifyManagerAfterHours` later: tell the manager */
  followUpNotifyManager: 'follow-up-notify-manager',
} as const;
export const salesSteps = [
  SalesStepName.firstContactRemindRep,
  SalesStepName.firstContactNotifyManager,
  SalesStepName.followUpRemindRep,
  SalesStepName.followUpNotifyManager,
] as const;
export type SalesStep = (typeof salesSteps)[number];

/** met: kept in time; due: still running; missed: the deadline passed without it (even if the rep caught up later). */
export type ClockStatus = 'met' | 'due' | 'missed';

export interface FirstContactClock {
  status: ClockStatus;
  dueAt: string;
  /** the earliest activity, when there is one */
  contactedAt?: string;
}

export interface FollowUpClock {
  status: ClockStatus;
  endsAt: string;
  /** the activities the agreement asks for */
  required: number;
  /** the activities counted within the window so far */
  counted: number;
}

export interface SalesClocks {
  firstContact: FirstContactClock;
  followUp: FollowUpClock;
  /** steps to take now, in order, leaving out those in `sent` */
  due: SalesStep[];
  /** the next step that may come, and when; absent once no step can come (the journey's clocks are done) */
  next?: { step: SalesStep; at: string };
}

export interface SalesClockInput {
  /** when the rep accepted the lead: both clocks start here */
  acceptedAt: string;
  /** the activities of this cycle: any before acceptance count too (a rep who called, then clicked Accept) */
  activities: readonly Pick<Activity, 'at'>[];
  sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp' | 'notifyManagerAfterHours'>;
  /** the owning rep's calendar: the clocks count its working time */
  calendar: WorkCalendar;
  now: Date;
  /** the steps the journey already took */
  sent?: readonly SalesStep[];
}

/** When an accepted lead's first contact is due and its follow-up window ends. */
export interface SalesDeadlines {
  firstContactDue: Date;
  followUpEnds: Date;
}

/**
 * The sales clocks' deadlines, in the owning rep's working time:
 * `firstContactWithinHours` working hours and `followUp.withinDays` working
 * days after the acceptance. The scorecard counts against the same instants
 * (reports/scorecard-counts.ts), so the report and the reminders agree.
 */
export function salesDeadlines(acceptedAt: string, sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp'>, calendar: WorkCalendar): SalesDeadlines {
  const accepted = new Date(acceptedAt);
  return { firstContactDue: addWorkingHours(accepted, sales.firstContactWithinHours, calendar), followUpEnds: addWorkingDays(accepted, sales.followUp.withinDays, calendar) };
}

/**
 * The first-contact and follow-up clocks of one accepted lead, purely, and the
 * escalation steps due. Only activities dated up to `now` count. A missed
 * clock reminds the rep at its deadline and tells the manager
 * `notifyManagerAfterHours` working hours later, each only if the rep has not
 * caught up by then (any contact at all; the agreed number of activities,
 * however late): the clock's status stays missed, but nobody is chased for
 * what is done.
 */
export function salesClocks(input: SalesClockInput): SalesClocks {
  const { sales, now, calendar } = input;
  const nowMs = now.getTime();
  const times = input.activities
    .map((a) => Date.parse(a.at))
    .filter((t) => t <= nowMs)
    .sort((a, b) => a - b);
  const countBy = (ms: number) => times.filter((t) => t <= ms).length;
  const deadlines = salesDeadlines(input.acceptedAt, sales, calendar);

  const dueMs = deadlines.firstContactDue.getTime();
  const first = times[0];
  const firstContact: FirstContactClock = {
    status: first !== undefined && first <= dueMs ? 'met' : nowMs >= dueMs ? 'missed' : 'due',
    dueAt: new Date(dueMs).toISOString(),
    ...(first !== undefined && { contactedAt: new Date(first).toISOString() }),
  };

  const endsMs = deadlines.followUpEnds.getTime();
  const required = sales.followUp.activities;
  const counted = countBy(endsMs);
  const followUp: FollowUpClock = {
    status: counted >= required ? 'met' : nowMs >= endsMs ? 'missed' : 'due',
    endsAt: new Date(endsMs).toISOString(),
    required,
    counted,
  };

  // Each step: when it comes, and whether the rep is still behind (judged on everything done by now).
  const contacted = times.length > 0;
  const caughtUp = times.length >= required;
  const managerAt = (deadline: Date) => managerNoticeAt(deadline, sales, calendar).getTime();
  const ladder: { step: SalesStep; atMs: number; behind: boolean }[] = [
    { step: SalesStepName.firstContactRemindRep, atMs: dueMs, behind: !contacted },
    { step: SalesStepName.firstContactNotifyManager, atMs: managerAt(deadlines.firstContactDue), behind: !contacted },
    { step: SalesStepName.followUpRemindRep, atMs: endsMs, behind: !caughtUp },
    { step: SalesStepName.followUpNotifyManager, atMs: managerAt(deadlines.followUpEnds), behind: !caughtUp },
  ];
  const open = ladder.filter((s) => s.behind && !(input.sent ?? []).includes(s.step));
  const due = open.filter((s) => s.atMs <= nowMs).map((s) => s.step);
  const upcoming = open.filter((s) => s.atMs > nowMs).sort((a, b) => a.atMs - b.atMs)[0];
  return {
    firstContact,
    followUp,
    due,
    ...(upcoming !== undefined && { next: { step: upcoming.step, at: new Date(upcoming.atMs).toISOString() } }),
  };
}

/** The messageId of an activity in the events table: the sender's id, so a repeat stores nothing. */
export const activityMessageId = (activityId: string): string => `activity-${activityId}`;
