import { readFileSync } from 'node:fs';
import type { CliIo } from './cli/run.ts';

// A reader that goes away (`| head`) ends the command quietly, as with other Unix tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/**
 * The LeadLoop CLI, started by bin/leadloop.js on Node 24 (which runs
 * TypeScript as is). See `leadloop --help`.
 */
const args = process.argv.slice(2);
// `holidays` writes config/holidays.json, which the configuration every other command loads
// checks: it starts without loading them, so a missing or stale file can always be written again.
const run: (args: readonly string[], io: CliIo) => Promise<number> =
  args[0] === 'holidays' ? async (all, io) => (await import('./cli/holidays.ts')).holidaysCommand(all.slice(1), io) : (await import('./cli/run.ts')).run;
process.exitCode = await run(args, {
  readFile: (file) => readFileSync(file, 'utf8'),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  progress: process.stderr,
  onInterrupt: (handler) => {
    let interrupted = false;
    const listener = () => {
      // A second Ctrl-C quits at once; the saved progress still holds.
      if (interrupted) process.exit(130);
      interrupted = true;
      handler();
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
});
// Open SDK sockets must not keep a finished command alive, but what was written must all get out first:
// into a pipe (`| jq`), a write is queued when the pipe is full, and exit would drop the queue.
const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(process.exitCode);
