import * as path from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { reportSlicing, scoringModel } from '../config/index.ts';
import type { ConsumedUnits } from '../functions/adapters/capacity.ts';
import { createEventStore } from '../functions/adapters/event-store.ts';
import { createLeadHistory } from '../functions/adapters/lead-history.ts';
import { createRepStore } from '../functions/adapters/rep-store.ts';
import { createLeadStore } from '../functions/adapters/lead-store.ts';
import { createDocumentClient } from '../functions/commons/clients.ts';
import { markerKey, profileKey, scoreKey } from '../functions/core/table-layout.ts';
import { createErasureStore } from '../functions/adapters/erasure-store.ts';
import { applyEventRecords, type ApplyEventsPorts } from '../functions/score/apply-events.ts';
import { localCredentials } from '../local/dynamodb.ts';
import { LOCAL_REGION } from '../local/template.ts';
import { personHistory } from './cost-per-event/history.ts';
import { appendResults, benchDir, describeMachine, fmt, machine, markdownTable, median, numberFromEnv } from './lib/harness.ts';
import { itemSize } from './lib/item-size.ts';
import { benchTemplate, startTablesWithoutStreams, tableBehind } from './lib/tables.ts';

/**
 * bench/cost-per-event: what scoring one person's events costs in DynamoDB
 * capacity, as issue 10 measured it. One person, BENCH_EVENTS (150) page
 * views and webinar events over BENCH_DAYS (60) days, each event stored and
 * then scored on its own (one per stream batch, as web traffic arrives):
 * `putEventOnce`, then `applyEventRecords` with the live adapters, on
 * DynamoDB Local with the synthesized tables (no functions, no stream poller;
 * the journey start is a counter). Every DynamoDB call asks for its consumed
 * capacity (the adapters always do) and the bench meters it per event; after
 * each event it reads the profile, score and marker items back (unmetered) and sizes them by
 * DynamoDB's rules. It reports write and read units per event, averaged over
 * the lead's life and by thirds of it, per operation, and the profile's size.
 * Units are counted, not timed, so the figures are the same on any machine.
 *
 * Settings (environment): BENCH_EVENTS (150), BENCH_DAYS (60),
 * BENCH_RECORD=0 to print the section instead of appending it to bench/RESULTS.md.
 */

const EVENTS = numberFromEnv('BENCH_EVENTS', 150);
const DAYS = numberFromEnv('BENCH_DAYS', 60);
const RECORD = process.env.BENCH_RECORD !== '0';
const log = (message: string) => console.log(`[bench/cost-per-event] ${message}`);
const root = path.resolve(benchDir, '..');

const m = machine();
log(`machine: ${describeMachine(m)}`);
const startedAt = new Date();
const template = benchTemplate(root, log);
const leadsTable = tableBehind(template, 'leadsTable');
const eventsTable = tableBehind(template, 'eventsTable');
// The stream is left off: the bench hands each stored event to the scoring use case itself, one per batch.
const dynamodb = await startTablesWithoutStreams(template);

interface EventCost {
  write: number;
  read: number;
  byOperation: Map<string, { calls: number; write: number; read: number }>;
  profileBytes: number;
  /** the score item after the event (score-items.ts) */
  scoreBytes: number;
  /** the event's marker */
  markerBytes: number;
}

let exitCode = 0;
try {
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  let current: EventCost | undefined;
  const onConsumed = (units: ConsumedUnits) => {
    if (!current) return;
    current.write += units.writeUnits;
    current.read += units.readUnits;
    const op = current.byOperation.get(units.operation) ?? { calls: 0, write: 0, read: 0 };
    op.calls += 1;
    op.write += units.writeUnits;
    op.read += units.readUnits;
    current.byOperation.set(units.operation, op);
  };
  const leads = createLeadStore({ client, leadsTable, onConsumed, slicing: reportSlicing });
  const history = createLeadHistory({ client, leadsTable, eventsTable, onConsumed });
  const store = createEventStore({ client, eventsTable, onConsumed });
  // as the score handler wires it: each batch looks up tombstones of the people it names
  const erasure = createErasureStore({ client, leadsTable, eventsTable, onConsumed });
  let journeysStarted = 0;
  const endMs = Date.parse('2026-12-01T12:00:00.000Z');
  const ports: ApplyEventsPorts = {
    model: scoringModel,
    getLead: leads.getLead,
    resolveIdentities: leads.resolveIdentities,
    appliedMessageIds: leads.appliedMessageIds,
    saveLead: leads.saveLead,
    clearJourneyPending: leads.clearJourneyPending,
    startJourney: async () => void (journeysStarted += 1),
    recordOutcome: leads.recordOutcome,
    getCycle: leads.getCycle,
    resumeJourney: async () => true,
    ownerOf: () => undefined,
    now: () => new Date(endMs).toISOString(),
    leadEvents: history.leadEvents,
    trackingEvents: history.trackingEvents,
    linkIdentities: leads.linkIdentities,
    retireLead: leads.retireLead,
    // one person's history: nothing merges, nothing is stopped
    stopJourneys: async () => undefined,
    closeCycleForMerge: leads.closeCycleForMerge,
    putCycle: leads.putCycle,
    releaseOpen: createRepStore({ client, leadsTable, onConsumed }).releaseOpen,
    dropQueued: async () => [],
    log: (message, details) => log(`${message} ${JSON.stringify(details)}`),
    erasure: { erasedAmong: erasure.erasedAmong, dropEvents: erasure.deleteEvents },
  };

  const events = personHistory(EVENTS, DAYS, endMs);
  const costs: EventCost[] = [];
  let leadId: string | undefined;
  for (const event of events) {
    current = { write: 0, read: 0, byOperation: new Map(), profileBytes: 0, scoreBytes: 0, markerBytes: 0 };
    const record = { kind: 'tracking' as const, ...event };
    if (!(await store.putEventOnce(record))) throw new Error(`event ${event.messageId} was already stored`);
    const { failedMessageIds } = await applyEventRecords([record], ports);
    if (failedMessageIds.size > 0) throw new Error(`event ${event.messageId} was not applied`);
    const cost: EventCost = current;
    current = undefined;
    leadId ??= (await leads.resolveIdentities([`anon:${event.anonymousId}`])).get(`anon:${event.anonymousId}`);
    if (!leadId) throw new Error('the person has no lead');
    const sizeOf = async ({ pk, sk }: { pk: string; sk: string }) => {
      const { Item } = await dynamodb.client.send(new GetItemCommand({ TableName: leadsTable, Key: { pk: { S: pk }, sk: { S: sk } } }));
      return Item ? itemSize(Item) : 0;
    };
    cost.profileBytes = await sizeOf(profileKey(leadId));
    cost.scoreBytes = await sizeOf(scoreKey(leadId));
    cost.markerBytes = await sizeOf(markerKey(leadId, event.timestamp, event.messageId));
    costs.push(cost);
  }

  // ------------------------------------------------------------------ report
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const avg = (xs: readonly number[]) => sum(xs) / xs.length;
  const thirds = [0, 1, 2].map((k) => costs.slice(Math.floor((k * costs.length) / 3), Math.floor(((k + 1) * costs.length) / 3)));
  const operations = [...new Set(costs.flatMap((c) => [...c.byOperation.keys()]))].sort();
  const perOperation = operations.map((op) => {
    const all = costs.map((c) => c.byOperation.get(op) ?? { calls: 0, write: 0, read: 0 });
    return [op, fmt(avg(all.map((a) => a.calls)), 2), fmt(avg(all.map((a) => a.write)), 2), fmt(avg(all.map((a) => a.read)), 2)];
  });
  const sizes = costs.map((c) => c.profileBytes);
  const writes = costs.map((c) => c.write);
  const reads = costs.map((c) => c.read);
  const lines = [
    `## cost-per-event — ${startedAt.toISOString().slice(0, 10)}`,
    '',
    `- Run: ${startedAt.toISOString()}, \`npm run bench -- cost-per-event\``,
    `- Machine: ${describeMachine(m)} (units are counted, not timed: the figures do not depend on it)`,
    `- DynamoDB Local (in memory) with the synthesized tables (\`${leadsTable}\`, \`${eventsTable}\`), no functions; each event stored with \`putEventOnce\` and scored by \`applyEventRecords\` on its own (one per stream batch) with the live adapters; the journey start a counter (called ${journeysStarted} times)`,
    `- Data: one person, ${fmt(EVENTS)} page views and webinar events over ${fmt(DAYS)} days, identified at the 5th event; model \`${scoringModel.version}\``,
    `- Units: what DynamoDB Local reports with \`ReturnConsumedCapacity: 'TOTAL'\` on every call the adapters make (the event's own put included)`,
    '',
    markdownTable(
      ['events', 'write units per event (mean)', 'read units per event (mean)', 'profile item at the end', 'score item, largest', 'marker, largest'],
      [
        ...thirds.map((t, k) => [
          `${Math.floor((k * costs.length) / 3) + 1}–${Math.floor(((k + 1) * costs.length) / 3)}`,
          fmt(avg(t.map((c) => c.write)), 2),
          fmt(avg(t.map((c) => c.read)), 2),
          `${fmt(t.at(-1)!.profileBytes)} B`,
          `${fmt(Math.max(...t.map((c) => c.scoreBytes)))} B`,
          `${fmt(Math.max(...t.map((c) => c.markerBytes)))} B`,
        ]),
        [`**all ${fmt(costs.length)}**`, `**${fmt(avg(writes), 2)}**`, `**${fmt(avg(reads), 2)}**`, `${fmt(sizes.at(-1)!)} B`, `${fmt(Math.max(...costs.map((c) => c.scoreBytes)))} B`, `${fmt(Math.max(...costs.map((c) => c.markerBytes)))} B`],
      ],
    ),
    '',
    'Per event, by operation (mean over the lead\'s life):',
    '',
    markdownTable(['operation', 'calls', 'write units', 'read units'], perOperation),
    '',
    `Write units per event: median ${fmt(median(writes), 1)}, largest ${fmt(Math.max(...writes), 1)}; read units per event: median ${fmt(median(reads), 1)}, largest ${fmt(Math.max(...reads), 1)}. Profile item: ${fmt(sizes[0]! / 1024, 1)} KB after the first event, ${fmt(median(sizes) / 1024, 1)} KB median, ${fmt(Math.max(...sizes) / 1024, 1)} KB largest. Total over the lead's life: ${fmt(sum(writes))} write units, ${fmt(sum(reads))} read units.`,
  ];
  const section = lines.join('\n');
  if (RECORD) {
    appendResults(section);
    log('appended to bench/RESULTS.md');
  }
  console.log(section);
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await dynamodb.stop();
}
process.exit(exitCode);
