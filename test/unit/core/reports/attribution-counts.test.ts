import { describe, expect, it } from 'vitest';
import { campaigns } from '../../../../config/index.ts';
import type { Lead, Touch } from '#core/lead.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { attributionCounts, SHARE_SLICE } from '#core/reports/attribution-counts.ts';
import { attributionDimensions, attributionModels } from '#core/reports/attribution.ts';

/** A deal of 1,000.00 EUR whose lead had three touches before its opportunity, and one after. */
const touch = (messageId: string, at: string, source: string, campaign?: string): Touch => ({ messageId, at, source, medium: 'email', ...(campaign && { campaign }) });
const lead: Pick<Lead, 'touches' | 'createdAt' | 'deal' | 'stageHistory'> = {
  createdAt: '2026-03-01T10:00:00.000Z',
  touches: [
    touch('t1', '2026-03-01T10:00:00.000Z', 'newsletter', 'march'),
    touch('t2', '2026-03-03T10:00:00.000Z', 'google'),
    touch('t3', '2026-03-05T10:00:00.000Z', 'linkedin', 'spring'),
    touch('t4', '2026-03-20T10:00:00.000Z', 'newsletter', 'april'),
  ],
  deal: { stage: 'won', at: '2026-03-10T10:00:00.000Z', amount: 1000, currency: 'EUR' },
  stageHistory: [],
};
const opportunity: StageChange = { from: 'sql', to: 'opportunity', at: '2026-03-10T10:00:00.000Z', cause: 'crm' };
const won: StageChange = { from: 'opportunity', to: 'won', at: '2026-03-10T10:00:00.000Z', cause: 'crm' };

describe('attribution counts of a deal', () => {
  it('credits pipeline and revenue under every model, by every dimension, each summing to the deal’s amount in minor units', () => {
    const counts = attributionCounts(lead, [opportunity, won], campaigns);

    for (const kind of ['pipeline', 'revenue'] as const) {
      for (const model of attributionModels) {
        for (const dimension of attributionDimensions) {
          const credits = counts.filter((c) => c.slice.startsWith(`${model}:${dimension}=`) && c.counts[`${kind}.EUR`] !== undefined);
          expect(credits.reduce((sum, c) => sum + c.counts[`${kind}.EUR`]!, 0), `${kind} ${model} ${dimension}`).toBe(100_000);
          expect(credits.every((c) => c.family === 'attribution' && c.day === '2026-03-10')).toBe(true);
        }
      }
    }
  });

  it('credits only touches before the opportunity: first touch takes all under first, the last before it under last', () => {
    const counts = attributionCounts(lead, [opportunity], campaigns);
    const bySource = (model: string): Record<string, number> =>
      Object.fromEntries(counts.filter((c) => c.slice.startsWith(`${model}:source=`)).map((c) => [c.slice.split('=')[1]!, c.counts['pipeline.EUR'] ?? 0]));

    expect(bySource('first')).toMatchObject({ newsletter: 100_000 });
    expect(bySource('last')).toMatchObject({ linkedin: 100_000 });
    expect(Object.values(bySource('linear')).reduce((a, b) => a + b, 0)).toBe(100_000);
  });

  it('counts the deal as marketing-touched', () => {
    const share = attributionCounts(lead, [opportunity], campaigns).find((c) => c.slice === SHARE_SLICE);

    expect(share?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.EUR': 100_000, 'pipeline.touched.deals': 1, 'pipeline.touched.EUR': 100_000 });
  });

  describe('an opportunity the CRM reported without an amount', () => {
    const noAmount = { ...lead, deal: { stage: 'opportunity' as const, at: opportunity.at } };

    it('still counts as a deal for each source that touched it before the opportunity, and in the marketing-touched share, with no amount counter', () => {
      const counts = attributionCounts(noAmount, [opportunity], campaigns);

      // the three touches before the opportunity (newsletter, google, linkedin); april's came after it
      const linearBySource = counts.filter((c) => c.slice.startsWith('linear:source='));
      expect(Object.fromEntries(linearBySource.map((c) => [c.slice, c.counts]))).toEqual({
        'linear:source=newsletter': { 'pipeline.deals': 1 },
        'linear:source=google': { 'pipeline.deals': 1 },
        'linear:source=linkedin': { 'pipeline.deals': 1 },
      });
      expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.touched.deals': 1 });
      // every model and dimension counts it: no counter of any currency anywhere
      for (const model of attributionModels) expect(counts.some((c) => c.slice.startsWith(`${model}:campaign=`)), model).toBe(true);
      expect(counts.flatMap((c) => Object.keys(c.counts)).filter((name) => !name.endsWith('.deals'))).toEqual([]);
    });

    it('counts a win without an amount (or with no deal at all) as a revenue deal, and one with no touch under (no touch)', () => {
      const counts = attributionCounts({ ...lead, deal: undefined }, [won], campaigns);
      expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'revenue.deals': 1, 'revenue.touched.deals': 1 });

      const untouched = attributionCounts({ ...noAmount, touches: [] }, [opportunity], campaigns);
      expect(untouched.find((c) => c.slice === 'first:campaign=(no touch)')?.counts).toEqual({ 'pipeline.deals': 1 });
      expect(untouched.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'pipeline.deals': 1 });
    });

    it('counts a deal only a rep’s activity touched as sales-touched', () => {
      const call = { kind: 'call' as const, at: '2026-03-09T10:00:00.000Z' };
      const counts = attributionCounts({ ...noAmount, touches: [] }, [opportunity], campaigns, [call]);
      expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.sales.deals': 1 });
      expect(counts.find((c) => c.slice === 'last:campaign=sales:call')?.counts).toEqual({ 'pipeline.deals': 1 });
    });
  });

  it('credits a deal with no touch to (no touch), and does not count it as marketing-touched', () => {
    const counts = attributionCounts({ ...lead, touches: [] }, [opportunity], campaigns);

    expect(counts.find((c) => c.slice === 'linear:campaign=(no touch)')?.counts).toEqual({ 'pipeline.EUR': 100_000, 'pipeline.deals': 1 });
    expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.EUR': 100_000 });
  });

  describe('sales touches (a rep’s activities)', () => {
    // the lead's three touches before the opportunity, then a deck sent and a call, both before it, and a meeting after it
    const deck = { kind: 'email' as const, at: '2026-03-08T10:00:00.000Z', result: 'Sent the ROI deck to the CFO' };
    const call = { kind: 'call' as const, at: '2026-03-09T10:00:00.000Z', result: 'left a voicemail' };
    const late = { kind: 'meeting' as const, at: '2026-03-15T10:00:00.000Z', result: 'ROI deck walkthrough' };
    const slice = (counts: ReturnType<typeof attributionCounts>, name: string) => counts.find((c) => c.slice === name)?.counts;

    it('credits them as touches: a deck sent to the sales campaign it maps to, another activity to sales:<kind>, both of type, source and medium sales', () => {
      const counts = attributionCounts(lead, [opportunity], campaigns, [deck, call, late]);

      // linear over five touches before the opportunity: 200.00 EUR each
      expect(slice(counts, 'linear:campaign=sales-roi-deck')).toEqual({ 'pipeline.EUR': 20_000, 'pipeline.deals': 1 });
      expect(slice(counts, 'linear:campaign=sales:call')).toEqual({ 'pipeline.EUR': 20_000, 'pipeline.deals': 1 });
      expect(slice(counts, 'linear:campaignType=sales')).toEqual({ 'pipeline.EUR': 40_000, 'pipeline.deals': 1 });
      expect(slice(counts, 'linear:source=sales')).toEqual({ 'pipeline.EUR': 40_000, 'pipeline.deals': 1 });
      expect(slice(counts, 'linear:medium=sales')).toEqual({ 'pipeline.EUR': 40_000, 'pipeline.deals': 1 });
      // the last touch before the opportunity is the call
      expect(slice(counts, 'last:campaign=sales:call')).toEqual({ 'pipeline.EUR': 100_000, 'pipeline.deals': 1 });
      // still whole: credits of the deal sum to its amount
      const linear = counts.filter((c) => c.slice.startsWith('linear:campaign='));
      expect(linear.reduce((sum, c) => sum + (c.counts['pipeline.EUR'] ?? 0), 0)).toBe(100_000);
    });

    it('counts the deal as sales-touched beside marketing-touched; an activity after the opportunity touches nothing', () => {
      expect(slice(attributionCounts(lead, [opportunity], campaigns, [deck]), SHARE_SLICE)).toEqual({
        'pipeline.deals': 1,
        'pipeline.EUR': 100_000,
        'pipeline.touched.deals': 1,
        'pipeline.touched.EUR': 100_000,
        'pipeline.sales.deals': 1,
        'pipeline.sales.EUR': 100_000,
      });
      const onlyLate = attributionCounts({ ...lead, touches: [] }, [opportunity], campaigns, [late]);
      expect(slice(onlyLate, SHARE_SLICE)).toEqual({ 'pipeline.deals': 1, 'pipeline.EUR': 100_000 });
      expect(slice(onlyLate, 'linear:campaign=(no touch)')).toEqual({ 'pipeline.EUR': 100_000, 'pipeline.deals': 1 });
    });

    it('makes a deal only sales touched sales-touched, not marketing-touched', () => {
      expect(slice(attributionCounts({ ...lead, touches: [] }, [opportunity], campaigns, [call]), SHARE_SLICE)).toEqual({
        'pipeline.deals': 1,
        'pipeline.EUR': 100_000,
        'pipeline.sales.deals': 1,
        'pipeline.sales.EUR': 100_000,
      });
    });
  });
});
