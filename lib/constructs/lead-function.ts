import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
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
}

/**
 * Every LeadLoop Lambda: Node.js 24 on arm64, bundled as ESM by esbuild
 * (locally, no Docker), JSON logs, tracing. One place, so functions cannot drift.
 */
export class LeadFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LeadFunctionProps) {
    if (!props.entry.endsWith('.ts')) throw new Error(`LeadFunction entry must be a .ts file under functions/, got "${props.entry}"`);
    super(scope, id, {
      entry: path.join(root, 'functions', props.entry),
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
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        sourceMap: true,
        minify: true,
        // Some dependencies still call require(); give ESM bundles one.
        banner: "import { createRequire as __leadloopCreateRequire } from 'node:module'; const require = __leadloopCreateRequire(import.meta.url);",
      },
    });
  }
}
