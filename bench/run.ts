import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

/**
 * `npm run bench [-- <name> …]`: runs the benchmarks named on the command
 * line, or all of them. A benchmark is any top-level `bench/<name>.ts` other
 * than this file; shared code lives in `bench/lib/`. Each runs in its own
 * process, one after another (they would disturb each other's figures), on
 * the same Node as this one, and appends its section to bench/RESULTS.md.
 */

const dir = import.meta.dirname;
const available = readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && e.name !== 'run.ts' && !e.name.endsWith('.d.ts'))
  .map((e) => e.name.slice(0, -'.ts'.length))
  .sort();

const requested = process.argv.slice(2).map((a) => path.basename(a, '.ts'));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : available;

function run(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(dir, `${name}.ts`)], { stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', (error) => {
      console.error(`bench/${name}: ${error.message}`);
      resolve(1);
    });
  });
}

const results: { name: string; code: number; seconds: number }[] = [];
for (const name of selected) {
  console.log(`\n=== bench/${name} ===`);
  const started = performance.now();
  const code = await run(name);
  results.push({ name, code, seconds: (performance.now() - started) / 1000 });
}

console.log('\n=== summary ===');
for (const { name, code, seconds } of results) console.log(`${code === 0 ? 'ok  ' : 'FAIL'} bench/${name} (${seconds.toFixed(0)} s${code === 0 ? '' : `, exit ${code}`})`);
console.log('Results: bench/RESULTS.md');
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
