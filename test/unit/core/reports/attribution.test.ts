import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttributionError,
  apportion,
  attributionModels,
  creditBy,
  creditDeal,
  marketingTouched,
  NO_TOUCH,
  type AttributedDeal,
  type AttributedTouch,
  type AttributionModel,
} from '#core/reports/attribution.ts';

const DAY_MS = 86_400_000;
const OPPORTUNITY_MS = Date.parse('2026-03-01T00:00:00.000Z');
const daysBefore = (days: number) => new Date(OPPORTUNITY_MS - days * DAY_MS).toISOString();

function touch(at: string, campaign: string, overrides: Partial<AttributedTouch> = {}): AttributedTouch {
  return { at, campaign, campaignType: 'email', source: 'newsletter', medium: 'email', kind: 'marketing', ...overrides };
}

function deal(amount: number, leadCreatedDaysBefore: number, overrides: Partial<AttributedDeal> = {}): AttributedDeal {
  return { amount, leadCreatedAt: daysBefore(leadCreatedDaysBefore), opportunityAt: daysBefore(0), ...overrides };
}

const amountsOf = (model: AttributionModel, d: AttributedDeal, touches: AttributedTouch[], halfLifeDays?: number) =>
  creditDeal(d, touches, { model, ...(halfLifeDays !== undefined && { halfLifeDays }) }).map((c) => c.amount);

describe('crediting one deal', () => {
  // Prepare: four touches; the lead became known at the second (a form fill 20 days out).
  const path = [touch(daysBefore(30), 'ad'), touch(daysBefore(20), 'ebook'), touch(daysBefore(10), 'webinar'), touch(daysBefore(2), 'demo-deck', { kind: 'sales' })];
  const fourTouchDeal = deal(10_000, 20);

  it.each([
    ['first', [10_000, 0, 0, 0]],
    ['last', [0, 0, 0, 10_000]],
    ['linear', [2_500, 2_500, 2_500, 2_500]],
    ['u-shaped', [4_000, 4_000, 1_000, 1_000]],
    // first, lead creation and opportunity creation (the last touch) 30% each; 10% on the one left
    ['w-shaped', [3_000, 3_000, 1_000, 3_000]],
  ] as const)('credits the %s model by its definition', (model, expected) => {
    // Act / Assess
    expect(amountsOf(model, fourTouchDeal, path)).toEqual(expected);
  });

  it('halves a touch’s weight per half-life before the opportunity under time-decay', () => {
    // Prepare: weights 1/4, 1/2, 1 of 700 cents
    const touches = [touch(daysBefore(14), 'a'), touch(daysBefore(7), 'b'), touch(daysBefore(0), 'c')];

    // Act / Assess
    expect(amountsOf('time-decay', deal(700, 14), touches, 7)).toEqual([100, 200, 400]);
    expect(amountsOf('time-decay', deal(700, 14), touches)).toEqual([100, 200, 400]); // 7 days by default
    // weights ½, √½, 1 (sum 2.2071) of 500: 113.27, 160.18, 226.55 → floors 113, 160, 226, the cent left to the largest remainder
    expect(amountsOf('time-decay', deal(500, 14), touches, 14)).toEqual([113, 160, 227]);
  });

  it('gives a lone touch everything under every model', () => {
    for (const model of attributionModels) expect(amountsOf(model, deal(999, 5), [touch(daysBefore(5), 'a')])).toEqual([999]);
  });

  it('splits two touches that are the first and the lead-creation touch evenly under u-shaped', () => {
    expect(amountsOf('u-shaped', deal(1_000, 3), [touch(daysBefore(9), 'a'), touch(daysBefore(3), 'b')])).toEqual([500, 500]);
  });

  it('gives a first touch that also created the lead both shares (80% under u-shaped)', () => {
    const touches = [touch(daysBefore(9), 'a'), touch(daysBefore(5), 'b'), touch(daysBefore(1), 'c')];
    expect(amountsOf('u-shaped', deal(1_000, 9), touches)).toEqual([800, 100, 100]);
  });

  it('gives three touches holding the three w-shaped roles a third each, the odd cent to the earliest', () => {
    const touches = [touch(daysBefore(9), 'a'), touch(daysBefore(5), 'b'), touch(daysBefore(1), 'c')];
    expect(amountsOf('w-shaped', deal(100, 5), touches)).toEqual([34, 33, 33]);
  });

  it('spreads a lead-creation share no touch holds over the others in proportion (a lead known before its first touch)', () => {
    // Prepare: u-shaped weights 40 (first) against 10 and 10: 1000 × 4/6, 1/6, 1/6 = 666.7, 166.7, 166.7
    const touches = [touch(daysBefore(9), 'a'), touch(daysBefore(5), 'b'), touch(daysBefore(1), 'c')];

    // Act / Assess: the two cents left go to the equal remainders, earlier first
    expect(amountsOf('u-shaped', deal(1_000, 30), touches)).toEqual([667, 167, 166]);
  });

  it('leaves out touches after the opportunity, unless revenue is credited through the win', () => {
    // Prepare
    const touches = [touch(daysBefore(10), 'a'), touch(daysBefore(-5), 'after')];
    const won = deal(900, 10, { wonAt: daysBefore(-20) });

    // Act
    const pipeline = creditDeal(won, touches, { model: 'linear' });
    const revenue = creditDeal(won, touches, { model: 'linear', through: 'won' });

    // Assess
    expect(pipeline.map((c) => [c.touch?.campaign, c.amount])).toEqual([['a', 900]]);
    expect(revenue.map((c) => [c.touch?.campaign, c.amount])).toEqual([['a', 450], ['after', 450]]);
  });

  it('keeps the opportunity-creation role on the last touch before the opportunity when crediting through the win', () => {
    // Prepare: first + lead creation (a), opportunity creation (b), one touch after the opportunity (c) → 60/30/10
    const touches = [touch(daysBefore(10), 'a'), touch(daysBefore(1), 'b'), touch(daysBefore(-3), 'c')];

    // Act / Assess
    expect(creditDeal(deal(1_000, 10, { wonAt: daysBefore(-10) }), touches, { model: 'w-shaped', through: 'won' }).map((c) => c.amount)).toEqual([600, 300, 100]);
  });

  it('credits a deal with no touch to the (no touch) bucket', () => {
    // Act
    const credits = creditDeal(deal(5_000, 3), [touch(daysBefore(-1), 'too-late')], { model: 'w-shaped' });

    // Assess
    expect(credits).toEqual([{ touch: null, amount: 5_000 }]);
    expect(creditBy(credits, 'campaignType')).toEqual({ [NO_TOUCH]: 5_000 });
  });

  it('orders touches by time, keeping the given order at the same instant', () => {
    // Prepare
    const touches = [touch(daysBefore(1), 'late'), touch(daysBefore(5), 'early-1'), touch(daysBefore(5), 'early-2')];

    // Act / Assess
    expect(creditDeal(deal(100, 30), touches, { model: 'first' }).map((c) => [c.touch?.campaign, c.amount])).toEqual([
      ['early-1', 100],
      ['early-2', 0],
      ['late', 0],
    ]);
  });

  it.each([
    ['a fraction of a cent', { amount: 10.5 }, 'amount'],
    ['a negative amount', { amount: -1 }, 'amount'],
    ['an opportunity instant that is no date', { opportunityAt: 'yesterday' }, 'opportunityAt'],
    ['crediting through a win that has no instant', { wonAt: undefined }, 'wonAt'],
  ])('refuses %s, naming the field', (_, overrides, field) => {
    // Prepare
    const bad = { ...deal(100, 1), ...overrides };

    // Act / Assess
    expect(() => creditDeal(bad, [touch(daysBefore(1), 'a')], { model: 'linear', through: field === 'wonAt' ? 'won' : 'opportunity' })).toThrow(
      expect.objectContaining({ name: 'AttributionError', field }),
    );
  });

  it('refuses a half-life that is not a positive number of days', () => {
    expect(() => creditDeal(deal(100, 1), [touch(daysBefore(1), 'a')], { model: 'time-decay', halfLifeDays: 0 })).toThrow(AttributionError);
  });
});

describe('exact cents', () => {
  const instantArb = fc.integer({ min: -60, max: 5 }).map((days) => daysBefore(days));
  const touchArb = fc.record({
    at: instantArb,
    campaign: fc.constantFrom('a', 'b', 'c'),
    campaignType: fc.constantFrom('email', 'event'),
    source: fc.constantFrom('google', 'linkedin'),
    medium: fc.constantFrom('cpc', 'social'),
    kind: fc.constantFrom('marketing' as const, 'sales' as const),
  });
  const dealArb = fc.record({
    amount: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    leadCreatedAt: instantArb,
    opportunityAt: fc.constant(daysBefore(0)),
    wonAt: fc.constant(daysBefore(-10)),
  });
  const optionsArb = fc.record({
    model: fc.constantFrom(...attributionModels),
    halfLifeDays: fc.double({ min: 0.01, max: 400, noNaN: true }),
    through: fc.constantFrom('opportunity' as const, 'won' as const),
  });

  it('sums a deal’s credits exactly to its amount, in whole non-negative cents, under every model', () => {
    fc.assert(
      fc.property(dealArb, fc.array(touchArb, { maxLength: 25 }), optionsArb, (d, touches, options) => {
        const credits = creditDeal(d, touches, options);
        expect(credits.reduce((sum, c) => sum + c.amount, 0)).toBe(d.amount);
        for (const c of credits) expect(Number.isSafeInteger(c.amount) && c.amount >= 0).toBe(true);
        // and the roll-ups keep every cent
        for (const by of ['campaign', 'campaignType', 'source', 'medium'] as const) {
          expect(Object.values(creditBy(credits, by)).reduce((sum, n) => sum + n, 0)).toBe(d.amount);
        }
      }),
    );
  });

  it('credits the same path the same way whatever order the touches come in (distinct instants)', () => {
    fc.assert(
      fc.property(
        dealArb,
        fc.uniqueArray(fc.integer({ min: 0, max: 60 * 24 }), { maxLength: 12 }).chain((minutes) =>
          fc.tuple(fc.constant(minutes), fc.shuffledSubarray(minutes, { minLength: minutes.length, maxLength: minutes.length })),
        ),
        optionsArb,
        (d, [minutes, shuffled], options) => {
          const at = (m: number) => new Date(OPPORTUNITY_MS - m * 60_000 * 30).toISOString();
          const byCampaign = (ms: number[]) =>
            Object.fromEntries(creditDeal(d, ms.map((m) => touch(at(m), `c${m}`)), options).map((c) => [c.touch?.campaign ?? NO_TOUCH, c.amount]));
          expect(byCampaign(shuffled)).toEqual(byCampaign(minutes));
        },
      ),
    );
  });

  it('apportions within one cent of each exact share, never giving a smaller weight more', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 60n }), { minLength: 1, maxLength: 20 }).filter((ws) => ws.some((w) => w > 0n)),
        (amount, weights) => {
          const parts = apportion(amount, weights);
          const total = weights.reduce((s, w) => s + w, 0n);
          expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
          parts.forEach((part, i) => {
            // |part − amount × w / total| < 1, in integers
            const gap = BigInt(part) * total - BigInt(amount) * weights[i]!;
            expect(gap < total && -gap < total).toBe(true);
            weights.forEach((w, j) => {
              if (weights[i]! > w) expect(part).toBeGreaterThanOrEqual(parts[j]!);
            });
          });
        },
      ),
    );
  });

  it('splits linearly with no two touches more than a cent apart', () => {
    fc.assert(
      fc.property(dealArb, fc.array(touchArb, { minLength: 1, maxLength: 25 }), (d, touches) => {
        const amounts = creditDeal(d, touches, { model: 'linear' }).map((c) => c.amount);
        expect(Math.max(...amounts) - Math.min(...amounts)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('marketing-touched', () => {
  const d = { opportunityAt: daysBefore(0) };

  it('counts a deal with a marketing touch at or before the opportunity', () => {
    expect(marketingTouched(d, [touch(daysBefore(3), 'deck', { kind: 'sales' }), touch(daysBefore(0), 'ad')])).toBe(true);
  });

  it('does not count sales touches only, nor marketing after the opportunity', () => {
    expect(marketingTouched(d, [touch(daysBefore(3), 'deck', { kind: 'sales' }), touch(daysBefore(-1), 'ad')])).toBe(false);
    expect(marketingTouched(d, [])).toBe(false);
  });
});

describe('rolling credits up', () => {
  it('sums credits of several deals by campaign, campaign type, source and medium', () => {
    // Prepare
    const ad = touch(daysBefore(5), 'spring-ads', { campaignType: 'paid-media', source: 'google', medium: 'cpc' });
    const deck = touch(daysBefore(2), 'deck', { campaignType: 'sales-asset', source: 'rep', medium: 'email', kind: 'sales' });
    const credits = [
      ...creditDeal(deal(1_000, 5), [ad, deck], { model: 'linear' }),
      ...creditDeal(deal(300, 5), [ad], { model: 'linear' }),
      ...creditDeal(deal(50, 5), [], { model: 'linear' }),
    ];

    // Act / Assess
    expect(creditBy(credits, 'campaign')).toEqual({ 'spring-ads': 800, deck: 500, [NO_TOUCH]: 50 });
    expect(creditBy(credits, 'campaignType')).toEqual({ 'paid-media': 800, 'sales-asset': 500, [NO_TOUCH]: 50 });
    expect(creditBy(credits, 'source')).toEqual({ google: 800, rep: 500, [NO_TOUCH]: 50 });
    expect(creditBy(credits, 'medium')).toEqual({ cpc: 800, email: 500, [NO_TOUCH]: 50 });
  });
});
