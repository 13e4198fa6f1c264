import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtest, BacktestOptionsError, formatBacktest, periodOf, scoreBandOf, type LeadHistory } from '#core/backtest.ts';
import { newLead } from '#core/lead.ts';
import type { Stage, StageChange } from '#core/lifecycle.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, demoRequest, eventsArb, identify, model, pageView, stored } from './lead-fixtures.ts';

/**
 * The current model, with numbers easy to follow: page view 10, demo request 50,
 * unsubscribe −30, webinar 40 halving every 10 days. A business email is grade B.
 * Qualified: grade B or better and engagement ≥ 50.
 */
const current: ScoringModel = scoringModelSchema.parse({
  version: 'bt-current',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 10 },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 50 },
      { id: 'unsubscribe', description: 'Unsubscribed', match: { type: 'track', event: 'Unsubscribed' }, points: -30 },
      { id: 'webinar', description: 'Attended a webinar', match: { type: 'track', event: 'Webinar Attended' }, points: 40, halfLifeDays: 10 },
    ],
  },
  fit: {
    rules: [{ id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 20 }],
    grades: { A: 30, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

/** The draft: a demo request is worth 20, not 50, and the threshold drops to 30. */
const draft: ScoringModel = scoringModelSchema.parse({
  ...current,
  version: 'bt-draft',
  engagement: {
    ...current.engagement,
    rules: current.engagement.rules.map((rule) => (rule.id === 'demo' ? { ...rule, points: 20 } : rule)),
  },
  qualification: { minGrade: 'B', minEngagement: 30 },
});

const unsubscribe = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Unsubscribed' });
const webinar = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Webinar Attended' });
const pageViews = (leadId: string, hours: readonly number[]) => hours.map((h) => pageView(`${leadId}-p${h}`, h));

type Step = [from: Stage, to: Stage, hours: number, cause?: string];

/** A lead as stored, with the stage history sales made, and its events. */
function history(leadId: string, events: StoredEvent[], steps: readonly Step[] = []): LeadHistory {
  const stageHistory: StageChange[] = steps.map(([from, to, hours, cause]) => ({ from, to, at: at(hours), cause: cause ?? `${from} to ${to}` }));
  return { lead: { ...newLead(leadId, at(0), current), stageHistory }, events };
}

const known = (leadId: string) => identify(`${leadId}-id`, 0, `${leadId}@acme.io`);

/**
 * Six leads that never met sales (no real MQL), all grade B from their first event at hour 0.
 * T0 (hour 0) is Sunday 2026-02-01 09:00 UTC, the last day of ISO week 5;
 * week 6 starts at hour 15, week 7 at hour 183.
 *
 * | lead         | events                   | current (≥ 50)         | draft (≥ 30, demo 20)   |
 * | demo-only    | demo h48                 | MQL h48, 2 days, W06   | 20: never               |
 * | three-views  | views h24, h48, h72      | 30: never              | MQL h72, 3 days, W06    |
 * | five-views   | views h24 … h120         | MQL h120, 5 days, W06  | MQL h72, 3 days, W06    |
 * | late-views   | views h190, h200, h210   | 30: never              | MQL h210, 8.75 d, W07   |
 * | demo-views   | demo h5, views h6, h7    | MQL h5, 5/24 d, W05    | MQL h6, 1/4 d, W05      |
 * | one-view     | view h1                  | 10: never              | 10: never               |
 */
const journeys: LeadHistory[] = [
  history('demo-only', [known('demo-only'), demoRequest('demo-only-d', 48)]),
  history('three-views', [known('three-views'), ...pageViews('three-views', [24, 48, 72])]),
  history('five-views', [known('five-views'), ...pageViews('five-views', [24, 48, 72, 96, 120])]),
  history('late-views', [known('late-views'), ...pageViews('late-views', [190, 200, 210])]),
  history('demo-views', [known('demo-views'), demoRequest('demo-views-d', 5), ...pageViews('demo-views', [6, 7])]),
  history('one-view', [known('one-view'), ...pageViews('one-view', [1])]),
];

const accepted = (hours: number): Step => ['mql', 'sal', hours, 'accepted by rep-sam'];
const toWon = (hours: number): Step[] => [['sal', 'sql', hours], ['sql', 'opportunity', hours + 1], ['opportunity', 'won', hours + 2]];

/**
 * Leads sales saw, each with its engagement at the real hand-off under each model:
 *
 * | lead            | events                              | real first cycle                   | current     | draft      |
 * | won             | demo h1                             | mql h1, accepted, won              | 50 (40–59)  | 20 (20–39) |
 * | rejected        | views h1, h2                        | mql h2, rejected; cycle 2 won      | 20 (20–39)  | 20 (20–39) |
 * | lost            | demo h1, views h2–h6, view h7       | mql h6, accepted, lost             | 100 (100+)  | 70 (60–79) |
 * | unsubscribed    | unsubscribe h1                      | mql h2, recycled by the SLA timer  | −30 (0–19)  | −30 (0–19) |
 * | webinar-20      | webinar h0                          | mql h240 (one half-life), accepted | 20 (20–39)  | 20 (20–39) |
 * | webinar-19      | webinar h0                          | mql h241, disqualified             | 19.94 (0–19)| 19.94      |
 * | never-handed-off| demo h1                             | known only                         | no band     | no band    |
 *
 * The view at h7 comes after the hand-off at h6 and must not count.
 */
const handOffs: LeadHistory[] = [
  history('won', [known('won'), demoRequest('won-d', 1)], [['visitor', 'known', 0], ['known', 'mql', 1], accepted(3), ...toWon(5)]),
  history(
    'rejected',
    [known('rejected'), ...pageViews('rejected', [1, 2])],
    [
      ['visitor', 'known', 0],
      ['known', 'mql', 2],
      ['mql', 'recycled', 4, 'rejected by rep-sam: no budget'],
      ['recycled', 'mql', 50],
      accepted(51),
      ...toWon(52),
    ],
  ),
  history(
    'lost',
    [known('lost'), demoRequest('lost-d', 1), ...pageViews('lost', [2, 3, 4, 5, 6, 7])],
    [['visitor', 'known', 0], ['known', 'mql', 6], accepted(8), ['sal', 'sql', 9], ['sql', 'opportunity', 10], ['opportunity', 'lost', 20]],
  ),
  history(
    'unsubscribed',
    [known('unsubscribed'), unsubscribe('unsubscribed-u', 1)],
    [['visitor', 'known', 0], ['known', 'mql', 2], ['mql', 'recycled', 30, 'not accepted within the service agreement after escalation']],
  ),
  history('webinar-20', [known('webinar-20'), webinar('webinar-20-w', 0)], [['visitor', 'known', 0], ['known', 'mql', 240], accepted(241)]),
  history('webinar-19', [known('webinar-19'), webinar('webinar-19-w', 0)], [['visitor', 'known', 0], ['known', 'mql', 241], ['mql', 'disqualified', 242, 'spam']]),
  history('never-handed-off', [known('never-handed-off'), demoRequest('never-handed-off-d', 1)], [['visitor', 'known', 0]]),
];

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

describe('the plain-text report', () => {
  it('shows both models side by side with the key figures', () => {
    // Prepare
    const report = backtest([...journeys, ...handOffs], current, draft);

    // Act
    const text = formatBacktest(report);
    const lines = text.split('\n');

    // Assess: the journeys' MQLs (3 and 4) plus, from the hand-offs, won, lost and never-handed-off under the current model
    // (demo 50) and lost (demo 20 and a view), webinar-20 and webinar-19 (40 at hour 0) under the draft
    expect(lines[0]).toBe('Backtest of draft scoring model bt-draft against current model bt-current');
    expect(lines).toContainEqual('13 leads replayed from their stored events; nothing was written.');
    expect(lines).toContainEqual(expect.stringMatching(/^MQLs\s+current bt-current\s+draft bt-draft$/));
    expect(lines).toContainEqual(expect.stringMatching(/^leads that would be MQL\s+6\s+7$/));
    expect(lines).toContainEqual('  4 leads newly qualify');
    expect(lines).toContainEqual('  3 leads no longer qualify');
    expect(lines).toContainEqual('  3 leads qualify under both models, 3 under neither');
    expect(lines).toContainEqual(expect.stringMatching(/^2026-W07\s+0\s+1$/));
    expect(lines).toContainEqual(expect.stringMatching(/^20–39\s+2\s+50% \(1 of 2\)\s+n\/a\s+3\s+67% \(2 of 3\)\s+100% \(1 of 1\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^0–19\s+2\s+n\/a\s+n\/a\s+2\s+n\/a\s+n\/a$/));
    expect(lines).toContainEqual(expect.stringMatching(/^100\+\s+1\s+100% \(1 of 1\)\s+0% \(0 of 1\)\s+0\s+n\/a\s+n\/a$/));
  });

  it('puts each model title over its own band columns', () => {
    // Act
    const lines = formatBacktest(backtest(handOffs, current, draft)).split('\n');

    // Assess: counts are narrower than the "leads" header, so each group starts where its "leads" does
    const header = lines.findIndex((line) => line.startsWith('band'));
    const titles = lines[header - 1]!;
    const columns = lines[header]!;
    expect(titles.indexOf('current bt-current')).toBe(columns.indexOf('leads'));
    expect(titles.indexOf('draft bt-draft')).toBe(columns.lastIndexOf('leads'));
  });
});
