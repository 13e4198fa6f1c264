import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import { countNameOf } from '#core/count-names.ts';
import { dayRuns, REPORT_SHARDS, reportDayRange, reportItemOf, reportMonthItemOf, reportMonthRange, reportPartition, reportReadPlan, reportYearPartition } from '#core/table-layout.ts';
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

/** Adds an item's counts (names as stored, read back) into a value's sums; `sign` -1 takes them away. */
function addInto(sums: SliceSums, value: string, item: Record<string, unknown>, sign: 1 | -1 = 1): void {
  const sum = sums.get(value) ?? {};
  for (const [stored, n] of Object.entries(item)) {
    if (!isCount(stored, n)) continue;
    const name = countNameOf(stored);
    sum[name] = (sum[name] ?? 0) + sign * (n as number);
  }
  sums.set(value, sum);
}

/**
 * A month total less its days not asked for is never below zero once settled;
 * a reader between a count's day item and its month total (the lead store adds
 * them one after the other) could see a day's count without its month's: the
 * difference is taken as nothing rather than less than nothing. Fractional
 * counts (an attribution model's credits) less their days leave rounding dust
 * (1e-17), taken as nothing too.
 */
const DUST = 1e-9;
function settled(sums: SliceSums): SliceSums {
  for (const sum of sums.values()) for (const [name, n] of Object.entries(sum)) if (n < DUST) sum[name] = 0;
  return sums;
}

/**
 * The report items the stream path keeps (report-counts.ts), read back: never
 * a scan. Items of a month's shard are one partition, sorted by dimension then
 * day, so a dimension over the days asked for is one Query per month and shard;
 * where whole months are asked for, their totals are read instead, one Query
 * per year and shard. Trends by day (sliceCountsByDay) read day items.
 */
export function createReportStore({ client: sdkClient, leadsTable, onConsumed }: ReportStoreSettings) {
  const client = meteredClient(sdkClient, onConsumed);

  /** Calls `each` with every item (and its sort key) of one Query of a partition, page after page. */
  async function queryAll(partition: string, range: { low: string; high: string }, each: (sk: string, item: Record<string, unknown>) => void): Promise<void> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':pk': partition, ':low': range.low, ':high': range.high },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) each(String(item.sk), item);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** The day items' reads of the days asked for: one Query per run of consecutive days and shard (a month's days are one partition). */
  function dayReads(family: string, days: Iterable<string>, dimension: string, each: (day: string, value: string, item: Record<string, unknown>) => void) {
    const byMonth = new Map<string, string[]>();
    for (const day of [...new Set(days)].sort()) {
      const month = day.slice(0, 7);
      byMonth.set(month, [...(byMonth.get(month) ?? []), day]);
    }
    return [...byMonth].flatMap(([month, monthDays]) =>
      dayRuns(monthDays).flatMap(([from, to]) =>
        Array.from({ length: REPORT_SHARDS }, (_, shard) => () => {
          const [low, high] = reportDayRange(dimension, from, to);
          return queryAll(reportPartition(family, month, shard), { low, high }, (sk, item) => {
            const { day, value } = reportItemOf(sk);
            each(day, value, item);
          });
        }),
      ),
    );
  }

  /** Calls `each` with every day item of a dimension on the days asked for, with its day and value. */
  async function readDays(family: string, days: readonly string[], dimension: string, each: (day: string, value: string, item: Record<string, unknown>) => void): Promise<void> {
    await forEachConcurrently(dayReads(family, days, dimension, each), PARTITIONS_AT_ONCE, (read) => read());
  }

  /**
   * Calls `each` with the counts of a dimension on the days asked for, with
   * their value and sign: the month totals of every month whose days are
   * (mostly) asked for, less the day items of its days not asked for, and the
   * day items of the rest (table-layout.ts reportReadPlan), so a year is about
   * twelve items per value and shard, not 366.
   */
  async function readPeriod(family: string, days: readonly string[], dimension: string, each: (value: string, item: Record<string, unknown>, sign: 1 | -1) => void): Promise<void> {
    const plan = reportReadPlan(days);
    const asked = new Set(plan.months);
    const years = new Map<string, { from: string; to: string }>();
    for (const month of plan.months) {
      const span = years.get(month.slice(0, 4));
      if (!span) years.set(month.slice(0, 4), { from: month, to: month });
      else span.to = month; // plan.months is sorted
    }
    const monthReads = [...years].flatMap(([year, span]) =>
      Array.from({ length: REPORT_SHARDS }, (_, shard) => () => {
        const [low, high] = reportMonthRange(dimension, span.from, span.to);
        return queryAll(reportYearPartition(family, year, shard), { low, high }, (sk, item) => {
          const { month, value } = reportMonthItemOf(dimension, sk);
          // a year's run of months may hold months not asked for
          if (asked.has(month)) each(value, item, 1);
        });
      }),
    );
    const reads = [
      ...monthReads,
      ...dayReads(family, plan.days, dimension, (_day, value, item) => each(value, item, 1)),
      ...dayReads(family, plan.less, dimension, (_day, value, item) => each(value, item, -1)),
    ];
    await forEachConcurrently(reads, PARTITIONS_AT_ONCE, (read) => read());
  }

  return {
    /**
     * The counts of one family over the days asked for, per value of one
     * dimension (`source` → `newsletter` → counts), summed over days and shards.
     */
    async sliceCounts(family: string, days: readonly string[], dimension: string): Promise<SliceSums> {
      const sums: SliceSums = new Map();
      await readPeriod(family, days, dimension, (value, item, sign) => addInto(sums, value, item, sign));
      return settled(sums);
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
