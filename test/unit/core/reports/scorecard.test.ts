import { describe, expect, it } from 'vitest';
import { serviceAgreement } from '#config/index.ts';
import { summarizeFeedback, type FeedbackConfig } from '#core/feedback.ts';
import { histogramOf, QUANTILE_RELATIVE_ERROR } from '#core/reports/histogram.ts';
import { emptyScorecardSums, mergeScorecardSums, scorecard, ScorecardSumsError, trend, type ScorecardSums } from '#core/reports/scorecard.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';

const HOUR_MS = 3_600_000;

const agreement: ServiceAgreement = {
  acceptWithinHours: 4,
  escalationLadder: ['notify-manager', 'recycle'],
  sales: { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24, feedbackWithinDays: 7 },
  marketing: { mqlsPerWeek: 20, minAcceptanceRate: 0.6 },
};

/** One week's sums: the numbers of each test are stated where they are used. */
function week(from: string, to: string, overrides: Partial<ScorecardSums> = {}): ScorecardSums {
  return { ...emptyScorecardSums(from, to), ...overrides };
}

const lastWeek = week('2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', {
  mqls: 22,
  decisions: { accepted: 10, rejected: 10 },
  acceptance: { due: 20, withinAgreement: 15 },
  timeToAccept: histogramOf([1, 3, 5, 7].map((h) => h * HOUR_MS)),
  timeToFirstContact: histogramOf([30 * HOUR_MS]),
  followUp: { leads: 10, activities: 30, met: 8 },
  feedback: { handed: 20, withFeedback: 10, ratings: { 3: 10 } },
});
const thisWeek = week('2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z', {
  mqls: 18,
  decisions: { accepted: 12, rejected: 8 },
  acceptance: { due: 16, withinAgreement: 12 },
  timeToAccept: histogramOf([1, 2, 3, 10].map((h) => h * HOUR_MS)),
  timeToFirstContact: histogramOf([]),
  followUp: { leads: 10, activities: 25, met: 6 },
  feedback: { handed: 16, withFeedback: 12, ratings: { 1: 1, 4: 2, 5: 1 } },
});

describe('the marketing side of the scorecard', () => {
  const card = scorecard(thisWeek, lastWeek, agreement);

  it('counts MQLs against the weekly commitment, with the trend', () => {
    expect(card.marketing.mqls).toEqual({ value: 18, previous: 22, delta: -4, direction: 'down', better: false, target: 20, met: false });
  });

  it('scales the MQL commitment to the period’s days', () => {
    // 20 a week over 31 days: 88.57
    const march = scorecard(week('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', { mqls: 89 }), null, agreement);
    expect(march.period.days).toBe(31);
    expect(march.marketing.mqls).toMatchObject({ target: 88.6, met: true });
    expect(scorecard(week('2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', { mqls: 88 }), null, agreement).marketing.mqls.met).toBe(false);
  });

  it('measures the acceptance rate against the agreement’s minimum, a rate equal to it meeting it', () => {
    // 12 of 20 = 0.6 against 0.6; last week 10 of 20
    expect(card.marketing.acceptanceRate).toEqual({ value: 0.6, previous: 0.5, delta: 0.1, direction: 'up', better: true, target: 0.6, met: true, decisions: 20 });
  });

  it('counts a hand-off nobody accepted before the ladder recycled it against the rate, as calibration does', () => {
    // 12 accepted, 8 rejected, 4 left until recycled: 12 of 24 = 0.5, short of 0.6
    const left = scorecard(week(thisWeek.from, thisWeek.to, { decisions: { accepted: 12, rejected: 8, notAccepted: 4 } }), null, agreement);
    expect(left.marketing.acceptanceRate).toMatchObject({ value: 0.5, met: false, decisions: 24 });
  });

  it('judges the commitment on the unrounded rate, not the one shown', () => {
    // 1,499 of 2,500 = 0.5996: shown as 0.6, short of 0.6
    const close = scorecard(week(thisWeek.from, thisWeek.to, { decisions: { accepted: 1_499, rejected: 1_001 } }), null, agreement);
    expect(close.marketing.acceptanceRate).toMatchObject({ value: 0.6, met: false });
  });

  it('gives the average rating and the whole 1–5 distribution', () => {
    // (1 + 4 + 4 + 5) / 4 = 3.5; last week all 3
    expect(card.marketing.averageRating).toEqual({ value: 3.5, previous: 3, delta: 0.5, direction: 'up', better: true, ratings: 4 });
    expect(card.marketing.ratingDistribution).toEqual({ 1: 1, 2: 0, 3: 0, 4: 2, 5: 1 });
  });
});

describe('the sales side of the scorecard', () => {
  const card = scorecard(thisWeek, lastWeek, agreement);

  it('gives the share accepted within the agreement', () => {
    // 12 of 16 = 0.75; last week 15 of 20 = 0.75
    expect(card.sales.acceptedWithinAgreement).toEqual({ value: 0.75, previous: 0.75, delta: 0, direction: 'flat', better: null, due: 16 });
  });

  it('gives time to accept as median and 95th percentile in hours, a drop being good news', () => {
    // Assess: nearest rank: median the 2nd of 4 (2 h, last week 3 h), p95 the 4th (10 h, last week 7 h)
    const { medianHours, p95Hours, count, withinHours } = card.sales.timeToAccept;
    expect([count, withinHours]).toEqual([4, 4]);
    expect(Math.abs(medianHours.value! - 2)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR * 2);
    expect(Math.abs(p95Hours.value! - 10)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR * 10);
    expect(medianHours).toMatchObject({ direction: 'down', better: true });
    expect(p95Hours).toMatchObject({ direction: 'up', better: false });
  });

  it('shows no time to first contact for a period without any, against the agreement’s hours', () => {
    expect(card.sales.timeToFirstContact).toEqual({
      count: 0,
      medianHours: { value: null, previous: expect.any(Number), delta: null, direction: null, better: null },
      p95Hours: { value: null, previous: expect.any(Number), delta: null, direction: null, better: null },
      withinHours: 24,
      counted: 'working hours',
    });
  });

  it('counts follow-up activities per lead against the commitment, and the share of leads that got it', () => {
    // 25 activities over 10 leads = 2.5 against 3; last week 3.0. 6 of 10 met it, last week 8.
    expect(card.sales.followUpActivitiesPerLead).toEqual({ value: 2.5, previous: 3, delta: -0.5, direction: 'down', better: false, target: 3, met: false, leads: 10 });
    expect(card.sales.followUpMet).toEqual({ value: 0.6, previous: 0.8, delta: -0.2, direction: 'down', better: false });
  });

  it('gives feedback coverage as summarizeFeedback defines it', () => {
    // Prepare: four hand-offs, feedback on two of them (one twice) and on one outside the set
    const config: FeedbackConfig = { reasons: { accepted: [{ id: 'fit', label: 'Fit' }], rejected: [{ id: 'no', label: 'No' }], closed: [{ id: 'x', label: 'X' }] } };
    const handOffs = ['a', 'b', 'c', 'd'].map((leadId) => ({ leadId, cycle: 1 }));
    const summary = summarizeFeedback(
      handOffs,
      [
        { leadId: 'a', cycle: 1, occasion: 'accepted', rating: 4 },
        { leadId: 'a', cycle: 1, occasion: 'closed', rating: 2 },
        { leadId: 'b', cycle: 1, occasion: 'rejected', rating: 1, reasons: ['no'] },
        { leadId: 'z', cycle: 1, occasion: 'accepted', rating: 5 },
      ],
      config,
    );

    // Act
    const card = scorecard(week(thisWeek.from, thisWeek.to, { feedback: summary }), null, agreement);

    // Assess
    expect(card.sales.feedbackCoverage).toMatchObject({ value: summary.coverage, handed: 4 });
    expect(card.marketing.ratingDistribution).toEqual({ 1: 1, 2: 1, 3: 0, 4: 1, 5: 0 });
  });
});

describe('periods and trends', () => {
  it('has no trend without a previous period', () => {
    // Act
    const card = scorecard(thisWeek, null, agreement);

    // Assess
    expect(card.marketing.mqls).toMatchObject({ value: 18, previous: null, delta: null, direction: null, better: null });
    expect(card.period).toEqual({ from: thisWeek.from, to: thisWeek.to, days: 7 });
  });

  it('works against the agreement as configured', () => {
    expect(scorecard(thisWeek, lastWeek, serviceAgreement).marketing.acceptanceRate.target).toBe(serviceAgreement.marketing.minAcceptanceRate);
  });

  it('rounds away float noise in a delta', () => {
    expect(trend(0.3, 0.1, true)).toEqual({ value: 0.3, previous: 0.1, delta: 0.2, direction: 'up', better: true });
  });

  it('refuses a period that does not end after it starts, naming it', () => {
    expect(() => scorecard(week(thisWeek.to, thisWeek.from), null, agreement)).toThrow(expect.objectContaining({ name: 'ScorecardSumsError', field: 'period' }));
    expect(() => scorecard(thisWeek, week('nonsense', thisWeek.from), agreement)).toThrow(expect.objectContaining({ field: 'previous period' }));
  });

  it('adds the sums of reps into their team’s, and refuses sums of another period', () => {
    // Prepare
    const rep = (mqls: number, accepted: number, hours: number[], rating: 1 | 5) =>
      week(thisWeek.from, thisWeek.to, {
        mqls,
        decisions: { accepted, rejected: 1, notAccepted: accepted - 1 },
        acceptance: { due: mqls, withinAgreement: accepted },
        timeToAccept: histogramOf(hours.map((h) => h * HOUR_MS)),
        followUp: { leads: accepted, activities: 3 * accepted, met: accepted },
        feedback: { handed: mqls, withFeedback: 1, ratings: { [rating]: 1 } },
      });

    // Act
    const team = mergeScorecardSums(rep(3, 2, [1, 2], 1), rep(5, 4, [2, 3, 4], 5));

    // Assess
    expect(team).toEqual(
      week(thisWeek.from, thisWeek.to, {
        mqls: 8,
        decisions: { accepted: 6, rejected: 2, notAccepted: 4 },
        acceptance: { due: 8, withinAgreement: 6 },
        timeToAccept: histogramOf([1, 2, 2, 3, 4].map((h) => h * HOUR_MS)),
        timeToFirstContact: {},
        followUp: { leads: 6, activities: 18, met: 6 },
        feedback: { handed: 8, withFeedback: 2, ratings: { 1: 1, 2: 0, 3: 0, 4: 0, 5: 1 } },
      }),
    );
    expect(() => mergeScorecardSums(thisWeek, lastWeek)).toThrow(ScorecardSumsError);
  });
});
