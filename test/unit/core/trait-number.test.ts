import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inBand, traitNumberSpan } from '#core/trait-number.ts';

describe('numbers in traits', () => {
  it.each([
    [1500, 1500, 1500],
    ['1500', 1500, 1500],
    ['1,500', 1500, 1500],
    [' 1 500 ', 1500, 1500],
    ["1'500", 1500, 1500],
    ['1,234,567.5', 1234567.5, 1234567.5],
    ['2.5', 2.5, 2.5],
    ['0.125', 0.125, 0.125],
    ['1,500.250', 1500.25, 1500.25],
    ['-3', -3, -3],
    ['1000+', 1000, Infinity],
    ['10,001 +', 10001, Infinity],
    ['51-200', 51, 200],
    ['1,001–5,000', 1001, 5000],
    ['51 to 200', 51, 200],
  ])('%j stands for %d to %d', (value, low, high) => {
    expect(traitNumberSpan(value)).toEqual({ low, high });
  });

  it.each([['1,5'], ['1.500'], ['1.500+'], ['1.000-5.000'], ['-1.500'], ['1,50'], ['lots'], [''], ['0x10'], ['1e3'], ['200-51'], ['+'], ['1,500,00'], [Infinity], [NaN], [true], [null], [{ n: 1 }]])('%j is not a number', (value) => {
    expect(traitNumberSpan(value)).toBeUndefined();
  });

  it.each([
    ['1,500', { min: 1000 }, true],
    ['1000+', { min: 1000 }, true],
    ['1000+', { min: 1000, max: 5000 }, false],
    ['999', { min: 1000 }, false],
    ['501-1,000', { max: 1000 }, true],
    ['501-1,000', { min: 1000 }, false],
    ['1,001-5,000', { min: 1000 }, true],
    ['fifty', { min: 0 }, false],
  ])('%j in %j: %s', (value, band, expected) => {
    expect(inBand(value, band)).toBe(expected);
  });

  it('a whole number written with thousands separators reads as the number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.constantFrom(',', ' ', "'", '\u00a0'), (n, separator) => {
        const grouped = n.toLocaleString('en-US').replace(/,/g, separator);
        expect(traitNumberSpan(grouped)).toEqual({ low: n, high: n });
        expect(traitNumberSpan(`${grouped}+`)).toEqual({ low: n, high: Infinity });
        expect(traitNumberSpan(String(n))).toEqual({ low: n, high: n });
      }),
      { seed: 1331, numRuns: 300 },
    );
  });

  it('a range is in a band exactly when both its ends are', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (a, b, min, max) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const text = `${low.toLocaleString('en-US')}-${high.toLocaleString('en-US')}`;
        expect(inBand(text, { min, max })).toBe(low >= min && high <= max);
        expect(inBand(text, { min })).toBe(low >= min);
        expect(inBand(text, { max })).toBe(high <= max);
      }),
      { seed: 1332, numRuns: 300 },
    );
  });
});
