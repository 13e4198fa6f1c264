/**
 * What a campaign's cost bought: cost per MQL, per opportunity, and the
 * return on won revenue (revenue ÷ cost), from the counts a report read for
 * the campaign. Pure.
 *
 * The cost is the campaign's whole cost as config/campaigns.json gives it,
 * set against what the report's period counted: read a period that covers the
 * campaign for its full return. No exchange rates are kept, so revenue is set
 * against the cost only in the cost's currency: when any of the revenue is in
 * another currency, the return is null (a return from part of the revenue
 * would read as the whole) and those currencies are listed.
 */

export interface CampaignCostInput {
  /** the campaign's cost, in the currency's units */
  cost: { amount: number; currency: string };
  /** leads that reached mql in the period */
  mqls: number;
  /** opportunities in the period */
  opportunities: number;
  /** won revenue in the period, per currency, in the currency's units */
  revenue: Readonly<Record<string, number>>;
}

export interface CampaignCost {
  amount: number;
  currency: string;
  /** cost ÷ MQLs, to the cent; null when there were none */
  perMql: number | null;
  /** cost ÷ opportunities, to the cent; null when there were none */
  perOpportunity: number | null;
  /**
   * won revenue ÷ cost, to 2 decimals (2.5: the cost came back two and a half
   * times); 0 when nothing was won; null when the cost is 0 or some revenue is
   * in another currency (`revenueNotCompared`)
   */
  returnOnRevenue: number | null;
  /** currencies of won revenue not set against the cost (no exchange rates are kept), in order */
  revenueNotCompared: string[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Cost per MQL and per opportunity, and the return on won revenue, of one campaign. */
export function campaignCost({ cost, mqls, opportunities, revenue }: CampaignCostInput): CampaignCost {
  const won = Object.entries(revenue).filter(([, amount]) => amount !== 0);
  const notCompared = won.map(([currency]) => currency).filter((currency) => currency !== cost.currency).sort();
  const inCurrency = won.find(([currency]) => currency === cost.currency)?.[1] ?? 0;
  return {
    amount: cost.amount,
    currency: cost.currency,
    perMql: mqls > 0 ? round2(cost.amount / mqls) : null,
    perOpportunity: opportunities > 0 ? round2(cost.amount / opportunities) : null,
    returnOnRevenue: cost.amount > 0 && notCompared.length === 0 ? round2(inCurrency / cost.amount) : null,
    revenueNotCompared: notCompared,
  };
}
