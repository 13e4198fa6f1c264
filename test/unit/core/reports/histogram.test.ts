import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketBounds,
  bucketKeys,
  bucketOf,
  histogramCount,
  histogramOf,
  HistogramError,
  LONGEST_BUCKETED_MS,
  mergeHistograms,
  OVER,
  quantile,
  QUANTILE_RELATIVE_ERROR,
  quantileRank,
  UNDER,
} from '#core/reports/histogram.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 86_400_000;

describe('the buckets', () => {
  it.each([
    [-5, UNDER],
    [59_999, UNDER],
    [MINUTE_MS, '0'],
    // 1 minute × 2^¼ = 71,352.4 ms, rounded to 71,352
    [71_351, '0'],
    [71_352, '1'],
    [2 * MINUTE_MS, '4'],
    [HOUR_MS, String(Math.floor(4 * Math.log2(60)))],
    // a year is 2^19.0036 minutes: bucket 76, the last
    [YEAR_MS, '76'],
    [LONGEST_BUCKETED_MS, OVER],
  ])('puts %d ms in bucket %s', (duration, key) => {
    expect(bucketOf(duration)).toBe(key);
  });

  it('covers every duration from a minute past a year with buckets that meet edge to edge, each under 19% wider than the last', () => {
    // Prepare
    const inner = bucketKeys.filter((key) => key !== UNDER && key !== OVER).map(bucketBounds);

    // Assess
    expect(inner[0]!.from).toBe(MINUTE_MS);
    expect(LONGEST_BUCKETED_MS).toBeGreaterThan(YEAR_MS);
    inner.forEach((bounds, i) => {
      expect(bounds.to! / bounds.from!).toBeLessThan(1.1893);
      if (i > 0) expect(bounds.from).toBe(inner[i - 1]!.to);
    });
    expect(inner.at(-1)!.to).toBe(LONGEST_BUCKETED_MS);
  });

  it('puts each duration in the bucket whose bounds hold it', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 2 * LONGEST_BUCKETED_MS, noNaN: true }), (duration) => {
        const { from, to } = bucketBounds(bucketOf(duration));
        expect(from === null || from <= duration).toBe(true);
        expect(to === null || duration < to).toBe(true);
      }),
    );
  });

  it('refuses a duration that is no number and a bucket key that is none', () => {
    expect(() => bucketOf(Number.NaN)).toThrow(HistogramError);
    expect(() => bucketBounds('77')).toThrow(HistogramError);
    expect(() => bucketBounds('1.5')).toThrow(HistogramError);
  });
});

describe('histograms', () => {
  const durationArb = fc.oneof(
    fc.integer({ min: 0, max: 2 * MINUTE_MS }),
    fc.integer({ min: MINUTE_MS, max: 30 * 86_400_000 }),
    fc.integer({ min: 0, max: 2 * LONGEST_BUCKETED_MS }),
  );

  it('counts durations per bucket', () => {
    // Act
    const histogram = histogramOf([30_000, MINUTE_MS, MINUTE_MS + 1, 2 * MINUTE_MS, 2 * YEAR_MS]);

    // Assess
    expect(histogram).toEqual({ [UNDER]: 1, '0': 2, '4': 1, [OVER]: 1 });
    expect(histogramCount(histogram)).toBe(5);
    expect(histogramOf([])).toEqual({});
  });

  it('merges into the histogram of all durations together, as adding counts item by item does', () => {
    fc.assert(
      fc.property(fc.array(fc.array(durationArb, { maxLength: 30 }), { maxLength: 5 }), (parts) => {
        expect(mergeHistograms(...parts.map(histogramOf))).toEqual(histogramOf(parts.flat()));
      }),
    );
  });
});

describe('quantiles', () => {
  /** The nearest-rank quantile of raw samples: what a recomputation from raw history gives. */
  const trueQuantile = (samples: number[], q: number) => [...samples].sort((a, b) => a - b)[quantileRank(samples.length, q) - 1]!;

  it('finds the median, p90 and p95 of known durations within the stated error', () => {
    // Prepare: ten times to accept, 1 to 10 hours
    const samples = Array.from({ length: 10 }, (_, i) => (i + 1) * HOUR_MS);
    const histogram = histogramOf(samples);

    // Act / Assess: nearest rank: the 5th, 9th and 10th
    for (const [q, expected] of [[0.5, 5 * HOUR_MS], [0.9, 9 * HOUR_MS], [0.95, 10 * HOUR_MS]] as const) {
      const found = quantile(histogram, q)!;
      expect(found.from! <= expected && expected < found.to!).toBe(true);
      expect(Math.abs(found.value - expected) / expected).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR);
    }
  });

  it('holds the true quantile of the raw samples in the bucket it reports, and its value within the error bound', () => {
    const logUniform = fc.double({ min: 0, max: Math.log2(LONGEST_BUCKETED_MS / 1000), noNaN: true }).map((e) => Math.round(1000 * 2 ** e));
    fc.assert(
      fc.property(
        fc.array(logUniform, { minLength: 1, maxLength: 200 }),
        fc.oneof(fc.constantFrom(0, 0.5, 0.9, 0.95, 1), fc.double({ min: 0, max: 1, noNaN: true })),
        (samples, q) => {
          const truth = trueQuantile(samples, q);
          const found = quantile(histogramOf(samples), q)!;
          expect(found.from === null || found.from <= truth).toBe(true);
          expect(found.to === null || truth < found.to).toBe(true);
          if (truth >= MINUTE_MS && truth < LONGEST_BUCKETED_MS) {
            expect(Math.abs(found.value - truth)).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR * truth);
          }
        },
      ),
    );
  });

  it('answers a minute for quantiles under a minute and the last edge past it', () => {
    expect(quantile(histogramOf([1_000, 2_000, 3_000]), 0.5)).toEqual({ value: MINUTE_MS, bucket: UNDER, from: null, to: MINUTE_MS });
    expect(quantile(histogramOf([2 * YEAR_MS]), 0.5)).toEqual({ value: LONGEST_BUCKETED_MS, bucket: OVER, from: LONGEST_BUCKETED_MS, to: null });
  });

  it('has no quantile of an empty histogram, and refuses q outside 0 to 1', () => {
    expect(quantile({}, 0.5)).toBeNull();
    expect(() => quantile({ '3': 1 }, 1.5)).toThrow(HistogramError);
  });

  it('ranks by ⌈q·n⌉ without float noise', () => {
    expect(quantileRank(100, 0.07)).toBe(7);
    expect(quantileRank(10, 0.5)).toBe(5);
    expect(quantileRank(10, 0)).toBe(1);
    expect(quantileRank(20, 0.95)).toBe(19);
  });
});
