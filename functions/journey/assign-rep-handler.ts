import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { repCalendars, routing, serviceAgreement, teams } from '#config/index.ts';
import { assignRep, type AssignRepPorts } from './assign-rep.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { assignOwner, getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const reps = createRepStore({ client: dynamodb, leadsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const ports: AssignRepPorts = {
  teams,
  routing,
  serviceAgreement,
  calendars: repCalendars,
  now: () => new Date(),
  getCycle,
  leadTraits: reps.leadTraits,
  storedReps: reps.storedReps,
  rotationOf: reps.rotationOf,
  assignCycle: reps.assignCycle,
  assignOwner,
  enqueue: reps.enqueue,
  dequeue: reps.dequeue,
  leadSummary: reps.leadSummary,
  sendEmailOnce,
};

export const handler = journeyStep((state: Parameters<typeof assignRep>[0]) => assignRep(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
