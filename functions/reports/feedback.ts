import type { FeedbackConfig } from '#core/feedback.ts';
import { commentDays, feedbackSegments, latestComments, type FeedbackComment, type FeedbackReport } from '#core/reports/feedback.ts';
import { DEFAULT_FEEDBACK_COMMENTS, reportPeriod, type FeedbackQuery } from '#core/reports/period.ts';
import type { FunnelPorts } from './funnel.ts';

export interface FeedbackReportPorts extends Pick<FunnelPorts, 'sliceCounts' | 'now'> {
  /** the reason boxes per occasion (config/feedback.json), for their labels */
  feedbackConfig: FeedbackConfig;
  /** the latest comments of these days, given newest first: one Query per day until `limit` are found (never a scan) */
  latestComments: (days: readonly string[], limit: number) => Promise<FeedbackComment[]>;
}

/**
 * Feedback over a period, per segment (all, team or rep: the feedback counts
 * kept in the funnel's report items), and the latest comments, newest first.
 */
export async function feedbackOfPeriod(query: FeedbackQuery, ports: FeedbackReportPorts): Promise<FeedbackReport> {
  const period = reportPeriod(query, ports.now());
  const by = query.by ?? 'all';
  const limit = query.limit ?? DEFAULT_FEEDBACK_COMMENTS;
  const [sums, comments] = await Promise.all([ports.sliceCounts('funnel', period.days, by), ports.latestComments(commentDays(period), limit)]);
  return {
    period: { from: period.from, to: period.to, days: period.days.length },
    by,
    segments: feedbackSegments(sums, ports.feedbackConfig),
    comments: latestComments(comments, limit),
    limit,
  };
}
