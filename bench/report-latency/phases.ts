import { campaigns, reports, serviceAgreement } from '../../config/index.ts';
import type { ConsumedUnits } from '../../functions/adapters/capacity.ts';
import { createLeadStore } from '../../functions/adapters/lead-store.ts';
import { createReportStore } from '../../functions/adapters/report-store.ts';
import { createDocumentClient } from '../../functions/commons/clients.ts';
import { attributionOfPeriod } from '../../functions/reports/attribution.ts';
import { calibrationOfPeriod } from '../../functions/reports/calibration.ts';
import { funnelOfPeriod } from '../../functions/reports/funnel.ts';
import { localCredentials, type LocalDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { median, percentile } from '../lib/harness.ts';
import { END, log, PERIODS, REPEATS } from './settings.ts';

/** One report as the API serves it: a name for the table, and the use case called with the live adapters. */
interface ReportCase {
  name: string;
  run: (period: { from: string; to: string }) => Promise<unknown>;
}

export interface Measured {
  name: string;
  days: number;
  /** wall milliseconds per run, use case and JSON */
  ms: number[];
  readUnits: number;
  requests: number;
  /** what the answer holds: segments or rows */
  size: number;
}

const DAY_MS = 86_400_000;
const dayBefore = (date: Date, days: number) => new Date(date.getTime() - days * DAY_MS).toISOString().slice(0, 10);

/**
 * Each report through its use case (funnelOfPeriod, calibrationOfPeriod,
 * attributionOfPeriod) with the live adapters the reports function wires
 * (createReportStore, createLeadStore), over the last 7, 30, 90 and 366 days
 * of the seeded year; the answer serialized as the handler would. One
 * warm-up round, then REPEATS rounds, the reports interleaved in each.
 */
export async function measureReports(dynamodb: LocalDynamoDb, leadsTable: string): Promise<Measured[]> {
  let consumed: ConsumedUnits[] = [];
  const onConsumed = (units: ConsumedUnits) => consumed.push(units);
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const { getFunnelCounters } = createLeadStore({ client, leadsTable, onConsumed });
  const { sliceCounts } = createReportStore({ client, leadsTable, onConsumed });
  const ports = { getFunnelCounters, sliceCounts, now: () => END, marketing: serviceAgreement.marketing, campaigns, traitNames: Object.keys(reports.traits) };
  const size = (answer: unknown) => {
    const a = answer as { segments?: unknown[]; rows?: unknown[]; bands?: unknown[]; grades?: unknown[] };
    return a.segments?.length ?? a.rows?.length ?? (a.bands?.length ?? 0) + (a.grades?.length ?? 0);
  };
  const cases: ReportCase[] = [
    ...(['all', 'source', 'campaign', 'rep'] as const).map((by) => ({ name: `funnel by=${by}`, run: (p: { from: string; to: string }) => funnelOfPeriod({ ...p, by }, ports) })),
    { name: 'calibration', run: (p) => calibrationOfPeriod(p, ports) },
    { name: 'attribution linear by=campaign', run: (p) => attributionOfPeriod({ ...p, model: 'linear', by: 'campaign' }, ports) },
    { name: 'attribution w-shaped by=source', run: (p) => attributionOfPeriod({ ...p, model: 'w-shaped', by: 'source' }, ports) },
  ];
  const to = dayBefore(END, 1);
  const runs = cases.flatMap((c) => PERIODS.map((days) => ({ c, days, period: { from: dayBefore(END, days), to } })));
  const results = new Map(runs.map(({ c, days }) => [`${c.name}|${days}`, { name: c.name, days, ms: [] as number[], readUnits: 0, requests: 0, size: 0 }]));
  for (let round = 0; round <= REPEATS; round++) {
    for (const { c, days, period } of runs) {
      consumed = [];
      const started = performance.now();
      const answer = await c.run(period);
      JSON.stringify(answer);
      const ms = performance.now() - started;
      if (round === 0) continue; // warm-up
      const result = results.get(`${c.name}|${days}`)!;
      result.ms.push(ms);
      result.readUnits = consumed.reduce((sum, u) => sum + u.readUnits, 0);
      result.requests = consumed.length;
      result.size = size(answer);
    }
    log(`round ${round === 0 ? 'warm-up' : `${round} of ${REPEATS}`} done`);
  }
  client.destroy();
  return [...results.values()];
}

export const p50 = (m: Measured) => median(m.ms);
export const p95 = (m: Measured) => percentile(m.ms, 95);
