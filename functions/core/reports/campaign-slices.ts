import { NOT_DEFINED, type CampaignsConfig } from '../campaigns.ts';
import { NONE } from '../report-counts.ts';
import { campaignCost, type CampaignCost } from './campaign-cost.ts';

/**
 * Campaign slices read back: a campaign slice's value is the id the lead's
 * first touch counts for (report-counts.ts leadSlices, campaignOfTouch: a
 * defined campaign's id, else `utm:<name>` / `source:<host>`), so the
 * campaign, its type and its cost are looked up in config/campaigns.json when
 * a report is read, and a slice by campaign type is the campaign slices added
 * up by type: no count is kept twice. Pure.
 */

/** A campaign as a report shows it: as config/campaigns.json names it, or as the touches did when it is not defined there. */
export interface CampaignOfSlice {
  name: string;
  type: string;
  defined: boolean;
}

/** The campaign of a slice value (or an attribution row's): `(none)` is the leads with no touch, of type `(none)`. */
export function campaignOfSlice(config: CampaignsConfig, value: string): CampaignOfSlice {
  const defined = config.campaigns.find((campaign) => campaign.id === value);
  if (defined) return { name: defined.name, type: defined.type, defined: true };
  if (value === NONE) return { name: NONE, type: NONE, defined: false };
  // `utm:spring` → `spring`; a value counted before campaigns were looked up (a bare UTM name) is shown as it is
  const colon = value.indexOf(':');
  return { name: colon === -1 ? value : value.slice(colon + 1), type: NOT_DEFINED, defined: false };
}

/** Campaign slices' counts added up per campaign type (`paid`, `not-defined`, `(none)`). */
export function countsByCampaignType(
  config: CampaignsConfig,
  byCampaign: ReadonlyMap<string, Readonly<Record<string, number>>>,
): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const [value, counts] of byCampaign) {
    const type = campaignOfSlice(config, value).type;
    const sum = sums.get(type) ?? {};
    for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
    sums.set(type, sum);
  }
  return sums;
}

/** What a defined campaign with a cost bought in a period (campaign-cost.ts); null for a campaign without a cost or not defined. */
export function costOfCampaign(
  config: CampaignsConfig,
  value: string,
  counts: { mqls: number; opportunities: number; revenue: Readonly<Record<string, number>> },
): CampaignCost | null {
  const cost = config.campaigns.find((campaign) => campaign.id === value)?.cost;
  return cost === undefined ? null : campaignCost({ cost, ...counts });
}
