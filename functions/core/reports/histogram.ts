/**
 * Duration histograms: how long things took (time to accept, to first contact,
 * in a stage) as counts in fixed logarithmic buckets, so the stored aggregates
 * and a recomputation from raw history put every duration in the same bucket
 * and agree exactly, and counts add item by item (DynamoDB `ADD`).
 *
 * The buckets: bucket `i` (`'0'` … `'76'`) holds durations from `edge(i)` up
 * to, not including, `edge(i + 1)`, where `edge(i)` is 1 minute × 2^(i/4)
 * rounded to the millisecond: each bucket is about 19% wider than the one
 * before, from 1 minute to `edge(77)` ≈ 433 days (past a year). `'under'`
 * holds anything under a minute (negative durations included), `'over'`
 * anything from `edge(77)` up.
 *
 * Quantiles are nearest-rank: the q-quantile of n durations is the one at
 * rank ⌈q·n⌉ (at least 1) in ascending order, so the median of an even count
 * is the lower middle one. The histogram answers with that duration's bucket
 * and the bucket's geometric middle, √(from × to), which is within
 * QUANTILE_RELATIVE_ERROR (9.1%) of the true value for any duration from 1
 * minute to `edge(77)`. Under a minute it answers 1 minute (an upper bound);
 * from `edge(77)` up, `edge(77)` (a lower bound).
 */

/** Counts per bucket key; a bucket nobody fell in may be absent. */
export type Histogram = Record<string, number>;

export const UNDER = 'under';
export const OVER = 'over';

const MINUTE_MS = 60_000;
/** Buckets per doubling of the duration. */
const PER_DOUBLING = 4;
export const BUCKETS = 77;

/** Lower edges of the buckets, then the edge where `over` starts: whole milliseconds. */
const edges: readonly number[] = Array.from({ length: BUCKETS + 1 }, (_, i) => Math.round(MINUTE_MS * 2 ** (i / PER_DOUBLING)));

/**
 * The most a quantile's value can be off, relative to the true quantile, for
 * durations from 1 minute to the last edge: √(bucket ratio) − 1 ≈ 0.0905,
 * rounded up.
 */
export const QUANTILE_RELATIVE_ERROR = 0.091;

/** Where `over` starts, in milliseconds (≈ 433 days). */
export const LONGEST_BUCKETED_MS = edges[BUCKETS]!;

/** Bad input to a histogram; the message names what and the value received. */
export class HistogramError extends Error {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super(`histogram ${field} must be ${expected}, received ${String(value)}`);
    this.name = 'HistogramError';
    this.field = field;
    this.value = value;
  }
}

/** Every bucket key, shortest durations first. */
export const bucketKeys: readonly string[] = [UNDER, ...Array.from({ length: BUCKETS }, (_, i) => String(i)), OVER];

/** The key of the bucket a duration (milliseconds) falls in. */
export function bucketOf(durationMs: number): string {
  if (Number.isNaN(durationMs)) throw new HistogramError('duration', durationMs, 'a number of milliseconds');
  if (durationMs < edges[0]!) return UNDER;
  if (durationMs >= edges[BUCKETS]!) return OVER;
  // The last edge at or below the duration: edges are integers, so the comparison is exact.
  let low = 0;
  let high = BUCKETS - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (edges[middle]! <= durationMs) low = middle;
    else high = middle - 1;
  }
  return String(low);
}

/** A bucket's range in milliseconds: `[from, to)`, `from` null for `under`, `to` null for `over`; HistogramError for an unknown key. */
export function bucketBounds(key: string): { from: number | null; to: number | null } {
  if (key === UNDER) return { from: null, to: edges[0]! };
  if (key === OVER) return { from: edges[BUCKETS]!, to: null };
  const index = Number(key);
  if (!(/^\d+$/.test(key) && index < BUCKETS)) throw new HistogramError('bucket', key, `"${UNDER}", "${OVER}" or 0 to ${BUCKETS - 1}`);
  return { from: edges[index]!, to: edges[index + 1]! };
}

/** The histogram of a set of durations (milliseconds). */
export function histogramOf(durationsMs: Iterable<number>): Histogram {
  const counts = new Map<string, number>();
  for (const duration of durationsMs) {
    const key = bucketOf(duration);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}

/** Histograms added bucket by bucket: what `ADD` of each item's counts gives. */
export function mergeHistograms(...histograms: readonly Histogram[]): Histogram {
  const counts = new Map<string, number>();
  for (const histogram of histograms) for (const [key, n] of Object.entries(histogram)) counts.set(key, (counts.get(key) ?? 0) + n);
  return Object.fromEntries([...counts].filter(([, n]) => n !== 0));
}

/** How many durations a histogram holds. */
export function histogramCount(histogram: Histogram): number {
  return Object.values(histogram).reduce((sum, n) => sum + n, 0);
}

/** The nearest rank (1-based) of the q-quantile among n values: ⌈q·n⌉, at least 1. */
export function quantileRank(count: number, q: number): number {
  // The small slack keeps 0.07 × 100 = 7.000000000000001 at rank 7.
  return Math.max(1, Math.ceil(q * count - 1e-9));
}

export interface HistogramQuantile {
  /** the estimate, in milliseconds: the bucket's geometric middle (see the module comment for `under` and `over`) */
  value: number;
  bucket: string;
  /** the bucket's range: the true quantile is at least `from` and below `to` (null: unbounded) */
  from: number | null;
  to: number | null;
}

/**
 * The q-quantile (0 ≤ q ≤ 1: 0.5 the median, 0.9, 0.95) of the durations a
 * histogram holds; null when it holds none.
 */
export function quantile(histogram: Histogram, q: number): HistogramQuantile | null {
  if (!(q >= 0 && q <= 1)) throw new HistogramError('quantile', q, 'from 0 to 1');
  const count = histogramCount(histogram);
  if (count === 0) return null;
  const rank = quantileRank(count, q);
  let seen = 0;
  for (const bucket of bucketKeys) {
    seen += histogram[bucket] ?? 0;
    if (seen < rank) continue;
    const { from, to } = bucketBounds(bucket);
    const value = bucket === UNDER ? to! : bucket === OVER ? from! : Math.round(Math.sqrt(from! * to!));
    return { value, bucket, from, to };
  }
  // Only keys that are no bucket hold the rest: a histogram not made here.
  throw new HistogramError('buckets', Object.keys(histogram).join(','), `among ${UNDER}, 0 to ${BUCKETS - 1}, ${OVER}`);
}
