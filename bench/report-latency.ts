import { rmSync } from 'node:fs';
import type { LocalDynamoDb } from '../local/dynamodb.ts';
import { appendResults, describeMachine, fmt, machine, markdownTable } from './lib/harness.ts';
import { benchTemplate, tableBehind } from './lib/tables.ts';
import { measureReports, p50, p95, type Measured } from './report-latency/phases.ts';
import { seededTables, type SeedFacts } from './report-latency/seed.ts';
import { DAYS, END, EVENTS, LEADS, log, RECORD, REPEATS, root, workDir } from './report-latency/settings.ts';

/**
 * bench/report-latency: every report's latency with 100,000 leads and
 * 1,000,000 events of a year seeded (issue 12: each under one second).
 *
 * DynamoDB Local runs alone with the synthesized tables on a data directory.
 * The seed (bench/report-latency/history.ts) is a year of lead histories:
 * every save's report counts come from the product's pure functions
 * (reportCounts, attributionCounts under config/campaigns.json,
 * feedbackCounts) and are written where the lead store adds them
 * (table-layout.ts reportItemsOf: the day item and the month total in the
 * lead's report shard), summed as its
 * exactly-once adds leave them; with them the funnel shards, each lead's
 * profile, score item and identity links, and 1,000,000 stored tracking
 * events. Seeding takes minutes, so the seeded data directory is kept
 * (.leadloop/bench-cache/) and copied for the next run of the same seed
 * (same settings and the same sources of the layout and the counts).
 *
 * Then every report through its use case with the live adapters: over the
 * last 7, 30, 90 and 366 days funnel by all, source, campaign and rep,
 * calibration, attribution (linear by campaign, w-shaped by source),
 * feedback by all and rep (with the latest comments); the service-agreement
 * scorecard of the last week and month (with its trend); stalled leads, all
 * and filtered by a team and a rep. One
 * warm-up round, BENCH_REPEATS rounds measured (reports interleaved): p50,
 * p95 (of 5 runs, the slowest), the read units and the requests each run
 * consumed (meteredClient).
 *
 * Settings: BENCH_LEADS (100000), BENCH_EVENTS (1000000), BENCH_DAYS (366),
 * BENCH_REPEATS (5), BENCH_SEED_CONCURRENCY (8), BENCH_MARKERS=1 (also a
 * marker item per event), BENCH_CACHE=0 (seed again), BENCH_RECORD=0.
 */

const m = machine();
log(`machine: ${describeMachine(m)}`);
const startedAt = new Date();
const template = benchTemplate(root, log);
const leadsTable = tableBehind(template, 'leadsTable');
const eventsTable = tableBehind(template, 'eventsTable');
let exitCode = 0;
let dynamodb: LocalDynamoDb | undefined;
try {
  const seeded = await seededTables(template, leadsTable, eventsTable, (started) => (dynamodb = started));
  const facts = seeded.facts;
  dynamodb = seeded.dynamodb;
  const measured = await measureReports(dynamodb, leadsTable);
  for (const r of measured) log(`${r.name.padEnd(32)} ${r.span.padStart(8)}: p50 ${fmt(p50(r))} ms, p95 ${fmt(p95(r))} ms, ${fmt(r.readUnits, 1)} RRU, ${fmt(r.requests)} requests`);
  const section = report(startedAt, facts, measured);
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  } else console.log(section);
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await dynamodb?.stop();
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);

function report(date: Date, facts: SeedFacts, measured: Measured[]): string {
  const over = measured.filter((r) => p95(r) >= 1000);
  const slowest = measured.reduce((a, b) => (p95(b) > p95(a) ? b : a));
  const families = Object.entries(facts.byFamily).map(([family, n]) => `${fmt(n)} ${family}`).join(', ');
  return [
    `## report-latency — ${date.toISOString().slice(0, 10)}`,
    '',
    `- Machine: ${describeMachine(m)}`,
    `- Data: ${fmt(LEADS)} leads first seen over ${DAYS} days to ${END.toISOString().slice(0, 10)}, ${fmt(EVENTS)} stored events; ${fmt(facts.saves)} saves with ${fmt(facts.changes)} stage changes, ` +
      `${fmt(facts.feedback)} feedback, ${fmt(facts.deals.opportunities)} opportunities (${fmt(facts.deals.won)} won, ${fmt(facts.deals.lost)} lost). ` +
      `${fmt(facts.reportItems)} report items (${families}) of ${fmt(facts.leadItems)} items in the leads table${facts.markers ? ' (markers included)' : ' (no event markers)'}. ` +
      `Seeding: the base (events, profiles) ${fmt(facts.seconds)} s (${fmt(facts.itemsPerSecond)} items/s), the report items ${fmt(facts.reportSeconds)} s` +
      `${facts.cached === 'all' ? '; both kept from an earlier run of the same seed' : facts.cached === 'base' ? '; the base kept from an earlier run' : ''}.`,
    `- Each report through its use case with the live adapters on DynamoDB Local (its data directory on tmpfs), answer serialized; 1 warm-up round, ${REPEATS} measured, interleaved.`,
    '',
    markdownTable(
      ['report', 'asked for', 'p50 ms', 'p95 ms', 'read units', 'requests', 'rows'],
      measured.map((r) => [r.name, r.span, fmt(p50(r)), fmt(p95(r)), fmt(r.readUnits, 1), fmt(r.requests), fmt(r.size)]),
    ),
    '',
    over.length === 0
      ? `Every report under one second (slowest: ${slowest.name}, ${slowest.span}, p95 ${fmt(p95(slowest))} ms).`
      : `${over.length} of ${measured.length} over one second at p95 (slowest: ${slowest.name}, ${slowest.span}, p95 ${fmt(p95(slowest))} ms, ${fmt(slowest.requests)} requests).`,
  ].join('\n');
}
