import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { deliverBatch, repairImage, type DeliveryPolicy, type InvocationFailure, type SetAside } from '../../../local/stream-poller.ts';

describe('repairing what DynamoDB Local’s stream hands back', () => {
  it('types an untyped empty map again, at the top level, inside maps and inside lists', () => {
    // as seen on the wire from DynamoDB Local for properties: {}, context: { traits: {} } and a list holding {}
    const fromLocalStream = {
      messageId: { S: 'm-1' },
      properties: {},
      context: { M: { traits: {}, page: { M: { url: { S: 'https://example.com/' } } } } },
      list: { L: [{}, { L: [] }, { M: { deeper: {} } }] },
    } as unknown as Record<string, AttributeValue>;

    const repaired = repairImage(fromLocalStream);

    expect(repaired).toEqual({
      messageId: { S: 'm-1' },
      properties: { M: {} },
      context: { M: { traits: { M: {} }, page: { M: { url: { S: 'https://example.com/' } } } } },
      list: { L: [{ M: {} }, { L: [] }, { M: { deeper: { M: {} } } }] },
    });
    expect(unmarshall(repaired as never)).toEqual({
      messageId: 'm-1',
      properties: {},
      context: { traits: {}, page: { url: 'https://example.com/' } },
      list: [{}, [], { deeper: {} }],
    });
  });

  it('leaves every typed value as it is, empty lists and empty strings included', () => {
    const image = {
      s: { S: '' },
      n: { N: '1.5' },
      bool: { BOOL: false },
      nul: { NULL: true },
      ss: { SS: ['a'] },
      ns: { NS: ['1'] },
      b: { B: new Uint8Array([1, 2]) },
      l: { L: [] },
      m: { M: { x: { S: 'y' } } },
    } as Record<string, AttributeValue>;

    expect(repairImage(image)).toEqual(image);
  });
});

describe('delivering a batch the way the event source mapping does', () => {
  const records = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
  const POISON = 'r3';
  const isolating: DeliveryPolicy = { bisectOnError: true, maxRetryAttempts: 3, maxRecordAgeSeconds: -1 };

  /** Runs deliverBatch with a function that fails on the poison record as `fails` says. */
  async function deliver(policy: DeliveryPolicy, fails: (batch: readonly string[]) => InvocationFailure | undefined, options: { writtenAt?: number; maxCalls?: number } = {}) {
    const calls: string[][] = [];
    const checkpoints: string[] = [];
    const setAside: SetAside<string>[] = [];
    await deliverBatch(
      records,
      policy,
      async (batch) => {
        calls.push([...batch]);
        return fails(batch);
      },
      {
        checkpoint: (r) => checkpoints.push(r),
        setAside: (batch) => void setAside.push(batch),
        writtenAt: () => options.writtenAt,
        now: () => 1_000_000,
        sleep: async () => undefined,
        running: () => calls.length < (options.maxCalls ?? Infinity),
      },
    );
    /** every record some invocation completed (a call that succeeded for it) */
    const succeeded = new Set(calls.flatMap((batch) => {
      const failure = fails(batch);
      return failure ? batch.slice(0, failure.failedFrom) : batch;
    }));
    return { calls, checkpoints, setAside, succeeded };
  }
  const throwsOnPoison = (batch: readonly string[]) => (batch.includes(POISON) ? { failedFrom: 0, functionError: true } : undefined);
  const reportsPoison = (batch: readonly string[]) => (batch.includes(POISON) ? { failedFrom: batch.indexOf(POISON), functionError: false } : undefined);

  it('bisects a batch whose invocation throws until the poison record stands alone, retries it, sets it aside and delivers the rest', async () => {
    const { calls, checkpoints, setAside, succeeded } = await deliver(isolating, throwsOnPoison);

    expect(setAside).toEqual([{ records: [POISON], condition: 'RetryAttemptsExhausted', invocations: 4, functionError: true }]);
    expect([...succeeded].sort()).toEqual(records.filter((r) => r !== POISON));
    // the poison record alone: the first try and three retries
    expect(calls.filter((c) => c.length === 1 && c[0] === POISON)).toHaveLength(4);
    // the shard moves on in order, to the end of the batch
    expect(checkpoints.at(-1)).toBe('r8');
    expect(checkpoints.map((r) => records.indexOf(r))).toEqual([...checkpoints.map((r) => records.indexOf(r))].sort((a, b) => a - b));
  });

  it('takes a partial response as far as it goes: records before the failed one are done, the failed one is isolated and set aside', async () => {
    const { calls, checkpoints, setAside, succeeded } = await deliver(isolating, reportsPoison);

    expect(setAside).toEqual([{ records: [POISON], condition: 'RetryAttemptsExhausted', invocations: 4, functionError: false }]);
    expect([...succeeded].sort()).toEqual(records.filter((r) => r !== POISON));
    expect(calls[0]).toEqual(records);
    expect(checkpoints[0]).toBe('r2');
    expect(checkpoints.at(-1)).toBe('r8');
  });

  it('without bisection, retries from the failed record and sets aside everything from it on once the retries are spent', async () => {
    const { calls, setAside } = await deliver({ bisectOnError: false, maxRetryAttempts: 2, maxRecordAgeSeconds: -1 }, reportsPoison);

    expect(calls).toEqual([records, records.slice(2), records.slice(2)]);
    expect(setAside).toEqual([{ records: records.slice(2), condition: 'RetryAttemptsExhausted', invocations: 3, functionError: false }]);
  });

  it('sets aside a failing record older than the maximum record age without waiting for its retries', async () => {
    const { setAside } = await deliver({ bisectOnError: true, maxRetryAttempts: 1000, maxRecordAgeSeconds: 60 }, throwsOnPoison, { writtenAt: 1_000_000 - 61_000 });

    expect(setAside).toEqual([{ records: [POISON], condition: 'RecordAgeExceeded', invocations: 1, functionError: true }]);
  });

  it('with no limits, retries a failing record for as long as it fails and never moves past it', async () => {
    const { calls, checkpoints, setAside } = await deliver({ bisectOnError: false, maxRetryAttempts: -1, maxRecordAgeSeconds: -1 }, reportsPoison, { maxCalls: 50 });

    expect(calls).toHaveLength(50);
    expect(setAside).toEqual([]);
    expect(new Set(checkpoints)).toEqual(new Set(['r2']));
  });
});
