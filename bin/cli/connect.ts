import type { ScoringModel } from '#core/scoring.ts';
import { loadModel } from './model-check.ts';
import type { CliIo } from './run.ts';
import { resolveTarget } from './target.ts';

/** What the commands that work on a LeadLoop's data share: reading a model file, and finding the LeadLoop. */

/** The model in `file`, or the exit status after saying what is wrong. */
export function readModelFile(io: CliIo, file: string): ScoringModel | number {
  let text: string;
  try {
    text = io.readFile(file);
  } catch (error) {
    io.err(`leadloop: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  const loaded = loadModel(file, text);
  if (!loaded.ok) {
    io.err(loaded.output);
    return 1;
  }
  return loaded.model;
}

export const TARGET_OPTIONS = {
  local: { type: 'boolean' },
  stack: { type: 'string' },
} as const;

export const TARGET_USAGE = `Where:
  --local              the LeadLoop started by npm start on this machine
  --stack <name>       a deployed stack (AWS credentials from the usual places)
  (neither)            LEADS_TABLE, EVENTS_TABLE and JOURNEY_STATE_MACHINE_ARN from the environment`;

/**
 * Points the adapters at the chosen LeadLoop (they read the environment when
 * loaded, so call this before importing them). Returns a description of it,
 * or the exit status after saying what is wrong.
 */
export async function connect(io: CliIo, flags: { local?: boolean | undefined; stack?: string | undefined }, usage: string): Promise<string | number> {
  if (flags.local && flags.stack) {
    io.err(`leadloop: use --local or --stack, not both\n\n${usage}`);
    return 2;
  }
  const target = await resolveTarget({ ...(flags.local && { local: true }), ...(flags.stack && { stack: flags.stack }) }, io.env);
  if (!target.ok) {
    io.err(`leadloop: ${target.message}`);
    return 1;
  }
  Object.assign(io.env, target.env);
  return target.description;
}

/** A whole number from 1 to 64 given as --name, or the problem with it. */
export function smallCount(value: string | undefined, name: string, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : `--${name} must be a whole number from 1 to 64, got "${value}"`;
}

export const formatNumber = (n: number) => n.toLocaleString('en-US');
