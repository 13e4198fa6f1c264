import { readFileSync } from 'node:fs';
import { run } from './cli/run.ts';

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
process.exitCode = await run(process.argv.slice(2), {
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
