import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import ingestLimitsJson from '#config/ingest-limits.json' with { type: 'json' };
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { bucketAt, createKeyLimiter, ingestLimitsSchema, KeyLimitSettingError, keyLimitFrom, takeEvents, type Bucket, type KeyLimit } from '#core/key-limit.ts';

const limitArb: fc.Arbitrary<KeyLimit> = fc.record({
  eventsPerSecond: fc.integer({ min: 1, max: 1_000 }),
  burstEvents: fc.integer({ min: 1, max: 5_000 }),
});

/** Requests in time order: a gap in ms since the one before, a key and its number of events. */
const requestsArb = (keys: readonly string[]) =>
  fc.array(
    fc.record({
      gapMs: fc.integer({ min: 0, max: 2_000 }),
      key: fc.constantFrom(...keys),
      events: fc.integer({ min: 1, max: 8_000 }),
    }),
    { maxLength: 200 },
  );

interface Outcome {
  key: string;
  atMs: number;
  events: number;
  admitted: boolean;
  retryAfterSeconds?: number;
}

/** The requests at their instants (the gaps summed). */
function timed(requests: readonly { gapMs: number; key: string; events: number }[], startMs = 1_000_000) {
  let atMs = startMs;
  return requests.map(({ gapMs, key, events }) => ({ key, events, atMs: (atMs += gapMs) }));
}

function replay(limit: KeyLimit, requests: readonly { atMs: number; key: string; events: number }[]): Outcome[] {
  const limiter = createKeyLimiter(limit);
  return requests.map(({ atMs, key, events }) => {
    const decision = limiter.take(key, events, atMs);
    return { key, atMs, events, admitted: decision.admitted, ...(!decision.admitted && { retryAfterSeconds: decision.retryAfterSeconds }) };
  });
}

describe('the per-write-key token bucket', () => {
  it('lets a key in at most max(burst, its largest request) + rate × T events over any span of T seconds', () => {
    fc.assert(
      fc.property(limitArb, requestsArb(['a']), (limit, requests) => {
        const outcomes = replay(limit, timed(requests));
        const largest = Math.max(0, ...outcomes.map((o) => o.events));
        for (let i = 0; i < outcomes.length; i++) {
          let admitted = 0;
          for (let j = i; j < outcomes.length; j++) {
            if (outcomes[j]!.admitted) admitted += outcomes[j]!.events;
            const spanSeconds = (outcomes[j]!.atMs - outcomes[i]!.atMs) / 1000;
            // a tiny allowance for floating point
            expect(admitted).toBeLessThanOrEqual(Math.max(limit.burstEvents, largest) + limit.eventsPerSecond * spanSeconds + 1e-6);
          }
        }
      }),
    );
  });

  it('never refuses a key that sends at most its rate in requests no larger than its burst', () => {
    fc.assert(
      fc.property(limitArb, fc.array(fc.integer({ min: 1, max: 5_000 }), { maxLength: 100 }), (limit, sizes) => {
        const requests = sizes.map((n) => Math.min(n, limit.burstEvents));
        // each request waits the time its events take to refill before the next one
        let atMs = 0;
        let bucket: Bucket | undefined;
        for (const events of requests) {
          const decision = takeEvents(limit, bucket, events, atMs);
          expect(decision.admitted).toBe(true);
          bucket = decision.bucket;
          atMs += Math.ceil((events / limit.eventsPerSecond) * 1000);
        }
      }),
    );
  });

  it('admits a refused request when it comes again after its Retry-After, whatever its size', () => {
    fc.assert(
      fc.property(limitArb, requestsArb(['a']), fc.integer({ min: 1, max: 8_000 }), (limit, requests, events) => {
        const limiter = createKeyLimiter(limit);
        let atMs = 0;
        for (const r of requests) limiter.take('a', r.events, (atMs += r.gapMs));
        const first = limiter.take('a', events, atMs);
        if (first.admitted) return;
        expect(first.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(limiter.take('a', events, atMs + first.retryAfterSeconds * 1000).admitted).toBe(true);
      }),
    );
  });

  it('refuses without spending: a refused request leaves the bucket as it would be without it', () => {
    fc.assert(
      fc.property(limitArb, fc.integer({ min: -10_000, max: 5_000 }), fc.integer({ min: 1, max: 8_000 }), fc.integer({ min: 0, max: 10_000 }), (limit, tokens, events, laterMs) => {
        const bucket = { tokens: Math.min(tokens, limit.burstEvents), atMs: 0 };
        const decision = takeEvents(limit, bucket, events, laterMs);
        if (decision.admitted) expect(decision.bucket.tokens).toBeCloseTo(bucketAt(limit, bucket, laterMs).tokens - events, 6);
        else expect(decision.bucket).toEqual(bucketAt(limit, bucket, laterMs));
      }),
    );
  });

  it("keeps keys apart: one key's decisions are the same whatever another key sends", () => {
    fc.assert(
      fc.property(limitArb, requestsArb(['flood', 'other']), (limit, requests) => {
        const all = timed(requests);
        const together = replay(limit, all).filter((o) => o.key === 'other');
        const alone = replay(limit, all.filter((r) => r.key === 'other'));
        expect(together).toEqual(alone);
      }),
    );
  });

  it('refills at the steady rate up to the burst, and not when the clock goes back', () => {
    const limit = { eventsPerSecond: 10, burstEvents: 50 };
    expect(bucketAt(limit, undefined, 5)).toEqual({ tokens: 50, atMs: 5 });
    expect(bucketAt(limit, { tokens: -20, atMs: 0 }, 3_000)).toEqual({ tokens: 10, atMs: 3_000 });
    expect(bucketAt(limit, { tokens: 45, atMs: 0 }, 3_000)).toEqual({ tokens: 50, atMs: 3_000 });
    expect(bucketAt(limit, { tokens: 7, atMs: 3_000 }, 1_000)).toEqual({ tokens: 7, atMs: 3_000 });
  });

  it('says how long to wait for the events missing, in whole seconds, at least 1', () => {
    const limit = { eventsPerSecond: 4, burstEvents: 100 };
    expect(takeEvents(limit, { tokens: 0, atMs: 0 }, 10, 0)).toMatchObject({ admitted: false, retryAfterSeconds: 3 });
    expect(takeEvents(limit, { tokens: 9.5, atMs: 0 }, 10, 0)).toMatchObject({ admitted: false, retryAfterSeconds: 1 });
    // larger than the bucket: waits for a full bucket
    expect(takeEvents(limit, { tokens: 60, atMs: 0 }, 500, 0)).toMatchObject({ admitted: false, retryAfterSeconds: 10 });
    expect(takeEvents(limit, { tokens: 100, atMs: 0 }, 500, 0)).toEqual({ admitted: true, bucket: { tokens: -400, atMs: 0 } });
  });
});

describe('the limit from config/ingest-limits.json and the environment', () => {
  const configured = { eventsPerSecond: 500, burstEvents: 5_000 };

  it('takes the configured limit, with the variables that are set overriding it', () => {
    expect(keyLimitFrom(configured, {})).toEqual(configured);
    expect(keyLimitFrom(configured, { LEADLOOP_KEY_EVENTS_PER_SECOND: '20', LEADLOOP_KEY_BURST_EVENTS: '' })).toEqual({ eventsPerSecond: 20, burstEvents: 5_000 });
    expect(keyLimitFrom(configured, { LEADLOOP_KEY_EVENTS_PER_SECOND: '0.5', LEADLOOP_KEY_BURST_EVENTS: '40' })).toEqual({ eventsPerSecond: 0.5, burstEvents: 40 });
  });

  it('reads the shipped config, and refuses a broken one naming the field', () => {
    expect(parseConfig('config/ingest-limits.json', ingestLimitsSchema, ingestLimitsJson).perWriteKey.burstEvents).toBeGreaterThanOrEqual(1);
    const broken = { perWriteKey: { eventsPerSecond: 0, burstEvents: 10 } };
    expect(() => parseConfig('config/ingest-limits.json', ingestLimitsSchema, broken)).toThrow(ConfigError);
    expect(() => parseConfig('config/ingest-limits.json', ingestLimitsSchema, broken)).toThrow(/perWriteKey\.eventsPerSecond/);
  });

  it('fails at start naming the variable that is not a usable number', () => {
    expect(() => keyLimitFrom(configured, { LEADLOOP_KEY_BURST_EVENTS: '2.5' })).toThrow(KeyLimitSettingError);
    expect(() => keyLimitFrom(configured, { LEADLOOP_KEY_BURST_EVENTS: '2.5' })).toThrow(/LEADLOOP_KEY_BURST_EVENTS="2.5"/);
    expect(() => keyLimitFrom(configured, { LEADLOOP_KEY_EVENTS_PER_SECOND: 'fast' })).toThrow(/LEADLOOP_KEY_EVENTS_PER_SECOND="fast"/);
    expect(() => keyLimitFrom(configured, { LEADLOOP_KEY_EVENTS_PER_SECOND: '-1' })).toThrow(/LEADLOOP_KEY_EVENTS_PER_SECOND="-1"/);
  });
});
