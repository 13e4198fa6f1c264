import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { reconcileJourneys } from './reconcile-journeys.ts';
import { reconcileAdapters } from './reconcile-ports.ts';

/**
 * Resumes the journeys of open cycles that are not running (stopped, failed,
 * or lost by a local restart): fired by EventBridge Scheduler
 * (lib/constructs/reconciler.ts), and locally also at start.
 */

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, journeyStateMachineArn } = readSettings(['leadsTable', 'journeyStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const ports = reconcileAdapters({ client: dynamodb, sfn, leadsTable, journeyStateMachineArn, onConsumed: meter.onConsumed, log: (message, detail) => logger.warn(message, detail) });

export const handler = middy(async () => {
  const report = await reconcileJourneys(ports);
  logger.info('journeys reconciled', { checked: report.checked, running: report.running, resumed: report.resumed.length, closed: report.closed, gaveUp: report.gaveUp.length });
  return report;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, meter));
