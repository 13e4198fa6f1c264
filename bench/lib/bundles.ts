import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * The function bundles as the stack builds them: which template resource is
 * which LeadFunction (construct path, handler file) and the esbuild settings
 * NodejsFunction turns `leadFunctionBundling` into. Used by bench/coldstart.
 */

export interface FunctionBundle {
  logicalId: string;
  /** construct path below the stack, e.g. `Api/Ingest` */
  constructPath: string;
  /** handler file, absolute */
  entry: string;
  /** the synthesized bundle in cdk.out */
  codeFile: string;
  exportName: string;
  bytes: number;
  mapBytes: number;
  /** the function's environment, references replaced by placeholders */
  environment: Record<string, string>;
  memorySize: number;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** Every function of the synthesized template with its bundle; entries come from the stack's LeadFunctions, by construct path. */
export function functionBundles(cdkOut: string, entries: ReadonlyMap<string, string>): FunctionBundle[] {
  const stackName = 'LeadLoop';
  const template = JSON.parse(readFileSync(path.join(cdkOut, `${stackName}.template.json`), 'utf8')) as { Resources: Record<string, TemplateResource> };
  const bundles: FunctionBundle[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const cdkPath = resource.Metadata?.['aws:cdk:path'];
    if (typeof assetPath !== 'string' || typeof cdkPath !== 'string') throw new Error(`${logicalId} has no asset or construct path metadata`);
    const constructPath = cdkPath.split('/').slice(1, -1).join('/');
    const entry = entries.get(constructPath);
    if (!entry) throw new Error(`${constructPath} (${logicalId}) is not a LeadFunction of the stack`);
    const [file, exportName] = String(resource.Properties?.Handler ?? 'index.handler').split('.') as [string, string];
    const codeFile = path.join(cdkOut, assetPath, `${file}.mjs`);
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
    const environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : placeholder(key)]),
    );
    bundles.push({
      logicalId,
      constructPath,
      entry,
      codeFile,
      exportName,
      bytes: statSync(codeFile).size,
      mapBytes: statSync(`${codeFile}.map`, { throwIfNoEntry: false })?.size ?? 0,
      environment,
      memorySize: Number(resource.Properties?.MemorySize ?? 128),
    });
  }
  return bundles.sort((a, b) => a.constructPath.localeCompare(b.constructPath));
}

/** A value of the right shape for a variable whose value is a reference (a table name, an ARN, a URL). */
function placeholder(key: string): string {
  if (key.endsWith('_ARN')) return `arn:aws:states:us-east-1:000000000000:stateMachine:${key}`;
  if (key.endsWith('_URL')) return 'https://example.execute-api.us-east-1.amazonaws.com';
  return `bench-${key.toLowerCase()}`;
}

/**
 * The esbuild options NodejsFunction derives from its bundling props
 * (aws-lambda-nodejs `Bundling.buildEsbuildArgs`: platform node, the runtime's
 * SDK external unless `externalModules` says otherwise, …). bench/coldstart
 * checks that a rebuild with these is byte for byte the size of cdk.out's.
 */
export function esbuildOptionsOf(bundling: BundlingOptions, entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: bundling.format === 'esm' ? 'esm' : 'cjs',
    ...(bundling.target !== undefined && { target: bundling.target }),
    outfile,
    minify: bundling.minify ?? false,
    sourcemap: bundling.sourceMap ?? false,
    ...(bundling.sourcesContent === false && { sourcesContent: false }),
    ...(bundling.mainFields !== undefined && { mainFields: [...bundling.mainFields] }),
    external: [...(bundling.externalModules ?? ['@aws-sdk/*'])],
    ...(bundling.banner !== undefined && { banner: { js: bundling.banner } }),
    ...(bundling.define !== undefined && { define: bundling.define }),
    ...(aliasOf(bundling) && { alias: aliasOf(bundling) }),
    logLevel: 'error',
  };
}

/** `esbuildArgs['--alias']` (`from=to` items) as the JS API's `alias`. */
function aliasOf(bundling: BundlingOptions): Record<string, string> | undefined {
  const items = bundling.esbuildArgs?.['--alias'];
  if (items === undefined || typeof items === 'boolean') return undefined;
  return Object.fromEntries((Array.isArray(items) ? items : [items]).map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
}
