import { describe, expect, it } from 'vitest';
import {
  apiErrorText,
  count,
  currencyRows,
  deadlineShare,
  duration,
  funnelSteps,
  leftRows,
  money,
  percent,
  reportQuery,
  segmentLabel,
  sliceOptions,
  stageLabel,
  thresholdText,
  type StageRow,
} from '../../../functions/dashboard/browser/format.ts';
import { funnelSlices } from '../../../functions/core/reports/period.ts';
import { reports } from '../../../config/index.ts';

const row = (stage: string, left: Record<string, number> = {}): StageRow =>
  ({ stage, reached: 0, conversionFromPrevious: null, timeInStage: null, left }) as StageRow;

describe('the dashboard’s wording of numbers', () => {
  it('writes rates as percentages to one decimal, and a missing rate as a dash', () => {
    expect(percent(0.425)).toBe('42.5%');
    expect(percent(1)).toBe('100.0%');
    expect(percent(0)).toBe('0.0%');
    expect(percent(0.0004)).toBe('0.0%');
    expect(percent(null)).toBe('–');
    expect(percent(undefined)).toBe('–');
    expect(percent(Number.NaN)).toBe('–');
  });

  it('writes durations in minutes under an hour, hours under two days, then days', () => {
    expect(duration(0.25)).toBe('15 min');
    expect(duration(0.001)).toBe('1 min');
    expect(duration(1)).toBe('1 h');
    expect(duration(5.25)).toBe('5.3 h');
    expect(duration(47.9)).toBe('47.9 h');
    expect(duration(48)).toBe('2 d');
    expect(duration(100)).toBe('4.2 d');
    expect(duration(null)).toBe('–');
    expect(duration(undefined)).toBe('–');
    expect(duration(-1)).toBe('–');
  });

  it('writes counts with separators, and amounts in their currency', () => {
    expect(count(1234567)).toBe('1,234,567');
    expect(money(1234.5, 'EUR')).toBe('€1,234.50');
    expect(money(1500, 'JPY')).toBe('¥1,500');
    // a code Intl does not know still shows its number and its code
    expect(money(12, 'EURO')).toBe('12 EURO');
  });

  it('says how many decisions came before the deadline, and when there were none', () => {
    expect(deadlineShare({ accepted: 2, rejected: 1, notAccepted: 1, beforeDeadline: 3, beforeDeadlineShare: 0.75 })).toBe('3 of 4 (75.0%)');
    expect(deadlineShare({ accepted: 0, rejected: 0, notAccepted: 0, beforeDeadline: 0, beforeDeadlineShare: null })).toBe('no decisions in this period');
  });

  it('puts pipeline and revenue of each currency side by side, a currency with only one of them at 0 for the other', () => {
    expect(currencyRows({ opportunities: 2, won: 1, lost: 0, pipeline: { USD: 10, EUR: 2000.5 }, revenue: { EUR: 1000 } })).toEqual([
      { currency: 'EUR', pipeline: 2000.5, revenue: 1000 },
      { currency: 'USD', pipeline: 10, revenue: 0 },
    ]);
  });

  it('lists where leads left and why, most first, then in stage order', () => {
    const stages = [row('mql', { 'not-accepted': 1 }), row('sal', { rejected: 3, crm: 1 }), row('opportunity', { lost: 1 })];
    expect(leftRows(stages)).toEqual([
      { stage: 'sal', reason: 'rejected', leads: 3 },
      { stage: 'mql', reason: 'not-accepted', leads: 1 },
      { stage: 'sal', reason: 'crm', leads: 1 },
      { stage: 'opportunity', reason: 'lost', leads: 1 },
    ]);
  });

  it('charts the stages a lead moves forward through, not those it leaves by', () => {
    const all = ['visitor', 'known', 'engaged', 'mql', 'sal', 'sql', 'opportunity', 'won', 'lost', 'recycled', 'disqualified'].map((s) => row(s));
    expect(funnelSteps(all).map((r) => r.stage)).toEqual(['visitor', 'known', 'engaged', 'mql', 'sal', 'sql', 'opportunity', 'won']);
    expect(stageLabel('mql')).toBe('MQL');
    expect(stageLabel('something-new')).toBe('something-new');
  });

  it('names the whole "All leads" and shows any other segment exactly as reported', () => {
    expect(segmentLabel({ segment: 'all' }, 'all')).toBe('All leads');
    expect(segmentLabel({ segment: 'all' }, 'source')).toBe('all');
    expect(segmentLabel({ segment: '<img src=x>' }, 'source')).toBe('<img src=x>');
    // a campaign by its name, not its id; one config/campaigns.json does not define, marked so
    expect(segmentLabel({ segment: 'spring-2026', campaign: { name: 'Spring launch', type: 'email', defined: true } }, 'campaign')).toBe('Spring launch');
    expect(segmentLabel({ segment: 'utm:<img src=x>', campaign: { name: '<img src=x>', type: 'not-defined', defined: false } }, 'campaign')).toBe('<img src=x> (not defined)');
  });
});

describe('the dashboard’s report requests', () => {
  it('carry the period and the slice, encoded, and nothing else', () => {
    expect(reportQuery({ from: '2026-11-01', to: '2026-11-30', by: 'campaign' })).toBe('?from=2026-11-01&to=2026-11-30&by=campaign');
    expect(reportQuery({ by: 'all' })).toBe('?by=all');
    expect(reportQuery({ from: '', to: undefined })).toBe('');
    expect(reportQuery({ from: '2026-11-01&by=x' })).toBe('?from=2026-11-01%26by%3Dx');
  });

  it('turn an error answer into one sentence with the fields it names', () => {
    expect(apiErrorText(401, { error: 'the key is not valid' })).toBe('The key is not valid');
    expect(apiErrorText(400, { error: 'the request is not valid', issues: [{ path: 'to', message: 'must not be before from' }] })).toBe(
      'The request is not valid; to: must not be before from',
    );
    expect(apiErrorText(404, { message: 'Not Found' })).toBe('Not Found');
    expect(apiErrorText(502, undefined)).toBe('The API answered 502');
  });

  it('say what threshold the calibration supports at the agreed rate and what it rests on, or why there is none', () => {
    expect(thresholdText({ threshold: { threshold: 40, band: '40–59', decisions: 120, accepted: 90, acceptanceRate: 0.75 }, target: 0.7 })).toBe(
      'At the agreed acceptance rate of 70.0%, the decisions support an MQL threshold of 40 engagement points (band 40–59): 90 of 120 hand-offs from there up were accepted (75.0%).',
    );
    expect(thresholdText({ threshold: { threshold: null, reason: 'too-few-decisions', decisions: 1 }, target: 0.7 })).toBe('Too few decisions yet to support a threshold (1 decision in all).');
    expect(thresholdText({ threshold: { threshold: null, reason: 'below-target', decisions: 300 }, target: 0.7 })).toBe(
      'No threshold with enough decisions above it reaches the agreed acceptance rate of 70.0% (300 decisions in all).',
    );
  });
});

describe('the slices the page offers', () => {
  it('are every slice the funnel report takes for the configured traits, campaign type and each trait included', () => {
    const offered = sliceOptions(reports.traits);
    expect(offered.map(([value]) => value).sort()).toEqual(funnelSlices(Object.keys(reports.traits)).sort());
    expect(offered).toContainEqual(['campaignType', 'Campaign type']);
  });

  it('name a trait, and say when it is counted in bands', () => {
    expect(sliceOptions({ industry: {}, employees: { bands: [10, 50] } }).slice(-2)).toEqual([
      ['trait:industry', 'Trait: industry'],
      ['trait:employees', 'Trait: employees (bands)'],
    ]);
  });
});
