import * as z from '#core/zod.ts';

/**
 * The per-write-key limit at ingest: a token bucket per key, counted in
 * events (a batch of 100 takes 100), so one site or one leaked key cannot
 * take the ingest capacity, and the events stream scoring reads, that the
 * other keys need. Pure: the buckets live in the caller's memory (one
 * function instance on AWS, see docs/decisions.md "Per-write-key limit"),
 * time is passed in.
 */

/** A key's limit: events per second, steady, and the events a burst may spend at once (the bucket's size). */
export const keyLimitSchema = z.strictObject({
  eventsPerSecond: z.number().check(z.positive(), z.lte(1_000_000)),
  burstEvents: z.int().check(z.positive(), z.lte(10_000_000)),
});
export type KeyLimit = z.infer<typeof keyLimitSchema>;

/** What the 429 names: the limit a request went past. */
export const KEY_LIMIT_NAME = 'events per write key';

/** A key's bucket: the events it may still send, as of `atMs`. Below zero after a request larger than the bucket (see `takeEvents`). */
export interface Bucket {
  tokens: number;
  atMs: number;
}

export type KeyDecision = { admitted: true; bucket: Bucket } | { admitted: false; bucket: Bucket; retryAfterSeconds: number };

/**
 * The bucket at `nowMs`: refilled at the steady rate since it was last
 * seen, up to its size. A key never seen has a full bucket. A clock that
 * went back refills nothing.
 */
export function bucketAt(limit: KeyLimit, bucket: Bucket | undefined, nowMs: number): Bucket {
  if (bucket === undefined) return { tokens: limit.burstEvents, atMs: nowMs };
  if (nowMs <= bucket.atMs) return bucket;
  const refilled = bucket.tokens + ((nowMs - bucket.atMs) / 1000) * limit.eventsPerSecond;
  return { tokens: Math.min(limit.burstEvents, refilled), atMs: nowMs };
}

/**
 * Admits a request of `events` events, or refuses it whole (nothing of it is
 * stored) with the seconds after which the same request would be admitted.
 * A request is admitted when the bucket holds its events, or, for a request
 * larger than the bucket, when the bucket is full: it then spends more than
 * the bucket holds and the key waits until the debt is paid back. So a large
 * batch is never refused for ever, and over any span of T seconds a key gets
 * at most max(burstEvents, its largest request) + eventsPerSecond × T events in.
 */
export function takeEvents(limit: KeyLimit, bucket: Bucket | undefined, events: number, nowMs: number): KeyDecision {
  const current = bucketAt(limit, bucket, nowMs);
  const needed = Math.min(events, limit.burstEvents);
  if (current.tokens >= needed) return { admitted: true, bucket: { tokens: current.tokens - events, atMs: current.atMs } };
  const retryAfterSeconds = Math.max(1, Math.ceil((needed - current.tokens) / limit.eventsPerSecond));
  return { admitted: false, bucket: current, retryAfterSeconds };
}

/** Beyond this many keys remembered, full buckets (the same as a key not seen) are forgotten. */
const REMEMBERED_KEYS = 10_000;

/**
 * The buckets of every key one instance has seen: `take` decides a request
 * and remembers the key's bucket. Keys are independent: what one key sends
 * never changes another's decisions.
 */
export function createKeyLimiter(limit: KeyLimit) {
  const buckets = new Map<string, Bucket>();
  return {
    limit,
    take(key: string, events: number, nowMs: number): KeyDecision {
      const decision = takeEvents(limit, buckets.get(key), events, nowMs);
      buckets.set(key, decision.bucket);
      if (buckets.size > REMEMBERED_KEYS) {
        for (const [k, b] of buckets) if (bucketAt(limit, b, nowMs).tokens >= limit.burstEvents) buckets.delete(k);
      }
      return decision;
    },
  };
}
export type KeyLimiter = ReturnType<typeof createKeyLimiter>;

/** The environment variables that override the configured limit (benches, tests, an operator's quick change). */
export const KEY_LIMIT_VARIABLES = {
  eventsPerSecond: 'LEADLOOP_KEY_EVENTS_PER_SECOND',
  burstEvents: 'LEADLOOP_KEY_BURST_EVENTS',
} as const;

/** A limit override that is not a number in range: names the variable. */
export class KeyLimitSettingError extends Error {
  constructor(variable: string, value: string, problem: string) {
    super(`environment variable ${variable}=${JSON.stringify(value)} ${problem}`);
    this.name = 'KeyLimitSettingError';
  }
}

/** The configured limit, with the environment's overrides applied; fails naming the variable that is wrong. */
export function keyLimitFrom(configured: KeyLimit, env: Readonly<Record<string, string | undefined>>): KeyLimit {
  const limit: Record<string, unknown> = { ...configured };
  for (const [field, variable] of Object.entries(KEY_LIMIT_VARIABLES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    limit[field] = Number(value);
  }
  const parsed = z.safeParse(keyLimitSchema, limit);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0]) as keyof typeof KEY_LIMIT_VARIABLES;
  const variable = KEY_LIMIT_VARIABLES[field];
  throw new KeyLimitSettingError(variable, env[variable] ?? String(configured[field]), issue.message.toLowerCase());
}

/** The 429's words: which limit, how much, and when to come back. */
export function keyLimitMessage(limit: KeyLimit, retryAfterSeconds: number): string {
  return `too many events for this write key: the limit of ${KEY_LIMIT_NAME} is ${limit.eventsPerSecond} per second, bursts of ${limit.burstEvents}; none of this request's events was stored, retry after ${retryAfterSeconds} s`;
}

/** config/ingest-limits.json: the limits ingest applies per write key (per function instance). */
export const ingestLimitsSchema = z.strictObject({
  perWriteKey: keyLimitSchema,
});
