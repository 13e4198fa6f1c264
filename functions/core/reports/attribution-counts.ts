import { campaignOfActivity, campaignOfTouch, type ActivityInput, type CampaignsConfig } from '../campaigns.ts';
import type { Lead, Touch } from '../lead.ts';
import type { StageChange } from '../lifecycle.ts';
import { dayOf, minorUnits, type ReportCount } from '../report-counts.ts';
import { attributionDimensions, attributionModels, creditBy, creditDeal, marketingTouched, salesTouched, type AttributedTouch } from './attribution.ts';

/**
 * The attribution counts of a save that creates an opportunity (pipeline) or
 * wins a deal (revenue): under every model, the deal's amount credited to the
 * lead's touches before the opportunity was created, rolled up by campaign,
 * campaign type, source and medium (`linear:campaign=webinar-q2`), and
 * whether any marketing touch, and any sales touch, came before it
 * (`share:all=all`). Sales touches are the rep's activities: each counts for
 * the sales campaign config/campaigns.json maps it to (a deck sent), else for
 * `sales:<kind>`, of type, source and medium `sales`. Credits of a deal sum
 * exactly to its amount (minor units). Pure; the lead store adds them to the
 * `attribution` report items as it does every report count.
 *
 * Every opportunity (and every win) counts, as the funnel counts it: one the
 * CRM reported without an amount (or with no deal at all) still counts as a
 * deal (`pipeline.deals`) for each campaign, type, source and medium that
 * touched it and in the shares, with no amount counter, so the opportunity
 * counts, the marketing-touched share and the cost per opportunity agree
 * with the funnel's opportunities.
 */

export const ATTRIBUTION_FAMILY = 'attribution';
/** The slice the marketing-touched share is kept in. */
export const SHARE_SLICE = 'share:all=all';
export const DEFAULT_HALF_LIFE_DAYS = 7;

/** A lead's touch as the attribution models take it: its campaign as config/campaigns.json defines it. */
export function attributedTouch(touch: Touch, campaigns: CampaignsConfig): AttributedTouch {
  const campaign = campaignOfTouch(campaigns, touch);
  return { at: touch.at, campaign: campaign.id, campaignType: campaign.type, source: touch.source, medium: touch.medium ?? '(none)', kind: 'marketing' };
}

/** The medium (and, when it matches no defined campaign, the type and source) of a sales touch. */
export const SALES = 'sales';

/** A rep's activity as the attribution models take it: a sales touch, of the campaign it counts for. */
export function attributedActivity(activity: ActivityInput, campaigns: CampaignsConfig): AttributedTouch {
  const campaign = campaignOfActivity(campaigns, activity);
  return { at: activity.at, campaign: campaign.id, campaignType: campaign.defined ? campaign.type : SALES, source: SALES, medium: SALES, kind: 'sales' };
}

export function attributionCounts(
  lead: Pick<Lead, 'touches' | 'createdAt' | 'deal' | 'stageHistory'>,
  changes: readonly StageChange[],
  campaigns: CampaignsConfig,
  activities: readonly ActivityInput[] = [],
): ReportCount[] {
  const deal = lead.deal;
  // a deal without an amount counts as a deal with no amount counter (credits of 0, never written)
  const currency = deal?.amount !== undefined && deal.currency !== undefined ? deal.currency : undefined;
  const amount = currency === undefined ? 0 : minorUnits(deal!.amount!, currency);
  const amountOf = (name: string, minor: number): Record<string, number> => (currency === undefined ? {} : { [`${name}.${currency}`]: minor });
  const halfLifeDays = campaigns.attribution?.timeDecayHalfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
  // creditDeal puts them in time order (a marketing touch first when one shares an instant with an activity)
  const touches = [...lead.touches.map((touch) => attributedTouch(touch, campaigns)), ...activities.map((activity) => attributedActivity(activity, campaigns))];
  const counts: ReportCount[] = [];
  for (const change of changes) {
    const kind = change.to === 'opportunity' ? 'pipeline' : change.to === 'won' ? 'revenue' : undefined;
    if (kind === undefined) continue;
    // the deal's opportunity: created at this change, or for a win, when the lead became one
    const opportunityAt = change.to === 'opportunity' ? change.at : (lead.stageHistory.findLast((c) => c.to === 'opportunity' && c.at <= change.at)?.at ?? change.at);
    const attributed = { amount, leadCreatedAt: lead.createdAt, opportunityAt };
    const day = dayOf(change.at);
    for (const model of attributionModels) {
      const credits = creditDeal(attributed, touches, { model, halfLifeDays });
      for (const dimension of attributionDimensions) {
        for (const [value, credit] of Object.entries(creditBy(credits, dimension))) {
          counts.push({ family: ATTRIBUTION_FAMILY, day, slice: `${model}:${dimension}=${value}`, counts: { ...amountOf(kind, credit), [`${kind}.deals`]: 1 } });
        }
      }
    }
    const touched = marketingTouched(attributed, touches);
    const bySales = salesTouched(attributed, touches);
    counts.push({
      family: ATTRIBUTION_FAMILY,
      day,
      slice: SHARE_SLICE,
      counts: {
        [`${kind}.deals`]: 1,
        ...amountOf(kind, amount),
        ...(touched && { [`${kind}.touched.deals`]: 1, ...amountOf(`${kind}.touched`, amount) }),
        ...(bySales && { [`${kind}.sales.deals`]: 1, ...amountOf(`${kind}.sales`, amount) }),
      },
    });
  }
  return counts;
}
