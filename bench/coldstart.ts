import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { LeadFunction, leadFunctionBundling } from '../lib/constructs/lead-function.ts';
import { LeadLoopStack } from '../lib/leadloop-stack.ts';
import { synthIfStale } from '../local/synth.ts';
import { esbuildOptionsOf, functionBundles, type FunctionBundle } from './lib/bundles.ts';
import { appendResults, benchDir, describeMachine, fmt, machine, machineCpuSeconds, markdownTable, median, numberFromEnv } from './lib/harness.ts';

/**
 * bench/coldstart: what a cold start of each function pays to import its bundle.
 *
 * For every function of the synthesized stack (cdk.out, built by
 * NodejsFunction with `leadFunctionBundling`) it records the bundle's size
 * and the time to import it in a fresh Node process (the pinned Node 24),
 * with the function's own environment (NODE_OPTIONS included, as Lambda
 * applies it) and a Lambda-like one (region, function name, credentials).
 *
 * The SDK the Lambda runtime provides: a bundle that leaves `@aws-sdk/*`
 * external imports it at run time from the runtime's node_modules. Here the
 * bundle is copied into a temporary directory whose node_modules is a link to
 * the project's, so the same import resolves to the SDK versions of
 * package-lock.json, loaded the way Node loads them there (the packages'
 * CommonJS builds, file by file). That is the work Lambda's runtime does for
 * its own SDK copy, with possibly other versions.
 *
 * Then, in the same run, each option that changes what is imported, one at a
 * time, rebuilt with esbuild from the same settings (a plain rebuild is checked
 * to be the size of cdk.out's bundle first):
 *  - the SDK bundled instead of external (or the reverse, whichever is not
 *    deployed), tree-shaken from its ES modules;
 *  - without `--enable-source-maps`; with the sources inside the source map;
 *  - node:http and node:process imported as ES modules, as esbuild leaves
 *    them, rather than through functions/commons/node-builtins/;
 *  - not minified; `mainFields` CommonJS first;
 *  - zod replaced by an inert stand-in: the most that any lighter validation
 *    could still save, since every schema is then free;
 *  - Powertools Tracer replaced by a stand-in that captures nothing: the most
 *    that loading it (and the X-Ray SDK it brings) lazily could save at import;
 * and, alone, what each piece costs to import: each SDK client package from
 * node_modules, the DynamoDB document client bundled with and without the
 * Tracer, zod, zod/mini and Powertools Logger and Metrics bundled.
 *
 * Every (bundle, option) is imported BENCH_RUNS times, interleaved (run 1 of
 * everything, then run 2, …, each run in its own shuffled order) so that load
 * from other processes hits all of them alike; each figure is a median. Wall time is what a cold start waits;
 * CPU time (user + system of the importing process) is less sensitive to
 * other processes on a shared machine, so options are compared by the median
 * of per-run CPU ratios against the deployed bundle.
 *
 * Settings: BENCH_RUNS (11), BENCH_RECORD=0 to print instead of appending to
 * RESULTS.md, BENCH_OPTIONS=0 to measure the deployed bundles only.
 */

const RUNS = numberFromEnv('BENCH_RUNS', 11);
const RECORD = process.env.BENCH_RECORD !== '0';
const OPTIONS = process.env.BENCH_OPTIONS !== '0';
const root = path.resolve(benchDir, '..');
const cdkOut = path.join(root, 'cdk.out');
const log = (message: string) => console.log(message);

const started = new Date();
const m = machine();
log(`machine: ${describeMachine(m)}`);

if (synthIfStale()) log('synthesized cdk.out');

// Which template function is which handler file: the stack's own LeadFunctions, built without bundling.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new LeadLoopStack(app, 'LeadLoop', { sender: 'bench@example.com' });
const entries = new Map<string, string>();
for (const construct of stack.node.findAll()) {
  if (construct instanceof LeadFunction) entries.set(construct.node.path.slice(stack.node.path.length + 1), construct.entry);
}
const bundles = functionBundles(cdkOut, entries);

const work = mkdtempSync(path.join(os.tmpdir(), 'leadloop-coldstart-'));
symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
const measureScript = path.join(work, 'measure.mjs');
writeFileSync(
  measureScript,
  [
    'const [file, exportName] = process.argv.slice(2);',
    'const cpu0 = process.cpuUsage();',
    'const t0 = performance.now();',
    "const module = await import('file://' + file);",
    'const wallMs = performance.now() - t0;',
    'const cpu = process.cpuUsage(cpu0);',
    "if (exportName && typeof module[exportName] !== 'function') { console.error(file + ' does not export ' + exportName); process.exit(3); }",
    'process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));',
  ].join('\n'),
);

interface Subject {
  key: string;
  /** function construct path, or a piece's name */
  subject: string;
  option: string;
  file: string;
  exportName?: string;
  env: Record<string, string>;
  bytes: number;
}

function lambdaEnv(bundle: Pick<FunctionBundle, 'environment' | 'memorySize'> & { name: string }): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: bundle.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(bundle.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    TZ: ':UTC',
    ...bundle.environment,
  };
}

/**
 * Lets the schemas be built at import with no zod at all: every export (each of
 * zod/mini's names, which functions/core/zod.ts re-exports) is the same inert
 * function that every access and call returns.
 */
const zodExports = Object.keys(await import('zod/mini')).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
const zodStandIn: Plugin = {
  name: 'zod-stand-in',
  setup(b) {
    b.onResolve({ filter: /^zod(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'zod-stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'zod-stand-in' }, () => ({
      contents:
        'const inert = new Proxy(function () {}, { get: (_t, key) => (key === Symbol.toPrimitive ? () => "" : inert), apply: () => inert, construct: () => inert });\n' +
        `export default inert; export { ${zodExports.map((name) => `inert as ${name}`).join(', ')} };`,
      loader: 'js',
    }));
  },
};

/**
 * Powertools Tracer that traces nothing: `captureAWSv3Client` hands the client back. The most that
 * loading the Tracer (and the X-Ray SDK with it) later, or not at all, could save at import.
 */
const tracerStandIn: Plugin = {
  name: 'tracer-stand-in',
  setup(b) {
    b.onResolve({ filter: /^@aws-lambda-powertools\/tracer$/ }, (args) => ({ path: args.path, namespace: 'tracer-stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'tracer-stand-in' }, () => ({
      contents: 'export class Tracer { captureAWSv3Client(client) { return client; } }',
      loader: 'js',
    }));
  },
};

async function rebuild(options: BuildOptions, outDir: string): Promise<{ file: string; bytes: number }> {
  const file = path.join(outDir, 'index.mjs');
  await build({ ...options, outfile: file });
  return { file, bytes: statSync(file).size };
}

const sdkExternal = (leadFunctionBundling as { externalModules?: readonly string[] }).externalModules ?? ['@aws-sdk/*'];
const deployedSdk = sdkExternal.some((e) => e.startsWith('@aws-sdk')) ? 'external' : 'bundled';
const subjects: Subject[] = [];
const replicaMismatch: string[] = [];
const sdkImports = new Map<string, string[]>();

for (const bundle of bundles) {
  const env = lambdaEnv({ ...bundle, name: bundle.logicalId });
  const dir = path.join(work, bundle.logicalId);
  // The deployed bundle, next to a node_modules like the runtime's.
  const deployed = await rebuild(esbuildOptionsOf(leadFunctionBundling, bundle.entry, ''), path.join(dir, 'replica'));
  if (deployed.bytes !== bundle.bytes) replicaMismatch.push(`${bundle.constructPath}: rebuild ${deployed.bytes} B, cdk.out ${bundle.bytes} B`);
  // Under its own name: the bundle ends with `//# sourceMappingURL=index.mjs.map`, and a copy named
  // otherwise would import without its source map (as the runs before 2026-12-01T05:30 did).
  mkdirSync(path.join(dir, 'deployed'), { recursive: true });
  const deployedFile = path.join(dir, 'deployed', path.basename(bundle.codeFile));
  writeFileSync(deployedFile, readFileSync(bundle.codeFile));
  writeFileSync(`${deployedFile}.map`, readFileSync(`${bundle.codeFile}.map`));
  const code = readFileSync(bundle.codeFile, 'utf8');
  sdkImports.set(bundle.constructPath, [...new Set([...code.matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)].map((x) => x[1]!.replace('@aws-sdk/', '')))].sort());
  const base = { subject: bundle.constructPath, exportName: bundle.exportName, env };
  subjects.push({ ...base, key: `${bundle.constructPath}|deployed`, option: 'deployed', file: deployedFile, bytes: bundle.bytes });
  if (!OPTIONS) continue;

  if (/--enable-source-maps/.test(env.NODE_OPTIONS ?? '')) {
    const withoutFlag = { ...env, NODE_OPTIONS: (env.NODE_OPTIONS ?? '').replace('--enable-source-maps', '').trim() };
    subjects.push({ ...base, env: withoutFlag, key: `${bundle.constructPath}|no-source-maps`, option: 'without --enable-source-maps', file: deployedFile, bytes: bundle.bytes });
  }
  const variants: [string, string, BuildOptions][] = [
    deployedSdk === 'external'
      ? ['sdk-bundled', 'SDK bundled (tree-shaken ES modules)', { external: [] }]
      : ['sdk-external', "SDK external (the runtime's)", { external: ['@aws-sdk/*'] }],
    ['esm-builtins', 'node:http and node:process imported as ES modules (no shims)', { alias: {} }],
    ...(leadFunctionBundling.sourcesContent === false ? [['sources-content', 'source map with the sources inside (sourcesContent)', { sourcesContent: true }] as [string, string, BuildOptions]] : []),
    ['not-minified', 'not minified', { minify: false }],
    ['cjs-first', 'mainFields main, module', { mainFields: ['main', 'module'] }],
  ];
  const sources = (JSON.parse(readFileSync(`${bundle.codeFile}.map`, 'utf8')) as { sources: string[] }).sources;
  if (sources.some((source) => source.includes('node_modules/zod/'))) {
    variants.push(['no-zod', 'zod replaced by an inert stand-in', { plugins: [zodStandIn] }]);
  }
  if (sources.some((source) => source.includes('node_modules/aws-xray-sdk-core/'))) {
    variants.push(['no-tracer', 'Tracer (X-Ray SDK) replaced by a stand-in', { plugins: [tracerStandIn] }]);
  }
  for (const [key, option, overrides] of variants) {
    const built = await rebuild({ ...esbuildOptionsOf(leadFunctionBundling, bundle.entry, ''), ...overrides }, path.join(dir, key));
    subjects.push({ ...base, key: `${bundle.constructPath}|${key}`, option, file: built.file, bytes: built.bytes });
  }
}

// The pieces alone, each bundled like a function (or, for the runtime's SDK, imported from node_modules).
const pieceEnv = lambdaEnv({ name: 'piece', memorySize: 512, environment: {} });
const pieces: [string, string][] = [
  ['empty module', 'export const handler = async () => {};'],
  ['@aws-sdk/client-dynamodb (node_modules)', "import '@aws-sdk/client-dynamodb';"],
  ['@aws-sdk/client-dynamodb + lib-dynamodb (node_modules)', "import '@aws-sdk/client-dynamodb'; import '@aws-sdk/lib-dynamodb';"],
  ['@aws-sdk/client-sfn (node_modules)', "import '@aws-sdk/client-sfn';"],
  ['@aws-sdk/client-sesv2 (node_modules)', "import '@aws-sdk/client-sesv2';"],
  ['all four SDK packages (node_modules)', "import '@aws-sdk/client-dynamodb'; import '@aws-sdk/lib-dynamodb'; import '@aws-sdk/client-sfn'; import '@aws-sdk/client-sesv2';"],
  [
    'zod (classic), one object schema',
    "import { z } from 'zod'; export const s = z.object({ a: z.string().min(1), b: z.number().int().optional(), c: z.enum(['x', 'y']), d: z.array(z.string()).max(10) }); export const handler = () => s;",
  ],
  [
    'zod/mini, the same schema',
    "import * as z from 'zod/mini'; export const s = z.object({ a: z.string().check(z.minLength(1)), b: z.optional(z.number().check(z.int())), c: z.enum(['x', 'y']), d: z.array(z.string()).check(z.maxLength(10)) }); export const handler = () => s;",
  ],
  [
    'zod/mini with English messages (functions/core/zod.ts), the same schema',
    `import * as z from ${JSON.stringify(path.join(root, 'functions/core/zod.ts'))}; export const s = z.object({ a: z.string().check(z.minLength(1)), b: z.optional(z.number().check(z.int())), c: z.enum(['x', 'y']), d: z.array(z.string()).check(z.maxLength(10)) }); export const handler = () => s;`,
  ],
  ['Powertools Logger, one logger', "import { Logger } from '@aws-lambda-powertools/logger'; export const logger = new Logger({ serviceName: 'leadloop' });"],
  ['Powertools Metrics, one', "import { Metrics } from '@aws-lambda-powertools/metrics'; export const metrics = new Metrics({ namespace: 'LeadLoop' });"],
  ['DynamoDB document client, bundled', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));"],
  [
    'DynamoDB document client captured by Powertools Tracer, bundled',
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; import { Tracer } from '@aws-lambda-powertools/tracer'; const tracer = new Tracer(); export const client = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));",
  ],
];
if (OPTIONS) {
  for (const [index, [name, source]] of pieces.entries()) {
    const dir = path.join(work, `piece-${index}`);
    const entry = path.join(dir, 'entry.mjs');
    const external = name.includes('node_modules') ? ['@aws-sdk/*'] : [];
    mkdirSync(dir, { recursive: true });
    writeFileSync(entry, source);
    const built = await rebuild({ ...esbuildOptionsOf(leadFunctionBundling, entry, ''), external, sourcemap: false }, path.join(dir, 'out'));
    subjects.push({ key: `piece|${name}`, subject: name, option: 'piece', file: built.file, env: pieceEnv, bytes: built.bytes });
  }
}

function importOnce(subject: Subject): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [measureScript, subject.file, subject.exportName ?? ''], { env: subject.env, cwd: path.dirname(subject.file), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${subject.key}: exit ${code}: ${err.trim().split('\n').slice(0, 3).join(' / ')}`));
      else resolve(JSON.parse(out) as { wallMs: number; cpuMs: number });
    });
  });
}

log(`${bundles.length} functions, ${subjects.length} bundles to import, ${RUNS} runs each, interleaved`);
const samples = new Map<string, { wallMs: number; cpuMs: number }[]>();
const failures = new Map<string, string>();
const cpuBefore = machineCpuSeconds();
const ownBefore = process.cpuUsage();
const wallBefore = performance.now();
let childCpuSeconds = 0;
// A fixed order favours some bundles over others (what ran just before, the machine's load drifting
// within a run): each run takes them in its own shuffled order, the same for a given run number.
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed * 2654435761 + 1;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
for (let run = 0; run < RUNS; run++) {
  for (const subject of shuffled(subjects, run + 1)) {
    if (failures.has(subject.key)) continue;
    try {
      const sample = await importOnce(subject);
      childCpuSeconds += sample.cpuMs / 1000;
      (samples.get(subject.key) ?? samples.set(subject.key, []).get(subject.key)!).push(sample);
    } catch (error) {
      failures.set(subject.key, (error as Error).message);
    }
  }
  log(`run ${run + 1}/${RUNS} done`);
}
const elapsed = (performance.now() - wallBefore) / 1000;
const cpuAfter = machineCpuSeconds();
const busyCores = cpuBefore && cpuAfter ? (cpuAfter.busy - cpuBefore.busy) / elapsed : Number.NaN;
const ownCpu = (() => {
  const u = process.cpuUsage(ownBefore);
  return (u.user + u.system) / 1e6;
})();
rmSync(work, { recursive: true, force: true });

const stat = (key: string, field: 'wallMs' | 'cpuMs') => median((samples.get(key) ?? []).map((s) => s[field]));
const range = (key: string) => {
  const walls = (samples.get(key) ?? []).map((s) => s.wallMs);
  return walls.length ? `${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))}` : 'n/a';
};
/** Median over runs of (option ÷ deployed) for the same run. */
const ratio = (key: string, baseKey: string, field: 'wallMs' | 'cpuMs') => {
  const a = samples.get(key) ?? [];
  const b = samples.get(baseKey) ?? [];
  return median(a.map((s, i) => (b[i] ? s[field] / b[i]![field] : Number.NaN)).filter(Number.isFinite));
};
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;

const functionRows = bundles.map((b) => {
  const key = `${b.constructPath}|deployed`;
  return [
    b.constructPath,
    path.relative(root, b.entry),
    kb(b.bytes),
    kb(b.mapBytes),
    (sdkImports.get(b.constructPath) ?? []).join(', ') || '—',
    failures.has(key) ? 'failed' : fmt(stat(key, 'wallMs'), 1),
    range(key),
    fmt(stat(key, 'cpuMs'), 1),
  ];
});
const optionRows = subjects
  .filter((s) => s.option !== 'deployed' && s.option !== 'piece')
  .map((s) => {
    const baseKey = `${s.subject}|deployed`;
    return [
      s.subject,
      s.option,
      kb(s.bytes),
      failures.has(s.key) ? `failed: ${failures.get(s.key)!.slice(0, 80)}` : fmt(stat(s.key, 'wallMs'), 1),
      fmt(stat(s.key, 'cpuMs'), 1),
      fmt(ratio(s.key, baseKey, 'cpuMs'), 2),
      fmt(ratio(s.key, baseKey, 'wallMs'), 2),
    ];
  });
const pieceRows = subjects
  .filter((s) => s.option === 'piece')
  .map((s) => [s.subject, s.subject.includes('node_modules') ? 'external, from node_modules' : kb(s.bytes), fmt(stat(s.key, 'wallMs'), 1), fmt(stat(s.key, 'cpuMs'), 1)]);

const over = bundles.filter((b) => stat(`${b.constructPath}|deployed`, 'wallMs') > 100).map((b) => b.constructPath);
const section = [
  `## coldstart — ${started.toISOString().slice(0, 10)}`,
  '',
  `- Run: ${started.toISOString()}, \`npm run bench -- coldstart\`, ${RUNS} imports of each bundle, each in a fresh \`node\` process, interleaved in a shuffled order`,
  `- Machine: ${describeMachine(m)}`,
  `- **Shared machine**: other processes kept ${fmt(busyCores, 2)} of ${m.cores} cores busy on average during the imports (this bench's own share about ${fmt((childCpuSeconds + ownCpu) / elapsed, 2)}); wall times are noisy, compare options by the same-run ratios`,
  `- Bundles: cdk.out as synthesized (NodejsFunction, \`leadFunctionBundling\`: ESM, node24, minified, source maps, SDK ${deployedSdk}); a rebuild with the same settings ${replicaMismatch.length === 0 ? 'matched every bundle byte for byte in size' : `differed: ${replicaMismatch.join('; ')}`}`,
  "- The runtime's SDK: bundles that leave `@aws-sdk/*` external import it at run time from a node_modules beside them, here the project's (package-lock versions, their CommonJS builds), as Lambda's runtime loads its own copy",
  '- Import time: `await import(bundle)` in a fresh process with the function\'s environment (NODE_OPTIONS included) and a Lambda-like one; wall and CPU (user + system of that process) in ms, medians',
  '',
  markdownTable(['function', 'handler', 'bundle', 'source map', 'SDK packages imported at run time', 'import wall ms (median)', 'wall range', 'import CPU ms (median)'], functionRows),
  '',
  over.length === 0 ? 'Every function imports in at most 100 ms (median wall time).' : `Above 100 ms (median wall time): ${over.join(', ')}.`,
  ...(OPTIONS
    ? [
        '',
        'Options, one at a time, against the deployed bundle in the same runs (ratio: median over runs of option ÷ deployed; below 1 is faster):',
        '',
        markdownTable(['function', 'option', 'bundle', 'wall ms', 'CPU ms', 'CPU ratio', 'wall ratio'], optionRows),
        '',
        'The pieces alone (bundled and minified like a function unless imported from node_modules):',
        '',
        markdownTable(['piece', 'bundle', 'wall ms', 'CPU ms'], pieceRows),
      ]
    : []),
  ...(failures.size > 0 ? ['', `Failed imports: ${[...failures.entries()].map(([k, v]) => `${k}: ${v}`).join('; ')}`] : []),
].join('\n');

log(`\n${section}\n`);
if (RECORD) appendResults(section);
else log('(BENCH_RECORD=0: not appended to RESULTS.md)');
