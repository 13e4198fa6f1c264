import { Agent } from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { scoringModel } from '../config/index.ts';
import { createLeadStore, type LeadStore } from '../functions/adapters/lead-store.ts';
import { createDocumentClient } from '../functions/commons/clients.ts';
import { ConcurrentUpdateError } from '../functions/commons/errors.ts';
import { newLead, type Lead } from '../functions/core/lead.ts';
import { leadIdFor } from '../functions/core/lead-id.ts';
import type { StageChange } from '../functions/core/lifecycle.ts';
import { basedOn, type VersionedLead } from '../functions/core/records.ts';
import { FUNNEL_SHARDS, funnelShardOf } from '../functions/core/table-layout.ts';
import { localCredentials } from '../local/dynamodb.ts';
import { LOCAL_REGION } from '../local/template.ts';
import { appendResults, benchDir, describeMachine, fmt, machine, markdownTable, median, numberFromEnv } from './lib/harness.ts';
import { benchTemplate, startTablesWithoutStreams, tableBehind } from './lib/tables.ts';

/**
 * bench/funnel: 1,000 leads change stage at once, each saved by `saveLead`
 * (the product's adapter: the profile with the counts pending, then the
 * counts added to the lead's shard outside any transaction), with the funnel
 * counters in one item (funnelShards: 1) and in shards. Counted: the
 * transactions the store sent that write an item another lead's transaction
 * in flight writes (what AWS cancels with TransactionConflict; each save
 * here moves the lead's score too, so each is a transaction of its profile
 * and score), transactions cancelled by a conflict (`TransactionConflict`), other cancellations, retries until every lead is
 * saved (each retry reads the lead again and saves from its version, as
 * retryOnConflict does in scoring), and how many leads would have failed
 * after the scoring function's 5 attempts. The SDK's own retries are off
 * (maxAttempts 1) and BENCH_IN_FLIGHT (100) connections carry the 1,000 saves, issued
 * together, so that many are in flight at any moment.
 *
 * DynamoDB Local alone with the synthesized tables. Settings: BENCH_LEADS
 * (1000), BENCH_IN_FLIGHT (100), BENCH_REPEATS (3), BENCH_SHARDS (comma-separated shard counts,
 * "1,8,<FUNNEL_SHARDS>"), BENCH_RECORD=0 to print instead of appending to RESULTS.md.
 */

const LEADS = numberFromEnv('BENCH_LEADS', 1000);
const REPEATS = numberFromEnv('BENCH_REPEATS', 3);
const SHARDS = (process.env.BENCH_SHARDS ?? `1,8,${FUNNEL_SHARDS}`).split(',').map(Number);
/** Connections to DynamoDB Local: it resets connections past a few hundred, so the 1,000 saves are queued on this many (as many Lambda invocations in flight). */
const IN_FLIGHT = numberFromEnv('BENCH_IN_FLIGHT', 100);
/** Writers in flight at once for the contention count: all at once, as many as connections, and a few scoring invocations (one per stream shard). */
const WAVES = [LEADS, 100, 10];
const RECORD = process.env.BENCH_RECORD !== '0';
const PRODUCT_ATTEMPTS = 5;
const GIVE_UP_AFTER = 200;
const log = (message: string) => console.log(`[bench/funnel] ${message}`);
const root = path.resolve(benchDir, '..');
const runId = randomBytes(4).toString('hex');
const T0 = '2026-12-01T09:00:00.000Z';

const template = benchTemplate(root, log);
const leadsTable = tableBehind(template, 'leadsTable');
const dynamodb = await startTablesWithoutStreams(template);
const client = createDocumentClient({
  endpoint: dynamodb.endpoint,
  region: LOCAL_REGION,
  credentials: localCredentials,
  maxAttempts: 1,
  requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: IN_FLIGHT }) },
});

interface Run {
  shards: number;
  seconds: number;
  /** per wave size: saves that share their funnel item with another save of their wave (AWS's rule: those transactions contend) */
  contending: number[];
  conflicts: number;
  /** DynamoDB Local's form of contention: a transaction that waited too long for another's lock on an item fails with a 500 */
  lockTimeouts: number;
  otherCancellations: number;
  retries: number;
  /** leads that needed more than the scoring function's attempts */
  pastProductAttempts: number;
  maxAttempts: number;
  counted: number;
  writeUnits: number;
  distinctItems: number;
}

/** Leads stored as visitors (saved by the store, a few at a time; not counted), read back as the scoring path reads them. */
async function seed(prefix: string, store: LeadStore): Promise<VersionedLead[]> {
  const leads = Array.from({ length: LEADS }, (_, i) => newLead(leadIdFor(`email:${prefix}-${i}@bench.example`), T0, scoringModel));
  const read: VersionedLead[] = [];
  for (let i = 0; i < leads.length; i += 20) {
    await Promise.all(leads.slice(i, i + 20).map((lead) => store.saveLead({ lead, version: 0, changes: [] })));
    read.push(...(await Promise.all(leads.slice(i, i + 20).map(async (lead) => (await store.getLead(lead.leadId, { heal: true }))!))));
  }
  return read;
}

/** The items of every transaction sent through the client, by the lead that sent it, in order: what transactions could contend on. */
const transactions: { leadId: string; items: string[] }[] = [];
const recording = Object.assign(Object.create(client) as typeof client, {
  send: (command: { input: Record<string, unknown> }, ...rest: unknown[]) => {
    if (command instanceof TransactWriteCommand) {
      const items = (command.input.TransactItems ?? []).map((item) => {
        const key = (item.Put?.Item ?? item.Update?.Key ?? item.ConditionCheck?.Key ?? item.Delete?.Key) as { pk: string; sk: string };
        return `${key.pk}|${key.sk}`;
      });
      const leadKey = items.find((key) => key.startsWith('LEAD#'));
      transactions.push({ leadId: leadKey?.slice('LEAD#'.length, leadKey.indexOf('|')) ?? '', items });
    }
    return (client.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  },
});

/**
 * Transactions in flight together contend for an item they both write: AWS
 * cancels one with TransactionConflict. With the saves' transactions in waves
 * of `wave` (as many writers in flight), how many write an item another
 * lead's transaction of their wave writes. Counted from the transactions the
 * store sent (their items), not timed.
 */
function contending(sent: readonly { leadId: string; items: string[] }[], wave: number): number {
  let count = 0;
  for (let i = 0; i < sent.length; i += wave) {
    const writers = new Map<string, Set<string>>();
    for (const { leadId, items } of sent.slice(i, i + wave)) for (const item of items) writers.set(item, (writers.get(item) ?? new Set()).add(leadId));
    for (const { items } of sent.slice(i, i + wave)) if (items.some((item) => writers.get(item)!.size > 1)) count += 1;
  }
  return count;
}

/** DynamoDB Local locks the items of a transaction; one that waits too long for a lock fails (AWS would cancel it with TransactionConflict instead). */
const isLockTimeout = (error: unknown): boolean => error instanceof Error && error.name === 'InternalServerError' && /waiting for a lock/.test(error.message);

const toKnown = (lead: Lead): { lead: Lead; change: StageChange } => {
  const change: StageChange = { from: lead.stage, to: 'known', at: T0, cause: 'identified' };
  // identified with the event that scored: the score moves with the stage, so the save is a transaction (profile and score)
  return { lead: { ...lead, stage: 'known', stageHistory: [...lead.stageHistory, change], engagement: lead.engagement + 3, scoredAt: T0 }, change };
};

async function run(shards: number, repeat: number): Promise<Run> {
  let writeUnits = 0;
  const store: LeadStore = createLeadStore({ client: recording, leadsTable, funnelShards: shards, onConsumed: (u) => (writeUnits += u.writeUnits) });
  const leads = await seed(`${runId}-${shards}-${repeat}`, store);
  writeUnits = 0;
  transactions.length = 0;
  const before = (await store.getFunnelCounters()).reached.known ?? 0;
  let conflicts = 0;
  let lockTimeouts = 0;
  let otherCancellations = 0;
  let retries = 0;
  let pastProductAttempts = 0;
  let maxAttempts = 0;

  const started = performance.now();
  await Promise.all(
    leads.map(async (seeded) => {
      let current = seeded;
      for (let attempt = 1; ; attempt++) {
        const { lead, change } = toKnown(current.lead);
        try {
          await store.saveLead({ lead, ...basedOn(current), changes: [change] });
          maxAttempts = Math.max(maxAttempts, attempt);
          if (attempt > PRODUCT_ATTEMPTS) pastProductAttempts += 1;
          return;
        } catch (error) {
          if (isLockTimeout(error)) lockTimeouts += 1;
          else if (!(error instanceof ConcurrentUpdateError)) throw error;
          else {
            const reasons = error.cause instanceof TransactionCanceledException ? (error.cause.CancellationReasons ?? []) : [];
            if (reasons.some((r) => r.Code === 'TransactionConflict')) conflicts += 1;
            else otherCancellations += 1;
          }
          if (attempt >= GIVE_UP_AFTER) throw new Error(`lead ${seeded.lead.leadId} was not saved after ${GIVE_UP_AFTER} attempts`, { cause: error });
          retries += 1;
          // As retryOnConflict in scoring: read the lead again and save from its version.
          const read = await store.getLead(seeded.lead.leadId, { heal: true });
          if (!read) throw new Error(`lead ${seeded.lead.leadId} disappeared`);
          current = read;
          if (current.lead.stage === 'known') return;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const counted = ((await store.getFunnelCounters()).reached.known ?? 0) - before;
  const distinctItems = new Set(leads.map((l) => funnelShardOf(l.lead.leadId, shards))).size;
  return { shards, seconds, contending: WAVES.map((wave) => contending(transactions, wave)), conflicts, lockTimeouts, otherCancellations, retries, pastProductAttempts, maxAttempts, counted, writeUnits, distinctItems };
}

const runs: Run[] = [];
try {
  // Warm-up: DynamoDB Local's JVM is much slower for its first thousands of requests.
  await run(FUNNEL_SHARDS, -1);
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const shards of SHARDS) {
      const result = await run(shards, repeat);
      log(`${shards} shard(s), run ${repeat + 1}: ${result.conflicts} conflicts, ${result.lockTimeouts} lock timeouts, ${result.retries} retries, ${fmt(result.seconds, 1)} s, counted ${result.counted}`);
      runs.push(result);
    }
  }
} finally {
  await dynamodb.stop();
}

const rows = SHARDS.map((shards) => {
  const mine = runs.filter((r) => r.shards === shards);
  const list = (pick: (r: Run) => number, d = 0) => mine.map((r) => fmt(pick(r), d)).join(', ');
  return [
    shards === 1 ? '1 (one item, as before)' : String(shards) + (shards === FUNNEL_SHARDS ? ' (default)' : ''),
    ...WAVES.map((_, w) => list((r) => r.contending[w]!)),
    list((r) => r.conflicts),
    list((r) => r.lockTimeouts),
    list((r) => r.otherCancellations),
    list((r) => r.retries),
    list((r) => r.maxAttempts),
    list((r) => r.pastProductAttempts),
    fmt(median(mine.map((r) => r.seconds)), 1),
    fmt(median(mine.map((r) => r.writeUnits / LEADS)), 2),
    mine.every((r) => r.counted === LEADS) ? `${fmt(LEADS)} each run` : list((r) => r.counted),
  ];
});
const table = markdownTable(
  [
    'funnel items',
    ...WAVES.map((wave) => (wave >= LEADS ? `contending saves, all ${fmt(LEADS)} in flight` : `contending saves, ${wave} in flight`)),
    'cancelled by TransactionConflict',
    'failed waiting for a lock (DynamoDB Local, per run)',
    'other cancellations',
    'retries',
    'most attempts of one lead',
    'leads past scoring’s 5 attempts',
    'seconds (median)',
    'write units per save (mean)',
    'reached.known counted',
  ],
  rows,
);
const section = `## funnel — ${new Date().toISOString().slice(0, 10)}

- Run: ${new Date().toISOString()} (run id \`${runId}\`), \`npm run bench -- funnel\`
- Machine: ${describeMachine(machine())}
- DynamoDB Local alone with the synthesized tables; ${fmt(LEADS)} leads stored as visitors, then all ${fmt(LEADS)} saved at once as \`known\` with \`saveLead\` (the profile put on its version with the stage change's counts pending on it, then the counts added to the lead's shard with plain conditional updates: \`settleFunnel\`), ${REPEATS} runs per layout, interleaved, after one warm-up run; all issued together over ${IN_FLIGHT} connections (so ${IN_FLIGHT} in flight at any moment, as that many scoring invocations would be), SDK retries off
- A cancelled save is retried as scoring does (read the lead again, save from its version) until it is saved

${table}

No transaction holds an item another lead writes: a stage change alone is one conditional put of the lead's own profile (its score untouched), and a save that also moves the score is a transaction of the lead's own items; the counts reach the shared shard items by plain \`UpdateItem\` \`ADD\`s, which DynamoDB applies one after another without cancelling any (a transaction on such an item would be cancelled with \`TransactionConflict\` when another is in flight, as the single funnel item did before: every one of the 1,000 contended). Each count is added once: the update is conditional on a mark of the save's id on the shard, which the save removes once its profile let go of the count. ${
  runs.every((r) => r.counted === LEADS)
    ? `Every run counted every lead once (\`reached.known\` grew by exactly ${fmt(LEADS)}): conflicts cost retries, never counts.`
    : '**Some runs did not count every lead once: see the last column.**'
}`;
console.log(`\n${section}\n`);
if (RECORD) appendResults(section);
