import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { STALLED_INDEX } from '../../functions/core/table-layout.ts';
import { startDynamoDb } from '../../local/dynamodb.ts';
import { readTemplate, tablesOf } from '../../local/template.ts';

/**
 * The local runtime makes the template's tables with their indexes, and a
 * table kept in a data directory from before an index was added gets it at
 * the next start (as a stack update would add it), ready to query.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-indexes-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('DynamoDB Local with the template’s indexes', () => {
  it('adds an index the template has to a table kept from before it, and waits until it is active', async () => {
    const tables = tablesOf(readTemplate(path.resolve(import.meta.dirname, '../../cdk.out')));
    const leads = tables.find((t) => t.globalSecondaryIndexes?.some((i) => i.IndexName === STALLED_INDEX));
    expect(leads, 'the leads table of the template has the stalled index').toBeDefined();
    // the tables as they were before the index: its key attributes not defined either
    const before = tables.map(({ globalSecondaryIndexes: _indexes, ...table }) => ({
      ...table,
      attributeDefinitions: table.attributeDefinitions.filter((a) => table.keySchema.some((k) => k.AttributeName === a.AttributeName)),
    }));
    const old = await startDynamoDb(before, { dataDir });
    const indexesOf = async (db: typeof old) => (await db.client.send(new DescribeTableCommand({ TableName: leads!.name }))).Table?.GlobalSecondaryIndexes ?? [];
    expect(await indexesOf(old)).toEqual([]);
    await old.stop();

    const now = await startDynamoDb(tables, { dataDir });
    try {
      expect((await indexesOf(now)).map((i) => [i.IndexName, i.IndexStatus])).toEqual([[STALLED_INDEX, 'ACTIVE']]);
    } finally {
      await now.stop();
    }
  }, 120_000);
});
