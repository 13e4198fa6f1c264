import type { CampaignsConfig } from '#core/campaigns.ts';
import { fromMinorUnits } from '#core/report-counts.ts';
import { ATTRIBUTION_FAMILY, SHARE_SLICE } from '#core/reports/attribution-counts.ts';
import type { AttributionDimension, AttributionModel } from '#core/reports/attribution.ts';
import { csvCell } from '#core/reports/period-funnel.ts';
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
}

export interface AttributionOfPeriod {
  period: { from: string; to: string; days: number };
  model: AttributionModel;
  by: AttributionDimension;
  rows: AttributionRow[];
  /** deals (and their amounts) with any marketing touch before the opportunity, of all deals created (pipeline) and won (revenue) */
  marketingTouched: Record<'pipeline' | 'revenue', { deals: number; touchedDeals: number; share: number | null; amounts: Record<string, number>; touchedAmounts: Record<string, number> }>;
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
  const [credits, share] = await Promise.all([
    ports.sliceCounts(ATTRIBUTION_FAMILY, period.days, `${model}:${by}`),
    ports.sliceCounts(ATTRIBUTION_FAMILY, period.days, SHARE_SLICE.slice(0, SHARE_SLICE.indexOf('='))),
  ]);
  const rows = [...credits].map(([value, counts]): AttributionRow => {
    const defined = by === 'campaign' ? ports.campaigns.campaigns.find((c) => c.id === value) : undefined;
    return {
      value,
      ...(by === 'campaign' && { campaign: defined ? { name: defined.name, type: defined.type, defined: true } : { name: value, type: 'not-defined', defined: false } }),
      pipeline: amounts(counts, 'pipeline.'),
      pipelineDeals: counts['pipeline.deals'] ?? 0,
      revenue: amounts(counts, 'revenue.'),
      revenueDeals: counts['revenue.deals'] ?? 0,
    };
  });
  rows.sort((a, b) => b.revenueDeals - a.revenueDeals || b.pipelineDeals - a.pipelineDeals || (a.value < b.value ? -1 : 1));
  const all = share.get('all') ?? {};
  const touched = (kind: 'pipeline' | 'revenue') => {
    const deals = all[`${kind}.deals`] ?? 0;
    const touchedDeals = all[`${kind}.touched.deals`] ?? 0;
    return { deals, touchedDeals, share: deals === 0 ? null : Math.round((touchedDeals / deals) * 1000) / 1000, amounts: amounts(all, `${kind}.`), touchedAmounts: amounts(all, `${kind}.touched.`) };
  };
  return { period: { from: period.from, to: period.to, days: period.days.length }, model, by, rows, marketingTouched: { pipeline: touched('pipeline'), revenue: touched('revenue') } };
}

/** The credit rows as CSV: one row per value and currency. */
export function attributionCsv(report: AttributionOfPeriod): string {
  const header = ['model', 'by', 'value', 'currency', 'pipeline', 'pipelineDeals', 'revenue', 'revenueDeals'];
  const rows = report.rows.flatMap((row) => {
    const currencies = [...new Set([...Object.keys(row.pipeline), ...Object.keys(row.revenue)])].sort();
    return currencies.map((cur) => [report.model, report.by, row.value, cur, row.pipeline[cur] ?? 0, row.pipelineDeals, row.revenue[cur] ?? 0, row.revenueDeals]);
  });
  return [header, ...rows].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
