import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { reportReaderCheck, type DashboardLinkCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { NotFoundError, ValidationError } from '#commons/errors.ts';
import { httpHandler, json, validate, type HttpResult } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { attributionCsv, calibrationCsv, feedbackCsv, funnelCsv, serviceAgreementCsv, stalledCsv } from '#core/reports/csv.ts';
import { funnelQuerySchema, reportQuerySchema } from '#core/reports/period.ts';
import { createReportStore } from '#adapters/report-store.ts';
import { campaigns, feedback, repCalendars, reports, serviceAgreement, teams } from '#config/index.ts';
import { attributionQuerySchema, feedbackQuerySchema } from '#core/reports/period.ts';
import { attributionOfPeriod, type AttributionPorts } from './attribution.ts';
import { calibrationOfPeriod, type CalibrationPorts } from './calibration.ts';
import { funnelOfPeriod, type FunnelPorts } from './funnel.ts';
import { serviceAgreementOfPeriod, type ServiceAgreementPorts } from './service-agreement.ts';
import { serviceAgreementQuerySchema } from '#core/reports/agreement-period.ts';
import { stalledLeads, type StalledPorts } from './stalled.ts';
import { stalledQuerySchema, stallLimits } from '#core/reports/stalled.ts';
import { createStalledLeads } from '#adapters/stalled-leads.ts';
import { createCommentReader } from '#adapters/feedback-store.ts';
import { feedbackOfPeriod, type FeedbackReportPorts } from './feedback.ts';

/**
 * GET /v1/reports/attribution?from=&to=&model=&by=: pipeline and
 * revenue credited to campaigns (types, sources, mediums) under a model.
 * GET /v1/reports/calibration?from=&to=: acceptance and win rates per score
 * band and grade, and the threshold they support.
 * GET /v1/reports/funnel?from=&to=&by=: the funnel of a period sliced by a
 * dimension, beside the whole funnel now.
 * GET /v1/reports/service-agreement?period=week|month&from=: the two-sided
 * scorecard, for all, per team and per rep, with the MQL trend.
 * GET /v1/reports/stalled?stage=&team=&rep=&limit=: the leads past their
 * stage's limit, longest in stage first.
 * GET /v1/reports/feedback?from=&to=&by=&limit=: feedback per segment (all,
 * team, rep) and the latest comments.
 * Every report answers JSON, or CSV with `&format=csv` (core/reports/csv.ts).
 * All need a server key; a query parameter a report does not know is a 400 naming it.
 */
export type ReportPorts = FunnelPorts & CalibrationPorts & AttributionPorts & ServiceAgreementPorts & StalledPorts & FeedbackReportPorts;

/** One report: its query parameters in, its answer (JSON, or CSV when asked) out. Keyed by the path's last segment. */
type ReportRoute = (query: Record<string, string | undefined>, ports: ReportPorts) => Promise<HttpResult>;

const reportRoutes: Record<string, ReportRoute> = {
  async funnel(parameters, ports) {
    const query = validate(funnelQuerySchema(ports.traitNames), parameters);
    const report = await funnelOfPeriod(query, ports);
    return answer(query.format, report, () => csv(`funnel-${report.by}-${report.period.from}-${report.period.to}.csv`, funnelCsv(report)));
  },
  async calibration(parameters, ports) {
    const query = validate(reportQuerySchema, parameters);
    if (query.by !== undefined) throw new ValidationError([{ path: 'by', message: 'calibration is per score band and per grade: it takes no by' }]);
    const report = await calibrationOfPeriod(query, ports);
    return answer(query.format, report, () => csv(`calibration-${report.period.from}-${report.period.to}.csv`, calibrationCsv(report)));
  },
  async 'service-agreement'(parameters, ports) {
    const query = validate(serviceAgreementQuerySchema, parameters);
    const report = await serviceAgreementOfPeriod(query, ports);
    return answer(query.format, report, () => csv(`service-agreement-${report.period.kind}-${report.period.from.slice(0, 10)}.csv`, serviceAgreementCsv(report)));
  },
  async attribution(parameters, ports) {
    const query = validate(attributionQuerySchema, parameters);
    const report = await attributionOfPeriod(query, ports);
    return answer(query.format, report, () => csv(`attribution-${report.model}-${report.by}-${report.period.from}-${report.period.to}.csv`, attributionCsv(report)));
  },
  async stalled(parameters, ports) {
    const query = validate(stalledQuerySchema, parameters);
    const report = await stalledLeads(query, ports);
    return answer(query.format, report, () => csv(`stalled-${report.at.slice(0, 10)}.csv`, stalledCsv(report)));
  },
  async feedback(parameters, ports) {
    const query = validate(feedbackQuerySchema, parameters);
    const report = await feedbackOfPeriod(query, ports);
    return answer(query.format, report, () => csv(`feedback-${report.by}-${report.period.from}-${report.period.to}.csv`, feedbackCsv(report)));
  },
};

/** The report as asked: CSV with format=csv, else JSON. */
function answer(format: 'json' | 'csv' | undefined, report: unknown, asCsv: () => HttpResult): HttpResult {
  return format === 'csv' ? asCsv() : json(200, report);
}

/**
 * A server key, or the signed dashboard link of a weekly digest (read-only,
 * expiring), reads the reports. Without `links`, only server keys do.
 */
export function reportsHandler(ports: ReportPorts, keys: KeyLookup, links?: DashboardLinkCheck) {
  const requireReader = reportReaderCheck(keys, links);
  return httpHandler(async (event) => {
    await requireReader(event);
    const route = reportRoutes[event.rawPath.slice(event.rawPath.lastIndexOf('/') + 1)];
    if (!route) throw new NotFoundError('no such report');
    return route(event.queryStringParameters ?? {}, ports);
  });
}

/** A CSV answer, downloaded under `filename`. */
function csv(filename: string, body: string) {
  return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` }, body };
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { getFunnelCounters } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { sliceCounts, sliceCountsOfPeriods } = createReportStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const stalled = createStalledLeads({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { latestComments } = createCommentReader({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });

const keys = createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });

export const handler = reportsHandler(
  {
    getFunnelCounters,
    sliceCounts,
    sliceCountsOfPeriods,
    now: () => new Date(),
    marketing: serviceAgreement.marketing,
    campaigns,
    traitNames: Object.keys(reports.traits),
    serviceAgreement,
    teams,
    stallLimits: stallLimits(serviceAgreement),
    stalledLeads: stalled.stalledLeads,
    calendars: repCalendars,
    feedbackConfig: feedback,
    latestComments,
  },
  keys,
  { linkSigningKey: keys.getLinkSigningKey, now: () => new Date() },
);

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
