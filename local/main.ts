import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_TARGET_FILE } from '../bin/cli/target.ts';
import { parseClockStart } from './clock.ts';
import { StartupError } from './ports.ts';
import { startLocalRuntime, type LocalRuntime } from './runtime.ts';

/**
 * `npm start`: the whole loop on this machine. Configuration by environment:
 * PORT, LEADLOOP_SES_PORT, LEADLOOP_CLOCK_SPEED, LEADLOOP_CLOCK_START, LEADLOOP_WRITE_KEY,
 * LEADLOOP_SERVER_KEY, LEADLOOP_DATA_DIR, LEADLOOP_LOG_LEVEL, LEADLOOP_LOCAL_FUNCTIONS.
 */
function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

let clockStart: Date | undefined;
try {
  clockStart = parseClockStart(process.env.LEADLOOP_CLOCK_START);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

let runtime: LocalRuntime;
try {
  runtime = await startLocalRuntime({
    port: numberFromEnv('PORT', 3000),
    sesPort: numberFromEnv('LEADLOOP_SES_PORT', 8005),
    clockSpeed: numberFromEnv('LEADLOOP_CLOCK_SPEED', 1),
    ...(clockStart && { clockStart }),
    ...(process.env.LEADLOOP_WRITE_KEY && { writeKey: process.env.LEADLOOP_WRITE_KEY }),
    ...(process.env.LEADLOOP_SERVER_KEY && { serverKey: process.env.LEADLOOP_SERVER_KEY }),
    ...(process.env.LEADLOOP_DATA_DIR && { dataDir: process.env.LEADLOOP_DATA_DIR }),
    ...(process.env.LEADLOOP_LOG_LEVEL && { logLevel: process.env.LEADLOOP_LOG_LEVEL }),
  });
} catch (error) {
  // What the person starting it can fix is one sentence; anything else is a bug, with its stack.
  if (!(error instanceof StartupError)) throw error;
  console.error(error.message);
  process.exit(1);
}

// `npx leadloop rescore --local` (and backtest, simulate) find this runtime here.
mkdirSync(path.dirname(LOCAL_TARGET_FILE), { recursive: true });
// It holds the keys: readable by this user only.
writeFileSync(LOCAL_TARGET_FILE, `${JSON.stringify(runtime.cliEnv, null, 2)}\n`, { mode: 0o600 });

const { apiUrl, sesUrl, dynamodbEndpoint, writeKey, serverKey, clock } = runtime;
console.log(`
LeadLoop is running locally.

  API            ${apiUrl}          (health: ${apiUrl}/health)
  Emails         ${sesUrl}/         (JSON: ${sesUrl}/store)
  Dashboard      ${apiUrl}/dashboard   (sign in with the server key below)
  Journeys       ${apiUrl}/_local/executions
  Failed records ${apiUrl}/_local/failed-records   (stream records set aside after their retries)
  DynamoDB       ${dynamodbEndpoint}   (DynamoDB Local; any region, any credentials)
  Clock speed    ${clock.speed}× ${clock.speed === 1 ? '(real time; set LEADLOOP_CLOCK_SPEED=3600 for an hour per second)' : ''}
  Clock started  ${new Date(clock.start ?? clock.origin).toISOString()} ${clock.start === undefined ? '(now; set LEADLOOP_CLOCK_START=2027-01-08T18:00:00Z for a Friday evening)' : '(LEADLOOP_CLOCK_START)'}
  Write key      ${writeKey}${process.env.LEADLOOP_WRITE_KEY ? '' : '   (set LEADLOOP_WRITE_KEY to keep one)'}
  Server key     ${serverKey}${process.env.LEADLOOP_SERVER_KEY ? '' : '   (set LEADLOOP_SERVER_KEY to keep one)'}

Rescore every lead after changing config/scoring-model.json (and restarting):

  npx leadloop rescore --local

Send a first event:

  curl -u '${writeKey}:' -H 'content-type: application/json' \\
    -d '{"anonymousId":"visitor-1","name":"Pricing","context":{"page":{"url":"https://example.com/pricing"}}}' \\
    ${apiUrl}/v1/page

Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping LeadLoop …`);
  rmSync(LOCAL_TARGET_FILE, { force: true });
  await runtime.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
