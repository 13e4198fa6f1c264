import { readConfigFile } from './config-file.ts';
import { SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import type { ScoringModel } from '#core/scoring.ts';
import { rescoreAdapters, type RescoreAdapters } from '../../functions/rescore/ports.ts';
import { reportSlicing } from '../../config/index.ts';
import { loadModel } from './model-check.ts';
import type { CliIo } from './run.ts';
import { resolveTarget, TARGET_VARIABLES } from './target.ts';

/** What the commands that work on a LeadLoop's data share: reading a model file, and finding the LeadLoop. */

/** The model in `file`, or the exit status after saying what is wrong. */
export function readModelFile(io: CliIo, file: string): ScoringModel | number {
  return readConfigFile(io, file, (name, text) => {
    const loaded = loadModel(name, text);
    return loaded.ok ? { ok: true, config: loaded.model } : loaded;
  });
}

export const TARGET_OPTIONS = {
  local: { type: 'boolean' },
  stack: { type: 'string' },
} as const;

export const TARGET_USAGE = `Where:
  --local              the LeadLoop started by npm start on this machine
  --stack <name>       a deployed stack (AWS credentials from the usual places)
  (neither)            ${TARGET_VARIABLES.slice(0, -1).join(', ')} and ${TARGET_VARIABLES.at(-1)} from the environment`;

/** A LeadLoop the CLI works on: what to call it, and the adapters built for its tables and journey. */
export interface Connection {
  description: string;
  adapters: RescoreAdapters;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * An SDK client's settings from the CLI's environment (with the target's on
 * top): an endpoint, region and credentials when given, else the SDK's own
 * defaults (profiles, SSO, instance roles).
 */
export function clientConfig(env: Env, service: 'DYNAMODB' | 'SFN'): SFNClientConfig {
  const endpoint = env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  return {
    ...(endpoint && { endpoint }),
    ...(region && { region }),
    ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) } }),
  };
}

/** A LeadLoop found: what to call it, and the environment its adapters are built from (the CLI's, with the target's on top). */
export interface FoundTarget {
  description: string;
  env: Env;
}

/** Finds the chosen LeadLoop (--local, --stack or the environment), or returns the exit status after saying what is wrong. */
export async function findTarget(io: CliIo, flags: { local?: boolean | undefined; stack?: string | undefined }, usage: string): Promise<FoundTarget | number> {
  if (flags.local && flags.stack) {
    io.err(`leadloop: use --local or --stack, not both\n\n${usage}`);
    return 2;
  }
  const target = await resolveTarget({ ...(flags.local && { local: true }), ...(flags.stack && { stack: flags.stack }) }, io.env);
  if (!target.ok) {
    io.err(`leadloop: ${target.message}`);
    return 1;
  }
  return { description: target.description, env: { ...io.env, ...target.env } };
}

/**
 * The CLI's wiring: finds the chosen LeadLoop and builds the adapters for it
 * from explicit settings (its tables, its journey, its endpoints). Returns
 * the connection, or the exit status after saying what is wrong.
 */
export async function connect(io: CliIo, flags: { local?: boolean | undefined; stack?: string | undefined }, usage: string): Promise<Connection | number> {
  const target = await findTarget(io, flags, usage);
  if (typeof target === 'number') return target;
  const { description, env } = target;
  const settings = readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn'], env);
  const adapters = rescoreAdapters({
    ...settings,
    client: createDocumentClient(clientConfig(env, 'DYNAMODB')),
    sfn: new SFNClient(clientConfig(env, 'SFN')),
    // a rescore's stage changes are counted in the slices the stack's own writers use
    slicing: reportSlicing,
  });
  return { description, adapters };
}

/** A whole number from 1 to 64 given as --name, or the problem with it. */
export function smallCount(value: string | undefined, name: string, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : `--${name} must be a whole number from 1 to 64, got "${value}"`;
}

export const formatNumber = (n: number) => n.toLocaleString('en-US');
