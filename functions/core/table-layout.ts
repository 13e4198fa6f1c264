/**
 * Where every item lives in the two tables: the one statement of their key
 * layout. Adapters, the CDK tables, the local runtime, the benches and the
 * tests build and read keys only through this module. Pure: strings in, keys out.
 *
 * events: one item per event, keyed by `messageId` (streamed to scoring).
 * leads:  `pk` / `sk`, one table for every kind of item:
 *
 * | item                     | pk                      | sk              |
 * | ------------------------ | ----------------------- | --------------- |
 * | lead profile             | LEAD#leadId             | PROFILE         |
 * | lead score               | LEAD#leadId             | SCORE           |
 * | applied-event marker     | LEAD#leadId             | EVENT#at#messageId |
 * | journey cycle            | LEAD#leadId             | CYCLE#0001      |
 * | sales activity           | LEAD#leadId             | ACTIVITY#0001#at#activityId |
 * | feedback on a hand-off   | LEAD#leadId             | FEEDBACK#0001#occasion |
 * | identity → lead link     | IDENTITY#identityKey    | IDENTITY        |
 * | funnel counters, shard n | REPORT#funnel#nn        | COUNTERS        |
 * | funnel counters (before shards; read, never written) | REPORT#funnel | COUNTERS |
 * | report counts of one day and slice, shard n | REPORT#family#YYYY-MM#nn | dimension#YYYY-MM-DD#value |
 * | report counts of one month and slice, shard n | REPORT#family#YYYY#nn | dimension#YYYY-MM#value |
 * | rescore progress         | RESCORE#modelVersion    | PROGRESS        |
 * | API key (by its hash)    | KEY#sha256              | KEY             |
 * | key registry entry       | KEYS                    | KEY#keyId       |
 * | email sent once          | EMAIL#idempotencyKey    | EMAIL           |
 * | configuration value      | CONFIG#name             | CONFIG          |
 * | feedback comment of a day | COMMENTS#YYYY-MM-DD    | at#feedbackId   |
 * | suppressed address (nurture) | SUPPRESSED#email    | SUPPRESSED      |
 * | a rep's open leads and time away | REP#repId        | REP             |
 * | a team's round robin     | ROTATION#teamId         | ROTATION        |
 * | a lead waiting for a rep | QUEUE#teamId            | leadId#cycle    |
 * | an erased person's identity (tombstone) | ERASED#sha256(prefix+identity) | ERASED |
 *
 * Index `stalled` (sparse, over lead profiles in a watched stage): `openStage`
 * (`stage#shard`) / `stageSince`.
 */

import type { ReportCount } from './report-counts.ts';
import { storedCounts } from './count-names.ts';
import { aggregateValue } from './personal-values.ts';

/** The events table's key attribute. */
export const EVENTS_PARTITION_KEY = 'messageId';
/** The leads table's key attributes. */
export const LEADS_PARTITION_KEY = 'pk';
export const LEADS_SORT_KEY = 'sk';

/** A type, not an interface, so it is also a `Record<string, unknown>` (the SDK's key type). */
export type ItemKey = { pk: string; sk: string };

const LEAD_PREFIX = 'LEAD#';
const CYCLE_PREFIX = 'CYCLE#';
const IDENTITY_PREFIX = 'IDENTITY#';
/** The sort key of a lead's profile, the item that holds the lead itself. */
export const PROFILE_SK = 'PROFILE';
/** The sort key of a lead's score: the folded part of its ledger, rewritten by every event (score-items.ts). */
export const SCORE_SK = 'SCORE';
/** The sort-key prefix of the markers applied events leave on their lead. */
export const MARKER_PREFIX = 'EVENT#';
/** Just past every marker's sort key: `EVENT$` sorts after every `EVENT#…`. */
export const MARKERS_END = 'EVENT$';

/** The partition every item of one lead shares (profile, markers, cycles). */
export const leadPartition = (leadId: string): string => `${LEAD_PREFIX}${leadId}`;
/** The lead id a lead item's partition key names. */
export const leadIdOfPartition = (pk: string): string => pk.slice(LEAD_PREFIX.length);

export const profileKey = (leadId: string): ItemKey => ({ pk: leadPartition(leadId), sk: PROFILE_SK });

export const scoreKey = (leadId: string): ItemKey => ({ pk: leadPartition(leadId), sk: SCORE_SK });

/**
 * The marker an applied event leaves on its lead, so a replay is refused:
 * sorted by when the event happened (ISO-8601, UTC), so the markers since an
 * instant are one range of the lead's partition.
 */
export const markerKey = (leadId: string, at: string, messageId: string): ItemKey => ({ pk: leadPartition(leadId), sk: markerSortKey(at, messageId) });
export const markerSortKey = (at: string, messageId: string): string => `${MARKER_PREFIX}${new Date(at).toISOString()}#${messageId}`;
/** The first marker sort key at or after an instant. */
export const markersFrom = (at: string): string => `${MARKER_PREFIX}${new Date(at).toISOString()}`;
/** The event a marker's sort key names: when it happened and its messageId (which may itself hold `#`). */
export function eventOfMarker(sk: string): { at: string; messageId: string } {
  const separator = sk.indexOf('#', MARKER_PREFIX.length);
  return { at: sk.slice(MARKER_PREFIX.length, separator), messageId: sk.slice(separator + 1) };
}
/** The messageId a marker's sort key names. */
export const messageIdOfMarker = (sk: string): string => eventOfMarker(sk).messageId;

/** Cycles sort in order (zero-padded) under their lead. */
export const cycleKey = (leadId: string, cycle: number): ItemKey => ({ pk: leadPartition(leadId), sk: `${CYCLE_PREFIX}${cycleNumber(cycle)}` });

const ACTIVITY_PREFIX = 'ACTIVITY#';
const FEEDBACK_PREFIX = 'FEEDBACK#';
const cycleNumber = (cycle: number): string => String(cycle).padStart(4, '0');

/**
 * A rep's activity for a lead, under the cycle it was recorded in, in time
 * order: a cycle's earliest activities are one Query (the sales clocks read
 * only as many as the agreement asks for).
 */
export const activityKey = (leadId: string, cycle: number, at: string, activityId: string): ItemKey => ({
  pk: leadPartition(leadId),
  sk: `${activitiesOf(cycle)}${new Date(at).toISOString()}#${activityId}`,
});
/** The sort-key prefix of one cycle's activities; `ACTIVITY#` alone for every cycle's. */
export const activitiesOf = (cycle?: number): string => (cycle === undefined ? ACTIVITY_PREFIX : `${ACTIVITY_PREFIX}${cycleNumber(cycle)}#`);

/** A rep's feedback on one cycle of a lead, one per occasion (accepted, rejected, closed). */
export const feedbackKey = (leadId: string, cycle: number, occasion: string): ItemKey => ({ pk: leadPartition(leadId), sk: `${feedbackOf(cycle)}${occasion}` });
/** The sort-key prefix of one cycle's feedback; `FEEDBACK#` alone for every cycle's. */
export const feedbackOf = (cycle?: number): string => (cycle === undefined ? FEEDBACK_PREFIX : `${FEEDBACK_PREFIX}${cycleNumber(cycle)}#`);

/** The link from an identity (`email:…`, `user:…`, `anon:…`) to its lead. */
export const identityKey = (identity: string): ItemKey => ({ pk: `${IDENTITY_PREFIX}${identity}`, sk: 'IDENTITY' });
/** The identity an identity link's partition key names. */
export const identityOfPartition = (pk: string): string => pk.slice(IDENTITY_PREFIX.length);

/**
 * The one item the funnel counters lived in before they were sharded. Every
 * stage change of every lead added to it, so concurrent transactions collided
 * on it. Still read (a table written before the shards keeps its counts),
 * never written.
 */
export const funnelKey: ItemKey = { pk: 'REPORT#funnel', sk: 'COUNTERS' };

/**
 * How many items the funnel counters are spread over unless the lead store is
 * told otherwise (see docs/decisions.md, "Funnel counters in shards"). A lead
 * always adds to the same shard. Raising it is safe; lowering it would leave
 * counts in shards no longer read.
 */
export const FUNNEL_SHARDS = 64;
/** At most this many shards: the report reads every shard and the old item in one BatchGetItem (100 keys). */
export const MAX_FUNNEL_SHARDS = 99;

/** The shard of the funnel counters that a lead adds to: a hash of its id (FNV-1a), so it never changes. */
export function funnelShardOf(leadId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < leadId.length; i++) hash = Math.imul(hash ^ leadId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** One shard of the funnel counters: its own partition, so shards spread over the table's partitions too. */
export const funnelShardKey = (shard: number): ItemKey => ({ pk: `REPORT#funnel#${String(shard).padStart(2, '0')}`, sk: 'COUNTERS' });

/** Every item the funnel report sums: the old single item and each shard. */
export const funnelKeys = (shards: number): ItemKey[] => [funnelKey, ...Array.from({ length: shards }, (_, shard) => funnelShardKey(shard))];

/**
 * How many items one day's counts of one slice are spread over: a lead always
 * adds to the same one (its funnel shard's hash), so the leads of one busy
 * campaign on one day never all write one item.
 */
export const REPORT_SHARDS = 8;

/**
 * The report counts of one family (`funnel`), day and slice (`source=newsletter`),
 * shard `shard`: in the partition of the day's month and shard, sorted by
 * dimension, then day, then value (`source#2026-03-01#newsletter`), so one
 * Query reads a dimension's values over any run of days of a month.
 */
export function reportKey(family: string, day: string, slice: string, shard: number): ItemKey {
  const at = slice.indexOf('=');
  // the last guard of the rule that report keys hold no person (personal-values.ts): a value with an @ is never a key
  return { pk: reportPartition(family, day.slice(0, 7), shard), sk: reportSortKey(slice.slice(0, at), day, aggregateValue(slice.slice(at + 1))) };
}
/**
 * One shard of one family's month is one partition: the leads of a busy day
 * spread their writes over REPORT_SHARDS partitions, not one; a report reads
 * a dimension over a month's days in one Query per shard.
 */
export const reportPartition = (family: string, month: string, shard: number): string => `REPORT#${family}#${month}#${String(shard).padStart(2, '0')}`;
/** A report item's sort key: dimension, day, value. */
export const reportSortKey = (dimension: string, day: string, value: string): string => `${dimension}#${day}#${value}`;
/** The sort keys of a dimension's items from day `from` to day `to`, both included: `BETWEEN` these two. */
export const reportDayRange = (dimension: string, from: string, to: string): [string, string] => [`${dimension}#${from}#`, `${dimension}#${to}$`];
/** The day and value of a report item's sort key. */
export function reportItemOf(sk: string): { dimension: string; day: string; value: string } {
  const [dimension = '', day = ''] = sk.split('#', 2);
  return { dimension, day, value: sk.slice(dimension.length + day.length + 2) };
}

/**
 * The month total of a slice in one shard: every count added to a day item
 * of the month is added to it too, in the same write (reportItemsOf), so a
 * report over whole months reads one item per month, shard and value instead
 * of one per day. A year's month totals of one family and shard are one
 * partition (`REPORT#<family>#<YYYY>#<shard>`, never a month's: those name
 * `YYYY-MM`), sorted as `<dimension>#<YYYY-MM>#<value>`, so a run of months of
 * a dimension is one Query per year and shard (reportMonthRange). Only the
 * current month's totals take writes, at the rate its day items do, spread
 * over the same shards.
 */
export function reportMonthKey(family: string, month: string, slice: string, shard: number): ItemKey {
  const at = slice.indexOf('=');
  return { pk: reportYearPartition(family, month.slice(0, 4), shard), sk: reportMonthSortKey(slice.slice(0, at), month, aggregateValue(slice.slice(at + 1))) };
}
/** One shard of one family's month totals of a year. */
export const reportYearPartition = (family: string, year: string, shard: number): string => `REPORT#${family}#${year}#${String(shard).padStart(2, '0')}`;
/** A month total's sort key: dimension, month, value. */
export const reportMonthSortKey = (dimension: string, month: string, value: string): string => `${dimension}#${month}#${value}`;
/** The sort keys of a dimension's month totals from month `from` to month `to` (YYYY-MM, one year), both included: `BETWEEN` these two. */
export const reportMonthRange = (dimension: string, from: string, to: string): [string, string] => [`${dimension}#${from}#`, `${dimension}#${to}$`];
/** The month and value of a month total's sort key, given its dimension. */
export const reportMonthItemOf = (dimension: string, sk: string): { month: string; value: string } => ({
  month: sk.slice(dimension.length + 1, dimension.length + 8),
  value: sk.slice(dimension.length + 9),
});

/**
 * The items a lead's report counts are added to, each once with its counts
 * summed: the day item of each count (reportKey) and the month total of the
 * same slice (reportMonthKey), both in the lead's report shard. Every writer
 * of report counts adds through this (report-writes.ts reportCountUpdates,
 * the lead store's pending counts, the bench seed), so no count reaches a day
 * without its month. Summed per item because one transaction, or one count's
 * mark, may name an item once: two counts of one slice on two days of a month
 * share its month total. The counts' names are as stored (count-names.ts
 * storedCountName): the report store reads them back (countNameOf).
 */
export function reportItemsOf(reports: readonly ReportCount[], shard: number): [ItemKey, Record<string, number>][] {
  const byItem = new Map<string, [ItemKey, Record<string, number>]>();
  const addTo = (key: ItemKey, counts: Record<string, number>) => {
    const id = `${key.pk}\n${key.sk}`;
    let target = byItem.get(id);
    if (!target) byItem.set(id, (target = [key, {}]));
    const sum = target[1];
    for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
  };
  for (const report of reports) {
    const family = report.family ?? 'funnel';
    const counts = storedCounts(report.counts);
    addTo(reportKey(family, report.day, report.slice, shard), counts);
    addTo(reportMonthKey(family, report.day.slice(0, 7), report.slice, shard), counts);
  }
  return [...byItem.values()];
}

/** The days (YYYY-MM-DD) of a month (YYYY-MM), in order. */
export function daysOfMonth(month: string): string[] {
  const [year = 0, number = 0] = month.split('-').map(Number);
  const length = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return Array.from({ length }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/**
 * How a report reads a set of days. Every month all of whose days are asked
 * for is read as its month totals. A month asked for in part is read as day
 * items, unless most of it is asked for: then as its month totals less the
 * day items of the days not asked for (`less`), since every count is added to
 * its day and its month total alike (reportItemsOf), so a 90-day report reads
 * a month total and a day instead of 29 days. Together: exactly the days asked
 * for, each once. Months and days sorted.
 */
export function reportReadPlan(days: Iterable<string>): { months: string[]; days: string[]; less: string[] } {
  const byMonth = new Map<string, Set<string>>();
  for (const day of days) {
    const month = day.slice(0, 7);
    const set = byMonth.get(month) ?? byMonth.set(month, new Set()).get(month)!;
    set.add(day);
  }
  const months: string[] = [];
  const rest: string[] = [];
  const less: string[] = [];
  for (const [month, asked] of [...byMonth].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const left = daysOfMonth(month).filter((day) => !asked.has(day));
    if (left.length >= asked.size) rest.push(...[...asked].sort());
    else {
      months.push(month);
      less.push(...left);
    }
  }
  return { months, days: rest, less };
}

/** Runs of consecutive days (YYYY-MM-DD, sorted) as [first, last] pairs: `1, 2, 3, 7` → `[1, 3], [7, 7]`. */
export function dayRuns(days: readonly string[]): [string, string][] {
  const runs: [string, string][] = [];
  for (const day of days) {
    const last = runs.at(-1);
    if (last && Date.parse(day) - Date.parse(last[1]) === 86_400_000) last[1] = day;
    else runs.push([day, day]);
  }
  return runs;
}

/** Where a rescore under a model version keeps its progress, so an interrupted run resumes. */
export const rescoreKey = (modelVersion: string): ItemKey => ({ pk: `RESCORE#${modelVersion}`, sk: 'PROGRESS' });

/** Where an API key's record lives: under its SHA-256 hash, never the key. */
export const apiKeyKey = (keyHash: string): ItemKey => ({ pk: `KEY#${keyHash}`, sk: 'KEY' });

/** The partition of the key registry: one item per key (never the key), so keys are listed with one Query. */
export const KEY_REGISTRY_PARTITION = 'KEYS';
/** A key's registry entry, by its public id. */
export const keyRegistryKey = (keyId: string): ItemKey => ({ pk: KEY_REGISTRY_PARTITION, sk: `KEY#${keyId}` });

/** The record that makes an email go out at most once per idempotency key. */
export const emailKey = (idempotencyKey: string): ItemKey => ({ pk: `EMAIL#${idempotencyKey}`, sk: 'EMAIL' });

/** A configuration value kept in the table (the link-signing key). */
export const configKey = (name: string): ItemKey => ({ pk: `CONFIG#${name}`, sk: 'CONFIG' });

/**
 * The stalled-leads index: a sparse global secondary index over lead
 * profiles. A profile carries its two key attributes only while the lead sits
 * in a watched stage (core/reports/stalled.ts), so the index holds exactly the
 * leads that can stall, sorted by when they entered their stage: the leads
 * past a stage's limit are one range of one partition per shard.
 */
export const STALLED_INDEX = 'stalled';
/** The index's partition key: `<stage>#<shard>`. */
export const OPEN_STAGE = 'openStage';
/** The index's sort key: when the lead entered its stage (ISO-8601, UTC). */
export const STAGE_SINCE = 'stageSince';
/**
 * How many partitions one stage's leads are spread over in the index (a lead
 * always in the same one, from its id): a burst of MQLs writes several, and
 * the report reads each stage in this many Queries.
 */
export const STALLED_SHARDS = 4;
/** The index partition of one stage's shard. */
export const openStageKey = (stage: string, shard: number): string => `${stage}#${shard}`;

/**
 * A feedback comment, indexed by the day it was given: the latest comments
 * are the newest days' partitions read newest first. Written in the
 * feedback's own transaction, under the feedback's id, so once.
 */
export const commentKey = (at: string, feedbackId: string): ItemKey => ({ pk: commentsPartition(new Date(at).toISOString().slice(0, 10)), sk: `${new Date(at).toISOString()}#${feedbackId}` });
/** One day's (UTC, YYYY-MM-DD) comment partition. */
export const commentsPartition = (day: string): string => `COMMENTS#${day}`;

/**
 * An address no nurture email goes to (unsubscribed, bounced, complained):
 * by address, as SES reports bounces and complaints, so every lead with it is covered.
 */
export const suppressionKey = (email: string): ItemKey => ({ pk: `SUPPRESSED#${email}`, sk: 'SUPPRESSED' });
/** A rep's routing state: open leads and time away (one small item per rep). */
export const REP_PREFIX = 'REP#';
export const repKey = (repId: string): ItemKey => ({ pk: `${REP_PREFIX}${repId}`, sk: 'REP' });
/** The rep a rep item's pk names, or undefined for any other item. */
export const repIdOf = (pk: string): string | undefined => (pk.startsWith(REP_PREFIX) ? pk.slice(REP_PREFIX.length) : undefined);

/**
 * A team's round robin (credits per rep, and a version every assignment
 * moves): one item per team, written only by that team's assignments.
 */
export const rotationKey = (teamId: string): ItemKey => ({ pk: `ROTATION#${teamId}`, sk: 'ROTATION' });

/** A team's queue: the leads nobody could take (one partition per team; the drain orders them by `queuedAt`). */
export const queuePartition = (teamId: string): string => `QUEUE#${teamId}`;
/** A lead's cycle waiting in its team's queue: keyed by lead and cycle, so a retried step finds the same item. */
export const queueKey = (teamId: string, leadId: string, cycle: number): ItemKey => ({ pk: queuePartition(teamId), sk: `${leadId}#${cycleNumber(cycle)}` });

/**
 * The tombstone an erasure leaves for one identity of the person (`email:…`,
 * `user:…`, `anon:…`, `lead:<leadId>`): keyed by the SHA-256 hash of a fixed
 * prefix and the identity (core/erasure.ts erasureHash), never the identity,
 * and never the hash a lead id is cut from, so it holds no trace of the person
 * (not their lead id either) and still stops their next event from being applied.
 */
export const erasedKey = (identityHash: string): ItemKey => ({ pk: `ERASED#${identityHash}`, sk: 'ERASED' });
