import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EVENTS_PARTITION_KEY, MARKER_PREFIX } from '../../functions/core/table-layout.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION, readTemplate } from '../../local/template.ts';
import { benchDir } from '../lib/harness.ts';
import { countItems, tableBehind } from '../lib/tables.ts';
import { log } from './settings.ts';

/** The tables of the local runtime, and the clients the bench reaches them with. */
export interface IngestTables {
  eventsTable: string;
  leadsTable: string;
  lowLevel: DynamoDBClient;
  /** exactly how functions/adapters/event-store.ts writes: the document client, removeUndefinedValues */
  documentClient: DynamoDBDocumentClient;
  count: (table: string, filter?: Parameters<typeof countItems>[2]) => Promise<number>;
  /** events the scoring function has applied: it leaves one marker item per event in the leads table */
  appliedEvents: () => Promise<number>;
}

/** The table names, from the synthesized template, as the functions know them; clients for them on the runtime's DynamoDB Local. */
export async function connectTables(runtime: LocalRuntime): Promise<IngestTables> {
  const template = readTemplate(path.join(benchDir, '..', 'cdk.out'));
  const eventsTable = tableBehind(template, 'eventsTable');
  const leadsTable = tableBehind(template, 'leadsTable');

  const lowLevel = new DynamoDBClient({
    endpoint: runtime.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const documentClient = DynamoDBDocumentClient.from(lowLevel, { marshallOptions: { removeUndefinedValues: true } });
  const { Table } = await lowLevel.send(new DescribeTableCommand({ TableName: eventsTable }));
  const hashKey = Table?.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (hashKey !== EVENTS_PARTITION_KEY) throw new Error(`${eventsTable} is keyed by ${hashKey}, expected ${EVENTS_PARTITION_KEY}`);
  log(`events table ${eventsTable} (stream: ${Table?.StreamSpecification?.StreamViewType ?? 'none'}), leads table ${leadsTable}`);

  const count: IngestTables['count'] = (table, filter) => countItems(lowLevel, table, filter);
  const appliedEvents = () => count(leadsTable, { FilterExpression: 'begins_with(sk, :p)', ExpressionAttributeValues: { ':p': { S: MARKER_PREFIX } } });
  return { eventsTable, leadsTable, lowLevel, documentClient, count, appliedEvents };
}
