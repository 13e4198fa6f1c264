import type { InvocationReport } from '../../local/lambdas.ts';
import type { RuntimeObserver } from '../../local/runtime.ts';
import { METRIC } from '../../functions/commons/metrics.ts';

/**
 * Counts the work the local runtime does, as AWS would meter it, through the
 * runtime's observer: per function, its invocations and their billed
 * duration (rounded up to the millisecond, times the memory size: GB-seconds),
 * and the DynamoDB units it published in its embedded metrics (one EMF line
 * per invocation, from the adapters' `ReturnConsumedCapacity`); per stream,
 * the GetRecords calls. Lines a function prints that are not EMF are passed
 * on to the console.
 */

export interface FunctionWork {
  functionLogicalId: string;
  memorySize: number;
  invocations: number;
  failed: number;
  /** invocations that started while another of the same function was running in its worker */
  overlapped: number;
  /** each invocation's billed duration: ms rounded up */
  billedMs: number[];
  /** the billed durations of the invocations that ran alone in their worker */
  aloneMs: number[];
  gbSeconds: number;
  emfLines: number;
  writeUnits: number;
  readUnits: number;
  /** what its EMF lines say it scored / started */
  eventsScored: number;
  journeysStarted: number;
}

export interface StreamWork {
  /** GetRecords calls that answered */
  calls: number;
  /** of which returned at least one record */
  withRecords: number;
  records: number;
}

export interface Meter {
  observer: RuntimeObserver;
  functions: () => FunctionWork[];
  stream: () => StreamWork;
  /** Date.now() of the last invocation that ended or stream read that returned records */
  lastActivity: () => number;
  /** lines that were not EMF, or EMF lines that did not parse */
  strayLines: () => number;
  /** forgets what was counted so far (after the warm-up) */
  reset: () => void;
}

/** The value of a metric in an EMF document: a number, or the list of values it was given in one invocation. */
function metricSum(document: Record<string, unknown>, name: string): number {
  const value = document[name];
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + (typeof v === 'number' ? v : 0), 0);
  return 0;
}

/** The metric names an EMF document declares (`_aws.CloudWatchMetrics[].Metrics[].Name`); undefined when the line is not EMF. */
function emfMetricNames(document: unknown): Set<string> | undefined {
  const aws = (document as { _aws?: { CloudWatchMetrics?: { Metrics?: { Name?: string }[] }[] } } | null)?._aws;
  if (!aws?.CloudWatchMetrics) return undefined;
  return new Set(aws.CloudWatchMetrics.flatMap((d) => d.Metrics ?? []).flatMap((m) => (m.Name ? [m.Name] : [])));
}

/** A function's work before its first invocation. */
export function noWork(functionLogicalId: string, memorySize: number): FunctionWork {
  return { functionLogicalId, memorySize, invocations: 0, failed: 0, overlapped: 0, billedMs: [], aloneMs: [], gbSeconds: 0, emfLines: 0, writeUnits: 0, readUnits: 0, eventsScored: 0, journeysStarted: 0 };
}

export function createMeter(print: (line: string) => void = console.log): Meter {
  const work = new Map<string, FunctionWork>();
  let stream: StreamWork = { calls: 0, withRecords: 0, records: 0 };
  let lastActivity = Date.now();
  let stray = 0;

  const of = (functionLogicalId: string, memorySize = 0): FunctionWork => {
    let w = work.get(functionLogicalId);
    if (!w) {
      w = noWork(functionLogicalId, memorySize);
      work.set(functionLogicalId, w);
    }
    if (memorySize) w.memorySize = memorySize;
    return w;
  };

  const invoked = (report: InvocationReport) => {
    const w = of(report.functionLogicalId, report.memorySize);
    const billed = Math.max(1, Math.ceil(report.durationMs));
    w.invocations += 1;
    if (report.failed) w.failed += 1;
    if (report.concurrent > 0) w.overlapped += 1;
    else w.aloneMs.push(billed);
    w.billedMs.push(billed);
    w.gbSeconds += (report.memorySize / 1024) * (billed / 1000);
    lastActivity = Date.now();
  };

  const printed = (functionLogicalId: string, line: string) => {
    let document: Record<string, unknown> | undefined;
    try {
      document = JSON.parse(line) as Record<string, unknown>;
    } catch {
      document = undefined;
    }
    const names = document && emfMetricNames(document);
    if (!document || !names) {
      stray += 1;
      print(`[${functionLogicalId}] ${line}`);
      return;
    }
    const w = of(functionLogicalId);
    w.emfLines += 1;
    if (names.has(METRIC.writeUnits)) w.writeUnits += metricSum(document, METRIC.writeUnits);
    if (names.has(METRIC.readUnits)) w.readUnits += metricSum(document, METRIC.readUnits);
    if (names.has(METRIC.eventsScored)) w.eventsScored += metricSum(document, METRIC.eventsScored);
    if (names.has(METRIC.journeysStarted)) w.journeysStarted += metricSum(document, METRIC.journeysStarted);
  };

  const streamRead = (_functionLogicalId: string, records: number) => {
    stream.calls += 1;
    if (records > 0) {
      stream.withRecords += 1;
      stream.records += records;
      lastActivity = Date.now();
    }
  };

  return {
    observer: { invoked, printed, streamRead },
    functions: () => [...work.values()].map((w) => ({ ...w, billedMs: [...w.billedMs], aloneMs: [...w.aloneMs] })),
    stream: () => ({ ...stream }),
    lastActivity: () => lastActivity,
    strayLines: () => stray,
    reset: () => {
      work.clear();
      stream = { calls: 0, withRecords: 0, records: 0 };
      stray = 0;
    },
  };
}
