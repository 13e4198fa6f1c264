import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { commentItem } from '../../functions/adapters/feedback-store.ts';
import { markerItem, profileItem, scoreItem } from '../../functions/adapters/lead-store.ts';
import { FUNNEL_SHARDS, funnelShardKey, funnelShardOf, identityKey, REPORT_SHARDS, reportItemsOf } from '../../functions/core/table-layout.ts';
import { localCredentials, startDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_REGION, tablesOf, type Template } from '../../local/template.ts';
import { fmt, runPool } from '../lib/harness.ts';
import { yearOfHistory, type YearOfHistory } from './history.ts';
import { CACHE, cacheRoot, DAYS, END, EVENTS, LEADS, log, MARKERS, root, SEED_CONCURRENCY, workDir } from './settings.ts';

export interface SeedFacts {
  leads: number;
  events: number;
  saves: number;
  changes: number;
  feedback: number;
  deals: { opportunities: number; won: number; lost: number };
  reportItems: number;
  /** report items by family */
  byFamily: Record<string, number>;
  leadItems: number;
  markers: boolean;
  /** seconds to write the base (events, profiles), and its items/s */
  seconds: number;
  itemsPerSecond: number;
  /** seconds to compute and write the report items */
  reportSeconds: number;
  /** what was kept from an earlier run: everything, the base, or nothing */
  cached: 'all' | 'base' | 'none';
}

/** What the seeded year depends on: a change to any of these seeds everything again (the writing code here does not). */
export const HISTORY_SOURCES = [
  'bench/report-latency/history.ts',
  'functions/core/report-counts.ts',
  'functions/core/reports/attribution-counts.ts',
  'functions/core/reports/attribution.ts',
  'config/campaigns.json',
];
/** What the report items' keys depend on: a change to these writes the report items again on the kept base. */
const LAYOUT_SOURCES = ['functions/core/table-layout.ts', 'functions/core/count-names.ts', 'functions/adapters/lead-store.ts', 'functions/adapters/feedback-store.ts'];

export function keyOf(files: readonly string[], extra: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(extra));
  for (const file of files) hash.update(readFileSync(path.join(root, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Keeps a copy of the stopped data directory as `name`, replacing the kept ones of the same kind (each is about a gigabyte). */
function keep(kind: 'base' | 'full', key: string): void {
  if (!CACHE) return;
  if (existsSync(cacheRoot)) for (const old of readdirSync(cacheRoot)) if (old.startsWith(`${kind}-`)) rmSync(path.join(cacheRoot, old), { recursive: true, force: true });
  cpSync(workDir, path.join(cacheRoot, `${kind}-${key}`), { recursive: true });
  log(`kept the data directory as ${path.relative(root, path.join(cacheRoot, `${kind}-${key}`))}`);
}

/**
 * DynamoDB Local on a data directory holding the seeded year. Seeding is in
 * two parts, each kept for the next run: the base (events, profiles, score
 * items, identity links), which only the history decides, and on it the
 * report items and funnel shards, whose keys the layout decides. A run finds
 * the whole seed kept, or the base (and writes the report items), or seeds both.
 */
export async function seededTables(template: Template, leadsTable: string, eventsTable: string, onStarted: (dynamodb: LocalDynamoDb) => void): Promise<{ dynamodb: LocalDynamoDb; facts: SeedFacts }> {
  const tables = tablesOf(template).map(({ streamViewType: _stream, ...table }) => table);
  // told each DynamoDB Local started, so the caller stops it even when seeding fails
  const start = async (): Promise<LocalDynamoDb> => {
    const started = await startDynamoDb(tables, { dataDir: workDir });
    onStarted(started);
    return started;
  };
  const baseKey = keyOf(HISTORY_SOURCES, { LEADS, EVENTS, DAYS, END, MARKERS });
  const fullKey = keyOf(LAYOUT_SOURCES, baseKey);
  const full = path.join(cacheRoot, `full-${fullKey}`);
  const base = path.join(cacheRoot, `base-${baseKey}`);
  rmSync(workDir, { recursive: true, force: true });
  if (CACHE && existsSync(path.join(full, 'facts.json'))) {
    cpSync(full, workDir, { recursive: true });
    const facts = { ...(JSON.parse(readFileSync(path.join(workDir, 'facts.json'), 'utf8')) as SeedFacts), cached: 'all' as const };
    log(`using the data directory seeded before (${fullKey}): ${fmt(facts.reportItems)} report items, ${fmt(facts.leadItems)} lead items, ${fmt(facts.events)} events`);
    return { dynamodb: await start(), facts };
  }
  const started = performance.now();
  const year = yearOfHistory(LEADS, EVENTS, DAYS, END);
  log(`generated ${fmt(LEADS)} leads, ${fmt(year.saves)} saves (${fmt(year.changes)} stage changes), ${fmt(year.feedback)} feedback, ${fmt(year.deals.opportunities)} opportunities in ${fmt((performance.now() - started) / 1000, 1)} s`);
  let dynamodb: LocalDynamoDb;
  let baseFacts: Pick<SeedFacts, 'events' | 'leadItems' | 'seconds' | 'itemsPerSecond'>;
  const baseCached = CACHE && existsSync(path.join(base, 'base.json'));
  if (baseCached) {
    cpSync(base, workDir, { recursive: true });
    baseFacts = JSON.parse(readFileSync(path.join(workDir, 'base.json'), 'utf8')) as typeof baseFacts;
    // a kept base renamed by hand for a change that leaves it as it was (a count's rule, not the histories) must still fit
    const { leadItems, eventItems } = baseItems(year);
    if (eventItems.length !== baseFacts.events || leadItems.length !== baseFacts.leadItems) {
      throw new Error(`the kept base holds ${baseFacts.leadItems} lead items and ${baseFacts.events} events, this seed makes ${leadItems.length} and ${eventItems.length}: seed again with BENCH_CACHE=0`);
    }
    log(`using the base seeded before (${baseKey}): ${fmt(baseFacts.leadItems)} lead items, ${fmt(baseFacts.events)} events`);
    dynamodb = await start();
  } else {
    dynamodb = await start();
    baseFacts = await seedBase(dynamodb, year, leadsTable, eventsTable);
    await dynamodb.stop();
    writeFileSync(path.join(workDir, 'base.json'), JSON.stringify(baseFacts));
    keep('base', baseKey);
    dynamodb = await start();
  }
  const reports = await seedReports(dynamodb, year, leadsTable);
  await dynamodb.stop();
  const facts: SeedFacts = {
    leads: LEADS,
    saves: year.saves,
    changes: year.changes,
    feedback: year.feedback,
    deals: year.deals,
    markers: MARKERS,
    ...baseFacts,
    ...reports,
    leadItems: baseFacts.leadItems + reports.reportItems,
    cached: baseCached ? 'base' : 'none',
  };
  writeFileSync(path.join(workDir, 'facts.json'), JSON.stringify(facts));
  keep('full', fullKey);
  return { dynamodb: await start(), facts };
}

/** BatchWriteItem, 25 items a request, SEED_CONCURRENCY requests in flight, unprocessed items sent again; returns items/s. */
async function writeAll(dynamodb: LocalDynamoDb, tables: readonly (readonly [string, readonly Record<string, unknown>[]])[]): Promise<number> {
  // its own client: a put sent again is harmless, and DynamoDB Local under this load drops the odd connection
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 10 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const batches: BatchWriteCommandInput['RequestItems'][] = [];
  for (const [table, items] of tables) {
    for (let i = 0; i < items.length; i += 25) batches.push({ [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) });
  }
  const total = tables.reduce((sum, [, items]) => sum + items.length, 0);
  let written = 0;
  const started = performance.now();
  const progress = setInterval(() => log(`  seeding: ${fmt(written)} of ${fmt(total)} items, ${fmt(written / ((performance.now() - started) / 1000))} items/s`), 30_000);
  try {
    await runPool(batches, SEED_CONCURRENCY, async (requestItems) => {
      let request = requestItems;
      const size = Object.values(request ?? {})[0]?.length ?? 0;
      for (let attempt = 1; request && Object.keys(request).length > 0; attempt++) {
        try {
          const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: request }));
          request = UnprocessedItems;
        } catch (error) {
          if (attempt >= 5) throw error;
          log(`  a batch failed (${(error as Error).message}); sending it again`);
        }
      }
      written += size;
    });
  } finally {
    clearInterval(progress);
    client.destroy();
  }
  return total / ((performance.now() - started) / 1000);
}

/** The events and each lead's profile, score item and identity links (and markers with BENCH_MARKERS=1). */
async function seedBase(dynamodb: LocalDynamoDb, year: YearOfHistory, leadsTable: string, eventsTable: string) {
  const started = performance.now();
  const { leadItems, eventItems } = baseItems(year);
  const itemsPerSecond = await writeAll(dynamodb, [[leadsTable, leadItems], [eventsTable, eventItems]]);
  const seconds = (performance.now() - started) / 1000;
  log(`seeded the base: ${fmt(leadItems.length)} lead items, ${fmt(eventItems.length)} events in ${fmt(seconds, 1)} s (${fmt(itemsPerSecond)} items/s)`);
  return { events: eventItems.length, leadItems: leadItems.length, seconds, itemsPerSecond };
}

/** The base's items: each lead's profile, score item and identity links (and markers), and the events. */
function baseItems(year: YearOfHistory): { leadItems: Record<string, unknown>[]; eventItems: Record<string, unknown>[] } {
  const leadItems: Record<string, unknown>[] = [];
  const eventItems: Record<string, unknown>[] = [];
  for (const { leadId, lead, version, events } of year.leads) {
    leadItems.push(profileItem(lead, version), scoreItem(lead, version));
    for (const identity of [`anon:${events[0]?.anonymousId ?? leadId}`, ...(lead.stage !== 'visitor' ? [`email:person-${leadId}@example.com`] : [])]) leadItems.push({ ...identityKey(identity as never), leadId });
    for (const event of events) {
      eventItems.push({ ...event, kind: 'tracking' });
      if (MARKERS) leadItems.push(markerItem(leadId, { messageId: event.messageId, at: event.timestamp, entries: [] }));
    }
  }
  return { leadItems, eventItems };
}

/**
 * The report items as the lead store leaves them once every count is added
 * (lead-store.ts countTargets): per family, day and slice in the lead's
 * report shard, and per month and slice (the month totals), at the keys
 * table-layout.ts reportItemsOf gives, counts summed; the
 * marks of added counts are gone. And the funnel shards, and the comments
 * index (feedback-store.ts commentItem).
 */
async function seedReports(dynamodb: LocalDynamoDb, year: YearOfHistory, leadsTable: string) {
  const started = performance.now();
  const reportItems = new Map<string, Record<string, unknown>>();
  const byFamily: Record<string, number> = {};
  for (const { leadId, count } of year.counts) {
    // the day item and the month total, as every writer adds them (table-layout.ts reportItemsOf)
    for (const [target, counts] of reportItemsOf([count], funnelShardOf(leadId, REPORT_SHARDS))) {
      const id = `${target.pk}|${target.sk}`;
      let item = reportItems.get(id);
      if (!item) {
        reportItems.set(id, (item = { ...target }));
        byFamily[count.family ?? 'funnel'] = (byFamily[count.family ?? 'funnel'] ?? 0) + 1;
      }
      for (const [name, n] of Object.entries(counts)) item[name] = ((item[name] as number | undefined) ?? 0) + n;
    }
  }
  const funnel = new Map<number, Record<string, unknown>>();
  for (const { leadId, increments } of year.funnel) {
    const shard = funnelShardOf(leadId, FUNNEL_SHARDS);
    const item = funnel.get(shard) ?? funnel.set(shard, { ...funnelShardKey(shard) }).get(shard)!;
    for (const [name, n] of increments) item[name] = ((item[name] as number | undefined) ?? 0) + n;
  }
  // the comments index, as the feedback store writes it with the feedback
  const comments: Record<string, unknown>[] = [];
  for (const { feedback, messageId, teamId } of year.comments) {
    const item = commentItem(feedback, messageId, teamId);
    if (item) comments.push(item);
  }
  byFamily.comments = comments.length;
  const itemsPerSecond = await writeAll(dynamodb, [[leadsTable, [...reportItems.values(), ...funnel.values(), ...comments]]]);
  const reportSeconds = (performance.now() - started) / 1000;
  log(`seeded ${fmt(reportItems.size)} report items, ${funnel.size} funnel shards and ${fmt(comments.length)} comments in ${fmt(reportSeconds, 1)} s (${fmt(itemsPerSecond)} items/s)`);
  return { reportItems: reportItems.size, byFamily, reportSeconds };
}
