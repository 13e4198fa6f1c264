import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Synthesizes the CDK app into cdk.out unless it is newer than every source
 * file: the local runtime reads everything it runs from there.
 */
const root = path.resolve(import.meta.dirname, '..');
const template = path.join(root, 'cdk.out', 'LeadLoop.template.json');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function synthIfStale(): boolean {
  const sources = Math.max(
    ...['bin', 'lib', 'functions', 'config'].map((d) => newestMtime(path.join(root, d))),
    ...['package.json', 'package-lock.json', 'cdk.json'].map((f) => statSync(path.join(root, f)).mtimeMs),
  );
  let built = 0;
  try {
    built = statSync(template).mtimeMs;
  } catch {
    built = 0;
  }
  if (built > sources) return false;
  console.log('Synthesizing the CDK app into cdk.out …');
  // The app command in cdk.json is `node bin/app.ts`: make sure that `node` is the pinned one.
  const PATH = [path.dirname(process.execPath), path.join(root, 'node_modules/.bin'), process.env.PATH].join(path.delimiter);
  execFileSync(process.execPath, [path.join(root, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet'], {
    cwd: root,
    env: { ...process.env, PATH },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return true;
}

if (import.meta.main) synthIfStale();
