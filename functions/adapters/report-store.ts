import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import { REPORT_SHARDS, reportDayRange, reportItemOf, reportPartition } from '#core/table-layout.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';

export interface ReportStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /** Told the capacity units each call consumed. @default - not reported */
  onConsumed?: OnConsumed;
}

export type ReportStore = ReturnType<typeof createReportStore>;

/** Partitions (a month's shard) read at once: each is one Query (and its pages). */
const PARTITIONS_AT_ONCE = 16;

/** Attributes of a report item that are not counts: its key, and the marks of counts being settled. */
const isCount = (name: string, value: unknown) => typeof value === 'number' && name !== 'pk' && name !== 'sk' && !name.startsWith('counted.');

/** Counts per value of a dimension: `newsletter` → counts. */
export type SliceSums = Map<string, Record<string, number>>;

function addInto(sums: SliceSums, value: string, item: Record<string, unknown>): void {
  const sum = sums.get(value) ?? {};
  for (const [name, n] of Object.entries(item)) if (isCount(name, n)) sum[name] = (sum[name] ?? 0) + (n as number);
  sums.set(value, sum);
}

/**
 * The report items the stream path keeps (report-counts.ts), read back: never
 * a scan. Items of a month's shard are one partition, sorted by dimension then
 * day, so a dimension over the days asked for is one Query per month and shard.
 */
export function createReportStore({ client: sdkClient, leadsTable, onConsumed }: ReportStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);

  /** Calls `each` with every item of a dimension on the days asked for, with its day and value. */
  async function readDays(family: string, days: readonly string[], dimension: string, each: (day: string, value: string, item: Record<string, unknown>) => void): Promise<void> {
    const asked = new Set(days);
    const months = new Map<string, { from: string; to: string }>();
    for (const day of asked) {
      const month = day.slice(0, 7);
      const span = months.get(month);
      if (!span) months.set(month, { from: day, to: day });
      else {
        if (day < span.from) span.from = day;
        if (day > span.to) span.to = day;
      }
    }
    const reads = [...months].flatMap(([month, span]) => Array.from({ length: REPORT_SHARDS }, (_, shard) => ({ partition: reportPartition(family, month, shard), span })));
    await forEachConcurrently(reads, PARTITIONS_AT_ONCE, async ({ partition, span }) => {
      const [low, high] = reportDayRange(dimension, span.from, span.to);
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: leadsTable,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
            ExpressionAttributeValues: { ':pk': partition, ':low': low, ':high': high },
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          const { day, value } = reportItemOf(String(item.sk));
          // a month's run of days may hold days not asked for
          if (asked.has(day)) each(day, value, item);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    });
  }

  return {
    /**
     * The counts of one family over the days asked for, per value of one
     * dimension (`source` → `newsletter` → counts), summed over days and shards.
     */
    async sliceCounts(family: string, days: readonly string[], dimension: string): Promise<SliceSums> {
      const sums: SliceSums = new Map();
      await readDays(family, days, dimension, (_day, value, item) => addInto(sums, value, item));
      return sums;
    },

    /** The same counts kept apart per day (`2026-03-01` → value → counts): for a trend, one read for all its periods. */
    async sliceCountsByDay(family: string, days: readonly string[], dimension: string): Promise<Map<string, SliceSums>> {
      const byDay = new Map<string, SliceSums>();
      await readDays(family, days, dimension, (day, value, item) => {
        const sums = byDay.get(day) ?? new Map();
        addInto(sums, value, item);
        byDay.set(day, sums);
      });
      return byDay;
    },
  };
}
