import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import sesModule from 'aws-ses-v2-local';
import { keyItemKey } from '../functions/core/keys.ts';
import { createClock, type ClockSettings } from './clock.ts';
import { javaProblem, prepareDataDir, startDynamoDb, type LocalDynamoDb } from './dynamodb.ts';
import { HttpRouter } from './http-router.ts';
import { LocalLambdas } from './lambdas.ts';
import { ensurePortFree, freePort, listenProblem } from './ports.ts';
import { StreamPoller, type StreamFailureRecord } from './stream-poller.ts';
import { LocalStepFunctions } from './step-functions.ts';
import { synthIfStale } from './synth.ts';
import { describeApp, LOCAL_REGION, readTemplate, tablesOf } from './template.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface LocalRuntimeOptions {
  /** HTTP API port; 0 picks a free one. @default 3000 */
  port?: number;
  /** SES capture port (viewer at /, JSON at /store); 0 picks a free one. @default 8005 */
  sesPort?: number;
  /** DynamoDB Local port. @default a free port */
  dynamodbPort?: number;
  /** Step Functions endpoint port. @default a free port */
  sfnPort?: number;
  /** Virtual seconds per real second. @default 1 */
  clockSpeed?: number;
  /** @default a new random key, printed at start */
  writeKey?: string;
  /** @default a new random key, printed at start */
  serverKey?: string;
  /** Keep DynamoDB data here between runs. @default in memory */
  dataDir?: string;
  /** Handler log level (Powertools). @default WARN */
  logLevel?: string;
  /** @default true: synthesize when cdk.out is older than the sources */
  synth?: boolean;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  sesUrl: string;
  dynamodbEndpoint: string;
  sfnEndpoint: string;
  writeKey: string;
  serverKey: string;
  clock: ClockSettings;
  stepFunctions: LocalStepFunctions;
  /** holds the stream pollers (records wait in the stream, as behind a slow event source mapping) and releases them; for tests of races */
  streams: { hold: () => Promise<void>; release: () => void };
  /** what the leadloop CLI needs to work on this runtime: tables, state machine, endpoints */
  cliEnv: Record<string, string>;
  stop: () => Promise<void>;
}

function newKey(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString('base64url')}`;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function landingPage(runtime: { apiUrl: string; sesUrl: string }): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>LeadLoop (local)</title></head>
<body style="font-family:sans-serif;max-width:44em;margin:2em auto">
<h1>LeadLoop, running locally</h1>
<ul>
<li>Events API: <code>POST ${runtime.apiUrl}/v1/track</code>, <code>/v1/page</code>, <code>/v1/identify</code>, <code>/v1/batch</code></li>
<li>Emails sent (hand-offs, escalations): <a href="${runtime.sesUrl}/">${runtime.sesUrl}/</a> (JSON at <a href="${runtime.sesUrl}/store">/store</a>)</li>
<li>Leads: <code>GET ${runtime.apiUrl}/v1/leads?email=…</code> or <code>/v1/leads/{leadId}</code> with the server key</li>
<li>Funnel report: <code>GET ${runtime.apiUrl}/v1/reports/funnel</code> with the server key</li>
<li>Journeys (Step Functions executions): <a href="/_local/executions">/_local/executions</a></li>
<li>Stream records set aside after their retries (the on-failure queue): <a href="/_local/failed-records">/_local/failed-records</a></li>
</ul></body></html>`;
}

/**
 * Starts the whole loop on this machine from the synthesized template:
 * DynamoDB Local with the stack's tables, the SES capture, the functions in
 * workers, the stream pollers, the state machines, and the HTTP API.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? ((m: string) => console.log(m));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => log(`while stopping: ${String(error)}`));
    stops.length = 0;
  };

  try {
    // What the person starting it can fix is checked first, before the (slow) synthesis, and said in one sentence.
    const javaMissing = javaProblem();
    if (javaMissing) throw javaMissing;
    const dataDir = options.dataDir !== undefined ? prepareDataDir(options.dataDir) : undefined;
    const clock = createClock(options.clockSpeed ?? 1);

    // The HTTP API listens first so its URL can be resolved into the functions' environment.
    let ready = false;
    let router: HttpRouter | undefined;
    let stepFunctions: LocalStepFunctions | undefined;
    // The stream mappings' on-failure destinations (SQS queues on AWS), by logical id: what each would hold.
    const failedRecords: Record<string, StreamFailureRecord[]> = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname === '/health') {
          res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
          return;
        }
        if (!ready || !router) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'LeadLoop is starting' }));
          return;
        }
        if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(landingPage({ apiUrl, sesUrl }));
          return;
        }
        if (req.method === 'GET' && url.pathname === '/_local/executions') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify([...stepFunctions!.executions.values()].map(({ abort: _abort, ...e }) => e), null, 2));
          return;
        }
        if (req.method === 'GET' && url.pathname === '/_local/failed-records') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(failedRecords, null, 2));
          return;
        }
        router.handle(req, res, Buffer.concat(chunks)).then(
          (handled) => {
            if (handled) return;
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ message: 'Not Found' }));
          },
          (error: unknown) => {
            log(`router: ${String(error)}`);
            if (!res.headersSent) res.writeHead(500);
            res.end();
          },
        );
      });
    });
    const requestedPort = options.port ?? 3000;
    const port = await listen(server, requestedPort).catch((error: unknown) => {
      throw listenProblem(error, 'the HTTP API', requestedPort, 'PORT');
    });
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const apiUrl = `http://127.0.0.1:${port}`;

    // The package is CommonJS with a default export.
    const sesServer = (sesModule as unknown as { default: typeof sesModule.default }).default ?? sesModule;
    // It does not report a port in use (the server just never listens), so the port is tried first.
    const sesPort = options.sesPort ?? 8005;
    await ensurePortFree(sesPort, 'the SES capture', 'LEADLOOP_SES_PORT');
    const ses = await sesServer({ host: '127.0.0.1', port: sesPort });
    if (!ses.listening) throw listenProblem(Object.assign(new Error('not listening'), { code: 'EADDRINUSE' }), 'the SES capture', sesPort, 'LEADLOOP_SES_PORT');
    stops.push(async () => {
      ses.closeAllConnections?.();
      await new Promise<void>((r) => ses.close(() => r()));
    });
    const sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;

    if (options.synth ?? true) synthIfStale();
    const cdkOut = path.join(root, 'cdk.out');
    const template = readTemplate(cdkOut);

    const dynamodb: LocalDynamoDb = await startDynamoDb(tablesOf(template), {
      ...(options.dynamodbPort !== undefined && { port: options.dynamodbPort }),
      ...(dataDir !== undefined && { dataDir }),
    });
    stops.push(dynamodb.stop);

    const app = describeApp(template, cdkOut, { apiUrl, streamArns: dynamodb.streamArns });
    const sfnPort = options.sfnPort ?? (await freePort());

    const baseEnv: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      AWS_ENDPOINT_URL_SESV2: sesUrl,
      AWS_ENDPOINT_URL_SES: sesUrl,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      POWERTOOLS_DEV: 'true',
      TZ: 'UTC',
    };
    const lambdas = new LocalLambdas(app.functions, baseEnv, clock);
    stops.push(() => lambdas.stop());
    const invoke = (name: string, event: unknown) => lambdas.invoke(name, event);

    stepFunctions = new LocalStepFunctions(app.stateMachines, invoke, clock, log);
    const sfnEndpoint = await stepFunctions.listen(sfnPort);
    stops.push(() => stepFunctions!.stop());

    await lambdas.startAll();

    // Keys are stored as hashes in the table the functions know as LEADS_TABLE.
    const writeKey = options.writeKey ?? newKey('wk');
    const serverKey = options.serverKey ?? newKey('sk');
    const leadsTable = [...app.functions.values()].map((f) => f.environment.LEADS_TABLE).find(Boolean);
    if (!leadsTable) throw new Error('no function in the template has LEADS_TABLE');
    for (const [key, kind] of [
      [writeKey, 'write'],
      [serverKey, 'server'],
    ] as const) {
      const { pk, sk } = keyItemKey(key);
      await dynamodb.client.send(
        new PutItemCommand({
          TableName: leadsTable,
          Item: {
            pk: { S: pk },
            sk: { S: sk },
            sourceId: { S: 'local' },
            kind: { S: kind },
            active: { BOOL: true },
            // Locally, the tracker may run on any demo page.
            ...(kind === 'write' && { allowedOrigins: { L: [{ S: '*' }] } }),
          },
        }),
      );
    }

    const pollers: StreamPoller[] = [];
    for (const mapping of app.streamMappings) {
      const streamArn = dynamodb.streamArns.get(mapping.tableLogicalId);
      if (!streamArn) throw new Error(`table ${mapping.tableLogicalId} has no stream`);
      const poller = new StreamPoller(
        dynamodb.endpoint,
        mapping,
        streamArn,
        invoke,
        (error) => log(`stream → ${mapping.functionLogicalId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
        (destination, message) => {
          const { startSequenceNumber, endSequenceNumber, batchSize } = message.DDBStreamBatchInfo;
          const { condition, approximateInvokeCount } = message.requestContext;
          log(
            `stream → ${mapping.functionLogicalId}: gave up on ${batchSize} record(s), sequence numbers ${startSequenceNumber}–${endSequenceNumber}, after ${approximateInvokeCount} invocation(s) (${condition}); ` +
              (destination ? `see ${apiUrl}/_local/failed-records` : 'the mapping has no on-failure destination: discarded'),
          );
          if (destination) (failedRecords[destination] ??= []).push(message);
        },
      );
      poller.start();
      pollers.push(poller);
      stops.push(() => poller.stop());
    }

    // The scoring function's environment names every table and the journey: the CLI works with the same.
    const scoringEnv = [...app.functions.values()].map((f) => f.environment).find((env) => env.JOURNEY_STATE_MACHINE_ARN && env.EVENTS_TABLE);
    if (!scoringEnv) throw new Error('no function in the template has EVENTS_TABLE and JOURNEY_STATE_MACHINE_ARN');
    const cliEnv: Record<string, string> = {
      LEADS_TABLE: leadsTable,
      EVENTS_TABLE: scoringEnv.EVENTS_TABLE!,
      JOURNEY_STATE_MACHINE_ARN: scoringEnv.JOURNEY_STATE_MACHINE_ARN!,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      AWS_ENDPOINT_URL_SFN: sfnEndpoint,
    };

    router = new HttpRouter(app.routes, app.cors, invoke);
    ready = true;
    const streams = {
      hold: async () => void (await Promise.all(pollers.map((p) => p.hold()))),
      release: () => pollers.forEach((p) => p.release()),
    };
    return { apiUrl, sesUrl, dynamodbEndpoint: dynamodb.endpoint, sfnEndpoint, writeKey, serverKey, clock, stepFunctions, streams, cliEnv, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
