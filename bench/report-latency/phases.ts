import { campaigns, feedback, repCalendars, reports, serviceAgreement, teams } from '../../config/index.ts';
import type { ConsumedUnits } from '../../functions/adapters/capacity.ts';
import { createCommentReader } from '../../functions/adapters/feedback-store.ts';
import { createLeadStore } from '../../functions/adapters/lead-store.ts';
import { createReportStore } from '../../functions/adapters/report-store.ts';
import { createStalledLeads } from '../../functions/adapters/stalled-leads.ts';
import { createDocumentClient } from '../../functions/commons/clients.ts';
import { stallLimits } from '../../functions/core/reports/stalled.ts';
import { attributionOfPeriod } from '../../functions/reports/attribution.ts';
import { calibrationOfPeriod } from '../../functions/reports/calibration.ts';
import { feedbackOfPeriod } from '../../functions/reports/feedback.ts';
import { funnelOfPeriod } from '../../functions/reports/funnel.ts';
import { serviceAgreementOfPeriod } from '../../functions/reports/service-agreement.ts';
import { stalledLeads } from '../../functions/reports/stalled.ts';
import { localCredentials, type LocalDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { median, percentile } from '../lib/harness.ts';
import { END, log, PERIODS, REPEATS } from './settings.ts';

/** A report's span as asked: the last n days, a calendar week or month (the scorecard's), or now (stalled leads). */
type Span = number | 'week' | 'month' | 'now';

/** One report as the API serves it: a name for the table, the spans it is asked for, and the use case called with the live adapters. */
interface ReportCase {
  name: string;
  spans: readonly Span[];
  run: (span: Span) => Promise<unknown>;
}

export interface Measured {
  name: string;
  /** what was asked: "366 days", "week", "month", "now" */
  span: string;
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
 * attributionOfPeriod, serviceAgreementOfPeriod, feedbackOfPeriod,
 * stalledLeads) with the live adapters the reports function wires
 * (createReportStore, createLeadStore, createCommentReader,
 * createStalledLeads): the period reports over the last 7, 30, 90 and 366
 * days of the seeded year, the scorecard for the last week and month (with
 * its trend), stalled leads as of now; the answer serialized as the handler
 * would. One warm-up round, then REPEATS rounds, the reports interleaved in each.
 */
export async function measureReports(dynamodb: LocalDynamoDb, leadsTable: string): Promise<Measured[]> {
  let consumed: ConsumedUnits[] = [];
  const onConsumed = (units: ConsumedUnits) => consumed.push(units);
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  const { getFunnelCounters } = createLeadStore({ client, leadsTable, onConsumed });
  const { sliceCounts, sliceCountsOfPeriods } = createReportStore({ client, leadsTable, onConsumed });
  const { latestComments } = createCommentReader({ client, leadsTable, onConsumed });
  const stalled = createStalledLeads({ client, leadsTable, onConsumed });
  const now = () => END;
  const ports = { getFunnelCounters, sliceCounts, now, marketing: serviceAgreement.marketing, campaigns, traitNames: Object.keys(reports.traits) };
  const size = (answer: unknown) => {
    const a = answer as { segments?: unknown[]; rows?: unknown[]; bands?: unknown[]; grades?: unknown[]; reps?: unknown[]; leads?: unknown[] };
    return a.segments?.length ?? a.rows?.length ?? a.reps?.length ?? a.leads?.length ?? (a.bands?.length ?? 0) + (a.grades?.length ?? 0);
  };
  const to = dayBefore(END, 1);
  const period = (span: Span) => ({ from: dayBefore(END, span as number), to });
  const agreement = (span: Span) => ({ period: span as 'week' | 'month', from: dayBefore(END, span === 'week' ? 7 : 30) });
  const stalledPorts = { stallLimits: stallLimits(serviceAgreement), stalledLeads: stalled.stalledLeads, calendars: repCalendars, now };
  const cases: ReportCase[] = [
    ...(['all', 'source', 'campaign', 'rep'] as const).map((by): ReportCase => ({ name: `funnel by=${by}`, spans: PERIODS, run: (span) => funnelOfPeriod({ ...period(span), by }, ports) })),
    { name: 'calibration', spans: PERIODS, run: (span) => calibrationOfPeriod(period(span), ports) },
    { name: 'attribution linear by=campaign', spans: PERIODS, run: (span) => attributionOfPeriod({ ...period(span), model: 'linear', by: 'campaign' }, ports) },
    { name: 'attribution w-shaped by=source', spans: PERIODS, run: (span) => attributionOfPeriod({ ...period(span), model: 'w-shaped', by: 'source' }, ports) },
    { name: 'service-agreement', spans: ['week', 'month'], run: (span) => serviceAgreementOfPeriod(agreement(span), { sliceCountsOfPeriods, now, serviceAgreement, teams }) },
    ...(['all', 'rep'] as const).map((by): ReportCase => ({
      name: `feedback by=${by}`,
      spans: PERIODS,
      run: (span) => feedbackOfPeriod({ ...period(span), by }, { sliceCounts, now, feedbackConfig: feedback, latestComments }),
    })),
    { name: 'stalled', spans: ['now'], run: () => stalledLeads({}, stalledPorts) },
    { name: 'stalled team=sales-emea', spans: ['now'], run: () => stalledLeads({ team: 'sales-emea' }, stalledPorts) },
    { name: 'stalled rep=rep-emea-1', spans: ['now'], run: () => stalledLeads({ rep: 'rep-emea-1' }, stalledPorts) },
  ];
  const label = (span: Span) => (typeof span === 'number' ? `${span} days` : span);
  const runs = cases.flatMap((c) => c.spans.map((span) => ({ c, span })));
  const results = new Map(runs.map(({ c, span }) => [`${c.name}|${span}`, { name: c.name, span: label(span), ms: [] as number[], readUnits: 0, requests: 0, size: 0 }]));
  for (let round = 0; round <= REPEATS; round++) {
    for (const { c, span } of runs) {
      consumed = [];
      const started = performance.now();
      const answer = await c.run(span);
      JSON.stringify(answer);
      const ms = performance.now() - started;
      if (round === 0) continue; // warm-up
      const result = results.get(`${c.name}|${span}`)!;
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
