#!/usr/bin/env node
// The `leadloop` command. The CLI is TypeScript (bin/leadloop-cli.ts), which
// Node runs as is from 22.18 on; LeadLoop pins Node 24 as a devDependency, so
// this shim runs the CLI on that Node when the one that started it is older,
// passing signals on and ending the way the CLI ended.
// Plain JavaScript that any Node can load.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'leadloop-cli.ts');
const pinned = join(root, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
const major = Number(process.versions.node.split('.')[0]);

const node = major >= 24 ? process.execPath : existsSync(pinned) ? pinned : undefined;
if (node === undefined) {
  console.error(`leadloop needs Node.js 24 or later (this is ${process.version}); run npm install to get the pinned one.`);
  process.exit(1);
}

// The CLI runs in its own process group, so a signal reaches it exactly once:
// a Ctrl-C at the terminal reaches this process only, and is passed on, as
// is a signal sent to this process alone (kill, a CI runner stopping a job).
const child = spawn(node, [cli, ...process.argv.slice(2)], { stdio: 'inherit', detached: process.platform !== 'win32' });
const forward = (signal) => () => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
const forwarded = Object.fromEntries(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'].map((signal) => [signal, forward(signal)]));
for (const [signal, listener] of Object.entries(forwarded)) process.on(signal, listener);
// Ctrl-Z stops the CLI too, and fg (SIGCONT to this process) starts it again.
if (process.platform !== 'win32') {
  process.on('SIGTSTP', () => {
    child.kill('SIGTSTP');
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => child.kill('SIGCONT'));
}
child.once('error', (error) => {
  console.error(`leadloop: could not start ${node}: ${error.message}`);
  process.exit(1);
});
child.once('exit', (code, signal) => {
  if (signal === null) process.exit(code ?? 1);
  // A CLI killed by a signal ends this process by the same signal, so the shell reports it as such.
  for (const [name, listener] of Object.entries(forwarded)) process.off(name, listener);
  process.kill(process.pid, signal);
  process.exit(128 + (constants.signals[signal] ?? 0));
});
