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

  it('counts the deal as marketing-touched, and counts nothing for a lead with no amount or no deal', () => {
    const share = attributionCounts(lead, [opportunity], campaigns).find((c) => c.slice === SHARE_SLICE);

    expect(share?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.EUR': 100_000, 'pipeline.touched.deals': 1, 'pipeline.touched.EUR': 100_000 });
    expect(attributionCounts({ ...lead, deal: { stage: 'opportunity', at: opportunity.at } }, [opportunity], campaigns)).toEqual([]);
    expect(attributionCounts({ ...lead, deal: undefined }, [won], campaigns)).toEqual([]);
  });

  it('credits a deal with no touch to (no touch), and does not count it as marketing-touched', () => {
    const counts = attributionCounts({ ...lead, touches: [] }, [opportunity], campaigns);

    expect(counts.find((c) => c.slice === 'linear:campaign=(no touch)')?.counts).toEqual({ 'pipeline.EUR': 100_000, 'pipeline.deals': 1 });
    expect(counts.find((c) => c.slice === SHARE_SLICE)?.counts).toEqual({ 'pipeline.deals': 1, 'pipeline.EUR': 100_000 });
  });
});
