import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { repItemChanges } from '#adapters/rep-store.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { drainAll, drainFreed, drainTeam } from './drain-queue.ts';
import { drainPorts } from './ports.ts';

/**
 * Drains the queues of leads nobody could take (lib/constructs/queue-drain.ts):
 * - from the leads table's stream, filtered to writes of reps' items: the
 *   teams of reps whose open leads dropped, at once;
 * - fired by EventBridge Scheduler as the backstop, `{}`: every team;
 * - `{ "teamId": "…" }`: one team.
 */
export type DrainEvent = { teamId?: string } | DynamoDBStreamEvent;

// Wiring, once per cold start: settings → adapters → the use case's ports (shared with `leadloop reps`).
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { ports: wired } = drainPorts({ client: dynamodb, leadsTable, sfn, onConsumed: meter.onConsumed });
const ports = { ...wired, log: (message: string, details: Record<string, unknown>) => logger.warn(message, details) };

export const handler = middy(async (event: DrainEvent = {}) => {
  const drained =
    'Records' in event ? await drainFreed(repItemChanges(event.Records), ports) : event.teamId !== undefined ? await drainTeam(event.teamId, ports) : await drainAll(ports);
  logger.info('queue drained', { assigned: drained.assigned.length, waiting: drained.waiting, dropped: drained.dropped?.length ?? 0 });
  return { assigned: drained.assigned.length, waiting: drained.waiting };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, meter));
