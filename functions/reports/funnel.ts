import type { CampaignsConfig } from '#core/campaigns.ts';
import { funnelReport, type FunnelCounters, type FunnelReport } from '#core/funnel.ts';
import type { CampaignCost } from '#core/reports/campaign-cost.ts';
import { campaignOfSlice, costOfCampaign, countsByCampaignType, type CampaignOfSlice } from '#core/reports/campaign-slices.ts';
import { periodFunnel, type SegmentFunnel } from '#core/reports/period-funnel.ts';
import { CAMPAIGN_TYPE, reportPeriod, type FunnelQuery } from '#core/reports/period.ts';

export interface FunnelPorts {
  /** the counters the stream path keeps; never a scan */
  getFunnelCounters: () => Promise<FunnelCounters>;
  /** the report counts of a family over days, per value of a dimension; one Query per day */
  sliceCounts: (family: string, days: readonly string[], dimension: string) => Promise<Map<string, Record<string, number>>>;
  now: () => Date;
  /** what campaign slices are looked up in: names, types and costs */
  campaigns: CampaignsConfig;
  /** the traits kept as slices (config/reports.json): `by=trait:<name>` takes only these */
  traitNames: readonly string[];
}

/** The funnel: how many leads reached each stage and are in it now. */
export async function readFunnel(ports: Pick<FunnelPorts, 'getFunnelCounters'>): Promise<FunnelReport> {
  return funnelReport(await ports.getFunnelCounters());
}

/** A segment of the funnel; by=campaign adds the campaign and what its cost bought. */
export interface FunnelSegment extends SegmentFunnel {
  /** by=campaign: the campaign as config/campaigns.json names it (`defined: false`: as its touches named it) */
  campaign?: CampaignOfSlice;
  /** by=campaign: the campaign's cost per MQL and opportunity and return on won revenue in the period; null without a cost */
  cost?: CampaignCost | null;
}

export interface FunnelOfPeriod extends FunnelReport {
  period: { from: string; to: string; days: number };
  /** a dimension kept, `campaignType`, or `trait:<name>` */
  by: string;
  segments: FunnelSegment[];
}

/**
 * The funnel of a period, sliced: per segment of `by`, each stage's leads,
 * conversion, time in stage and where leads left, the decisions and deals;
 * with the whole funnel now (`stages`: reached and current, all time). By
 * campaign type, the campaign slices added up by each campaign's type.
 */
export async function funnelOfPeriod(query: FunnelQuery, ports: FunnelPorts): Promise<FunnelOfPeriod> {
  const period = reportPeriod(query, ports.now());
  const by = query.by ?? 'all';
  const dimension = by === CAMPAIGN_TYPE ? 'campaign' : by;
  const [now, read] = await Promise.all([readFunnel(ports), ports.sliceCounts('funnel', period.days, dimension)]);
  const sums = by === CAMPAIGN_TYPE ? countsByCampaignType(ports.campaigns, read) : read;
  const segments: FunnelSegment[] = periodFunnel(sums);
  if (by === 'campaign') {
    for (const segment of segments) {
      segment.campaign = campaignOfSlice(ports.campaigns, segment.segment);
      segment.cost = costOfCampaign(ports.campaigns, segment.segment, {
        mqls: segment.stages.find((s) => s.stage === 'mql')?.reached ?? 0,
        opportunities: segment.deals.opportunities,
        revenue: segment.deals.revenue,
      });
    }
  }
  return { ...now, period: { from: period.from, to: period.to, days: period.days.length }, by, segments };
}
