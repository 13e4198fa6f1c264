import { describe, expect, it } from 'vitest';
import { attributionDimensions, attributionModels } from '../../../functions/core/reports/attribution.ts';
import type { CommittedMetric, ScorecardMetric } from '../../../functions/core/reports/scorecard.ts';
import {
  agreementPeriodText,
  amountsText,
  attributionDimensionOptions,
  attributionLabel,
  attributionModelOptions,
  chartCurrency,
  costCells,
  feedbackQuery,
  occasionLabel,
  ratingsSeries,
  stalledLeadLabel,
  stalledQuery,
  isAttributionDimension,
  metricText,
  mqlTrendSeries,
  queryString,
  ratingsText,
  targetText,
  touchedText,
  trendClass,
  trendText,
  unavailableText,
} from '../../../functions/dashboard/browser/panel-format.ts';

const metric = (value: number | null, previous: number | null, better: boolean | null = null): ScorecardMetric => {
  const delta = value === null || previous === null ? null : value - previous;
  const direction = delta === null ? null : delta > 0 ? 'up' : delta < 0 ? 'down' : 'flat';
  return { value, previous, delta, direction, better };
};

describe('the panels’ wording of the service-agreement scorecard', () => {
  it('writes each number in its unit, a missing one as a dash', () => {
    expect(metricText(1234, 'count')).toBe('1,234');
    expect(metricText(11.4, 'count')).toBe('11.4');
    expect(metricText(0.625, 'rate')).toBe('62.5%');
    expect(metricText(3.5, 'hours')).toBe('3.5 h');
    expect(metricText(0.25, 'hours')).toBe('15 min');
    expect(metricText(4.25, 'average')).toBe('4.25');
    expect(metricText(2.333, 'average')).toBe('2.33');
    expect(metricText(null, 'rate')).toBe('–');
  });

  it('says the trend in words: the arrow, the change in the number’s unit, from what, and whether it is better', () => {
    expect(trendText(metric(12, 9, true), 'count')).toBe('↑ up 3 from 9, better');
    expect(trendText(metric(0.5, 0.625, false), 'rate')).toBe('↓ down 12.5 pts from 62.5%, worse');
    // a shorter time to accept is the good news
    expect(trendText(metric(2, 5, true), 'hours')).toBe('↓ down 3 h from 5 h, better');
    expect(trendText(metric(4, 4), 'count')).toBe('→ unchanged from 4');
    expect(trendText(metric(4, null), 'count')).toBe('no figure for the period before');
    expect(trendText(metric(null, 0.5), 'rate')).toBe('no figure this period (50.0% the period before)');
    expect(trendText(metric(null, null), 'rate')).toBe('no figure this period or the period before');
  });

  it('classes a trend as better, worse or the same, never by direction alone', () => {
    expect(trendClass(metric(2, 5, true))).toBe('better');
    expect(trendClass(metric(5, 2, false))).toBe('worse');
    expect(trendClass(metric(5, 5))).toBe('same');
  });

  it('says a committed number’s target and whether it was met', () => {
    const committed = (value: number | null, target: number, met: boolean | null): CommittedMetric => ({ ...metric(value, null), target, met });
    expect(targetText(committed(12, 11.4, true), 'count')).toBe('Target 11.4: met');
    expect(targetText(committed(0.5, 0.6, false), 'rate')).toBe('Target 60.0%: not met');
    expect(targetText(committed(null, 3, null), 'average')).toBe('Target 3: no figure yet');
  });

  it('lists every rating from 1 to 5, those nobody gave as 0', () => {
    expect(ratingsText({ 1: 0, 2: 1, 3: 0, 4: 12, 5: 1500 })).toBe('1★ 0 · 2★ 1 · 3★ 0 · 4★ 12 · 5★ 1,500');
    expect(ratingsText({})).toBe('1★ 0 · 2★ 0 · 3★ 0 · 4★ 0 · 5★ 0');
  });

  it('names the period, whether it is still running, and the period it is compared with', () => {
    const week = { period: { kind: 'week' as const, from: '2026-11-30T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', ends: '2026-12-07T00:00:00.000Z' }, previous: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' } };
    expect(agreementPeriodText(week)).toBe('Week 2026-11-30 to 2026-12-06 (so far, to 2026-12-01), against 2026-11-23 to 2026-11-29 (UTC)');
    const month = { period: { kind: 'month' as const, from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z', ends: '2026-11-01T00:00:00.000Z' }, previous: { from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' } };
    expect(agreementPeriodText(month)).toBe('Month 2026-10-01 to 2026-10-31, against 2026-09-01 to 2026-09-30 (UTC)');
  });

  it('draws the MQL trend as the periods’ first days, their MQLs and the commitment', () => {
    const trend = [
      { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', mqls: 9, target: 10, met: false },
      { from: '2026-11-30T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', mqls: 4, target: 2.9, met: true },
    ];
    expect(mqlTrendSeries(trend)).toEqual({ labels: ['2026-11-23', '2026-11-30'], mqls: [9, 4], targets: [10, 2.9] });
  });
});

describe('the panels’ wording of attribution', () => {
  it('offers every model and every dimension the report takes, each with a name', () => {
    expect(attributionModelOptions.map(([model]) => model)).toEqual([...attributionModels]);
    expect(attributionDimensionOptions.map(([by]) => by)).toEqual([...attributionDimensions]);
    for (const [, label] of [...attributionModelOptions, ...attributionDimensionOptions]) expect(label).toMatch(/^[A-Z]/);
    expect(isAttributionDimension('campaign')).toBe(true);
    expect(isAttributionDimension('rep')).toBe(false);
  });

  it('writes amounts in every currency, by code, and none as a dash', () => {
    expect(amountsText({ USD: 300, EUR: 1200 })).toBe('€1,200.00 · $300.00');
    expect(amountsText({})).toBe('–');
  });

  it('names a campaign as configured, one config/campaigns.json does not define marked so, and other values as they are', () => {
    expect(attributionLabel({ value: 'spring', campaign: { name: 'Spring launch', type: 'email', defined: true } })).toBe('Spring launch');
    expect(attributionLabel({ value: '<b>x</b>', campaign: { name: '<b>x</b>', type: 'not-defined', defined: false } })).toBe('<b>x</b> (not defined)');
    expect(attributionLabel({ value: 'newsletter' })).toBe('newsletter');
  });

  it('charts the currency with the most pipeline and revenue in it', () => {
    expect(chartCurrency([{ pipeline: { EUR: 100, USD: 50 }, revenue: {} }, { pipeline: { USD: 60 }, revenue: { USD: 10 } }])).toBe('USD');
    expect(chartCurrency([{ pipeline: { USD: 5, EUR: 5 }, revenue: {} }])).toBe('EUR');
    expect(chartCurrency([])).toBeUndefined();
  });

  it('says how many deals a kind of touch came before', () => {
    expect(touchedText({ deals: 3, touchedDeals: 2, share: 0.667 }, 'opportunities')).toBe('2 of 3 opportunities (66.7%)');
    expect(touchedText({ deals: 0, touchedDeals: 0, share: null }, 'won deals')).toBe('no won deals in this period');
  });

  it('writes a campaign’s cost, per MQL, per opportunity and return, and dashes without a cost', () => {
    expect(costCells({ amount: 5000, currency: 'EUR', perMql: 250, perOpportunity: null, returnOnRevenue: 2.5, revenueNotCompared: [] })).toEqual(['€5,000.00', '€250.00', '–', '2.5×']);
    expect(costCells({ amount: 5000, currency: 'EUR', perMql: null, perOpportunity: null, returnOnRevenue: null, revenueNotCompared: ['USD'] })[3]).toBe('not set against revenue in USD');
    expect(costCells(null)).toEqual(['–', '–', '–', '–']);
    expect(costCells(undefined)).toEqual(['–', '–', '–', '–']);
  });
});

describe('the panels’ requests and refusals', () => {
  it('sends only the parameters that have a value', () => {
    expect(queryString({ period: 'week', from: '2026-12-01', by: undefined, team: '' })).toBe('?period=week&from=2026-12-01');
    expect(queryString({})).toBe('');
    expect(queryString({ rep: 'a&b' })).toBe('?rep=a%26b');
  });

  it('says plainly when the stack does not serve a report, and otherwise what the API said', () => {
    expect(unavailableText('feedback report', '/v1/reports/feedback', { status: 404, message: 'Not Found' })).toBe(
      'This stack does not serve the feedback report yet (GET /v1/reports/feedback answered 404 Not Found), so this panel has nothing to show.',
    );
    expect(unavailableText('feedback report', '/v1/reports/feedback', { status: 400, message: 'Bad query; by: invalid' })).toBe('The feedback report could not be read: Bad query; by: invalid');
  });
});

describe('the panels’ feedback and stalled-leads requests', () => {
  const period = { from: '2026-11-01', to: '2026-11-30' };

  it('asks for feedback per team or rep when the page is sliced so, the chosen segment shown; else the whole', () => {
    expect(feedbackQuery('/v1/reports/feedback', { ...period, by: 'rep', segment: 'rep-ana' }, 10)).toEqual({ path: '/v1/reports/feedback?from=2026-11-01&to=2026-11-30&by=rep&limit=10', segment: 'rep-ana' });
    expect(feedbackQuery('/v1/reports/feedback', { ...period, by: 'campaign', segment: 'spring' }, 5)).toEqual({ path: '/v1/reports/feedback?from=2026-11-01&to=2026-11-30&by=all&limit=5', segment: 'all' });
  });

  it('asks for the stalled leads of the stage chosen and of the team or rep chosen, nothing for other slices', () => {
    expect(stalledQuery({ by: 'team', segment: 'emea' }, 'sql', 25)).toBe('?stage=sql&team=emea&limit=25');
    expect(stalledQuery({ by: 'rep', segment: 'rep-ana' }, '', 25)).toBe('?rep=rep-ana&limit=25');
    expect(stalledQuery({ by: 'source', segment: 'newsletter' }, '', 25)).toBe('?limit=25');
  });

  it('names ratings, occasions and stalled leads as people read them', () => {
    expect(ratingsSeries({ '2': 3, '5': 1 })).toEqual({ labels: ['1★', '2★', '3★', '4★', '5★'], counts: [0, 3, 0, 0, 1] });
    expect(occasionLabel('accepted')).toBe('On acceptance');
    expect(occasionLabel('something-new')).toBe('something-new');
    expect(stalledLeadLabel({ leadId: 'l1', name: 'Ada', email: 'ada@x.example' })).toBe('Ada');
    expect(stalledLeadLabel({ leadId: 'l1', name: null, email: 'ada@x.example' })).toBe('ada@x.example');
    expect(stalledLeadLabel({ leadId: 'l1', name: null, email: null })).toBe('l1');
  });
});
