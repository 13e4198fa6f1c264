#!/usr/bin/env node
// The `leadloop` command. The CLI is TypeScript (bin/leadloop-cli.ts), which
// Node runs as is from 22.18 on; LeadLoop pins Node 24 as a devDependency, so
// this shim runs the CLI on that Node when the one that started it is older.
// Plain JavaScript that any Node can load.
import { spawnSync } from 'node:child_process';
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

const result = spawnSync(node, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  console.error(`leadloop: could not start ${node}: ${result.error.message}`);
  process.exit(1);
}
// A CLI killed by a signal exits the way a shell reports it.
process.exit(result.status ?? 128 + (constants.signals[result.signal] ?? 0));
