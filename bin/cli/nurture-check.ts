import { parseArgs } from 'node:util';
import { nurtureConfigSchema, type NurtureCondition, type NurtureConfig } from '#core/nurture.ts';
import { loadConfigFile, readConfigFile, type LoadedConfig } from './config-file.ts';
import type { CliIo } from './run.ts';

/**
 * `leadloop nurture check [file]`: the nurture file validated the way the
 * deployed functions validate it, with every problem at its line, or the
 * programs in words: who enters each, and each step's wait, subject and condition.
 */

export const DEFAULT_NURTURE_FILE = 'config/nurture.json';

export const NURTURE_USAGE = `Usage: leadloop nurture check [file]

Checks a nurture file (JSON, ${DEFAULT_NURTURE_FILE} when no file is given) with
the same rules the deployed functions use. Valid programs are listed in words:
who enters each (known or recycled leads, and the entry condition), then each
step's wait, subject, links and condition. An invalid file is refused with
every problem at its field and line.

Options:
  -h, --help           Show this help

Exit status: 0 when the file is valid, 1 when it is not or cannot be read, 2 for a usage error.`;

/** Reads nurture programs from a file's text, or says what is wrong with it, line by line. */
export function loadNurture(file: string, text: string): LoadedConfig<NurtureConfig> {
  return loadConfigFile(file, text, nurtureConfigSchema, 'nurture file');
}

function conditionInWords(condition: NurtureCondition | undefined): string {
  if (condition === undefined) return '';
  const parts = [
    ...Object.entries(condition.traits ?? {}).map(([trait, value]) => `${trait} is ${[value].flat().map((v) => JSON.stringify(v)).join(' or ')}`),
    ...(condition.minScore !== undefined ? [`score at least ${condition.minScore}`] : []),
    ...(condition.maxScore !== undefined ? [`score at most ${condition.maxScore}`] : []),
    ...(condition.grades !== undefined ? [`grade ${condition.grades.join(' or ')}`] : []),
  ];
  return ` when ${parts.join(' and ')}`;
}

function waitInWords(hours: number): string {
  if (hours === 0) return 'at once';
  return hours % 24 === 0 ? `after ${hours / 24} day${hours === 24 ? '' : 's'}` : `after ${hours} hour${hours === 1 ? '' : 's'}`;
}

/** The programs in words, in the order a lead is matched against them. */
export function summarizeNurture(config: NurtureConfig): string {
  const lines = [
    `Consent: ${config.consent.traits.join(' or ')} is ${config.consent.grantedValues.map((v) => JSON.stringify(v)).join(' or ')}`,
    `Links work for ${config.linkDays} days`,
    `${config.programs.length} program${config.programs.length === 1 ? '' : 's'}, the first that matches a lead is the one it enters:`,
  ];
  for (const program of config.programs) {
    lines.push(`  ${program.id}: ${program.name}`, `    enters: ${program.enter.from} leads${conditionInWords(program.enter.condition)}`);
    program.steps.forEach((step, i) => {
      lines.push(`    ${i + 1}. ${waitInWords(step.waitHours)}: "${step.subject}" (${step.links.map((l) => l.id).join(', ')})${conditionInWords(step.condition)}`);
    });
  }
  return lines.join('\n');
}

function usageError(io: CliIo, message: string): number {
  io.err(`leadloop: ${message}\n\n${NURTURE_USAGE}`);
  return 2;
}

/** `leadloop nurture …` (the arguments after `nurture`); returns the exit status. */
export function nurtureCommand(args: readonly string[], io: CliIo): number {
  if (args.some((arg) => arg === '-h' || arg === '--help' || arg === 'help')) {
    io.out(NURTURE_USAGE);
    return 0;
  }
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: [...args], options: {}, allowPositionals: true }));
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const [subcommand, file = DEFAULT_NURTURE_FILE, ...extra] = positionals;
  if (subcommand === undefined) return usageError(io, 'nurture needs a subcommand');
  if (subcommand !== 'check') return usageError(io, `unknown nurture subcommand "${subcommand}"`);
  if (extra.length > 0) return usageError(io, `nurture check takes one file, got also ${extra.join(' ')}`);
  const config = readConfigFile(io, file, loadNurture);
  if (typeof config === 'number') return config;
  io.out(summarizeNurture(config));
  return 0;
}
