import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { repCalendars, routing, serviceAgreement, teams } from '#config/index.ts';
import { drainAll, drainTeam, type DrainPorts } from './drain-queue.ts';

/**
 * Drains the queues of leads nobody could take: fired by EventBridge
 * Scheduler as a backstop (lib/constructs/routing.ts), every team; or with
 * `{ "teamId": "…" }`, one team.
 */
export interface DrainEvent {
  teamId?: string;
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { assignOwner, getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const reps = createRepStore({ client: dynamodb, leadsTable, onConsumed });
const { resumeJourney } = createTaskCallbacks({ sfn });
const ports: DrainPorts = {
  teams,
  routing,
  serviceAgreement,
  calendars: repCalendars,
  now: () => new Date(),
  queueOf: reps.queueOf,
  queueItem: reps.queueItem,
  dequeue: reps.dequeue,
  storedReps: reps.storedReps,
  rotationOf: reps.rotationOf,
  assignCycle: reps.assignCycle,
  assignOwner,
  getCycle,
  resumeJourney,
};

export const handler = middy(async (event: DrainEvent = {}) => {
  const drained = event.teamId !== undefined ? await drainTeam(event.teamId, ports) : await drainAll(ports);
  logger.info('queue drained', { assigned: drained.assigned.length, waiting: drained.waiting });
  return { assigned: drained.assigned.length, waiting: drained.waiting };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, meter));
