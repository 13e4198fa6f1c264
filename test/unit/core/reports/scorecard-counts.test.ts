import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReportCount } from '../../../../functions/core/report-counts.ts';
import { agreementPeriods } from '../../../../functions/core/reports/agreement-period.ts';
import { bucketOf } from '../../../../functions/core/reports/histogram.ts';
import { activityReportCounts, missedAcceptanceCounts, scorecardSumsOf, type ActivityCountFacts } from '../../../../functions/core/reports/scorecard-counts.ts';
import { officeCalendar } from '../calendar-arbitraries.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sales = { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 } };
/**
 * Accepted Wednesday 1 April 2026, 09:00 in London (summer time) by a rep working Monday to Friday, 09:00–17:00:
 * the first contact is due within 24 working hours (Friday 3 April, 17:00), the follow-up window is 14 working
 * days (Tuesday 21 April, 09:00).
 */
const acceptedAt = '2026-04-01T08:00:00.000Z';
const owner = { teamId: 'sales-emea', repId: 'rep-sam' };
const calendar = officeCalendar('Europe/London');

/** Every count of a slice, summed over days (as a report of those days reads them), zeros left out. */
function sumOf(reports: readonly ReportCount[], slice: string): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const report of reports.filter((r) => r.slice === slice)) for (const [name, n] of Object.entries(report.counts)) sum[name] = (sum[name] ?? 0) + n;
  return Object.fromEntries(Object.entries(sum).filter(([, n]) => n !== 0));
}

/** Counts activities one after another, as the store does, keeping the cycle's facts between them. */
function countAll(times: readonly number[]): ReportCount[] {
  let facts: ActivityCountFacts = { acceptedAt, owner, inWindow: 0 };
  const reports: ReportCount[] = [];
  for (const at of times) {
    const counting = activityReportCounts({ at: new Date(at).toISOString() }, facts, sales, calendar)!;
    reports.push(...counting.reports);
    facts = { ...facts, ...counting.next };
  }
  return reports;
}

describe('activity counts for the scorecard', () => {
  it('counts the first contact, in time, with the working time it took, and each activity in the follow-up window', () => {
    const accepted = Date.parse(acceptedAt);
    const reports = countAll([accepted + 2 * HOUR, accepted + 3 * DAY, accepted + 20 * DAY, accepted + 21 * DAY]);

    expect(sumOf(reports, 'rep=rep-sam')).toEqual({
      'contact.first': 1,
      'contact.in-time': 1,
      [`contact.time.${bucketOf(2 * HOUR)}`]: 1,
      'followUp.activity': 3,
      'followUp.met': 1,
    });
    // for all and the team too
    expect(sumOf(reports, 'all=all')).toEqual(sumOf(reports, 'rep=rep-sam'));
    expect(sumOf(reports, 'team=sales-emea')).toEqual(sumOf(reports, 'rep=rep-sam'));
    // on each activity's own day; the one past the window (Wednesday 22 April) counts nothing
    expect(new Set(reports.map((r) => r.day))).toEqual(new Set(['2026-04-01', '2026-04-04', '2026-04-21']));
  });

  it('counts a first contact past the agreed working hours as made, not in time', () => {
    // Monday 6 April, 10:00: Wednesday, Thursday, Friday and an hour of Monday
    const counting = activityReportCounts({ at: '2026-04-06T09:00:00.000Z' }, { acceptedAt, owner, inWindow: 0 }, sales, calendar)!;

    expect(sumOf(counting.reports, 'all=all')).toEqual({ 'contact.first': 1, [`contact.time.${bucketOf(25 * HOUR)}`]: 1, 'followUp.activity': 1 });
  });

  it('counts the time to first contact in the owner’s working hours: Friday evening to Monday morning is two hours', () => {
    // accepted Friday 3 April, 16:00 London; contacted Monday 6 April, 10:00
    const counting = activityReportCounts({ at: '2026-04-06T09:00:00.000Z' }, { acceptedAt: '2026-04-03T15:00:00.000Z', owner, inWindow: 0 }, sales, calendar)!;

    expect(sumOf(counting.reports, 'all=all')).toEqual({ 'contact.first': 1, 'contact.in-time': 1, [`contact.time.${bucketOf(2 * HOUR)}`]: 1, 'followUp.activity': 1 });
  });

  it('counts nothing while the hand-off is not accepted', () => {
    expect(activityReportCounts({ at: '2026-04-02T09:00:00.000Z' }, { acceptedAt: undefined, owner, inWindow: 0 }, sales, calendar)).toBeUndefined();
  });

  it('ends with the counts of the activities in time order, whatever order they arrive in', () => {
    const accepted = Date.parse(acceptedAt);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2 * DAY, max: 30 * DAY }), { minLength: 1, maxLength: 8 }), (offsets) => {
        const times = offsets.map((o) => accepted + o);
        const sorted = [...times].sort((a, b) => a - b);
        expect(sumOf(countAll(times), 'rep=rep-sam')).toEqual(sumOf(countAll(sorted), 'rep=rep-sam'));
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});

describe('scorecard sums from counts', () => {
  it('takes acceptances in time and missed deadlines as the windows due, and accepted leads as the follow-up’s', () => {
    const counts = {
      'reached.mql': 4,
      'decided.accepted': 3,
      'decided.rejected': 1,
      'accepted.in-time': 2,
      ...sumOf(missedAcceptanceCounts(owner, '2026-04-01T12:00:00.000Z'), 'all=all'),
      'followUp.activity': 5,
      'followUp.met': 1,
      'feedback.covered': 2,
      'rating.5': 1,
      'rating.2': 1,
      [`accept.${bucketOf(HOUR)}`]: 2,
    };

    const sums = scorecardSumsOf(counts, '2026-04-01T00:00:00.000Z', '2026-04-08T00:00:00.000Z');

    expect(sums).toEqual({
      from: '2026-04-01T00:00:00.000Z',
      to: '2026-04-08T00:00:00.000Z',
      mqls: 4,
      decisions: { accepted: 3, rejected: 1, notAccepted: 0 },
      acceptance: { due: 3, withinAgreement: 2 },
      timeToAccept: { [bucketOf(HOUR)]: 2 },
      timeToFirstContact: {},
      followUp: { leads: 3, activities: 5, met: 1 },
      feedback: { handed: 4, withFeedback: 2, ratings: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 1 } },
    });
  });
});

describe('scorecard periods', () => {
  it('is the week from Monday holding the day asked, the week before, and eight weeks of trend', () => {
    const { current, previous, trend } = agreementPeriods({ from: '2026-03-05' }, new Date('2026-03-31T10:00:00Z'));

    expect(current).toMatchObject({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z', ends: '2026-03-09T00:00:00.000Z' });
    expect(current.days).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
    expect(previous.from).toBe('2026-02-23T00:00:00.000Z');
    expect(trend.map((p) => p.from.slice(0, 10))).toEqual(['2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02', '2026-02-09', '2026-02-16', '2026-02-23', '2026-03-02']);
  });

  it('counts a running period up to the end of today, and a month across a year', () => {
    const { current, previous } = agreementPeriods({ period: 'month' }, new Date('2026-01-10T10:00:00Z'));

    expect(current).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-11T00:00:00.000Z', ends: '2026-02-01T00:00:00.000Z' });
    expect(current.days).toHaveLength(10);
    expect(previous).toMatchObject({ from: '2025-12-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
    expect(previous.days).toHaveLength(31);
  });
});
