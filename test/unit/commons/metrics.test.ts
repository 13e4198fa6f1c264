import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { addHandoffLatency, createMetrics, createUnitMeter, METRIC, publishMetrics, qualifiedAt } from '../../../functions/commons/metrics.ts';

/**
 * What the functions publish, read back from the EMF lines Powertools writes
 * to stdout (what CloudWatch turns into metrics): names, units, values.
 */
interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
  [name: string]: unknown;
}

let lines: EmfLine[];

beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (line.includes('"_aws"')) lines.push(JSON.parse(line) as EmfLine);
    }
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const context = { functionName: 'Score', awsRequestId: 'req-1' } as Context;

/** Metric name → { unit, value } across the lines written. */
function published(): Record<string, { unit: string; value: unknown }> {
  const byName: Record<string, { unit: string; value: unknown }> = {};
  for (const line of lines) {
    for (const directive of line._aws.CloudWatchMetrics) {
      for (const { Name, Unit } of directive.Metrics) byName[Name] = { unit: Unit, value: line[Name] };
    }
  }
  return byName;
}

describe('metrics a scoring invocation publishes', () => {
  it('publishes events scored, units and units per event as one EMF line in the LeadLoop namespace', async () => {
    // Prepare: an invocation whose adapters consumed units and scored three events
    const metrics = createMetrics();
    const unitMeter = createUnitMeter();
    const handler = middy(async () => {
      unitMeter.onConsumed({ operation: 'Test', table: 'leads', readUnits: 2, writeUnits: 0 });
      unitMeter.onConsumed({ operation: 'Test', table: 'leads', readUnits: 0, writeUnits: 5 });
      unitMeter.onConsumed({ operation: 'Test', table: 'leads', readUnits: 1.5, writeUnits: 1 });
      unitMeter.countEvents(3);
    }).use(publishMetrics(metrics, unitMeter));

    // Act
    await handler({}, context);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]!._aws.CloudWatchMetrics[0]!.Namespace).toBe('LeadLoop');
    expect(published()).toEqual({
      [METRIC.eventsScored]: { unit: 'Count', value: 3 },
      [METRIC.writeUnits]: { unit: 'Count', value: 6 },
      [METRIC.readUnits]: { unit: 'Count', value: 3.5 },
      [METRIC.writeUnitsPerEvent]: { unit: 'Count', value: 2 },
      [METRIC.readUnitsPerEvent]: { unit: 'Count', value: 3.5 / 3 },
    });
  });

  it('publishes what was counted even when the invocation fails, and starts the next one from zero', async () => {
    const metrics = createMetrics();
    const unitMeter = createUnitMeter();
    let fail = true;
    const handler = middy(async () => {
      unitMeter.onConsumed({ operation: 'Test', table: 'leads', readUnits: 0, writeUnits: 4 });
      if (fail) throw new Error('stream batch failed');
    }).use(publishMetrics(metrics, unitMeter));

    await expect(handler({}, context)).rejects.toThrow('stream batch failed');
    fail = false;
    await handler({}, context);

    expect(lines.map((line) => line[METRIC.writeUnits])).toEqual([4, 4]);
    // no events were scored: no per-event figure, rather than a division by zero
    expect(lines.every((line) => !(METRIC.writeUnitsPerEvent in line))).toBe(true);
  });

  it('writes nothing for an invocation that counted nothing', async () => {
    const handler = middy(async () => undefined).use(publishMetrics(createMetrics(), createUnitMeter()));

    await handler({}, context);

    expect(lines).toEqual([]);
  });
});

describe('hand-off latency', () => {
  it('is the time from the lead’s last change to MQL to the email, in milliseconds', async () => {
    const metrics = createMetrics();
    const handler = middy(async () => {
      const history = [
        { from: 'visitor', to: 'mql', at: '2026-03-01T09:00:00.000Z' },
        { from: 'mql', to: 'recycled', at: '2026-03-02T09:00:00.000Z' },
        { from: 'recycled', to: 'mql', at: '2026-03-05T10:00:00.000Z' },
      ];
      addHandoffLatency(metrics, qualifiedAt(history), new Date('2026-03-05T10:00:02.500Z'));
    }).use(publishMetrics(metrics));

    await handler({}, context);

    expect(published()).toEqual({ [METRIC.handoffLatency]: { unit: 'Milliseconds', value: 2500 } });
  });

  it('is not published for a lead that never became an MQL', () => {
    expect(qualifiedAt([{ to: 'known', at: '2026-03-01T09:00:00.000Z' }])).toBeUndefined();
  });
});
