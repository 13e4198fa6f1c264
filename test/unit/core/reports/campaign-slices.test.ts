import { describe, expect, it } from 'vitest';
import { campaigns } from '../../../../config/index.ts';
import { campaignOfSlice, costOfCampaign, countsByCampaignType } from '#core/reports/campaign-slices.ts';

describe('campaign slices read back', () => {
  it('names a defined campaign as the config does, one not defined as its touches did, and (none) as leads with no touch', () => {
    expect(campaignOfSlice(campaigns, 'newsletter')).toEqual({ name: 'Monthly newsletter', type: 'email', defined: true });
    expect(campaignOfSlice(campaigns, 'utm:spring_sale')).toEqual({ name: 'spring_sale', type: 'not-defined', defined: false });
    expect(campaignOfSlice(campaigns, 'source:bing.com')).toEqual({ name: 'bing.com', type: 'not-defined', defined: false });
    expect(campaignOfSlice(campaigns, '(none)')).toEqual({ name: '(none)', type: '(none)', defined: false });
  });

  it('adds campaign slices up by type, every count', () => {
    const byCampaign = new Map<string, Record<string, number>>([
      ['search-brand-2026', { 'reached.mql': 2, 'dwell.mql.3': 1 }],
      ['paid-search-other', { 'reached.mql': 1, 'dwell.mql.3': 2, 'won.count': 1 }],
      ['newsletter', { 'reached.mql': 7 }],
      ['utm:spring', { 'reached.mql': 1 }],
      ['source:bing.com', { 'reached.mql': 1 }],
    ]);
    expect(countsByCampaignType(campaigns, byCampaign)).toEqual(
      new Map([
        ['paid', { 'reached.mql': 3, 'dwell.mql.3': 3, 'won.count': 1 }],
        ['email', { 'reached.mql': 7 }],
        ['not-defined', { 'reached.mql': 2 }],
      ]),
    );
  });

  it('costs only a defined campaign with a cost', () => {
    const counts = { mqls: 10, opportunities: 2, revenue: { EUR: 9000 } };
    expect(costOfCampaign(campaigns, 'search-competitors-q2', counts)).toMatchObject({ amount: 9500, perMql: 950, perOpportunity: 4750, returnOnRevenue: 0.95 });
    expect(costOfCampaign(campaigns, 'newsletter', counts)).toBeNull();
    expect(costOfCampaign(campaigns, 'utm:search-competitors-q2', counts)).toBeNull();
  });
});
