import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Synthesizes the app once for the tests that read cdk.out (template tests,
 * the local runtime). The same command `npm start` uses.
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'local/synth.ts')], { cwd: root, stdio: 'inherit' });
  const template = path.join(root, 'cdk.out/LeadLoop.template.json');
  if (!existsSync(template) || statSync(template).size === 0) throw new Error('synth produced no template');
}
