import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { describeApp, LOCAL_REGION, readTemplate, tablesOf } from '../../local/template.ts';
import { benchDir } from '../lib/harness.ts';
import { tableBehind } from '../lib/tables.ts';
import { createMeter, type Meter } from './meter.ts';
import { CLOCK_SPEED } from './settings.ts';

/** Which part of the bill a function belongs to: the events' path (per event) or the hand-off's (per lead handed off). */
export type BillPath = 'events' | 'hand-offs';

/** What the template says about a function, as the cost model needs it. */
export interface FunctionFacts {
  logicalId: string;
  /** the logical id without its hash: `ApiIngest`, `JourneyEscalateFunction`, … */
  label: string;
  memorySize: number;
  architecture: string;
  path: BillPath;
}

export interface CostSetup {
  runtime: LocalRuntime;
  meter: Meter;
  dynamodb: DynamoDBClient;
  eventsTable: string;
  functions: Map<string, FunctionFacts>;
  stream: { batchSize: number; windowSeconds: number };
}

/**
 * The functions the visitors' requests reach (the routes they call) and the
 * stream's consumer are the events' path; every other function (the hand-off
 * links, the journey's tasks) is the hand-off's.
 */
function functionFacts(visitorPaths: ReadonlySet<string>): { functions: Map<string, FunctionFacts>; stream: CostSetup['stream'] } {
  const cdkOut = path.join(benchDir, '..', 'cdk.out');
  const template = readTemplate(cdkOut);
  const streamArns = new Map(tablesOf(template).filter((t) => t.streamViewType).map((t) => [t.logicalId, `local:${t.logicalId}`]));
  const app = describeApp(template, cdkOut, { apiUrl: 'http://127.0.0.1', streamArns });
  const eventsPath = new Set([...app.routes.filter((r) => visitorPaths.has(r.path)).map((r) => r.functionLogicalId), ...app.streamMappings.map((m) => m.functionLogicalId)]);
  const functions = new Map<string, FunctionFacts>();
  for (const fn of app.functions.values()) {
    const architecture = (template.Resources[fn.logicalId]?.Properties?.Architectures as string[] | undefined)?.[0] ?? 'x86_64';
    functions.set(fn.logicalId, {
      logicalId: fn.logicalId,
      label: fn.logicalId.replace(/[0-9A-F]{8}$/, ''),
      memorySize: fn.memorySize,
      architecture,
      path: eventsPath.has(fn.logicalId) ? 'events' : 'hand-offs',
    });
  }
  const mapping = app.streamMappings[0];
  if (!mapping) throw new Error('no stream mapping in the template');
  return { functions, stream: { batchSize: mapping.batchSize, windowSeconds: mapping.maxBatchingWindowSeconds } };
}

/** Starts the local runtime with the meter watching it, the functions' embedded metrics switched on. */
export async function setUp(visitorPaths: ReadonlySet<string>): Promise<CostSetup> {
  const meter = createMeter();
  const runtime = await startLocalRuntime({
    port: 0,
    sesPort: 0,
    synth: true,
    clockSpeed: CLOCK_SPEED,
    log: () => undefined,
    // Locally (POWERTOOLS_DEV) Powertools keeps metrics quiet; on AWS every invocation prints its EMF line.
    functionEnvironment: { POWERTOOLS_METRICS_DISABLED: 'false' },
    observe: meter.observer,
  });
  try {
    const { functions, stream } = functionFacts(visitorPaths);
    const template = readTemplate(path.join(benchDir, '..', 'cdk.out'));
    const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    return { runtime, meter, dynamodb, eventsTable: tableBehind(template, 'eventsTable'), functions, stream };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}
