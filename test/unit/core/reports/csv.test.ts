import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { campaignCost } from '#core/reports/campaign-cost.ts';
import { calibration, supportedThreshold } from '#core/reports/calibration.ts';
import { attributionCsv, calibrationCsv, csvCell, feedbackCsv, funnelCsv, stalledCsv, type AttributionCsvInput } from '#core/reports/csv.ts';
import { segmentFunnel } from '#core/reports/period-funnel.ts';

/** The CSV read back as a spreadsheet would: header, then records by column name; every row as wide as the header. */
function table(text: string): { header: string[]; records: Record<string, string>[] } {
  expect(text.endsWith('\r\n')).toBe(true);
  const rows = parse(text, { relax_column_count: true }) as string[][];
  const [header, ...body] = rows;
  for (const row of body) expect(row).toHaveLength(header!.length);
  return { header: header!, records: body.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!]))) };
}

const period = { from: '2026-03-01', to: '2026-03-31' };

describe('csvCell', () => {
  it('quotes a comma, a quote or a line break, doubling quotes', () => {
    expect(csvCell('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvCell('the "best"')).toBe('"the ""best"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('keeps text that a spreadsheet would run as a formula as text, also after spaces; numbers stay numbers', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    for (const text of ['+1', '-1+2', '@SUM(A1)', '\tx', ' =1']) expect(csvCell(text)).toBe(`'${text}`);
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(false)).toBe('false');
  });
});

describe('funnelCsv', () => {
  const counts = {
    'reached.mql': 10,
    'reached.sal': 6,
    'left.mql.rejected': 2,
    'left.mql.not-accepted': 1,
    'left.sal.recycled': 3,
    'decided.accepted': 6,
    'decided.rejected': 2,
    'decided.not-accepted': 1,
    'decided.in-time': 4,
    'pipeline.count': 2,
    'pipeline.EUR': 300_000,
    'won.count': 1,
    'revenue.EUR': 200_000,
    'feedback.given': 1,
    'rating.4': 1,
  };
  const segment = {
    ...segmentFunnel('search-brand-2026', counts),
    campaign: { name: 'Brand search', type: 'paid', defined: true },
    cost: campaignCost({ cost: { amount: 1000, currency: 'EUR' }, mqls: 10, opportunities: 2, revenue: { EUR: 2000 } }),
  };
  const other = { ...segmentFunnel('utm:spring', { 'reached.mql': 1 }), campaign: { name: 'spring', type: 'not-defined', defined: false }, cost: null };

  it('gives a row per segment and stage, where leads left per reason, and the segment’s decisions, deals, feedback, campaign and cost', () => {
    const { header, records } = table(funnelCsv({ by: 'campaign', period, segments: [segment, other] }));

    expect(records).toHaveLength(2 * segment.stages.length);
    expect(header.filter((h) => h.startsWith('left.'))).toEqual(['left.not-accepted', 'left.recycled', 'left.rejected']);
    const mql = records.find((r) => r.segment === 'search-brand-2026' && r.stage === 'mql')!;
    expect(mql).toMatchObject({ from: '2026-03-01', to: '2026-03-31', by: 'campaign', reached: '10', 'left.rejected': '2', 'left.not-accepted': '1', 'left.recycled': '0' });
    expect(records.find((r) => r.segment === 'search-brand-2026' && r.stage === 'sal')).toMatchObject({ reached: '6', conversionFromPrevious: '0.6', 'left.recycled': '3', 'left.rejected': '0' });
    // 6 + 2 + 1 decided, 4 before the deadline
    expect(mql).toMatchObject({ accepted: '6', rejected: '2', notAccepted: '1', decidedBeforeDeadline: '4', beforeDeadlineShare: '0.444' });
    expect(mql).toMatchObject({ opportunities: '2', won: '1', lost: '0', 'pipeline.EUR': '3000', 'revenue.EUR': '2000', feedbackSubmissions: '1', rating4: '1' });
    expect(mql).toMatchObject({ campaignName: 'Brand search', campaignType: 'paid', campaignDefined: 'true' });
    // 1,000 EUR: 100 per MQL, 500 per opportunity, 2,000 back: 2
    expect(mql).toMatchObject({ costAmount: '1000', costCurrency: 'EUR', costPerMql: '100', costPerOpportunity: '500', returnOnRevenue: '2' });
    expect(records.find((r) => r.segment === 'utm:spring' && r.stage === 'mql')).toMatchObject({ campaignDefined: 'false', campaignType: 'not-defined', costAmount: '', 'pipeline.EUR': '0' });
  });
});

describe('attributionCsv', () => {
  const share = (deals: number, touchedDeals: number, amounts: Record<string, number>, touchedAmounts: Record<string, number>) => ({
    deals,
    touchedDeals,
    share: deals === 0 ? null : touchedDeals / deals,
    amounts,
    touchedAmounts,
  });
  const report: AttributionCsvInput = {
    period,
    model: 'linear',
    by: 'campaign',
    rows: [
      {
        value: 'webinar',
        campaign: { name: 'Webinar', type: 'event', defined: true },
        pipeline: { EUR: 1500 },
        pipelineDeals: 3,
        revenue: {},
        revenueDeals: 0,
        cost: campaignCost({ cost: { amount: 3000, currency: 'EUR' }, mqls: 6, opportunities: 3, revenue: {} }),
      },
      // deals the CRM reported without an amount: credited deals, no currency
      { value: 'utm:spring', campaign: { name: 'spring', type: 'not-defined', defined: false }, pipeline: {}, pipelineDeals: 2, revenue: {}, revenueDeals: 0, cost: null },
    ],
    marketingTouched: { pipeline: share(4, 3, { EUR: 1500 }, { EUR: 1500 }), revenue: share(0, 0, {}, {}) },
    salesTouched: { pipeline: share(4, 1, { EUR: 1500 }, { EUR: 0 }), revenue: share(0, 0, {}, {}) },
  };

  it('gives a credit row per value and currency, with the campaign’s not-defined flag and cost, also for a value credited only deals without an amount', () => {
    const { records } = table(attributionCsv(report));
    const credits = records.filter((r) => r.row === 'credit');

    expect(credits.map((r) => [r.value, r.currency])).toEqual([
      ['webinar', 'EUR'],
      ['utm:spring', ''],
    ]);
    expect(credits[0]).toMatchObject({ model: 'linear', by: 'campaign', campaignDefined: 'true', pipeline: '1500', pipelineDeals: '3', costAmount: '3000', costPerMql: '500', costPerOpportunity: '1000' });
    expect(credits[1]).toMatchObject({ campaignName: 'spring', campaignDefined: 'false', pipeline: '', pipelineDeals: '2', costAmount: '' });
  });

  it('gives the marketing- and sales-touched shares of pipeline and revenue', () => {
    const { records } = table(attributionCsv(report));

    expect(records.find((r) => r.row === 'marketing-touched' && r.value === 'pipeline')).toMatchObject({ currency: 'EUR', deals: '4', touchedDeals: '3', share: '0.75', amount: '1500', touchedAmount: '1500' });
    expect(records.find((r) => r.row === 'sales-touched' && r.value === 'pipeline')).toMatchObject({ deals: '4', touchedDeals: '1', share: '0.25', touchedAmount: '0' });
    // no revenue: one row, its share empty (null)
    expect(records.filter((r) => r.row === 'marketing-touched' && r.value === 'revenue')).toEqual([expect.objectContaining({ currency: '', deals: '0', share: '' })]);
  });
});

describe('calibrationCsv', () => {
  it('gives a row per band and grade with its counts and rates, then the supported threshold', () => {
    // 30 accepted, 10 rejected, 5 left not accepted: 30 of 45
    const report = calibration({
      bands: { '60–79': { accepted: 30, rejected: 10, notAccepted: 5, won: 2, lost: 1 } },
      grades: { A: { accepted: 30, rejected: 10, notAccepted: 5, won: 2, lost: 1 } },
    });
    const threshold = supportedThreshold(report, { target: 0.6 });

    const { records } = table(calibrationCsv({ ...report, period, threshold, target: 0.6 }));

    expect(records.filter((r) => r.row === 'band')).toHaveLength(report.bands.length);
    expect(records.find((r) => r.row === 'band' && r.value === '60–79')).toMatchObject({ bandFrom: '60', bandTo: '80', accepted: '30', rejected: '10', notAccepted: '5', decisions: '45', acceptanceRate: '0.667', won: '2', winRate: '0.667' });
    expect(records.find((r) => r.row === 'grade' && r.value === 'A')).toMatchObject({ bandFrom: '', decisions: '45' });
    expect(records.at(-1)).toMatchObject({ row: 'threshold', value: '60–79', threshold: '60', decisions: '45', accepted: '30', acceptanceRate: '0.667', target: '0.6', reason: '' });
  });

  it('says why no threshold is supported', () => {
    const report = calibration({ bands: {}, grades: {} });

    const { records } = table(calibrationCsv({ ...report, period, threshold: supportedThreshold(report, { target: 0.6 }), target: 0.6 }));

    expect(records.at(-1)).toMatchObject({ row: 'threshold', threshold: '', decisions: '0', reason: 'too-few-decisions' });
  });
});

describe('stalledCsv and feedbackCsv: lead- and rep-supplied text', () => {
  it('keeps a company named as a formula, and a name with a comma, as text', () => {
    const lead = {
      leadId: 'lead-1',
      name: 'Doe, Jane',
      company: '=HYPERLINK("http://evil.example","click")',
      email: 'jane@acme.example',
      stage: 'mql' as const,
      since: '2026-03-30T08:00:00.000Z',
      hoursInStage: 28,
      limit: { hours: 4, from: 'acceptWithinHours' },
      owner: { teamId: 'sales-emea', repId: 'rep-sam' },
    };

    const text = stalledCsv({ at: '2026-03-31T12:00:00.000Z', leads: [lead], more: false });
    const { records } = table(text);

    expect(records).toEqual([
      expect.objectContaining({ leadId: 'lead-1', name: 'Doe, Jane', company: `'=HYPERLINK("http://evil.example","click")`, stage: 'mql', hoursInStage: '28', limitHours: '4', limitWorkingDays: '', repId: 'rep-sam' }),
    ]);
  });

  it('gives a row per segment with every rating and reason, then a row per comment', () => {
    const segment = {
      segment: 'sales-emea',
      handed: 4,
      withFeedback: 2,
      coverage: 0.5,
      submissions: 3,
      ratings: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 2 },
      averageRating: 4,
      reasons: { accepted: [{ id: 'right-fit', label: 'Right fit', count: 2 }], rejected: [{ id: 'no-budget', label: 'No budget', count: 0 }] },
    };
    const comment = { at: '2026-03-12T09:00:00.000Z', leadId: 'lead-1', cycle: 1, occasion: 'accepted' as const, rating: 5, repId: 'rep-sam', teamId: null, comment: '@boss: call\nback' };

    const { records } = table(feedbackCsv({ period: { ...period, days: 31 }, by: 'team', segments: [segment] as never, comments: [comment] }));

    expect(records[0]).toMatchObject({ row: 'segment', segment: 'sales-emea', coverage: '0.5', rating2: '1', rating5: '2', 'reason.accepted.right-fit': '2', 'reason.rejected.no-budget': '0', comment: '' });
    expect(records[1]).toMatchObject({ row: 'comment', leadId: 'lead-1', rating: '5', teamId: '', comment: "'@boss: call\nback", handed: '' });
  });
});
