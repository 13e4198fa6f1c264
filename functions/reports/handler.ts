import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { ValidationError } from '#commons/errors.ts';
import { httpHandler, json, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { periodFunnelCsv } from '#core/reports/period-funnel.ts';
import { reportQuerySchema } from '#core/reports/period.ts';
import { createReportStore } from '#adapters/report-store.ts';
import { campaigns, serviceAgreement } from '#config/index.ts';
import { attributionQuerySchema } from '#core/reports/period.ts';
import { attributionCsv, attributionOfPeriod, type AttributionPorts } from './attribution.ts';
import { calibrationOfPeriod, type CalibrationPorts } from './calibration.ts';
import { funnelOfPeriod, type FunnelPorts } from './funnel.ts';

/**
 * GET /v1/reports/attribution?from=&to=&model=&by=&format=: pipeline and
 * revenue credited to campaigns (types, sources, mediums) under a model.
 * GET /v1/reports/calibration?from=&to=: acceptance and win rates per score
 * band and grade, and the threshold they support.
 * GET /v1/reports/funnel?from=&to=&by=&format=, server key only: the funnel
 * of a period sliced by a dimension (JSON, or CSV with format=csv), beside the
 * whole funnel now. A query parameter it does not know is a 400 naming it.
 */
export function reportsHandler(ports: FunnelPorts & CalibrationPorts & AttributionPorts, keys: KeyLookup) {
  const requireServerKey = serverKeyCheck(keys);
  return httpHandler(async (event) => {
    await requireServerKey(event);
    if (event.rawPath.endsWith('/attribution')) {
      const query = validate(attributionQuerySchema, event.queryStringParameters ?? {});
      const report = await attributionOfPeriod(query, ports);
      if (query.format === 'csv') return csv(`attribution-${report.model}-${report.by}-${report.period.from}-${report.period.to}.csv`, attributionCsv(report));
      return json(200, report);
    }
    const query = validate(reportQuerySchema, event.queryStringParameters ?? {});
    if (event.rawPath.endsWith('/calibration')) {
      if (query.by !== undefined) throw new ValidationError([{ path: 'by', message: 'calibration is per score band and per grade: it takes no by' }]);
      return json(200, await calibrationOfPeriod(query, ports));
    }
    const report = await funnelOfPeriod(query, ports);
    if (query.format === 'csv') return csv(`funnel-${report.by}-${report.period.from}-${report.period.to}.csv`, periodFunnelCsv(report.segments));
    return json(200, report);
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
const { sliceCounts } = createReportStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });

export const handler = reportsHandler({ getFunnelCounters, sliceCounts, now: () => new Date(), marketing: serviceAgreement.marketing, campaigns }, createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed }));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
