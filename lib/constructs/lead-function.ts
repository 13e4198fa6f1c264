import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LeadFunctionProps {
  /** Handler file, relative to `functions/`, e.g. `ingest/handler.ts`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Environment for this function only; the shared settings are added here.
   * @default - only the shared settings
   */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Shell commands run once esbuild has bundled the handler, given the bundle's directory: for a
   * file the handler reads beside itself (the dashboard's browser script, built from its own entry).
   * @default - none
   */
  readonly afterBundling?: (outputDir: string) => string[];
}

/** Node built-ins imported through a shim (functions/commons/node-builtins/<name>.cjs); none has subpaths, which an alias would also catch. */
const nodeBuiltinShims = ['http', 'process'] as const;
const builtinShim = (name: string) => path.join(root, 'functions/commons/node-builtins', `${name}.cjs`);

/**
 * How every function is bundled. Exported so that bench/coldstart can rebuild
 * the bundles with exactly these settings and measure the alternatives.
 */
export const leadFunctionBundling = {
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  sourceMap: true,
  // Stack traces need the mappings only; without the sources inside, the map a cold start reads
  // and parses (NODE_OPTIONS=--enable-source-maps) is a third of the size (docs/decisions.md, "Bundling").
  sourcesContent: false,
  minify: true,
  // The SDK is bundled, not taken from the runtime: tree-shaken from its ES
  // modules, a function carries only the clients and commands it uses, in one
  // file, instead of the runtime loading whole packages file by file at each
  // cold start (see docs/decisions.md, "Bundling"). It also pins the SDK to
  // package-lock.json, the version the tests ran against.
  externalModules: [],
  // Some dependencies still call require(); give ESM bundles one.
  banner: "import { createRequire as __leadloopCreateRequire } from 'node:module'; const require = __leadloopCreateRequire(import.meta.url);",
  // Built-ins whose ES module facade costs more than the module (node:http's loads undici): the
  // bundle takes them as plain objects instead (see functions/commons/node-builtins/).
  esbuildArgs: {
    '--alias': nodeBuiltinShims.flatMap((name) => [`node:${name}=${builtinShim(name)}`, `${name}=${builtinShim(name)}`]),
  },
} as const satisfies BundlingOptions;

/**
 * Every LeadLoop Lambda: Node.js 24 on arm64, bundled as ESM by esbuild
 * (locally, no Docker), JSON logs, tracing. One place, so functions cannot drift.
 */
export class LeadFunction extends NodejsFunction {
  /** The handler file, absolute. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: LeadFunctionProps) {
    if (!props.entry.endsWith('.ts')) throw new Error(`LeadFunction entry must be a .ts file under functions/, got "${props.entry}"`);
    const entry = path.join(root, 'functions', props.entry);
    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      projectRoot: root,
      depsLockFilePath: path.join(root, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'leadloop',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        ...leadFunctionBundling,
        mainFields: [...leadFunctionBundling.mainFields],
        esbuildArgs: { '--alias': [...leadFunctionBundling.esbuildArgs['--alias']] },
        ...(props.afterBundling && {
          commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: (_inputDir: string, outputDir: string) => props.afterBundling!(outputDir) },
        }),
      },
    });
    this.entry = entry;
  }
}
