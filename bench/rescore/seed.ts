import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { scoringModel } from '../../config/index.ts';
import type { IdentityKey } from '../../functions/core/identity.ts';
import { markerItem, profileItem, scoreItem } from '../../functions/adapters/lead-store.ts';
import { allMarkers, foldForSave } from '../../functions/core/score-items.ts';
import { cycleKey, funnelKey, identityKey, profileKey } from '../../functions/core/table-layout.ts';
import { fmt, median, runPool } from '../lib/harness.ts';
import { itemSize } from '../lib/item-size.ts';
import { seedHistories, type SeededHistories } from '../lib/seed-history.ts';
import { measured, type Cpu } from './phases.ts';
import { EVENTS, LEADS, log, SEED_CONCURRENCY } from './settings.ts';
import type { BenchTables } from './setup.ts';

export interface Seeded {
  seeded: SeededHistories;
  leadIds: string[];
  outcomes: number;
  perLead: number[];
  stageLine: string;
  profileSizes: number[];
  sizeLine: string;
  seeding: { cpu: Cpu };
  seededItems: number;
}

/**
 * Writes what the stream path and the journey would have left for the
 * seeded histories: event items, one marker per event, identity links,
 * profiles, cycles, the funnel counters. Timed, not counted.
 */
export async function seed({ dynamodb, leadsTable, eventsTable }: BenchTables, startedAt: Date): Promise<Seeded> {
  const documentClient = DynamoDBDocumentClient.from(dynamodb.client, { marshallOptions: { removeUndefinedValues: true } });
  // ---- seed
  const generateStart = performance.now();
  const seeded = seedHistories(EVENTS, LEADS, scoringModel, startedAt);
  const byLeadId = new Map(seeded.leads.map((lead) => [lead.leadId, lead]));
  if (byLeadId.size !== LEADS) throw new Error(`${LEADS} leads seeded under ${byLeadId.size} ids`);
  const outcomes = seeded.leads.filter((l) => l.outcome).length;
  const stages = new Map<string, number>();
  for (const { lead } of seeded.leads) stages.set(lead.stage, (stages.get(lead.stage) ?? 0) + 1);
  const perLead = seeded.leads.map((l) => l.events.length);
  const stageLine = [...stages].map(([stage, n]) => `${stage} ${n}`).join(', ');
  log(
    `generated ${fmt(EVENTS)} events (${fmt(Math.min(...perLead))}–${fmt(Math.max(...perLead))} per lead) and ${fmt(outcomes)} outcomes over ${fmt(LEADS)} leads ` +
      `in ${fmt((performance.now() - generateStart) / 1000, 1)} s; stages: ${stageLine}`,
  );

  const eventItems: Record<string, unknown>[] = [];
  const leadItems: Record<string, unknown>[] = [];
  for (const { leadId, events, outcome, lead, version } of seeded.leads) {
    for (const event of events) eventItems.push({ ...event, kind: 'tracking' });
    const refs = events.map((event) => ({ messageId: event.messageId, at: event.timestamp }));
    if (outcome) {
      eventItems.push({ ...outcome });
      refs.push({ messageId: outcome.messageId, at: outcome.receivedAt });
    }
    for (const marker of allMarkers(lead.ledger, refs)) leadItems.push(markerItem(leadId, marker));
    for (const key of lead.identities) leadItems.push({ ...identityKey(key as IdentityKey), leadId });
    if (lead.owner) {
      leadItems.push({
        ...cycleKey(leadId, lead.cycle),
        leadId,
        cycle: lead.cycle,
        owner: lead.owner,
        previousReps: [],
        acceptBy: new Date(Date.parse(lead.owner.assignedAt) + 86_400_000).toISOString(),
        acceptWithinSeconds: 86_400,
        missed: 0,
        ...(outcome && { outcome: outcome.outcome }),
      });
    }
    leadItems.push(profileItem(lead, version), scoreItem(foldForSave(lead, scoringModel), version));
  }
  leadItems.push({ ...funnelKey, ...Object.fromEntries(seeded.funnel) });
  const sizeOf = (item: Record<string, unknown>) => itemSize(marshall(item, { removeUndefinedValues: true }));
  const profileSizes = leadItems.filter((item) => item.sk === profileKey('').sk).map(sizeOf);
  const eventSizes = eventItems.filter((item) => item.kind === 'tracking').map(sizeOf);
  const kb = (bytes: number) => fmt(bytes / 1024, 1);
  const sizeLine =
    `profile items ${kb(median(profileSizes))} KB median, ${kb(Math.max(...profileSizes))} KB largest; ` +
    `stored events ${fmt(median(eventSizes))} B median (${fmt(Math.min(...eventSizes))}–${fmt(Math.max(...eventSizes))} B)`;
  log(`item sizes: ${sizeLine}`);

  const batches: BatchWriteCommandInput['RequestItems'][] = [];
  for (const [table, items] of [[eventsTable, eventItems], [leadsTable, leadItems]] as const) {
    for (let i = 0; i < items.length; i += 25) batches.push({ [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) });
  }
  let unprocessedRetries = 0;
  const seeding = await measured(() =>
    runPool(batches, SEED_CONCURRENCY, async (requestItems) => {
      let request = requestItems;
      while (request && Object.keys(request).length > 0) {
        const { UnprocessedItems } = await documentClient.send(new BatchWriteCommand({ RequestItems: request }));
        request = UnprocessedItems;
        if (request && Object.keys(request).length > 0) unprocessedRetries += 1;
      }
    }),
  );
  const seededItems = eventItems.length + leadItems.length;
  log(
    `seeded ${fmt(seededItems)} items (${fmt(eventItems.length)} events, ${fmt(leadItems.length)} lead items) with ${fmt(batches.length)} BatchWriteItem requests, ` +
      `${SEED_CONCURRENCY} in flight, in ${fmt(seeding.cpu.seconds, 1)} s (${fmt(seededItems / seeding.cpu.seconds)} items/s; ${unprocessedRetries} retries of unprocessed items; ` +
      `CPU Node ${fmt(seeding.cpu.node, 1)} s, DynamoDB Local ${fmt(seeding.cpu.java ?? Number.NaN, 1)} s, other processes ${fmt(seeding.cpu.otherCores ?? Number.NaN, 2)} cores)`,
  );
  const leadIds = seeded.leads.map((l) => l.leadId);
  return { seeded, leadIds, outcomes, perLead, stageLine, profileSizes, sizeLine, seeding, seededItems };
}
