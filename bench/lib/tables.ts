import { ScanCommand, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { SETTINGS, type SettingName } from '../../functions/commons/settings.ts';
import * as path from 'node:path';
import { startDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.ts';
import { synthIfStale } from '../../local/synth.ts';
import { readTemplate, tablesOf, type Template } from '../../local/template.ts';

/** The synthesized template the benches take their tables from: synthesized again when the sources changed, else cdk.out as it is. */
export function benchTemplate(root: string, log: (message: string) => void): Template {
  try {
    if (synthIfStale()) log('cdk.out was stale: synthesized again');
  } catch (error) {
    log(`synthesizing failed (${(error as Error).message.split('\n')[0]}); using the tables of the existing cdk.out`);
  }
  return readTemplate(path.join(root, 'cdk.out'));
}

/** DynamoDB Local alone with the template's tables, their streams off (a bench that scores hands events over itself). */
export function startTablesWithoutStreams(template: Template): Promise<LocalDynamoDb> {
  return startDynamoDb(tablesOf(template).map(({ streamViewType: _stream, ...table }) => table));
}

/** The table a function setting names in the synthesized template (locally a table's name is its logical id). */
export function tableBehind(template: Template, setting: SettingName): string {
  const variable = SETTINGS[setting];
  const names = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const ref = (resource.Properties?.Environment as { Variables?: Record<string, { Ref?: string }> } | undefined)?.Variables?.[variable]?.Ref;
    if (ref) names.add(ref);
  }
  if (names.size !== 1) throw new Error(`expected one table behind ${variable}, found ${[...names].join(', ') || 'none'}`);
  return [...names][0]!;
}

/** How many items a table holds (that pass the filter): a paginated COUNT scan. */
export async function countItems(client: DynamoDBClient, table: string, filter?: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeValues'>): Promise<number> {
  let total = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ...filter, ...(startKey && { ExclusiveStartKey: startKey }) }));
    total += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return total;
}
