import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaignCost } from '#core/reports/campaign-cost.ts';

const cost = { amount: 18000, currency: 'EUR' };

describe('campaign cost', () => {
  it('gives cost per MQL and per opportunity, and won revenue over cost, in the cost’s currency', () => {
    expect(campaignCost({ cost, mqls: 40, opportunities: 7, revenue: { EUR: 45000 } })).toEqual({
      amount: 18000,
      currency: 'EUR',
      perMql: 450,
      perOpportunity: 2571.43,
      returnOnRevenue: 2.5,
      revenueNotCompared: [],
    });
  });

  it('has no cost per MQL or opportunity when there were none, and a return of 0 when nothing was won', () => {
    expect(campaignCost({ cost, mqls: 0, opportunities: 0, revenue: {} })).toMatchObject({ perMql: null, perOpportunity: null, returnOnRevenue: 0 });
  });

  it('gives no return when any revenue is in another currency, and names those currencies', () => {
    expect(campaignCost({ cost, mqls: 3, opportunities: 1, revenue: { USD: 5000 } })).toMatchObject({ returnOnRevenue: null, revenueNotCompared: ['USD'] });
    // part of the revenue in the cost's currency: a return from that part alone would understate it
    expect(campaignCost({ cost, mqls: 3, opportunities: 2, revenue: { GBP: 1, EUR: 9000, USD: 5000 } })).toMatchObject({ returnOnRevenue: null, revenueNotCompared: ['GBP', 'USD'] });
  });

  it('gives no return on a campaign that cost nothing, but 0 per MQL', () => {
    expect(campaignCost({ cost: { amount: 0, currency: 'EUR' }, mqls: 5, opportunities: 1, revenue: { EUR: 100 } })).toMatchObject({ perMql: 0, perOpportunity: 0, returnOnRevenue: null });
  });

  it('multiplies back to the cost, within rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 100_000_000 }), (amount, n, revenue) => {
        const result = campaignCost({ cost: { amount, currency: 'EUR' }, mqls: n, opportunities: n, revenue: { EUR: revenue } });
        expect(Math.abs(result.perMql! * n - amount)).toBeLessThanOrEqual(0.005 * n + 1e-6);
        expect(Math.abs(result.returnOnRevenue! * amount - revenue)).toBeLessThanOrEqual(0.005 * amount + 1e-6);
      }),
    );
  });
});
