/**
 * Attribution: how one deal's amount is credited to the touches on the lead's
 * path to it, under the models the attribution report offers. Pure: the deal
 * and its touches in, integer credits out; no clock is read.
 *
 * Which touches count: those at or before the deal's instant, in time order
 * (touches at the same instant keep the order given). The instant is the
 * opportunity's for pipeline, and by default for revenue too; `through: 'won'`
 * counts the touches up to the win instead (sales touches during the deal).
 *
 * The models, as weights over the touches that count:
 * - `first`, `last`: the whole amount to the first (last) touch.
 * - `linear`: equal weights.
 * - `u-shaped`: 40% to the first touch, 40% to the lead-creation touch (the
 *   last touch at or before the lead became known), 20% spread evenly over the
 *   other touches.
 * - `w-shaped`: 30% each to the first touch, the lead-creation touch and the
 *   opportunity-creation touch (the last touch at or before the opportunity),
 *   10% spread evenly over the other touches.
 * - `time-decay`: weight 2^(−Δt / half-life), Δt from the touch to the deal's
 *   instant; a touch one half-life older than another gets half its credit.
 *
 * Positional rules for short paths: one touch holding several roles gets the
 * sum of their shares (first touch that also created the lead: 80% under
 * u-shaped, 60% under w-shaped); a role no touch holds (a lead known before
 * its first touch has no lead-creation touch), and the spread share when no
 * other touch is left, go to the touches that count in proportion to the
 * shares they already have. So one touch gets 100%; two touches that are the
 * first and the lead-creation touch get 50% each under u-shaped; three that
 * hold the three w-shaped roles get a third each.
 *
 * Exact cents: amounts are integers in the currency's minor units and a deal's
 * credits sum exactly to its amount. Each touch first gets the floor of its
 * exact share (integer arithmetic, no float drift); the cents left over go one
 * each to the touches with the largest remainders, the earlier touch first on
 * a tie (largest-remainder method). Time-decay weights are made integers
 * (relative to the newest touch, scaled by 2^48) before that.
 */

export const attributionModels = ['first', 'last', 'linear', 'u-shaped', 'w-shaped', 'time-decay'] as const;
export type AttributionModel = (typeof attributionModels)[number];

/** What credits roll up by in the attribution report. */
export const attributionDimensions = ['campaign', 'campaignType', 'source', 'medium'] as const;
export type AttributionDimension = (typeof attributionDimensions)[number];

/** The bucket a deal with no touch is credited to, under every dimension. */
export const NO_TOUCH = '(no touch)';

/** One touch on the lead's path, as attribution reads it (a marketing touch or a sales activity matched to a campaign). */
export interface AttributedTouch {
  at: string;
  /** the defined campaign's key, or the UTM campaign name (or source) of a touch matching none */
  campaign: string;
  campaignType: string;
  source: string;
  medium: string;
  kind: 'marketing' | 'sales';
}

/** The deal being credited. */
export interface AttributedDeal {
  /** in the currency's minor units (cents): a whole number, 0 or more */
  amount: number;
  /** when the lead became known (identified): the touch at or before it is the lead-creation touch */
  leadCreatedAt: string;
  /** when the opportunity was created */
  opportunityAt: string;
  /** when the deal was won; needed only with `through: 'won'` */
  wonAt?: string;
}

export interface AttributionOptions {
  model: AttributionModel;
  /**
   * Half-life of a touch's weight under `time-decay`, in days.
   * @default 7
   */
  halfLifeDays?: number;
  /**
   * Which touches count: those up to the opportunity, or up to the win.
   * @default 'opportunity'
   */
  through?: 'opportunity' | 'won';
}

/** A touch's credit from one deal; `touch` is null for the one credit of a deal with no touch. */
export interface TouchCredit {
  touch: AttributedTouch | null;
  /** in minor units */
  amount: number;
}

/** Bad input to attribution; the message names the field and the value received. */
export class AttributionError extends Error {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super(`attribution ${field} must be ${expected}, received ${String(value)}`);
    this.name = 'AttributionError';
    this.field = field;
    this.value = value;
  }
}

const DAY_MS = 86_400_000;
const DECAY_SCALE = 2 ** 48;

function instant(field: string, at: string | undefined): number {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  if (Number.isNaN(ms)) throw new AttributionError(field, at, 'an ISO 8601 instant');
  return ms;
}

/**
 * Splits a whole amount in proportion to non-negative integer weights (not all
 * zero): floors of the exact shares, then one unit each to the largest
 * remainders, the lower index first on a tie. The parts sum to the amount.
 */
export function apportion(amount: number, weights: readonly bigint[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0n);
  if (total <= 0n) throw new AttributionError('weights', weights.join(','), 'non-negative with a positive sum');
  const whole = BigInt(amount);
  const parts = weights.map((w) => (whole * w) / total);
  const left = Number(whole - parts.reduce((sum, p) => sum + p, 0n));
  const byRemainder = weights
    .map((w, index) => ({ index, remainder: (whole * w) % total }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder.slice(0, left)) parts[index]! += 1n;
  return parts.map(Number);
}

/** The index of the last touch at or before an instant, or -1 (touches in time order). */
function lastAtOrBefore(times: readonly number[], ms: number): number {
  let found = -1;
  times.forEach((t, i) => {
    if (t <= ms) found = i;
  });
  return found;
}

/** Integer weights of a positional model: role shares in percent, the rest spread over the touches holding no role. */
function positionalWeights(count: number, roles: readonly { index: number; share: bigint }[], rest: bigint): bigint[] {
  const held = new Set(roles.filter((r) => r.index >= 0).map((r) => r.index));
  const others = count - held.size;
  // Scaling role shares by `others` keeps the spread share a whole number per touch.
  const scale = BigInt(Math.max(1, others));
  const weights = Array.from({ length: count }, (_, i) => (held.has(i) ? 0n : rest));
  for (const { index, share } of roles) if (index >= 0) weights[index]! += share * scale;
  return weights;
}

function modelWeights(times: readonly number[], deal: AttributedDeal, options: AttributionOptions): bigint[] {
  const n = times.length;
  const first = 0;
  const leadCreation = lastAtOrBefore(times, instant('leadCreatedAt', deal.leadCreatedAt));
  const opportunityCreation = lastAtOrBefore(times, instant('opportunityAt', deal.opportunityAt));
  switch (options.model) {
    case 'first':
      return times.map((_, i) => (i === 0 ? 1n : 0n));
    case 'last':
      return times.map((_, i) => (i === n - 1 ? 1n : 0n));
    case 'linear':
      return times.map(() => 1n);
    case 'u-shaped':
      return positionalWeights(n, [{ index: first, share: 40n }, { index: leadCreation, share: 40n }], 20n);
    case 'w-shaped':
      return positionalWeights(
        n,
        [
          { index: first, share: 30n },
          { index: leadCreation, share: 30n },
          { index: opportunityCreation, share: 30n },
        ],
        10n,
      );
    case 'time-decay': {
      const halfLifeDays = options.halfLifeDays ?? 7;
      if (!(Number.isFinite(halfLifeDays) && halfLifeDays > 0)) throw new AttributionError('halfLifeDays', halfLifeDays, 'a positive number of days');
      const halfLifeMs = halfLifeDays * DAY_MS;
      // Relative to the newest touch (times are in order, all at or before the end): the same
      // ratios as relative to the end, and the newest weighs exactly DECAY_SCALE, so the sum is never 0.
      const newest = times[n - 1]!;
      return times.map((t) => BigInt(Math.round(DECAY_SCALE * 2 ** (-(newest - t) / halfLifeMs))));
    }
  }
}

/**
 * The credit each touch gets from one deal under a model, in time order: the
 * touches at or before the deal's instant, zero credits included. A deal
 * with no such touch gets one credit with `touch: null` (the `(no touch)` bucket).
 */
export function creditDeal(deal: AttributedDeal, touches: readonly AttributedTouch[], options: AttributionOptions): TouchCredit[] {
  if (!(Number.isSafeInteger(deal.amount) && deal.amount >= 0)) throw new AttributionError('amount', deal.amount, 'a whole number of minor units, 0 or more');
  if (!(attributionModels as readonly string[]).includes(options.model)) throw new AttributionError('model', options.model, `one of ${attributionModels.join(', ')}`);
  const through = options.through ?? 'opportunity';
  const end = through === 'won' ? instant('wonAt', deal.wonAt) : instant('opportunityAt', deal.opportunityAt);
  const counted = touches
    .map((touch, order) => ({ touch, order, ms: instant('touch at', touch.at) }))
    .filter((t) => t.ms <= end)
    .sort((a, b) => a.ms - b.ms || a.order - b.order);
  if (counted.length === 0) return [{ touch: null, amount: deal.amount }];
  const weights = modelWeights(counted.map((t) => t.ms), deal, options);
  const amounts = apportion(deal.amount, weights);
  return counted.map((t, i) => ({ touch: t.touch, amount: amounts[i]! }));
}

/** Whether any touch of a kind came at or before the opportunity. */
function touchedBy(kind: AttributedTouch['kind'], deal: Pick<AttributedDeal, 'opportunityAt'>, touches: readonly AttributedTouch[]): boolean {
  const opportunity = instant('opportunityAt', deal.opportunityAt);
  return touches.some((touch) => touch.kind === kind && instant('touch at', touch.at) <= opportunity);
}

/** Whether any marketing touch came at or before the opportunity: the deal counts as marketing-touched pipeline (and revenue). */
export const marketingTouched = (deal: Pick<AttributedDeal, 'opportunityAt'>, touches: readonly AttributedTouch[]): boolean => touchedBy('marketing', deal, touches);

/** Whether any sales touch (a rep's activity) came at or before the opportunity: sales-touched pipeline (and revenue). */
export const salesTouched = (deal: Pick<AttributedDeal, 'opportunityAt'>, touches: readonly AttributedTouch[]): boolean => touchedBy('sales', deal, touches);

/** Credits rolled up by campaign, campaign type, source or medium; deals with no touch under `(no touch)`. */
export function creditBy(credits: readonly TouchCredit[], by: AttributionDimension): Record<string, number> {
  const sums = new Map<string, number>();
  for (const credit of credits) {
    const key = credit.touch === null ? NO_TOUCH : credit.touch[by];
    sums.set(key, (sums.get(key) ?? 0) + credit.amount);
  }
  return Object.fromEntries(sums);
}
