import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { virtualNow, type ClockSettings } from '../../local/clock.ts';

/**
 * Where the CLI finds a LeadLoop to work on: the same environment the
 * functions get (table names, the journey's state machine, endpoints).
 * `--local` reads what `npm start` wrote; `--stack <name>` reads a deployed
 * stack's outputs; otherwise the variables must be set.
 */

export const TARGET_VARIABLES = [SETTINGS.leadsTable, SETTINGS.eventsTable, SETTINGS.journeyStateMachineArn] as const;

/** Written by `npm start`: the CLI's environment for the local runtime. */
export const LOCAL_TARGET_FILE = path.resolve(import.meta.dirname, '../../.leadloop/local.json');

/**
 * What `npm start` adds to local.json for commands that use the local
 * runtime's public API (leadloop simulate): its URLs, keys and clock.
 */
export const LOCAL_API_VARIABLES = {
  apiUrl: 'LEADLOOP_API_URL',
  sesUrl: 'LEADLOOP_SES_URL',
  writeKey: 'LEADLOOP_WRITE_KEY',
  serverKey: 'LEADLOOP_SERVER_KEY',
  clockSpeed: 'LEADLOOP_CLOCK_SPEED',
  clockOrigin: 'LEADLOOP_CLOCK_ORIGIN',
} as const;

/** Written to local.json only by a runtime started with LEADLOOP_CLOCK_START: where its clock began. */
export const LOCAL_CLOCK_START_VARIABLE = 'LEADLOOP_CLOCK_START';

/**
 * The clock of the local runtime whose variables these are (what `npm start`
 * writes to local.json: LEADLOOP_CLOCK_SPEED, LEADLOOP_CLOCK_ORIGIN and, when
 * it was started elsewhere, LEADLOOP_CLOCK_START), or undefined when they name
 * none (a deployed stack runs on the wall clock). Commands that date or read
 * "now" against the runtime (simulate, digest) use it, not this machine's clock.
 */
export function localClockOf(env: Readonly<Record<string, string | undefined>>): ClockSettings | undefined {
  const speed = Number(env[LOCAL_API_VARIABLES.clockSpeed]);
  const origin = Number(env[LOCAL_API_VARIABLES.clockOrigin]);
  if (!env[LOCAL_API_VARIABLES.clockSpeed] || !env[LOCAL_API_VARIABLES.clockOrigin] || !(speed > 0) || !Number.isFinite(origin)) return undefined;
  const start = env[LOCAL_CLOCK_START_VARIABLE] ? Date.parse(env[LOCAL_CLOCK_START_VARIABLE]!) : undefined;
  return { speed, origin, ...(start !== undefined && Number.isFinite(start) && { start }) };
}

/** The local runtime's now on its clock, read afresh at each call. */
export const runtimeNow = (clock: ClockSettings) => (): Date => new Date(virtualNow(clock, Date.now()));

/**
 * The target's now: a local runtime's virtual clock (its speed and origin, and
 * where it started, as `npm start` wrote them), so what a command writes or
 * decides (a rep back now, an outcome received now) is at the same instant the
 * runtime's functions live in; a deployed stack's is the wall clock.
 */
export function targetClock(env: Readonly<Record<string, string | undefined>>): () => Date {
  const clock = localClockOf(env);
  return clock ? runtimeNow(clock) : () => new Date();
}

/**
 * Where `leadloop failed` finds the parked stream records and the scoring
 * function: from a stack's outputs (ScoreFunctionName, FailedRecordsQueueUrl),
 * or what `npm start` writes (the function's logical id; the parked records
 * are the runtime's own).
 */
export const FAILED_RECORDS_VARIABLES = {
  scoreFunction: 'LEADLOOP_SCORE_FUNCTION',
  queueUrl: 'LEADLOOP_FAILED_RECORDS_QUEUE_URL',
} as const;

/** Outputs a stack may have (older stacks do not): copied when there. */
const OPTIONAL_OUTPUTS: Record<string, string> = {
  [FAILED_RECORDS_VARIABLES.scoreFunction]: 'ScoreFunctionName',
  [FAILED_RECORDS_VARIABLES.queueUrl]: 'FailedRecordsQueueUrl',
};

export type Target = { ok: true; env: Record<string, string>; description: string } | { ok: false; message: string };

/** Maps a deployed stack's outputs onto the CLI's environment. */
export function targetFromOutputs(stack: string, outputs: readonly { OutputKey?: string; OutputValue?: string }[]): Target {
  const wanted = { [SETTINGS.leadsTable]: 'LeadsTableName', [SETTINGS.eventsTable]: 'EventsTableName', [SETTINGS.journeyStateMachineArn]: 'JourneyStateMachineArn' };
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const [variable, outputKey] of Object.entries(wanted)) {
    const value = outputs.find((o) => o.OutputKey === outputKey)?.OutputValue;
    if (value) env[variable] = value;
    else missing.push(outputKey);
  }
  if (missing.length > 0) {
    return { ok: false, message: `stack ${stack} has no output ${missing.join(', ')}; deploy this version of LeadLoop first` };
  }
  for (const [variable, outputKey] of Object.entries(OPTIONAL_OUTPUTS)) {
    const value = outputs.find((o) => o.OutputKey === outputKey)?.OutputValue;
    if (value) env[variable] = value;
  }
  // optional: what leadloop forget also stops
  const nurture = outputs.find((o) => o.OutputKey === 'NurtureStateMachineArn')?.OutputValue;
  if (nurture) env[SETTINGS.nurtureStateMachineArn] = nurture;
  return { ok: true, env, description: `stack ${stack}` };
}

export async function resolveTarget(flags: { local?: boolean; stack?: string }, env: NodeJS.ProcessEnv): Promise<Target> {
  if (flags.local) {
    // LEADLOOP_LOCAL_FILE: another runtime's file (a test's runtime, started beside npm start)
    const file = env.LEADLOOP_LOCAL_FILE || LOCAL_TARGET_FILE;
    if (!existsSync(file)) {
      return { ok: false, message: `LeadLoop does not seem to run locally (${path.relative(process.cwd(), file)} is missing): start it with npm start` };
    }
    return { ok: true, env: JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>, description: 'the local runtime (npm start)' };
  }
  if (flags.stack) {
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    try {
      const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: flags.stack }));
      return targetFromOutputs(flags.stack, Stacks?.[0]?.Outputs ?? []);
    } catch (error) {
      return { ok: false, message: `cannot read stack ${flags.stack}: ${(error as Error).message}` };
    }
  }
  const missing = TARGET_VARIABLES.filter((name) => !env[name]);
  if (missing.length > 0) {
    return {
      ok: false,
      message: `say which LeadLoop to use: --local (npm start), --stack <name> (deployed), or set ${missing.join(', ')}`,
    };
  }
  return { ok: true, env: {}, description: `tables ${env[SETTINGS.leadsTable]} and ${env[SETTINGS.eventsTable]}` };
}
