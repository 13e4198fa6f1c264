import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, BacktestOptionsError, firstHandOff, periodOf, scoreBandOf } from '#core/backtest.ts';
import { newLead } from '#core/lead.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { applyOutcome, recycleUnaccepted } from '#core/outcomes.ts';
import type { ScoringModel } from '#core/scoring.ts';
import { current, draft, handOffs, history, journeys, known, pageViews } from './backtest-fixtures.ts';
import { assignedMql, at, demoRequest, eventsArb, model } from './lead-fixtures.ts';

const emptyBand = { leads: 0, accepted: 0, rejected: 0, acceptanceRate: null, won: 0, lost: 0, winRate: null };

describe('who would be an MQL, and when', () => {
  it('counts the MQLs each model would make and the median days from first event to MQL', () => {
    // Act
    const report = backtest(journeys, current, draft);

    // Assess: current qualifies demo-only (2 d), five-views (5 d), demo-views (5/24 d): median 2;
    // the draft three-views (3 d), five-views (3 d), late-views (8.75 d), demo-views (0.25 d): median (3 + 3) / 2
    expect(report.leads).toBe(6);
    expect(report.current).toMatchObject({ version: 'bt-current', mqls: 3, medianDaysToMql: 2 });
    expect(report.draft).toMatchObject({ version: 'bt-draft', mqls: 4, medianDaysToMql: 3 });
  });

  it('says when each lead would qualify under each model', () => {
    // Act
    const { perLead } = backtest(journeys, current, draft);

    // Assess: the lower draft threshold qualifies five-views two views earlier; the cheaper demo qualifies demo-views an hour later
    const when = Object.fromEntries(perLead.map((lead) => [lead.leadId, [lead.current.mqlAt, lead.draft.mqlAt]]));
    expect(when).toEqual({
      'demo-only': [at(48), null],
      'three-views': [null, at(72)],
      'five-views': [at(120), at(72)],
      'late-views': [null, at(210)],
      'demo-views': [at(5), at(6)],
      'one-view': [null, null],
    });
    expect(perLead.find((lead) => lead.leadId === 'late-views')?.draft.daysToMql).toBe(8.75);
  });

  it('counts the leads the draft would newly qualify and those it would no longer qualify', () => {
    // Act
    const { qualification } = backtest(journeys, current, draft);

    // Assess
    expect(qualification).toEqual({
      newly: 2,
      noLonger: 1,
      both: 2,
      neither: 1,
      newlyLeadIds: ['three-views', 'late-views'],
      noLongerLeadIds: ['demo-only'],
    });
  });

  it('counts MQLs per ISO week of first qualifying, the Sunday in its week and the Monday in the next', () => {
    // Act
    const { mqlsPerPeriod, period } = backtest(journeys, current, draft);

    // Assess: hour 5 and 6 are Sunday 1 February (W05); hours 48–120 are W06; hour 210 is Tuesday 10 February (W07)
    expect(period).toBe('week');
    expect(mqlsPerPeriod).toEqual([
      { period: '2026-W05', current: 1, draft: 1 },
      { period: '2026-W06', current: 2, draft: 2 },
      { period: '2026-W07', current: 0, draft: 1 },
    ]);
  });

  it('counts MQLs per month, with months that have none between the first and last shown as 0', () => {
    // Prepare: a demo request in February and one in April (hour 1,500 is 4 April)
    const histories = [history('feb', [known('feb'), demoRequest('feb-d', 1)]), history('apr', [known('apr'), demoRequest('apr-d', 1500)])];

    // Act
    const { mqlsPerPeriod } = backtest(histories, current, draft, { period: 'month' });

    // Assess: the draft's demo is worth 20, under its threshold of 30
    expect(mqlsPerPeriod).toEqual([
      { period: '2026-02', current: 1, draft: 0 },
      { period: '2026-03', current: 0, draft: 0 },
      { period: '2026-04', current: 1, draft: 0 },
    ]);
  });

  it('reports no MQLs and no median when nothing qualifies', () => {
    // Act
    const report = backtest([history('one-view', [known('one-view'), ...pageViews('one-view', [1])])], current, draft);

    // Assess
    expect(report.current).toMatchObject({ mqls: 0, medianDaysToMql: null });
    expect(report.mqlsPerPeriod).toEqual([]);
  });

  it('finds nothing to change when the draft scores like the current model (property)', () => {
    const sameRules: ScoringModel = { ...model, version: 'lead-test-copy' };
    fc.assert(
      fc.property(fc.array(eventsArb, { maxLength: 4 }), (eventLists) => {
        // Prepare
        const histories = eventLists.map((events, i) => ({ lead: newLead(`lead-${i}`, at(0), model), events }));

        // Act
        const report = backtest(histories, model, sameRules);

        // Assess
        expect(report.qualification.newly).toBe(0);
        expect(report.qualification.noLonger).toBe(0);
        expect(report.draft.mqls).toBe(report.current.mqls);
        expect(report.draft.medianDaysToMql).toBe(report.current.medianDaysToMql);
        expect(report.mqlsPerPeriod.every((row) => row.current === row.draft)).toBe(true);
      }),
    );
  });
});

describe('score bands: engagement when sales saw the lead, against what sales did', () => {
  it('puts each handed-off lead in the band of its engagement at the real hand-off, under each model', () => {
    // Act
    const { perLead, handedOff } = backtest(handOffs, current, draft);

    // Assess
    const bands = Object.fromEntries(perLead.map((lead) => [lead.leadId, [lead.current.engagementAtHandOff, lead.current.band, lead.draft.engagementAtHandOff, lead.draft.band]]));
    expect(bands).toEqual({
      won: [50, '40–59', 20, '20–39'],
      rejected: [20, '20–39', 20, '20–39'],
      lost: [100, '100+', 70, '60–79'],
      unsubscribed: [-30, '0–19', -30, '0–19'],
      'webinar-20': [20, '20–39', 20, '20–39'],
      'webinar-19': [19.94, '0–19', 19.94, '0–19'],
      'never-handed-off': [null, null, null, null],
    });
    expect(handedOff).toBe(6);
  });

  it('reads acceptance, rejection and the close of the first cycle from the stored stage history', () => {
    // Act
    const { perLead } = backtest(handOffs, current, draft);

    // Assess: the rejected lead's later win came at another hand-off and does not count; the SLA recycling is no rejection
    const outcomes = Object.fromEntries(perLead.map((lead) => [lead.leadId, lead.handOff]));
    expect(outcomes).toEqual({
      won: { at: at(1), decision: 'accepted', close: 'won' },
      rejected: { at: at(2), decision: 'rejected', close: null },
      lost: { at: at(6), decision: 'accepted', close: 'lost' },
      unsubscribed: { at: at(2), decision: null, close: null },
      'webinar-20': { at: at(240), decision: 'accepted', close: null },
      'webinar-19': { at: at(241), decision: null, close: null },
      'never-handed-off': null,
    });
  });

  it('gives acceptance and win rates per band under the current model, n/a where nothing was decided', () => {
    // Act
    const { current: report } = backtest(handOffs, current, draft);

    // Assess
    expect(report.bands).toEqual([
      { label: '0–19', from: 0, to: 20, ...emptyBand, leads: 2 },
      { label: '20–39', from: 20, to: 40, leads: 2, accepted: 1, rejected: 1, acceptanceRate: 0.5, won: 0, lost: 0, winRate: null },
      { label: '40–59', from: 40, to: 60, leads: 1, accepted: 1, rejected: 0, acceptanceRate: 1, won: 1, lost: 0, winRate: 1 },
      { label: '60–79', from: 60, to: 80, ...emptyBand },
      { label: '80–99', from: 80, to: 100, ...emptyBand },
      { label: '100+', from: 100, to: null, leads: 1, accepted: 1, rejected: 0, acceptanceRate: 1, won: 0, lost: 1, winRate: 0 },
    ]);
  });

  it('gives acceptance and win rates per band under the draft, where the same leads score differently', () => {
    // Act
    const { draft: report } = backtest(handOffs, current, draft);

    // Assess: won, rejected and webinar-20 all score 20 under the draft; lost scores 70
    expect(report.bands).toEqual([
      { label: '0–19', from: 0, to: 20, ...emptyBand, leads: 2 },
      { label: '20–39', from: 20, to: 40, leads: 3, accepted: 2, rejected: 1, acceptanceRate: 0.667, won: 1, lost: 0, winRate: 1 },
      { label: '40–59', from: 40, to: 60, ...emptyBand },
      { label: '60–79', from: 60, to: 80, leads: 1, accepted: 1, rejected: 0, acceptanceRate: 1, won: 0, lost: 1, winRate: 0 },
      { label: '80–99', from: 80, to: 100, ...emptyBand },
      { label: '100+', from: 100, to: null, ...emptyBand },
    ]);
  });

  it('leaves a lead that never reached mql in reality out of the bands, even when a model would qualify it', () => {
    // Act
    const report = backtest([handOffs.at(-1)!], current, draft);

    // Assess
    expect(report.current.mqls).toBe(1);
    expect(report.handedOff).toBe(0);
    expect(report.current.bands.every((band) => band.leads === 0)).toBe(true);
    expect(report.draft.bands.every((band) => band.leads === 0)).toBe(true);
  });

  it('takes the band width and the number of closed bands as options', () => {
    // Act
    const { current: report } = backtest(handOffs, current, draft, { bandWidth: 50, bands: 1 });

    // Assess: 50 and 100 are in the open band; −30, 19.94, 20, 20 below it
    expect(report.bands.map((band) => [band.label, band.leads])).toEqual([
      ['0–49', 4],
      ['50+', 2],
    ]);
  });
});

describe('what sales decided, as the stage history records it', () => {
  it('reads the decision an outcome recorded: an acceptance, a rejection, and a recycling nobody accepted is none', () => {
    // Prepare: stage histories as the product writes them
    const mql = assignedMql();
    const accepted = applyOutcome(mql, { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6) }).lead;
    const rejected = applyOutcome(mql, { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: at(6), reason: 'No budget' }).lead;
    const recycled = recycleUnaccepted(mql, 1, at(30)).lead;

    // Act
    const decisions = [accepted, rejected, recycled].map((lead) => firstHandOff(lead.stageHistory)?.decision);

    // Assess
    expect(decisions).toEqual(['accepted', 'rejected', null]);
  });

  it('goes by the decision field, not by the words of the cause', () => {
    // Prepare
    const qualified: StageChange = { from: 'known', to: 'mql', at: at(1), cause: 'qualified' };
    const history = (change: StageChange) => [qualified, change];

    // Act
    const rejectedInOtherWords = firstHandOff(history({ from: 'mql', to: 'recycled', at: at(2), cause: 'declined: no budget', decision: 'rejected' }));
    const notAcceptedSaidLikeARejection = firstHandOff(history({ from: 'mql', to: 'recycled', at: at(2), cause: 'rejected by nobody in time', decision: 'not-accepted' }));

    // Assess
    expect(rejectedInOtherWords?.decision).toBe('rejected');
    expect(notAcceptedSaidLikeARejection?.decision).toBeNull();
  });

  it('reads a history stored before changes had a decision field by its causes, as they were written then', () => {
    // Prepare: what applyOutcome and recycleUnaccepted wrote before the field existed
    const qualified: StageChange = { from: 'known', to: 'mql', at: at(1), cause: 'qualified' };
    const stored = (change: StageChange) => [qualified, change];

    // Act
    const decisions = [
      stored({ from: 'mql', to: 'sal', at: at(2), cause: 'accepted by rep-sam' }),
      stored({ from: 'mql', to: 'recycled', at: at(2), cause: 'rejected by rep-sam: No budget' }),
      stored({ from: 'mql', to: 'recycled', at: at(2), cause: 'not accepted within the service agreement after escalation' }),
    ].map((history) => firstHandOff(history)?.decision);

    // Assess
    expect(decisions).toEqual(['accepted', 'rejected', null]);
  });
});

describe('band and period edges', () => {
  it('puts an engagement on a band edge in the band above, negatives in the lowest and the top in the open band', () => {
    // Act
    const bands = [-5, 0, 19.99, 20, 99.99, 100, 1000].map((engagement) => scoreBandOf(engagement).label);

    // Assess
    expect(bands).toEqual(['0–19', '0–19', '0–19', '20–39', '80–99', '100+', '100+']);
    expect(scoreBandOf(40)).toEqual({ label: '40–59', from: 40, to: 60 });
  });

  it('names ISO weeks by the year their Thursday falls in', () => {
    // Assess: 1 January 2026 is a Thursday, 1 January 2027 a Friday
    expect(periodOf('2025-12-29T00:00:00.000Z', 'week')).toBe('2026-W01');
    expect(periodOf('2026-01-01T12:00:00.000Z', 'week')).toBe('2026-W01');
    expect(periodOf('2027-01-01T12:00:00.000Z', 'week')).toBe('2026-W53');
    expect(periodOf('2027-01-04T00:00:00.000Z', 'week')).toBe('2027-W01');
    expect(periodOf(at(14), 'week')).toBe('2026-W05');
    expect(periodOf(at(15), 'week')).toBe('2026-W06');
    expect(periodOf('2026-12-31T23:59:59.999Z', 'month')).toBe('2026-12');
  });

  it('refuses options out of range, naming the option and the value', () => {
    // Act and Assess
    expect(() => backtest([], current, draft, { bandWidth: 0 })).toThrow(BacktestOptionsError);
    expect(() => backtest([], current, draft, { bandWidth: 0 })).toThrow('backtest option bandWidth must be a positive number, received 0');
    expect(() => backtest([], current, draft, { bands: 2.5 })).toThrow('backtest option bands must be a positive whole number, received 2.5');
  });
});
