import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/commons/clients.ts';
import { localCredentials, startDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_REGION, readTemplate, tablesOf } from '../../local/template.ts';

/**
 * The stack's two tables for adapter contract tests: DynamoDB Local with the
 * tables of the synthesized template (cdk.out), as the local runtime makes
 * them. Given LEADLOOP_TEST_LEADS_TABLE and LEADLOOP_TEST_EVENTS_TABLE, the
 * same suite runs against those tables on AWS instead (credentials and
 * region from the usual places); every test writes under ids of its own.
 */
export interface TestTables {
  /** the document client the adapters are built with */
  client: DynamoDBDocumentClient;
  /** a plain client, for reading items back as stored */
  raw: DynamoDBClient;
  leadsTable: string;
  eventsTable: string;
  stop: () => Promise<void>;
}

export async function startTestTables(): Promise<TestTables> {
  const { LEADLOOP_TEST_LEADS_TABLE: leadsTable, LEADLOOP_TEST_EVENTS_TABLE: eventsTable } = process.env;
  if (leadsTable && eventsTable) {
    const raw = new DynamoDBClient({});
    const client = createDocumentClient();
    return { client, raw, leadsTable, eventsTable, stop: async () => void [raw, client].forEach((c) => c.destroy()) };
  }
  const tables = tablesOf(readTemplate(path.resolve(import.meta.dirname, '../../cdk.out')));
  const local = await startDynamoDb(tables);
  const nameOf = (prefix: string) => {
    const table = tables.find((t) => t.logicalId.startsWith(`Tables${prefix}`));
    if (!table) throw new Error(`the template has no table Tables${prefix}…`);
    return table.name;
  };
  const client = createDocumentClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  return {
    client,
    raw: local.client,
    leadsTable: nameOf('Leads'),
    eventsTable: nameOf('Events'),
    stop: async () => {
      client.destroy();
      await local.stop();
    },
  };
}

let ids = 0;
/** An id no other test (nor an earlier run against AWS) uses: `prefix-<run>-<n>`. */
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
export function uniqueId(prefix: string): string {
  return `${prefix}-${run}-${++ids}`;
}

/** A lead id as LeadLoop makes them (lead- and 20 hex digits), fresh for each call. */
export function uniqueLeadId(): string {
  return `lead-${randomBytes(10).toString('hex')}`;
}

/** Every item of the events table matching `filter` (a paginated scan: fine for a test's handful of events). */
export async function eventsWhere(tables: TestTables, filter: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await tables.client.send(new ScanCommand({ TableName: tables.eventsTable, ConsistentRead: true, ExclusiveStartKey }));
    found.push(...(page.Items ?? []).filter(filter));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return found;
}
