import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import { REPORT_SHARDS, reportPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface ReportStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type ReportStore = ReturnType<typeof createReportStore>;

/** Partitions (a day's shard) read at once: each is one Query. */
const PARTITIONS_AT_ONCE = 16;

/** Attributes of a report item that are not counts: its key, and the marks of counts being settled. */
const isCount = (name: string, value: unknown) => typeof value === 'number' && name !== 'pk' && name !== 'sk' && !name.startsWith('counted.');

/** The report items the stream path keeps (report-counts.ts), read back: never a scan, one Query per day and shard. */
export function createReportStore({ client: sdkClient, leadsTable, onConsumed }: ReportStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);
  return {
    /**
     * The counts of one family over the days asked for, per value of one
     * dimension (`source` → `newsletter` → counts), summed over days and shards.
     */
    async sliceCounts(family: string, days: readonly string[], dimension: string): Promise<Map<string, Record<string, number>>> {
      const sums = new Map<string, Record<string, number>>();
      const prefix = `${dimension}=`;
      const partitions = days.flatMap((day) => Array.from({ length: REPORT_SHARDS }, (_, shard) => reportPartition(family, day, shard)));
      await forEachConcurrently(partitions, PARTITIONS_AT_ONCE, async (partition) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: leadsTable,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
              ExpressionAttributeValues: { ':pk': partition, ':prefix': prefix },
              ...(start && { ExclusiveStartKey: start }),
            }),
          );
          for (const item of page.Items ?? []) {
            const value = String(item.sk).slice(prefix.length);
            const sum = sums.get(value) ?? {};
            for (const [name, n] of Object.entries(item)) if (isCount(name, n)) sum[name] = (sum[name] ?? 0) + (n as number);
            sums.set(value, sum);
          }
          start = page.LastEvaluatedKey;
        } while (start);
      });
      return sums;
    },
  };
}
