import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime.ts';

/** Helpers for tests that drive the local runtime. */

/**
 * The local runtime for one test file: started before its tests (free ports,
 * the existing cdk.out, quiet) and stopped after them, with a DynamoDB client
 * on its tables. Read `runtime` and `dynamodb` inside tests, once started.
 */
export function useLocalRuntime(options: Pick<LocalRuntimeOptions, 'functionEnvironment'> = {}): { readonly runtime: LocalRuntime; readonly dynamodb: DynamoDBClient } {
  const local = {} as { runtime: LocalRuntime; dynamodb: DynamoDBClient };
  beforeAll(async () => {
    local.runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined, ...options });
    local.dynamodb = new DynamoDBClient({ endpoint: local.runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  afterAll(async () => {
    local.dynamodb?.destroy();
    await local.runtime?.stop();
  });
  return local;
}

/**
 * Polls until `probe` returns a value; fails naming what it waited for. A
 * probe that scans a table should poll seldom (`intervalMs`): DynamoDB Local
 * shares the machine's cores with the work it waits for.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The events table: the one keyed by messageId (its name comes from the template). */
async function eventsTable(dynamodb: DynamoDBClient): Promise<string> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  for (const name of TableNames) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.KeySchema?.[0]?.AttributeName === 'messageId') return name;
  }
  throw new Error('no events table');
}

/** Every stored event matching `filter` (a scan: fine for a test's handful of events). */
export async function storedEvents(dynamodb: DynamoDBClient, filter: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: await eventsTable(dynamodb) }));
  return Items.map((item) => unmarshall(item)).filter(filter);
}

/** Posts a Segment-shaped call to the local API with the runtime's write key. */
export function sendEvent(runtime: { apiUrl: string; writeKey: string }, path: string, body: unknown, key = runtime.writeKey): Promise<Response> {
  return fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
}

/**
 * A runtime `log` that keeps its last `max` lines, to put into a failure's
 * message: a wait that times out on a loaded machine then says what the
 * runtime was doing instead of only what was missing.
 */
export function logTail(max = 200): { log: (message: string) => void; tail: () => string } {
  const lines: string[] = [];
  return {
    log: (message) => {
      lines.push(message);
      if (lines.length > max) lines.shift();
    },
    tail: () => lines.join('\n'),
  };
}

/** Awaits `wait`; if it fails, its message is followed by what `explain` says (a journey's state, a log tail). */
export async function explained<T>(wait: Promise<T>, explain: () => string): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${explain()}`, { cause: error });
  }
}

/** One journey execution in a line: status, error, retries and its last states (for a failure's message). */
export function describeExecution(runtime: LocalRuntime, name: string): string {
  const execution = [...runtime.stepFunctions.executions.values()].find((e) => e.name === name);
  if (!execution) return `journey ${name}: no execution`;
  const { status, error, cause, retries, states } = execution;
  return `journey ${name}: ${status}${error ? ` ${error}: ${cause}` : ''}, ${retries} retries, last states: ${states.slice(-8).join(' → ')}`;
}
