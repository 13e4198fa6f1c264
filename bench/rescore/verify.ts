import { isDeepStrictEqual } from 'node:util';
import { replayLead } from '../../functions/core/lead.ts';
import { engagementAt } from '../../functions/core/scoring.ts';
import { MARKER_PREFIX } from '../../functions/core/table-layout.ts';
import { fmt, runPool } from '../lib/harness.ts';
import type { SeededLead } from '../lib/seed-history.ts';
import { countItems } from '../lib/tables.ts';
import type { Measured } from './phases.ts';
import type { Seeded } from './seed.ts';
import { changedModel, EVENTS, IN_FLIGHT, LEADS, log } from './settings.ts';
import type { Adapters, BenchTables } from './setup.ts';

export interface Verification {
  problems: string[];
  progressLines: string[];
  lastVersion: string;
  rescores: number;
  profilesChecked: number;
  storedEvents: number;
  markers: number;
  leadTableItems: number;
  journeys: number;
}

/**
 * Each run's progress record counts every lead and every event; every
 * profile carries the last model version, a ledger equal to replaying its
 * seeded events under that model, an engagement that follows from the ledger,
 * and the stages sales left.
 */
export async function verify(
  { dynamodb, leadsTable, eventsTable }: BenchTables,
  { history, store }: Adapters,
  { seeded, outcomes }: Seeded,
  { runs, versions }: Measured,
): Promise<Verification> {
  const count = (table: string, filter?: Parameters<typeof countItems>[2]) => countItems(dynamodb.client, table, filter);
  const problems: string[] = [];
  const progressLines: string[] = [];
  for (const version of versions) {
    const progress = await history.getRescoreProgress(version);
    const ok = progress?.finishedAt !== undefined && progress.leads === LEADS && progress.events === EVENTS && progress.segments.every((s) => s === 'done');
    if (!ok) problems.push(`progress of ${version}: ${JSON.stringify(progress && { ...progress, segments: progress.segments.map((s) => (typeof s === 'string' ? s : 'key')) })}`);
    progressLines.push(`${version}: ${progress?.finishedAt ? 'finished' : 'NOT finished'}, ${fmt(progress?.leads ?? 0)} leads, ${fmt(progress?.events ?? 0)} events, ${progress?.advanced ?? 0} advanced`);
  }
  const lastVersion = versions.at(-1)!;
  const lastModel = changedModel(lastVersion);
  const rescores = versions.length;
  let profilesChecked = 0;
  const check = (seed: SeededLead, found: Awaited<ReturnType<typeof store.getLead>>): void => {
    const fail = (what: string): void => {
      if (problems.length < 20) problems.push(`${seed.leadId}: ${what}`);
    };
    if (!found) return fail('profile missing');
    const { lead, version } = found;
    if (lead.modelVersion !== lastVersion) fail(`modelVersion ${lead.modelVersion}, expected ${lastVersion}`);
    if (lead.ledger.some((entry) => entry.modelVersion !== lastVersion)) fail('ledger entries from another model');
    if (!isDeepStrictEqual(lead.ledger, replayLead(seed.leadId, seed.events, lastModel).lead.ledger)) fail('ledger differs from its events replayed under the model');
    if (lead.engagement !== engagementAt(lead.ledger, new Date(lead.scoredAt))) fail(`engagement ${lead.engagement} does not follow from the ledger`);
    if (lead.stage !== seed.lead.stage || lead.cycle !== seed.lead.cycle || !isDeepStrictEqual(lead.stageHistory, seed.lead.stageHistory)) fail('stages changed');
    if (lead.journeyPending !== undefined) fail('journey pending');
    if (version !== seed.version + rescores) fail(`version ${version}, expected ${seed.version} + ${rescores} rescores`);
    profilesChecked += 1;
  };
  await runPool(seeded.leads, IN_FLIGHT, async (seed) => check(seed, await store.getLead(seed.leadId)));

  const storedEvents = await count(eventsTable);
  const markers = await count(leadsTable, { FilterExpression: 'begins_with(sk, :p)', ExpressionAttributeValues: { ':p': { S: MARKER_PREFIX } } });
  const leadTableItems = await count(leadsTable);
  if (storedEvents !== EVENTS + outcomes) problems.push(`${storedEvents} items in ${eventsTable}, expected ${EVENTS + outcomes}`);
  if (markers !== EVENTS + outcomes) problems.push(`${markers} markers, expected ${EVENTS + outcomes}`);
  const allRescores = [...(runs.get('rescore') ?? []), ...(runs.get('rescore1') ?? [])];
  const journeys = allRescores.reduce((sum, run) => sum + (run.journeys ?? 0), 0);
  const advanced = allRescores.reduce((sum, run) => sum + (run.advanced ?? 0), 0);
  if (journeys !== 0 || advanced !== 0) problems.push(`${advanced} leads advanced and ${journeys} journeys were to start under a model that cannot qualify anyone new`);
  log(`verification: ${rescores} rescores finished as recorded; ${profilesChecked} of ${LEADS} profiles consistent; ${fmt(storedEvents)} event items, ${fmt(markers)} markers; ${problems.length} problems`);
  for (const p of problems) log(`  PROBLEM ${p}`);
  return { problems, progressLines, lastVersion, rescores, profilesChecked, storedEvents, markers, leadTableItems, journeys };
}
