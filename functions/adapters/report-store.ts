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

/** Adds an item's counts (names as stored, read back) into a value's sums. */
function addInto(sums: SliceSums, value: string, item: Record<string, unknown>): void {
  const sum = sums.get(value) ?? {};
  for (const [stored, n] of Object.entries(item)) {
    if (!isCount(stored, n)) continue;
    const name = countNameOf(stored);
    sum[name] = (sum[name] ?? 0) + (n as number);
  }
  sums.set(value, sum);
}

/** Adds sums read back (a month's, a day's) into a period's; `sign` -1 takes a day left out of a month's total away. */
function mergeInto(sums: SliceSums, from: SliceSums | undefined, sign: 1 | -1): void {
  for (const [value, counts] of from ?? []) {
    const sum = sums.get(value) ?? {};
    for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + sign * n;
    sums.set(value, sum);
  }
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
 * per year and shard. A trend's periods are read at once (sliceCountsOfPeriods).
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

  /** The month totals' reads of the months asked for: one Query per year's run of months and shard (a year's totals are one partition). */
  function monthReads(family: string, months: readonly string[], dimension: string, each: (month: string, value: string, item: Record<string, unknown>) => void) {
    const asked = new Set(months);
    const years = new Map<string, { from: string; to: string }>();
    for (const month of [...asked].sort()) {
      const span = years.get(month.slice(0, 4));
      if (!span) years.set(month.slice(0, 4), { from: month, to: month });
      else span.to = month;
    }
    return [...years].flatMap(([year, span]) =>
      Array.from({ length: REPORT_SHARDS }, (_, shard) => () => {
        const [low, high] = reportMonthRange(dimension, span.from, span.to);
        return queryAll(reportYearPartition(family, year, shard), { low, high }, (sk, item) => {
          const { month, value } = reportMonthItemOf(dimension, sk);
          // a year's run of months may hold months not asked for
          if (asked.has(month)) each(month, value, item);
        });
      }),
    );
  }

  /**
   * The counts of a dimension over each period asked for, in one read: each
   * period is the month totals of every month whose days it (mostly) holds,
   * less the day items of that month's days it does not, and the day items of
   * the rest (table-layout.ts reportReadPlan), so a year is about twelve items
   * per value and shard, not 366; a month or day that several periods need is
   * read once.
   */
  async function readPeriods(family: string, periods: readonly (readonly string[])[], dimension: string): Promise<SliceSums[]> {
    const plans = periods.map((days) => reportReadPlan(days));
    const byMonth = new Map<string, SliceSums>();
    const byDay = new Map<string, SliceSums>();
    const into = (kept: Map<string, SliceSums>) => (key: string, value: string, item: Record<string, unknown>) => {
      const sums = kept.get(key) ?? kept.set(key, new Map()).get(key)!;
      addInto(sums, value, item);
    };
    const reads = [
      ...monthReads(family, plans.flatMap((plan) => plan.months), dimension, into(byMonth)),
      ...dayReads(family, plans.flatMap((plan) => [...plan.days, ...plan.less]), dimension, into(byDay)),
    ];
    await forEachConcurrently(reads, PARTITIONS_AT_ONCE, (read) => read());
    return plans.map((plan) => {
      const sums: SliceSums = new Map();
      for (const month of plan.months) mergeInto(sums, byMonth.get(month), 1);
      for (const day of plan.days) mergeInto(sums, byDay.get(day), 1);
      for (const day of plan.less) mergeInto(sums, byDay.get(day), -1);
      return settled(sums);
    });
  }

  return {
    /**
     * The counts of one family over the days asked for, per value of one
     * dimension (`source` → `newsletter` → counts), summed over days and shards.
     */
    async sliceCounts(family: string, days: readonly string[], dimension: string): Promise<SliceSums> {
      const [sums] = await readPeriods(family, [days], dimension);
      return sums!;
    },

    /** The same counts for several periods at once (a trend's weeks or months), one sum per period, in order. */
    sliceCountsOfPeriods(family: string, periods: readonly (readonly string[])[], dimension: string): Promise<SliceSums[]> {
      return readPeriods(family, periods, dimension);
    },
  };
}
