import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MappedRow } from './outcomes-import-rows.ts';

/**
 * Where an import got to, kept in a file under .leadloop/imports/ named by
 * the export's hash and the LeadLoop it goes into, so the same command run
 * again resumes after the outcomes already applied, and a finished import run
 * again changes nothing.
 */

export interface ImportState {
  /** the file as named on the command line, for messages */
  file: string;
  fileHash: string;
  /** the mapping the outcomes were made with: resuming with another would apply other outcomes */
  mappingHash: string;
  target: string;
  /** outcomes to apply, in the order they are applied */
  total: number;
  /** how many of them, from the first in that order, are applied */
  applied: number;
  /** of those, how many were new and how many the LeadLoop already had */
  recorded: number;
  duplicates: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
}

export const STATE_DIR = path.resolve(import.meta.dirname, '../../.leadloop/imports');

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The state file of one export going into one LeadLoop (its tables, and the endpoint they are reached at). */
export function statePath(dir: string, fileHash: string, target: string): string {
  return path.join(dir, `${fileHash.slice(0, 32)}-${sha256(target).slice(0, 12)}.json`);
}

export function readState(file: string): ImportState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as ImportState;
}

/** Written whole to a temporary file and renamed, so an interruption never leaves half a state. */
export function writeState(file: string, state: ImportState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

/**
 * The order outcomes are applied in: by `at`, then by row. A lead's outcomes
 * then reach it in the order they happened, whichever chunk each falls in.
 */
export function applyOrder(rows: readonly MappedRow[]): MappedRow[] {
  return [...rows].sort((a, b) => Date.parse(a.outcome.at) - Date.parse(b.outcome.at) || a.row - b.row);
}

export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A row refused, locally (the mapping, the outcome schema) or by the LeadLoop (no such lead, a move its stage does not allow). */
export interface Refusal {
  row: number;
  field: string;
  column?: string;
  message: string;
  /** 404 or 409 from the LeadLoop's check; none for a problem of the row itself */
  code?: number;
}

/** One line per refusal, by row: `row 7: stage (column "Deal Stage"): …`. */
export function describeRefusals(refusals: readonly Refusal[]): string[] {
  return [...refusals]
    .sort((a, b) => a.row - b.row)
    .map(({ row, field, column, message, code }) => `  row ${row}: ${field}${column === undefined ? '' : ` (column "${column}")`}: ${code === undefined ? '' : `${code} `}${message}`);
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
