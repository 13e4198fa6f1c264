import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import sesModule from 'aws-ses-v2-local';
import { FAILED_RECORDS_VARIABLES, LOCAL_API_VARIABLES, LOCAL_CLOCK_START_VARIABLE } from '../bin/cli/target.ts';
import { SETTINGS } from '../functions/commons/settings.ts';
import { JOURNEY_RECONCILER_ID } from '../functions/core/reconcile.ts';
import { createKeyRegistry, KeyAlreadyRegisteredError } from '../functions/adapters/key-registry.ts';
import { issueKey, type ManageKeysPorts } from '../functions/keys/manage-keys.ts';
import { createClock, type ClockSettings } from './clock.ts';
import type { FaultPlan } from './fault-plan.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { dynamodbEndpoint, javaProblem, prepareDataDir, startDynamoDb, type LocalDynamoDb } from './dynamodb.ts';
import { HttpRouter, type Invoke } from './http-router.ts';
import { LocalLambdas, type FunctionObserver } from './lambdas.ts';
import { ensurePortFree, freePort, listenProblem, outlastClientKeepAlive, StartupError } from './ports.ts';
import { LocalScheduler, targetInput } from './scheduler.ts';
import { SesEventError, sesEventDelivery, type DeliverSesEvent } from './ses-events.ts';
import { StreamPoller, type StreamFailureRecord } from './stream-poller.ts';
import { LocalStepFunctions } from './step-functions.ts';
import { synthIfStale } from './synth.ts';
import { describeApp, LOCAL_REGION, readTemplate, tablesOf, type LocalApp, type LocalFunction, type Template } from './template.ts';

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
  /** The instant the virtual clock starts at (LEADLOOP_CLOCK_START). @default now */
  clockStart?: Date;
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
  /**
   * Added to every function's environment after the runtime's own, e.g.
   * `POWERTOOLS_METRICS_DISABLED: 'false'` to have them print their embedded metrics.
   * @default - nothing added
   */
  functionEnvironment?: Record<string, string>;
  /** What the stand-ins did, as AWS would meter it (bench/cost). @default - nothing observed */
  observe?: RuntimeObserver;
  /**
   * When each function's worker loads its code: `at-start`, all while the runtime starts (a function that cannot
   * load stops the start, and no call pays a cold start), or `on-first-call`, as Lambda does (a start costs only the
   * stand-ins, and a function nobody calls costs nothing: the test suite's choice, LEADLOOP_LOCAL_FUNCTIONS).
   * @default LEADLOOP_LOCAL_FUNCTIONS, else 'at-start'
   */
  loadFunctions?: LoadFunctions;
  /**
   * Puts a fault proxy (local/fault-proxy.ts) in front of the DynamoDB, Step Functions and SES endpoints the
   * functions use; `LocalRuntime.faults.use(plan)` chooses what it injects (nothing until then). Never on in `npm start`.
   * @default - off: the functions reach the stand-ins directly
   */
  faults?: {
    /** the functions' AWS request timeout (LEADLOOP_AWS_REQUEST_TIMEOUT_MS) while faults are on. @default 3000, AWS's */
    requestTimeoutMs?: number;
    /** how long a `timeout` call is held: past the request timeout. @default the request timeout + 1000 */
    holdMs?: number;
  };
}

export type LoadFunctions = 'at-start' | 'on-first-call';

/** The variable that sets `loadFunctions` when the options do not (vitest.config.ts sets it for the suite). */
export const LOAD_FUNCTIONS_VARIABLE = 'LEADLOOP_LOCAL_FUNCTIONS';

/** When the functions load: as asked, else as LEADLOOP_LOCAL_FUNCTIONS says, else at start. */
export function loadFunctionsOf(options: Pick<LocalRuntimeOptions, 'loadFunctions'>, env: NodeJS.ProcessEnv = process.env): LoadFunctions {
  const value = options.loadFunctions ?? (env[LOAD_FUNCTIONS_VARIABLE] || 'at-start');
  if (value !== 'at-start' && value !== 'on-first-call') throw new StartupError(`${LOAD_FUNCTIONS_VARIABLE} must be at-start or on-first-call, not ${JSON.stringify(value)}.`);
  return value;
}

/** The fault proxies' control (with `faults` on): the plan in force, `undefined` for none. */
export interface FaultControl {
  use: (plan: FaultPlan | undefined) => void;
  plan: () => FaultPlan | undefined;
}

/** Optional hooks for benches: the functions' invocations and output, and the stream reads. */
export interface RuntimeObserver extends FunctionObserver {
  /** each GetRecords call a stream poller made that answered, with the function it reads for and the records returned */
  streamRead?: (functionLogicalId: string, records: number) => void;
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
  /** the stack's EventBridge Scheduler schedules, fired on the clock; `fire` fires one now (or for a given scheduled time) */
  schedules: LocalScheduler;
  /** delivers an SES event (a bounce, a complaint) to the functions its configuration set's topic feeds, as SNS would */
  sesEvents: DeliverSesEvent;
  /** holds the stream pollers (records wait in the stream, as behind a slow event source mapping) and releases them; for tests of races */
  streams: { hold: () => Promise<void>; release: () => void };
  /** what the leadloop CLI needs to work on this runtime: tables, state machine, endpoints */
  cliEnv: Record<string, string>;
  /** with the `faults` option: the plan the proxies inject */
  faults?: FaultControl;
  stop: () => Promise<void>;
}

async function listen(server: Server, port: number): Promise<number> {
  outlastClientKeepAlive(server);
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
<li>Schedules (the weekly digest) and when they fire next on the local clock: <a href="/_local/schedules">/_local/schedules</a>; the digest email appears with the others above</li>
<li>Stream records set aside after their retries (the on-failure queue): <a href="/_local/failed-records">/_local/failed-records</a></li>
<li>An SES bounce or complaint, as SES would publish it: <code>POST /_local/ses-events</code> with the event's JSON (<code>{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"…"}]}}</code>)</li>
</ul></body></html>`;
}

/** What was started, stopped in reverse order (also when start-up fails half-way). */
class Stops {
  private readonly stops: (() => Promise<void>)[] = [];
  private readonly log: (message: string) => void;

  constructor(log: (message: string) => void) {
    this.log = log;
  }

  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  readonly stopAll = async (): Promise<void> => {
    for (const s of this.stops.reverse()) await s().catch((error: unknown) => this.log(`while stopping: ${String(error)}`));
    this.stops.length = 0;
  };
}

/** What the person starting it can fix is checked first, before the (slow) synthesis, and said in one sentence. */
function checkPrerequisites(options: LocalRuntimeOptions): { dataDir: string | undefined; clock: ClockSettings } {
  const javaMissing = javaProblem();
  if (javaMissing) throw javaMissing;
  const dataDir = options.dataDir !== undefined ? prepareDataDir(options.dataDir) : undefined;
  return { dataDir, clock: createClock(options.clockSpeed ?? 1, Date.now(), options.clockStart) };
}

/** What the HTTP front serves once the loop is up; until then it answers 503. */
interface Serving {
  router: HttpRouter;
  /** the functions by name (a logical id) or ARN, for Lambda's Invoke */
  invoke: Invoke;
  stepFunctions: LocalStepFunctions;
  schedules: LocalScheduler;
  sesUrl: string;
  sesEvents: DeliverSesEvent;
}

interface HttpFront {
  apiUrl: string;
  /** starts routing to the functions: the runtime is ready */
  serve: (serving: Serving) => void;
}

/**
 * The HTTP API listens first so its URL can be resolved into the functions'
 * environment; it answers 503 (and /health "starting") until `serve`.
 */
async function startHttp(options: LocalRuntimeOptions, failedRecords: Record<string, StreamFailureRecord[]>, stops: Stops, log: (message: string) => void): Promise<HttpFront> {
  let serving: Serving | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/health') {
        res.writeHead(serving ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: serving ? 'ok' : 'starting' }));
        return;
      }
      if (!serving) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'LeadLoop is starting' }));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(landingPage({ apiUrl, sesUrl: serving.sesUrl }));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_local/executions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([...serving.stepFunctions.executions.values()].map(({ abort: _abort, waits: _waits, ...e }) => e), null, 2));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_local/schedules') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ schedules: serving.schedules.list(), firings: serving.schedules.firings }, null, 2));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_local/failed-records') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(failedRecords, null, 2));
        return;
      }
      if (req.method === 'DELETE' && url.pathname.startsWith('/_local/failed-records/')) {
        // a parked batch replayed in full (leadloop failed replay), taken off its destination as SQS's DeleteMessage would
        const id = decodeURIComponent(url.pathname.slice('/_local/failed-records/'.length));
        let found = false;
        for (const parked of Object.values(failedRecords)) {
          const at = parked.findIndex((record) => record.requestContext.requestId === id);
          if (at !== -1) found = parked.splice(at, 1).length > 0;
        }
        res.writeHead(found ? 204 : 404);
        res.end();
        return;
      }
      const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (req.method === 'POST' && invocation) {
        // Lambda's Invoke, for the CLI (leadloop failed replay invokes the scoring function as the stream does)
        serving.invoke(decodeURIComponent(invocation[1]!), JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')).then(
          (result) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(result ?? null));
          },
          (error: unknown) => {
            res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
            res.end(JSON.stringify({ errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) }));
          },
        );
        return;
      }
      if (req.method === 'POST' && url.pathname === '/_local/ses-events') {
        const respond = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        let event: unknown;
        try {
          event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          respond(400, { message: 'the body must be an SES event as JSON' });
          return;
        }
        serving.sesEvents(event).then(
          (result) => respond(200, result),
          (error: unknown) => respond(error instanceof SesEventError ? 400 : 500, { message: String(error instanceof Error ? error.message : error) }),
        );
        return;
      }
      serving.router.handle(req, res, Buffer.concat(chunks)).then(
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
  stops.add(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  return { apiUrl, serve: (s) => void (serving = s) };
}

/** The SES capture (aws-ses-v2-local): emails sent are kept and shown, never delivered. */
async function startSesCapture(options: LocalRuntimeOptions, stops: Stops): Promise<string> {
  // The package is CommonJS with a default export.
  const sesServer = (sesModule as unknown as { default: typeof sesModule.default }).default ?? sesModule;
  // It does not report a port in use (the server just never listens), so the port is tried first.
  const sesPort = options.sesPort ?? 8005;
  await ensurePortFree(sesPort, 'the SES capture', 'LEADLOOP_SES_PORT');
  const ses = await sesServer({ host: '127.0.0.1', port: sesPort });
  if (!ses.listening) throw listenProblem(Object.assign(new Error('not listening'), { code: 'EADDRINUSE' }), 'the SES capture', sesPort, 'LEADLOOP_SES_PORT');
  outlastClientKeepAlive(ses);
  stops.add(async () => {
    ses.closeAllConnections?.();
    await new Promise<void>((r) => ses.close(() => r()));
  });
  return `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
}

/** The synthesized template (synthesized first when cdk.out is older than the sources). */
function loadTemplate(options: LocalRuntimeOptions): { template: Template; cdkOut: string } {
  if (options.synth ?? true) synthIfStale();
  const cdkOut = path.join(root, 'cdk.out');
  return { template: readTemplate(cdkOut), cdkOut };
}

/** DynamoDB Local with the template's tables (and their streams). */
async function startTables(template: Template, options: LocalRuntimeOptions, dataDir: string | undefined, stops: Stops): Promise<LocalDynamoDb> {
  const dynamodb = await startDynamoDb(tablesOf(template), {
    ...(options.dynamodbPort !== undefined && { port: options.dynamodbPort }),
    ...(dataDir !== undefined && { dataDir }),
  });
  stops.add(dynamodb.stop);
  return dynamodb;
}

/** What every function's environment adds to its own: the local endpoints, the region, the log level. */
function functionsEnvironment(options: LocalRuntimeOptions, endpoints: { dynamodb: string; sfn: string; ses: string }): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    // the stand-ins share one machine and answer slower than AWS: 10 s, unless the fault runs ask for AWS's own
    [SETTINGS.awsRequestTimeoutMs]: String(options.faults ? (options.faults.requestTimeoutMs ?? 3_000) : 10_000),
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
    POWERTOOLS_DEV: 'true',
    TZ: 'UTC',
    ...options.functionEnvironment,
  };
}

/**
 * The fault proxies in front of the stand-ins, when asked for: each function's endpoints name it (so a plan can
 * aim at one function and the counts say whose calls were hit).
 */
async function startFaultProxies(
  options: LocalRuntimeOptions,
  targets: { dynamodb: string; sfn: string; ses: string },
  stops: Stops,
): Promise<{ control: FaultControl; envOf: (fn: LocalFunction) => Record<string, string> } | undefined> {
  if (!options.faults) return undefined;
  let current: FaultPlan | undefined;
  const plan = () => current;
  const holdMs = options.faults.holdMs ?? (options.faults.requestTimeoutMs ?? 3_000) + 1_000;
  const [dynamodb, sfn, ses] = await Promise.all(
    (['dynamodb', 'sfn', 'ses'] as const).map((service) => startFaultProxy({ service, target: targets[service], plan, holdMs })),
  );
  for (const proxy of [dynamodb!, sfn!, ses!]) stops.add(proxy.stop);
  return {
    control: { use: (p) => void (current = p), plan },
    envOf: (fn) => ({
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb!.endpointFor(fn.logicalId),
      AWS_ENDPOINT_URL_SFN: sfn!.endpointFor(fn.logicalId),
      AWS_ENDPOINT_URL_SESV2: ses!.endpointFor(fn.logicalId),
      AWS_ENDPOINT_URL_SES: ses!.endpointFor(fn.logicalId),
    }),
  };
}

/** The functions, each in its own worker (started by `startAll`). */
function createLambdas(
  app: LocalApp,
  env: Record<string, string>,
  clock: ClockSettings,
  observer: FunctionObserver | undefined,
  stops: Stops,
  envOf?: (fn: LocalFunction) => Record<string, string>,
): LocalLambdas {
  const lambdas = new LocalLambdas(app.functions, env, clock, observer, envOf);
  stops.add(() => lambdas.stop());
  return lambdas;
}

/** The state machines, interpreted locally and reached through a Step Functions endpoint. */
async function startStepFunctions(
  app: LocalApp,
  invoke: Invoke,
  clock: ClockSettings,
  sfnPort: number,
  stops: Stops,
  log: (message: string) => void,
): Promise<{ stepFunctions: LocalStepFunctions; sfnEndpoint: string }> {
  const stepFunctions = new LocalStepFunctions(app.stateMachines, invoke, clock, log);
  const sfnEndpoint = await stepFunctions.listen(sfnPort);
  stops.add(() => stepFunctions.stop());
  return { stepFunctions, sfnEndpoint };
}

/** The table the functions know as their leads table (SETTINGS.leadsTable). */
function leadsTableOf(app: LocalApp): string {
  const leadsTable = [...app.functions.values()].map((f) => f.environment[SETTINGS.leadsTable]).find(Boolean);
  if (!leadsTable) throw new Error(`no function in the template has ${SETTINGS.leadsTable}`);
  return leadsTable;
}

/**
 * A write key and a server key for the source `local`, issued as `leadloop
 * keys create` does (stored as hashes, with registry entries). A key given in
 * the environment that a kept data directory already holds is used as it is.
 */
async function seedKeys(dynamodb: LocalDynamoDb, leadsTable: string, options: LocalRuntimeOptions): Promise<{ writeKey: string; serverKey: string }> {
  const ports: ManageKeysPorts = {
    registry: createKeyRegistry({ client: DynamoDBDocumentClient.from(dynamodb.client, { marshallOptions: { removeUndefinedValues: true } }), leadsTable }),
    randomBytes: (size) => randomBytes(size),
    now: () => new Date(),
  };
  const seed = async (kind: 'write' | 'server', given: string | undefined): Promise<string> => {
    // Locally, the tracker may run on any demo page.
    const request = { kind, sourceId: 'local', name: `npm start ${kind} key`, allowedOrigins: kind === 'write' ? ['*'] : [] };
    try {
      return (await issueKey(request, ports, given === undefined ? {} : { key: given })).key;
    } catch (error) {
      if (given !== undefined && error instanceof KeyAlreadyRegisteredError) return given;
      throw error;
    }
  };
  return { writeKey: await seed('write', options.writeKey), serverKey: await seed('server', options.serverKey) };
}

/**
 * One poller per event source mapping; a batch given up on goes to the
 * mapping's on-failure destination (an SQS queue on AWS), kept in `failedRecords`.
 */
function startStreams(
  app: LocalApp,
  dynamodb: LocalDynamoDb,
  invoke: Invoke,
  failedRecords: Record<string, StreamFailureRecord[]>,
  apiUrl: string,
  observer: RuntimeObserver | undefined,
  stops: Stops,
  log: (message: string) => void,
): LocalRuntime['streams'] {
  const pollers: StreamPoller[] = [];
  const streamRead = observer?.streamRead;
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
      streamRead && ((records) => streamRead(mapping.functionLogicalId, records)),
    );
    poller.start();
    pollers.push(poller);
    stops.add(() => poller.stop());
  }
  return {
    hold: async () => void (await Promise.all(pollers.map((p) => p.hold()))),
    release: () => pollers.forEach((p) => p.release()),
  };
}

/** How the stack's functions send email (sender, configuration set, the API their links point to): the CLI sends the same way. */
function emailEnvironment(app: LocalApp): Record<string, string> {
  const { senderAddress, sesConfigurationSet, apiUrl } = SETTINGS;
  const env = [...app.functions.values()].map((f) => f.environment).find((e) => e[senderAddress] && e[sesConfigurationSet]);
  if (!env) return {};
  return Object.fromEntries([senderAddress, sesConfigurationSet, apiUrl].filter((name) => env[name]).map((name) => [name, env[name]!]));
}

/** The scoring function's environment names every table and the journey: the CLI works with the same. */
function cliEnvironment(app: LocalApp, leadsTable: string, endpoints: { dynamodb: string; sfn: string; api: string }): Record<string, string> {
  const { eventsTable, journeyStateMachineArn } = SETTINGS;
  const scoringEnv = [...app.functions.values()].map((f) => f.environment).find((env) => env[journeyStateMachineArn] && env[eventsTable]);
  if (!scoringEnv) throw new Error(`no function in the template has ${eventsTable} and ${journeyStateMachineArn}`);
  const scoring = app.streamMappings.find((mapping) => mapping.onFailureDestination !== undefined);
  return {
    [SETTINGS.leadsTable]: leadsTable,
    [eventsTable]: scoringEnv[eventsTable]!,
    [journeyStateMachineArn]: scoringEnv[journeyStateMachineArn]!,
    // leadloop forget stops the person's nurture program too
    ...(scoringEnv[SETTINGS.nurtureStateMachineArn] && { [SETTINGS.nurtureStateMachineArn]: scoringEnv[SETTINGS.nurtureStateMachineArn] }),
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    // the stand-ins' pace, as the functions get it
    [SETTINGS.awsRequestTimeoutMs]: '10000',
    // leadloop failed replay: the function the events stream feeds, invoked through the runtime's Lambda Invoke
    ...(scoring && { [FAILED_RECORDS_VARIABLES.scoreFunction]: scoring.functionLogicalId, AWS_ENDPOINT_URL_LAMBDA: endpoints.api }),
  };
}

/**
 * Runs the journey reconciler once, now, as its schedule would (no retries: a failure is logged and the
 * schedule tries again at its next time); what it resumed is logged.
 */
async function reconcileAtStart(app: LocalApp, invoke: Invoke, log: (message: string) => void): Promise<void> {
  for (const schedule of app.schedules.filter((s) => s.logicalId.startsWith(JOURNEY_RECONCILER_ID))) {
    try {
      const report = (await invoke(schedule.functionLogicalId, targetInput(schedule, new Date(), 1))) as { resumed?: unknown[] } | undefined;
      const resumed = report?.resumed?.length ?? 0;
      if (resumed > 0) log(`journey reconciler: resumed ${resumed} journey(s) the restart had stopped`);
    } catch (error) {
      log(`journey reconciler at start: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
  }
}

/**
 * Starts the whole loop on this machine from the synthesized template:
 * DynamoDB Local with the stack's tables, the SES capture, the functions in
 * workers, the stream pollers, the state machines, and the HTTP API.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? ((m: string) => console.log(m));
  const stops = new Stops(log);
  try {
    const { dataDir, clock } = checkPrerequisites(options);
    const loadFunctions = loadFunctionsOf(options);
    // The stream mappings' on-failure destinations (SQS queues on AWS), by logical id: what each would hold.
    const failedRecords: Record<string, StreamFailureRecord[]> = {};
    const http = await startHttp(options, failedRecords, stops, log);
    const sesUrl = await startSesCapture(options, stops);
    const { template, cdkOut } = loadTemplate(options);
    // DynamoDB Local (a JVM) boots while the functions load in their workers: the two take most of a start-up,
    // and neither needs the other until the first call. Its port is known up front for the functions' endpoints.
    const dynamodbPort = options.dynamodbPort || (await freePort());
    const tables = startTables(template, { ...options, dynamodbPort }, dataDir, stops);
    // the tables' stream ARNs, known once they exist (nothing in the app is resolved with them before)
    const streamArns = new Map<string, string>();
    const app = describeApp(template, cdkOut, { apiUrl: http.apiUrl, streamArns });

    const sfnPort = options.sfnPort ?? (await freePort());
    const endpoints = { dynamodb: dynamodbEndpoint(dynamodbPort), sfn: `http://127.0.0.1:${sfnPort}`, ses: sesUrl };
    const env = functionsEnvironment(options, endpoints);
    const faults = await startFaultProxies(options, endpoints, stops);
    const lambdas = createLambdas(app, env, clock, options.observe, stops, faults?.envOf);
    const invoke: Invoke = (name, event) => lambdas.invoke(name, event);
    const { stepFunctions, sfnEndpoint } = await startStepFunctions(app, invoke, clock, sfnPort, stops, log);
    // both settled before going on, so a failed start-up stops whatever the other started
    const [tablesStarted, functionsStarted] = await Promise.allSettled([tables, loadFunctions === 'at-start' ? lambdas.startAll() : undefined]);
    if (tablesStarted.status === 'rejected') throw tablesStarted.reason;
    if (functionsStarted.status === 'rejected') throw functionsStarted.reason;
    const dynamodb = tablesStarted.value;
    for (const [logicalId, arn] of dynamodb.streamArns) streamArns.set(logicalId, arn);

    const leadsTable = leadsTableOf(app);
    const { writeKey, serverKey } = await seedKeys(dynamodb, leadsTable, options);
    const streams = startStreams(app, dynamodb, invoke, failedRecords, http.apiUrl, options.observe, stops, log);
    if (clock.start !== undefined) {
      // A clock given a start reads it once the runtime is up, not a startup's worth of virtual time later.
      clock.origin = Date.now();
      lambdas.setClock(clock);
    }
    const cliEnv = {
      ...cliEnvironment(app, leadsTable, { dynamodb: dynamodb.endpoint, sfn: sfnEndpoint, api: http.apiUrl }),
      // leadloop simulate drives the public API: where it is, its keys, and the clock its handlers see
      [LOCAL_API_VARIABLES.apiUrl]: http.apiUrl,
      [LOCAL_API_VARIABLES.sesUrl]: sesUrl,
      [LOCAL_API_VARIABLES.writeKey]: writeKey,
      [LOCAL_API_VARIABLES.serverKey]: serverKey,
      [LOCAL_API_VARIABLES.clockSpeed]: String(clock.speed),
      [LOCAL_API_VARIABLES.clockOrigin]: String(clock.origin),
      ...(clock.start !== undefined && { [LOCAL_CLOCK_START_VARIABLE]: new Date(clock.start).toISOString() }),
      // leadloop digest --send sends as the digest function does: through the SES capture, with its sender
      ...emailEnvironment(app),
      AWS_ENDPOINT_URL_SESV2: sesUrl,
    };

    const schedules = new LocalScheduler(app.schedules, invoke, clock, log);
    schedules.start();
    stops.add(async () => schedules.stop());
    // A restart forgot every running journey: the reconciler resumes those of the open cycles kept in the data
    // directory now, before anyone waits on them, then on its schedule (in memory, nothing is kept to resume).
    if (dataDir !== undefined) await reconcileAtStart(app, invoke, log);

    const sesEvents = sesEventDelivery(app.sesEventTopics, invoke, clock);
    http.serve({ router: new HttpRouter(app.routes, app.cors, invoke), invoke, stepFunctions, schedules, sesUrl, sesEvents });
    return { apiUrl: http.apiUrl, sesUrl, dynamodbEndpoint: dynamodb.endpoint, sfnEndpoint, writeKey, serverKey, clock, stepFunctions, schedules, sesEvents, streams, cliEnv, ...(faults && { faults: faults.control }), stop: stops.stopAll };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
