import { describe, expect, it } from 'vitest';
import { describeParked, inParkedRange, replayOutcome, whyParked, type StreamFailure } from '#core/failed-records.ts';

const failure = (overrides: { condition?: StreamFailure['requestContext']['condition']; invocations?: number; threw?: boolean; start?: string; end?: string } = {}): StreamFailure => ({
  requestContext: { requestId: 'req-1', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:score', condition: overrides.condition ?? 'RetryAttemptsExhausted', approximateInvokeCount: overrides.invocations ?? 6 },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(overrides.threw !== false && { functionError: 'Unhandled' }) },
  version: '1.0',
  timestamp: '2026-12-01T10:02:11.000Z',
  DDBStreamBatchInfo: { shardId: 'shardId-0001', startSequenceNumber: overrides.start ?? '900', endSequenceNumber: overrides.end ?? '1100', batchSize: 3, streamArn: 'arn:stream' },
});

describe('why a batch was parked', () => {
  it('says which limit the stream reached, after how many invocations, and how the function failed', () => {
    expect(whyParked(failure())).toBe('retries exhausted after 6 invocations; the function threw');
    expect(whyParked(failure({ condition: 'RecordAgeExceeded', invocations: 1, threw: false }))).toBe("too old to retry (the mapping's maximum record age) after 1 invocation; the function reported the records failed");
  });

  it('is one line with the id, when, how many, where and why', () => {
    expect(describeParked({ id: 'req-1', handle: 'h', failure: failure() })).toBe(
      'req-1  parked 2026-12-01T10:02:11.000Z  3 record(s), shard shardId-0001, sequence 900–1100  (retries exhausted after 6 invocations; the function threw)',
    );
  });
});

describe('a parked batch’s range', () => {
  it('compares sequence numbers as integers, whatever their length', () => {
    const batch = failure();
    expect(['899', '900', '1000', '1100', '1101', '99999'].map((seq) => inParkedRange(seq, batch))).toEqual([false, true, true, true, false, false]);
    const wide = failure({ start: '49590338271490256608559692538361571095921575989136588898', end: '49590338271490256608559692540925702759324208523137515618' });
    expect(inParkedRange('49590338271490256608559692539000000000000000000000000000', wide)).toBe(true);
    expect(inParkedRange('4959033827149025660855969253836157109592157598913658889', wide)).toBe(false);
  });
});

describe('the verdict on a replay', () => {
  it('is replayed when no replayed record failed, and failed again with those that did', () => {
    expect(replayOutcome(['1', '2'], [])).toEqual({ outcome: 'replayed', applied: 2 });
    expect(replayOutcome(['1', '2'], ['2'])).toEqual({ outcome: 'failed-again', failed: ['2'] });
    // a failure the function reports for a record it was not given is not this batch's
    expect(replayOutcome(['1'], ['7'])).toEqual({ outcome: 'replayed', applied: 1 });
  });
});
