import { readFileSync } from 'node:fs';
import { run } from './cli/run.ts';

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
// Open SDK sockets must not keep a finished command alive.
process.exit(process.exitCode);
