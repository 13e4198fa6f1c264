import { describe, expect, it } from 'vitest';
import * as z from '#core/zod.ts';
import { campaignsSchema } from '#core/campaigns.ts';
import { feedbackCounts, leadSlices, minorUnits, reportCounts, UNCONFIGURED_SLICING, type ReportSlicing } from '#core/report-counts.ts';
import { defaultWeeklyHours, weekdays, type WorkCalendar } from '#core/business-hours.ts';
import { UnknownRepError } from '#core/rep-calendars.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { bucketOf } from '#core/reports/histogram.ts';
import { mqlLead } from '../handlers/fixtures.ts';

/** The counts one save gives the report items: per day and slice, from the lead as saved and its changes. */
const owned = mqlLead({
  touches: [{ messageId: 'm-0', at: '2026-02-20T10:00:00.000Z', source: 'newsletter', medium: 'email', campaign: 'march' }],
  grade: 'A',
  owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:05.000Z' },
});
/** A rep at work round the clock, every day (UTC): working time is wall-clock time. */
const always: WorkCalendar = { timeZone: 'UTC', week: Object.fromEntries(weekdays.map((d) => [d, [{ from: '00:00', to: '24:00' }]])), holidays: [], away: [] };
/** One campaign defined (the newsletter's), and two traits kept: industry as given, employees in bands; every rep always at work. */
const slicing: ReportSlicing = {
  calendars: () => always,
  campaigns: z.parse(campaignsSchema, {
    campaigns: [{ id: 'newsletter', name: 'Newsletter', type: 'email', owner: 'Maria', start: '2026-01-01', match: { utm: [{ source: 'newsletter', medium: 'email' }] } }],
  }),
  traits: { industry: {}, employees: { bands: [10, 50, 250, 1000] } },
};
const withTraits = { ...owned, traits: { ...owned.traits, industry: 'Software', employees: 120 } };
const countsOf = (reports: ReturnType<typeof reportCounts>, slice: string) => reports.find((r) => r.slice === slice)?.counts;

describe('report counts of a save', () => {
  it('slices a lead by its first touch, grade, owner and the configured traits; a lead without them by (none) and (direct)', () => {
    // engagement 65: the backtest's band 60–79; the newsletter touch is the defined campaign `newsletter`; 120 employees: 50-249
    expect(leadSlices(withTraits, slicing)).toEqual({
      all: 'all',
      source: 'newsletter',
      campaign: 'newsletter',
      grade: 'A',
      scoreBand: '60–79',
      team: 'sales-emea',
      rep: 'rep-sam',
      'trait:industry': 'Software',
      'trait:employees': '50-249',
    });
    expect(leadSlices({ touches: [], grade: 'D', engagement: 140, traits: {} }, slicing)).toEqual({
      all: 'all',
      source: '(direct)',
      campaign: '(none)',
      grade: 'D',
      scoreBand: '100+',
      team: '(none)',
      rep: '(none)',
      'trait:industry': '(none)',
      'trait:employees': '(none)',
    });
  });

  it('names the campaign slice as attribution does: a touch no defined campaign claims under its UTM campaign, else its source', () => {
    expect(leadSlices(owned, UNCONFIGURED_SLICING).campaign).toBe('utm:march');
    const fromGoogle = { ...owned, touches: [{ messageId: 'm-0', at: '2026-02-20T10:00:00.000Z', source: 'google', medium: 'organic' }] };
    expect(leadSlices(fromGoogle, slicing).campaign).toBe('source:google');
    // no trait configured: no trait slice
    expect(Object.keys(leadSlices(withTraits, UNCONFIGURED_SLICING)).filter((d) => d.startsWith('trait:'))).toEqual([]);
  });

  it('counts an acceptance in time once per slice on its day: sal reached, accepted, in time, and the time to accept', () => {
    const accepted: StageChange = { from: 'mql', to: 'sal', at: '2026-03-01T11:00:00.000Z', cause: 'accepted', decision: 'accepted', withinAgreement: true };

    const reports = reportCounts(withTraits, [accepted], false, slicing);

    expect(reports).toHaveLength(9);
    for (const report of reports) {
      expect(report.day).toBe('2026-03-01');
      // two hours an MQL (qualified at 09:00): its bucket of the time-in-stage histogram
      expect(report.counts).toEqual({
        'reached.sal': 1,
        [`dwell.mql.${bucketOf(2 * 3_600_000)}`]: 1,
        'decided.accepted': 1,
        'decided.in-time': 1,
        'accepted.in-time': 1,
        [`accept.${bucketOf(2 * 3_600_000)}`]: 1,
      });
    }
    expect(reports.map((r) => r.slice)).toEqual([
      'all=all',
      'source=newsletter',
      'campaign=newsletter',
      'grade=A',
      'scoreBand=60–79',
      'team=sales-emea',
      'rep=rep-sam',
      'trait:industry=Software',
      'trait:employees=50-249',
    ]);
  });

  describe('the time to accept, in the working time of the rep who decided', () => {
    // Handed over Friday 6 March 2026 at 16:00 UTC, accepted Monday 9 March at 09:30 UTC (GMT in London).
    const handed = mqlLead({ ...owned, stageHistory: [{ from: 'known', to: 'mql', at: '2026-03-06T16:00:00.000Z', cause: 'qualified' }] });
    const accepted: StageChange = { from: 'mql', to: 'sal', at: '2026-03-09T09:30:00.000Z', cause: 'accepted', decision: 'accepted', withinAgreement: true, by: { repId: 'rep-sam' } };
    const london: WorkCalendar = { timeZone: 'Europe/London', week: defaultWeeklyHours, holidays: [], away: [] };
    const acceptCount = (counts: Record<string, number> | undefined) => Object.keys(counts ?? {}).filter((name) => name.startsWith('accept.'));

    it('counts the hours of the rep’s calendar, not the weekend: Friday 16:00 to Monday 09:30 is an hour and a half', () => {
      const asked: string[] = [];
      const calendars = (repId: string) => (asked.push(repId), london);

      const counts = countsOf(reportCounts(handed, [accepted], false, { ...slicing, calendars }), 'rep=rep-sam');

      expect(acceptCount(counts)).toEqual([`accept.${bucketOf(1.5 * 3_600_000)}`]);
      expect(asked).toEqual(['rep-sam']);
      // the time in stage stays wall-clock time: it is not an agreement's clock
      expect(counts).toHaveProperty(`dwell.mql.${bucketOf(65.5 * 3_600_000)}`, 1);
    });

    it('counts on the rep who decided (the change’s mover), else the owner', () => {
      const asked: string[] = [];
      const calendars = (repId: string) => (asked.push(repId), london);
      reportCounts(handed, [{ ...accepted, by: { repId: 'rep-kim' } }], false, { ...slicing, calendars });
      reportCounts(handed, [{ ...accepted, by: undefined }], false, { ...slicing, calendars });
      expect(asked).toEqual(['rep-kim', 'rep-sam']);
    });

    it('counts a rep config/ no longer knows, or no calendars at all, on the default calendar (Monday–Friday 09:00–17:00 UTC) instead of failing the save', () => {
      const removed = () => {
        throw new UnknownRepError('rep-sam');
      };
      // Friday 16:00–17:00 and Monday 09:00–09:30 UTC
      const expected = [`accept.${bucketOf(1.5 * 3_600_000)}`];
      expect(acceptCount(countsOf(reportCounts(handed, [accepted], false, { ...slicing, calendars: removed }), 'all=all'))).toEqual(expected);
      expect(acceptCount(countsOf(reportCounts(handed, [accepted], false, UNCONFIGURED_SLICING), 'all=all'))).toEqual(expected);
      // any other failure of the lookup is not swallowed
      const broken = () => {
        throw new TypeError('boom');
      };
      expect(() => reportCounts(handed, [accepted], false, { ...slicing, calendars: broken })).toThrow('boom');
    });

    it('counts a hand-off accepted at a weekend as no working time', () => {
      const weekend = mqlLead({ ...owned, stageHistory: [{ from: 'known', to: 'mql', at: '2026-03-07T10:00:00.000Z', cause: 'qualified' }] });
      const onSunday = { ...accepted, at: '2026-03-08T18:00:00.000Z' };
      expect(acceptCount(countsOf(reportCounts(weekend, [onSunday], false, { ...slicing, calendars: () => london }), 'all=all'))).toEqual([`accept.${bucketOf(0)}`]);
    });
  });

  it('counts a late rejection as decided, not in time, and the lead as left from mql, rejected', () => {
    const rejected: StageChange = { from: 'mql', to: 'recycled', at: '2026-03-02T00:30:00.000Z', cause: 'rejected', decision: 'rejected', withinAgreement: false };

    expect(countsOf(reportCounts(owned, [rejected], false, slicing), 'all=all')).toEqual({
      'reached.recycled': 1,
      [`dwell.mql.${bucketOf(15.5 * 3_600_000)}`]: 1,
      'left.mql.rejected': 1,
      'decided.rejected': 1,
    });
  });

  it('counts a rejection and a recycle for the team and rep that had the lead, though the saved lead has no owner', () => {
    const { owner, ...unowned } = owned;
    const rejected: StageChange = { from: 'mql', to: 'recycled', at: '2026-03-02T00:30:00.000Z', cause: 'rejected', decision: 'rejected', by: { repId: 'rep-sam' }, withinAgreement: true };
    const notAccepted: StageChange = { from: 'mql', to: 'recycled', at: '2026-03-02T00:30:00.000Z', cause: 'escalation ran out', decision: 'not-accepted' };
    for (const change of [rejected, notAccepted]) {
      const reports = reportCounts(unowned, [change], false, slicing, owner);
      expect(countsOf(reports, 'rep=rep-sam')).toMatchObject({ [`decided.${change.decision}`]: 1, [`left.mql.${change.decision}`]: 1 });
      expect(countsOf(reports, 'team=sales-emea')).toMatchObject({ [`decided.${change.decision}`]: 1 });
      expect(countsOf(reports, 'rep=(none)')).toBeUndefined();
    }
    // without the owner before, nobody's: what the save of a lead never handed over counts
    expect(countsOf(reportCounts(unowned, [rejected], false, slicing), 'rep=(none)')).toMatchObject({ 'decided.rejected': 1 });
  });

  it('counts a won deal with its skipped stages: pipeline and revenue in minor units of its currency, on the day it happened', () => {
    const at = '2026-03-05T16:00:00.000Z';
    const won = { ...owned, stage: 'won' as const, deal: { stage: 'won' as const, at, amount: 12000.5, currency: 'EUR' } };
    const changes: StageChange[] = [
      { from: 'sal', to: 'sql', at, cause: 'crm', by: { via: 'src-crm' } },
      { from: 'sql', to: 'opportunity', at, cause: 'crm', by: { via: 'src-crm' } },
      { from: 'opportunity', to: 'won', at, cause: 'crm', by: { via: 'src-crm' } },
    ];

    expect(countsOf(reportCounts(won, changes, false, slicing), 'campaign=newsletter')).toEqual({
      'reached.sql': 1,
      'reached.opportunity': 1,
      'reached.won': 1,
      'pipeline.count': 1,
      'pipeline.EUR': 1_200_050,
      'won.count': 1,
      'revenue.EUR': 1_200_050,
    });
  });

  it('counts a lost deal as lost and the lead as left to marketing, lost', () => {
    const at = '2026-03-06T10:00:00.000Z';
    const changes: StageChange[] = [
      { from: 'opportunity', to: 'lost', at, cause: 'crm', by: { via: 'src-crm' } },
      { from: 'lost', to: 'recycled', at, cause: 'back to marketing', by: { via: 'src-crm' } },
    ];

    expect(countsOf(reportCounts(owned, changes, false, slicing), 'all=all')).toEqual({
      'reached.lost': 1,
      'left.opportunity.lost': 1,
      'lost.count': 1,
      'reached.recycled': 1,
      'left.lost.lost': 1,
    });
  });

  it('counts what happens before mql only by how the lead came, how it scores and its traits: no owner slices', () => {
    const known: StageChange = { from: 'visitor', to: 'known', at: '2026-03-01T10:00:00.000Z', cause: 'identified' };

    expect(reportCounts(withTraits, [known], false, slicing).map((r) => r.slice)).toEqual([
      'all=all',
      'source=newsletter',
      'campaign=newsletter',
      'grade=A',
      'scoreBand=60–79',
      'trait:industry=Software',
      'trait:employees=50-249',
    ]);
  });

  it('counts a new lead as a visitor on the day it was first seen, without trait slices; a save with no change counts nothing', () => {
    const visitor = mqlLead({ stage: 'visitor', stageHistory: [], createdAt: '2026-02-20T23:59:59.000Z', touches: [], owner: undefined });

    expect(countsOf(reportCounts(visitor, [], true, slicing), 'all=all')).toEqual({ 'reached.visitor': 1 });
    expect(reportCounts(visitor, [], true, slicing).map((r) => r.slice)).toEqual(['all=all', 'source=(direct)', 'campaign=(none)']);
    expect(reportCounts(visitor, [], true, slicing)[0]!.day).toBe('2026-02-20');
    expect(reportCounts(owned, [], false, slicing)).toEqual([]);
  });

  it('keeps amounts in minor units, whole units for currencies without them', () => {
    expect(minorUnits(19.99, 'USD')).toBe(1999);
    expect(minorUnits(1500, 'JPY')).toBe(1500);
  });

  it('counts a rep’s feedback for all, the rep’s team and the rep: its occasion, rating and reasons, and the hand-off covered only by the first', () => {
    const entry = { occasion: 'accepted' as const, rating: 4, reasons: ['right-fit', 'right-fit', 'clear-need'], repId: 'rep-sam', at: '2026-03-03T23:00:00.000Z' };

    const first = feedbackCounts(entry, 'sales-emea', true);
    const second = feedbackCounts({ ...entry, occasion: 'closed', reasons: [] }, 'sales-emea', false);

    expect(first.map((r) => [r.day, r.slice])).toEqual([
      ['2026-03-03', 'all=all'],
      ['2026-03-03', 'team=sales-emea'],
      ['2026-03-03', 'rep=rep-sam'],
    ]);
    expect(first[0]!.counts).toEqual({ 'feedback.given': 1, 'feedback.accepted': 1, 'rating.4': 1, 'reason.accepted.right-fit': 1, 'reason.accepted.clear-need': 1, 'feedback.covered': 1 });
    expect(second[2]!.counts).toEqual({ 'feedback.given': 1, 'feedback.closed': 1, 'rating.4': 1 });
    expect(feedbackCounts(entry, undefined, true)[1]!.slice).toBe('team=(none)');
  });

  describe('the score band of a hand-off’s decision and deal', () => {
    // handed off at engagement 105 (band 100+); decided and won later, when the saved engagement is 65 (band 60–79)
    const handOff: StageChange = { from: 'known', to: 'mql', at: '2026-03-01T09:00:00.000Z', cause: 'qualified', engagement: 105 };
    const accepted: StageChange = { from: 'mql', to: 'sal', at: '2026-03-01T11:00:00.000Z', cause: 'accepted', decision: 'accepted', withinAgreement: true };
    const won: StageChange = { from: 'sal', to: 'won', at: '2026-03-05T11:00:00.000Z', cause: 'crm' };
    const lead = { ...owned, engagement: 65, stageHistory: [handOff, accepted, won] };

    it('is the band at hand-off: the decision and the win count under 100+, not the band the lead has now', () => {
      const counts = reportCounts(lead, [accepted, won], false, slicing);

      // the decision's day, then the win's
      expect(counts.find((c) => c.day === '2026-03-01' && c.slice === 'scoreBand=100+')?.counts).toMatchObject({ 'decided.accepted': 1, 'reached.sal': 1 });
      expect(counts.find((c) => c.day === '2026-03-05' && c.slice === 'scoreBand=100+')?.counts).toMatchObject({ 'won.count': 1 });
      expect(countsOf(counts, 'scoreBand=60–79')).toBeUndefined();
    });

    it('is the band as saved for the hand-off itself, and for a decision on a hand-off scoring did not record (a CRM’s, or before it was recorded)', () => {
      const unrecorded = { ...lead, stageHistory: [{ ...handOff, engagement: undefined }, accepted] };
      expect(countsOf(reportCounts(unrecorded, [accepted], false, slicing), 'scoreBand=60–79')).toMatchObject({ 'decided.accepted': 1 });
      // the change into mql: counted under the lead as saved (scoring saves it at that engagement)
      expect(countsOf(reportCounts(lead, [handOff], false, slicing), 'scoreBand=60–79')).toMatchObject({ 'reached.mql': 1 });
    });
  });
});
