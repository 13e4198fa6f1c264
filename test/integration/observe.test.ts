import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationReport } from '../../local/lambdas.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { readTemplate } from '../../local/template.ts';
import { eventually, sendEvent } from '../support/local.ts';
import * as path from 'node:path';

/**
 * What the local runtime lets a bench observe (bench/cost counts the bill
 * with it): each function invocation with the memory size the stack gives
 * it, the lines the functions print (their embedded metrics, once enabled
 * through their environment) and each read of the events table's stream.
 */

const invocations: InvocationReport[] = [];
const printed: { functionLogicalId: string; line: string }[] = [];
const streamReads: { functionLogicalId: string; records: number }[] = [];
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    sesPort: 0,
    synth: false,
    log: () => undefined,
    functionEnvironment: { POWERTOOLS_METRICS_DISABLED: 'false' },
    observe: {
      invoked: (report) => invocations.push(report),
      printed: (functionLogicalId, line) => printed.push({ functionLogicalId, line }),
      streamRead: (functionLogicalId, records) => streamReads.push({ functionLogicalId, records }),
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
});

/** The template's memory size of the function behind a logical id. */
function memorySizeOf(logicalId: string): number {
  const template = readTemplate(path.resolve(import.meta.dirname, '../../cdk.out'));
  return Number(template.Resources[logicalId]?.Properties?.MemorySize ?? 128);
}

describe('observing the local runtime', () => {
  it('reports the ingest and scoring invocations of one event, the stream read that carried it and the units the functions published', async () => {
    const response = await sendEvent(runtime, '/v1/page', { anonymousId: 'observed-visitor', messageId: 'observed-1', name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } });
    expect(response.status).toBe(200);

    // The scoring function is the one a stream read carried records to and that was invoked (the queue drain's
    // reads of the leads stream carry records its filter keeps from it).
    const scored = await eventually('the scoring invocation', async () =>
      streamReads.filter((r) => r.records > 0).map((r) => r.functionLogicalId).find((id) => invocations.some((i) => i.functionLogicalId === id)),
    );
    expect(streamReads.filter((r) => r.functionLogicalId === scored).reduce((sum, r) => sum + r.records, 0)).toBe(1);

    const ingest = invocations.filter((i) => i.functionLogicalId !== scored);
    expect(new Set(ingest.map((i) => i.functionLogicalId)).size).toBe(1);
    expect(ingest).toHaveLength(1);
    for (const invocation of invocations) {
      expect(invocation.failed).toBe(false);
      expect(invocation.memorySize).toBe(memorySizeOf(invocation.functionLogicalId));
    }

    // Each function published its DynamoDB units as one EMF line; the ingest function wrote the event.
    const emf = await eventually('both EMF lines', async () => {
      const lines = printed.filter((p) => p.line.includes('"_aws"'));
      return new Set(lines.map((l) => l.functionLogicalId)).size === 2 ? lines : undefined;
    });
    const ingestLine = JSON.parse(emf.find((l) => l.functionLogicalId === ingest[0]!.functionLogicalId)!.line) as Record<string, unknown>;
    expect(ingestLine.WriteUnits).toBeGreaterThanOrEqual(1);
  });
});
