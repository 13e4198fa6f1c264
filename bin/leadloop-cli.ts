import { readFileSync } from 'node:fs';
import { run } from './cli/run.ts';

/**
 * The LeadLoop CLI, started by bin/leadloop.js on Node 24 (which runs
 * TypeScript as is). See `leadloop --help`.
 */
process.exitCode = run(process.argv.slice(2), {
  readFile: (file) => readFileSync(file, 'utf8'),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
