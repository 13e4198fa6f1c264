import * as z from './zod.ts';
import { addWorkingDays, type WorkCalendar } from './business-hours.ts';
import { managerNoticeAt, type SalesCommitment } from './service-agreement.ts';

/**
 * Feedback: a rep's structured verdict on a lead, asked for when they decide
 * (accept or reject) and again when the lead closes or goes quiet: lead
 * quality 1 to 5, reason boxes from `config/feedback.json` (one list per
 * occasion), an optional comment. And the summary reports show: coverage
 * (hand-offs with feedback ÷ hand-offs) and the whole rating distribution.
 */

export const feedbackOccasions = ['accepted', 'rejected', 'closed'] as const;
export type FeedbackOccasion = (typeof feedbackOccasions)[number];

export const ratings = [1, 2, 3, 4, 5] as const;
export type Rating = (typeof ratings)[number];

export const MAX_COMMENT_LENGTH = 2000;
const MAX_REASON_ID_LENGTH = 64;

const reasonSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes'), z.maxLength(MAX_REASON_ID_LENGTH)),
  label: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type FeedbackReason = z.infer<typeof reasonSchema>;

/** One occasion's reason boxes: at least one (a rejection needs a reason to tick), ids unique. */
const reasonListSchema = z.array(reasonSchema).check(
  z.minLength(1, 'at least one reason'),
  z.superRefine((reasons, ctx) => {
    const seen = new Set<string>();
    reasons.forEach((reason, i) => {
      if (seen.has(reason.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate reason id "${reason.id}"` });
      seen.add(reason.id);
    });
  }),
);

export const feedbackConfigSchema = z.strictObject({
  reasons: z.strictObject({ accepted: reasonListSchema, rejected: reasonListSchema, closed: reasonListSchema }),
});
export type FeedbackConfig = z.infer<typeof feedbackConfigSchema>;

const submissionShape = z.strictObject({
  occasion: z.enum(feedbackOccasions),
  /** lead quality, 1 (poor) to 5 (excellent) */
  rating: z.int().check(z.gte(1, 'a rating is 1 to 5'), z.lte(5, 'a rating is 1 to 5')),
  /** ids of the ticked reason boxes, from the occasion's list */
  reasons: z.optional(z.array(z.string().check(z.maxLength(MAX_REASON_ID_LENGTH))).check(z.maxLength(20))),
  comment: z.optional(z.string().check(z.maxLength(MAX_COMMENT_LENGTH))),
});

/**
 * A feedback submission, validated against the reason boxes configured: each
 * ticked reason is one of the occasion's, none twice, and a rejection ticks at
 * least one.
 */
export function feedbackSubmissionSchema(config: FeedbackConfig) {
  return submissionShape.check(
    z.superRefine((submission, ctx) => {
      const reasons = submission.reasons ?? [];
      if (submission.occasion === 'rejected' && reasons.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['reasons'], message: 'a rejection needs at least one reason' });
      }
      const known = new Set(config.reasons[submission.occasion].map((r) => r.id));
      reasons.forEach((id, i) => {
        if (!known.has(id)) ctx.addIssue({ code: 'custom', path: ['reasons', i], message: `"${id}" is not one of the reasons for ${submission.occasion} leads` });
        else if (reasons.indexOf(id) < i) ctx.addIssue({ code: 'custom', path: ['reasons', i], message: `"${id}" is ticked twice` });
      });
    }),
  );
}
export type FeedbackSubmission = z.infer<typeof submissionShape>;

/** A hand-off feedback is counted against: one cycle of one lead, with the rep and team it went to. */
export interface HandOffRef {
  leadId: string;
  cycle: number;
  repId: string;
  teamId: string;
}

/** Feedback as stored on the lead (an event), as far as reports read it. */
export interface FeedbackRecord {
  leadId: string;
  cycle: number;
  occasion: FeedbackOccasion;
  rating: number;
  reasons?: readonly string[];
}

export interface FeedbackSummary {
  /** hand-offs in scope */
  handed: number;
  /** of those, hand-offs with at least one feedback */
  withFeedback: number;
  /** withFeedback ÷ handed, from 0 to 1; null when nothing was handed */
  coverage: number | null;
  /** feedback submissions counted */
  submissions: number;
  /** submissions per rating, every rating from 1 to 5 shown (0 included): both ends of the scale, not an average */
  ratings: Record<Rating, number>;
  /** per occasion, ticks per reason: every configured reason (0 included), and any no longer configured that was ticked */
  reasons: Record<FeedbackOccasion, Record<string, number>>;
}

const handOffKey = (h: { leadId: string; cycle: number }) => `${h.leadId}#${h.cycle}`;

/**
 * The feedback summary of a set of hand-offs: the feedback given on them
 * (feedback on a hand-off outside the set is not counted).
 */
export function summarizeFeedback(handOffs: readonly Pick<HandOffRef, 'leadId' | 'cycle'>[], feedback: readonly FeedbackRecord[], config: FeedbackConfig): FeedbackSummary {
  const handed = new Set(handOffs.map(handOffKey));
  const counted = feedback.filter((f) => handed.has(handOffKey(f)));
  const covered = new Set(counted.map(handOffKey));
  const ratingCounts = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } satisfies Record<Rating, number>;
  const reasons = Object.fromEntries(
    feedbackOccasions.map((occasion) => [occasion, Object.fromEntries(config.reasons[occasion].map((r) => [r.id, 0]))]),
  ) as Record<FeedbackOccasion, Record<string, number>>;
  for (const f of counted) {
    if ((ratings as readonly number[]).includes(f.rating)) ratingCounts[f.rating as Rating] += 1;
    const tally = reasons[f.occasion];
    for (const id of new Set(f.reasons ?? [])) tally[id] = (tally[id] ?? 0) + 1;
  }
  return {
    handed: handed.size,
    withFeedback: covered.size,
    coverage: handed.size === 0 ? null : covered.size / handed.size,
    submissions: counted.length,
    ratings: ratingCounts,
    reasons,
  };
}

/** The summary per rep (`repId`) or per team (`teamId`): each hand-off counts for the rep and team it went to. */
export function summarizeFeedbackBy(
  by: 'repId' | 'teamId',
  handOffs: readonly HandOffRef[],
  feedback: readonly FeedbackRecord[],
  config: FeedbackConfig,
): Record<string, FeedbackSummary> {
  const groups = new Map<string, HandOffRef[]>();
  for (const h of handOffs) groups.set(h[by], [...(groups.get(h[by]) ?? []), h]);
  return Object.fromEntries([...groups].map(([key, group]) => [key, summarizeFeedback(group, feedback, config)]));
}

/** The feedback clock's steps: stable ids, so the journey sends each once. */
export const FeedbackStepName = {
  /** no feedback `feedbackWithinDays` after the hand-off: remind the rep */
  remindRep: 'feedback-remind-rep',
  /** still none `notifyManagerAfterHours` later: tell the manager */
  notifyManager: 'feedback-notify-manager',
} as const;
export const feedbackSteps = [FeedbackStepName.remindRep, FeedbackStepName.notifyManager] as const;
export type FeedbackStep = (typeof feedbackSteps)[number];

/**
 * The feedback clock of one hand-off: due `feedbackWithinDays` working days
 * of the rep after it, one reminder to the rep, then one to the manager
 * `notifyManagerAfterHours` working hours later, each only while no feedback
 * was given. `due` leaves out the steps in `sent`; `next` is absent once no
 * step can come.
 */
export function feedbackClock(input: {
  handedAt: string;
  /** when the first feedback on this hand-off was given, if it was */
  feedbackAt?: string | undefined;
  sales: Pick<SalesCommitment, 'feedbackWithinDays' | 'notifyManagerAfterHours'>;
  /** the calendar of the rep asked: the clock counts its working time */
  calendar: WorkCalendar;
  now: Date;
  sent?: readonly FeedbackStep[];
}): { dueAt: string; status: 'met' | 'due' | 'missed'; due: FeedbackStep[]; next?: { step: FeedbackStep; at: string } } {
  const nowMs = input.now.getTime();
  const deadline = addWorkingDays(new Date(input.handedAt), input.sales.feedbackWithinDays, input.calendar);
  const dueMs = deadline.getTime();
  const given = input.feedbackAt !== undefined && Date.parse(input.feedbackAt) <= nowMs ? Date.parse(input.feedbackAt) : undefined;
  const status = given !== undefined && given <= dueMs ? 'met' : nowMs >= dueMs ? 'missed' : 'due';
  const ladder = [
    { step: FeedbackStepName.remindRep, atMs: dueMs },
    { step: FeedbackStepName.notifyManager, atMs: managerNoticeAt(deadline, input.sales, input.calendar).getTime() },
  ];
  const open = given !== undefined ? [] : ladder.filter((s) => !(input.sent ?? []).includes(s.step));
  const due = open.filter((s) => s.atMs <= nowMs).map((s) => s.step);
  const upcoming = open.find((s) => s.atMs > nowMs);
  return {
    dueAt: new Date(dueMs).toISOString(),
    status,
    due,
    ...(upcoming !== undefined && { next: { step: upcoming.step, at: new Date(upcoming.atMs).toISOString() } }),
  };
}

/** `feedback-<leadId>-<cycle>-<occasion>`: the first feedback per occasion stands (its messageId in the events table). */
export function feedbackMessageIdOf(entry: { leadId: string; cycle: number; occasion: string }): string {
  return `feedback-${entry.leadId}-${entry.cycle}-${entry.occasion}`;
}
