import { describe, expect, it } from 'vitest';
import { commentDays, feedbackSegment, feedbackSegments, latestComments, type FeedbackComment } from '../../../../functions/core/reports/feedback.ts';
import type { FeedbackConfig } from '../../../../functions/core/feedback.ts';

const config: FeedbackConfig = {
  reasons: {
    accepted: [
      { id: 'right-fit', label: 'Right fit' },
      { id: 'clear-need', label: 'Clear need' },
    ],
    rejected: [{ id: 'no-need', label: 'No need' }],
    closed: [{ id: 'went-quiet', label: 'Went quiet' }],
  },
};

describe('a feedback segment', () => {
  it('shows every rating 1 to 5, the average, coverage of the hand-offs decided, and every configured reason with its label', () => {
    const segment = feedbackSegment(
      'sales-emea',
      { 'decided.accepted': 3, 'decided.rejected': 1, 'decided.not-accepted': 5, 'feedback.given': 3, 'feedback.covered': 3, 'rating.5': 1, 'rating.4': 1, 'rating.1': 1, 'reason.accepted.right-fit': 2, 'reason.rejected.retired-reason': 1 },
      config,
    );

    expect(segment).toEqual({
      segment: 'sales-emea',
      // not-accepted hand-offs had no rep's decision to give feedback on
      handed: 4,
      withFeedback: 3,
      coverage: 0.75,
      submissions: 3,
      ratings: { '1': 1, '2': 0, '3': 0, '4': 1, '5': 1 },
      averageRating: 3.33,
      reasons: {
        accepted: [
          { id: 'right-fit', label: 'Right fit', count: 2 },
          { id: 'clear-need', label: 'Clear need', count: 0 },
        ],
        rejected: [
          { id: 'no-need', label: 'No need', count: 0 },
          { id: 'retired-reason', label: 'retired-reason', count: 1 },
        ],
        closed: [{ id: 'went-quiet', label: 'Went quiet', count: 0 }],
      },
    });
  });

  it('has no coverage or average when nothing was decided or rated', () => {
    expect(feedbackSegment('x', {}, config)).toMatchObject({ coverage: null, averageRating: null, submissions: 0 });
  });
});

describe('the segments', () => {
  it('leave out segments with neither hand-offs nor feedback, most feedback first, then by name', () => {
    const sums = new Map<string, Record<string, number>>([
      ['rep-b', { 'feedback.given': 1, 'rating.3': 1 }],
      ['rep-a', { 'feedback.given': 1, 'rating.4': 1 }],
      ['rep-c', { 'feedback.given': 4, 'rating.4': 4 }],
      ['rep-d', { 'reached.mql': 7 }],
      ['rep-e', { 'decided.rejected': 1 }],
    ]);

    expect(feedbackSegments(sums, config).map((s) => s.segment)).toEqual(['rep-c', 'rep-a', 'rep-b', 'rep-e']);
  });
});

describe('the latest comments', () => {
  const comment = (at: string, leadId: string): FeedbackComment => ({ at, leadId, cycle: 1, occasion: 'accepted', rating: 4, repId: 'rep-sam', teamId: null, comment: 'x' });

  it('are read from the newest day first', () => {
    expect(commentDays({ days: ['2026-03-01', '2026-03-02', '2026-03-03'] })).toEqual(['2026-03-03', '2026-03-02', '2026-03-01']);
  });

  it('are the newest first, at most the limit', () => {
    const read = [comment('2026-03-03T08:00:00.000Z', 'a'), comment('2026-03-03T09:00:00.000Z', 'b'), comment('2026-03-02T23:00:00.000Z', 'c')];
    expect(latestComments(read, 2).map((c) => c.leadId)).toEqual(['b', 'a']);
  });
});
