import { feedbackOccasions, type FeedbackConfig, type FeedbackOccasion } from '../feedback.ts';
import { feedbackOf, type SegmentFunnel } from './period-funnel.ts';
import type { ReportPeriod } from './period.ts';

/**
 * The feedback report: per segment (all, team, rep) the feedback of a
 * period from the report counts (every rating 1 to 5, the average, coverage
 * of the hand-offs decided, the reasons ticked per occasion with their
 * labels), and the latest comments. Pure.
 */

/** A comment as the comments index keeps it (see the feedback store). */
export interface FeedbackComment {
  at: string;
  leadId: string;
  cycle: number;
  occasion: FeedbackOccasion;
  rating: number;
  repId: string;
  /** the team the hand-off went to; null when the cycle did not say */
  teamId: string | null;
  /** the rep's words: free text, shown escaped */
  comment: string;
}

export interface ReasonTally {
  id: string;
  /** the configured label; the id of a reason no longer configured */
  label: string;
  count: number;
}

export interface FeedbackSegment extends Omit<SegmentFunnel['feedback'], 'reasons'> {
  /** `all`, a team id or a rep id */
  segment: string;
  /** per occasion, every configured reason (0 included) in the config's order, then any no longer configured that was ticked */
  reasons: Record<FeedbackOccasion, ReasonTally[]>;
}

export interface FeedbackReport {
  period: { from: string; to: string; days: number };
  by: 'all' | 'team' | 'rep';
  /** segments with hand-offs decided or feedback given in the period, most feedback first, then by name */
  segments: FeedbackSegment[];
  /** the latest comments of the period, newest first, at most `limit` */
  comments: FeedbackComment[];
  limit: number;
}

/** One segment from its summed report counts. */
export function feedbackSegment(segment: string, counts: Readonly<Record<string, number>>, config: FeedbackConfig): FeedbackSegment {
  const { reasons: ticked, ...numbers } = feedbackOf(counts);
  const reasons = Object.fromEntries(
    feedbackOccasions.map((occasion) => {
      const configured = config.reasons[occasion];
      const counted = ticked[occasion] ?? {};
      const known = new Set(configured.map((r) => r.id));
      const tallies: ReasonTally[] = [
        ...configured.map((r) => ({ id: r.id, label: r.label, count: counted[r.id] ?? 0 })),
        ...Object.entries(counted)
          .filter(([id]) => !known.has(id))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([id, count]) => ({ id, label: id, count })),
      ];
      return [occasion, tallies];
    }),
  ) as Record<FeedbackOccasion, ReasonTally[]>;
  return { segment, ...numbers, reasons };
}

/** Every segment with something to show, most feedback first, then by name. */
export function feedbackSegments(sums: ReadonlyMap<string, Readonly<Record<string, number>>>, config: FeedbackConfig): FeedbackSegment[] {
  return [...sums]
    .map(([segment, counts]) => feedbackSegment(segment, counts, config))
    .filter((s) => s.handed > 0 || s.submissions > 0)
    .sort((a, b) => b.submissions - a.submissions || (a.segment < b.segment ? -1 : a.segment > b.segment ? 1 : 0));
}

/** The days whose comments are read, newest first: the latest comments come from the newest days. */
export const commentDays = (period: Pick<ReportPeriod, 'days'>): string[] => period.days.toReversed();

/** The newest `limit` comments, newest first (a read may return a few more, from days read at once). */
export function latestComments(comments: readonly FeedbackComment[], limit: number): FeedbackComment[] {
  return [...comments].sort((a, b) => (a.at > b.at ? -1 : a.at < b.at ? 1 : a.leadId < b.leadId ? -1 : 1)).slice(0, limit);
}
