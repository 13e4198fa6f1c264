import type { CampaignsConfig } from '#core/campaigns.ts';
import { fromMinorUnits } from '#core/report-counts.ts';
import { ATTRIBUTION_FAMILY, SHARE_SLICE } from '#core/reports/attribution-counts.ts';
import type { AttributionDimension, AttributionModel } from '#core/reports/attribution.ts';
import type { CampaignCost } from '#core/reports/campaign-cost.ts';
import { campaignOfSlice, costOfCampaign } from '#core/reports/campaign-slices.ts';
import { reportPeriod, type AttributionQuery } from '#core/reports/period.ts';
import type { FunnelPorts } from './funnel.ts';

export interface AttributionPorts extends Pick<FunnelPorts, 'sliceCounts' | 'now'> {
  campaigns: CampaignsConfig;
}

/** Credit of one campaign (type, source, medium) in a period: pipeline and revenue per currency, and the deals credited. */
export interface AttributionRow {
  value: string;
  /** for by=campaign: the campaign as config/campaigns.json names it, or as the touches did when it is not defined there */
  campaign?: { name: string; type: string; defined: boolean };
  pipeline: Record<string, number>;
  pipelineDeals: number;
  revenue: Record<string, number>;
  revenueDeals: number;
  /**
   * for by=campaign: what the campaign's cost bought in the period (campaign-cost.ts): cost per MQL (its leads,
   * by first touch, that reached mql), per opportunity it touched (`pipelineDeals`), and the revenue credited to it
   * under the model ÷ its cost; null for a campaign without a cost
   */
  cost?: CampaignCost | null;
}

/** Deals created (pipeline) or won (revenue) in the period, and those a kind of touch came before the opportunity of. */
export interface TouchedShare {
  deals: number;
  touchedDeals: number;
  /** touchedDeals ÷ deals, to 3 decimals; null when there were no deals */
  share: number | null;
  amounts: Record<string, number>;
  touchedAmounts: Record<string, number>;
}

export interface AttributionOfPeriod {
  period: { from: string; to: string; days: number };
  model: AttributionModel;
  by: AttributionDimension;
  rows: AttributionRow[];
  /** deals (and their amounts) with any marketing touch before the opportunity, of all deals created (pipeline) and won (revenue) */
  marketingTouched: Record<'pipeline' | 'revenue', TouchedShare>;
  /** the same for sales touches (a rep's activities: POST /v1/activities); a deal can be both, so the shares need not add to 1 */
  salesTouched: Record<'pipeline' | 'revenue', TouchedShare>;
}

/** Per currency, the amounts of counters named `<prefix><CUR>` (in minor units) back in units. */
function amounts(counts: Readonly<Record<string, number>>, prefix: string): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .filter(([name]) => name.startsWith(prefix) && /^[A-Z]{3}$/.test(name.slice(prefix.length)))
      .map(([name, value]) => [name.slice(prefix.length), fromMinorUnits(value, name.slice(prefix.length))]),
  );
}

/**
 * Pipeline (opportunities created) and revenue (deals won) credited under a
 * model, rolled up by campaign, campaign type, source or medium, over a
 * period; and the share of both that marketing touched.
 */
export async function attributionOfPeriod(query: AttributionQuery, ports: AttributionPorts): Promise<AttributionOfPeriod> {
  const period = reportPeriod(query, ports.now());
  const model = query.model ?? 'linear';
  const by = query.by ?? 'campaign';
  const [credits, share, funnelByCampaign] = await Promise.all([
    ports.sliceCounts(ATTRIBUTION_FAMILY, period.days, `${model}:${by}`),
    ports.sliceCounts(ATTRIBUTION_FAMILY, period.days, SHARE_SLICE.slice(0, SHARE_SLICE.indexOf('='))),
    // the MQLs of each campaign, for its cost per MQL: the funnel's campaign slices have the same values
    by === 'campaign' ? ports.sliceCounts('funnel', period.days, 'campaign') : undefined,
  ]);
  const rows = [...credits].map(([value, counts]): AttributionRow => {
    const row: AttributionRow = {
      value,
      pipeline: amounts(counts, 'pipeline.'),
      pipelineDeals: counts['pipeline.deals'] ?? 0,
      revenue: amounts(counts, 'revenue.'),
      revenueDeals: counts['revenue.deals'] ?? 0,
    };
    if (by !== 'campaign') return row;
    const mqls = funnelByCampaign?.get(value)?.['reached.mql'] ?? 0;
    const { value: _value, ...rest } = row;
    return {
      value,
      campaign: campaignOfSlice(ports.campaigns, value),
      ...rest,
      cost: costOfCampaign(ports.campaigns, value, { mqls, opportunities: row.pipelineDeals, revenue: row.revenue }),
    };
  });
  rows.sort((a, b) => b.revenueDeals - a.revenueDeals || b.pipelineDeals - a.pipelineDeals || (a.value < b.value ? -1 : 1));
  const all = share.get('all') ?? {};
  // `pipeline.touched.*` counts marketing touches, `pipeline.sales.*` sales touches (attribution-counts.ts)
  const touched = (kind: 'pipeline' | 'revenue', by: 'touched' | 'sales'): TouchedShare => {
    const deals = all[`${kind}.deals`] ?? 0;
    const touchedDeals = all[`${kind}.${by}.deals`] ?? 0;
    return { deals, touchedDeals, share: deals === 0 ? null : Math.round((touchedDeals / deals) * 1000) / 1000, amounts: amounts(all, `${kind}.`), touchedAmounts: amounts(all, `${kind}.${by}.`) };
  };
  return {
    period: { from: period.from, to: period.to, days: period.days.length },
    model,
    by,
    rows,
    marketingTouched: { pipeline: touched('pipeline', 'touched'), revenue: touched('revenue', 'touched') },
    salesTouched: { pipeline: touched('pipeline', 'sales'), revenue: touched('revenue', 'sales') },
  };
}

