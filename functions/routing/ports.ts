import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OnConsumed } from '#adapters/capacity.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createRepStore, type RepStore } from '#adapters/rep-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { repCalendars, routing, serviceAgreement, teams } from '#config/index.ts';
import type { DrainPorts } from './drain-queue.ts';

/** Where the drain works: the leads table, and the journeys it resumes. */
export interface DrainSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  sfn: SFNClient;
  onConsumed?: OnConsumed;
  now?: () => Date;
}

/**
 * The queue drain's ports, wired to the table and the journey (the drain
 * function and `leadloop reps` both work through this), with the rep store
 * they were built on, for the CLI's other commands.
 */
export function drainPorts({ client, leadsTable, sfn, onConsumed, now = () => new Date() }: DrainSettings): { ports: DrainPorts; reps: RepStore } {
  const store = { client, leadsTable, ...(onConsumed && { onConsumed }) };
  const { assignOwner, getCycle } = createLeadStore(store);
  const reps = createRepStore(store);
  const { resumeJourney, taskWaiting } = createTaskCallbacks({ sfn });
  const ports: DrainPorts = {
    teams,
    routing,
    serviceAgreement,
    calendars: repCalendars,
    now,
    queueOf: reps.queueOf,
    queueItem: reps.queueItem,
    dequeue: reps.dequeue,
    storedReps: reps.storedReps,
    rotationOf: reps.rotationOf,
    assignCycle: reps.assignCycle,
    assignOwner,
    getCycle,
    resumeJourney,
    queuedLead: reps.queuedLead,
    taskWaiting,
    dropQueued: reps.dropQueued,
  };
  return { ports, reps };
}
