import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReportCount } from '#core/report-counts.ts';
import { funnelShardOf, REPORT_SHARDS, reportItemsOf } from '#core/table-layout.ts';

/** One item of a TransactWriteItems request, as the document client takes it. */
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/**
 * The report counts of a fact (a feedback, an activity, a missed deadline) as
 * updates to add in the same transaction as the fact itself: so the counts are
 * added exactly when the fact is written, and never for a repeat. The report
 * items are the lead's shard of each day and the month total of the same
 * slice (table-layout.ts reportItemsOf), one update per item.
 */
export function reportCountUpdates(leadsTable: string, leadId: string, reports: readonly ReportCount[]): TransactItem[] {
  return reportItemsOf(reports, funnelShardOf(leadId, REPORT_SHARDS)).map(([key, counts]) => {
    const names: Record<string, string> = {};
    const values: Record<string, number> = {};
    const parts = Object.entries(counts).map(([name, n], i) => {
      names[`#k${i}`] = name;
      values[`:v${i}`] = n;
      return `#k${i} :v${i}`;
    });
    return {
      Update: {
        TableName: leadsTable,
        Key: key,
        UpdateExpression: `ADD ${parts.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/** The most items one TransactWriteItems request may hold. */
export const MAX_TRANSACTION_ITEMS = 100;

/** Attempts of a transaction that met another writer's count on one of its report items. */
const CONFLICT_ATTEMPTS = 3;

/**
 * Writes a transaction that carries report counts: another writer adding to
 * the same report item at the same moment cancels it with a
 * TransactionConflict, and it is tried again, a few times. Returns the
 * cancellation reasons' codes when a condition of the fact failed (the
 * caller says what that means: a repeat, a stale read), else undefined.
 */
export async function transactWithCounts(client: Pick<DynamoDBDocumentClient, 'send'>, items: TransactItem[]): Promise<(string | undefined)[] | undefined> {
  // A fact's counts are a few slices, each a day and a month item: far under the limit. Said plainly if ever not.
  if (items.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction of ${items.length} items (a fact and its report counts) exceeds DynamoDB's ${MAX_TRANSACTION_ITEMS}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return reasons.map((reason) => reason.Code);
      if (reasons.some((reason) => reason.Code === 'TransactionConflict') && attempt < CONFLICT_ATTEMPTS) continue;
      throw error;
    }
  }
}
