import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { createNurtureRunner } from '#adapters/nurture-runner.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { dynamodb, ses, sfn } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { repCalendars, reportSlicing, routing, scoringModel, serviceAgreement, teams } from '#config/index.ts';
import { nurture } from '#config/nurture.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { escalate, type EscalatePorts } from './escalate.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, senderAddress, sesConfigurationSet, nurtureStateMachineArn } = readSettings(['leadsTable', 'senderAddress', 'sesConfigurationSet', 'nurtureStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { assignOwner, getCycle, getLead, recordEscalation, saveLead } = createLeadStore({ client: dynamodb, leadsTable, onConsumed, slicing: reportSlicing });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const reps = createRepStore({ client: dynamodb, leadsTable, onConsumed });
const { startNurture, stopEnrollment } = createNurtureRunner({ sfn, nurtureStateMachineArn, client: dynamodb, leadsTable, onConsumed });
const { clearNurturePending } = createNurtureStore({ client: dynamodb, leadsTable, onConsumed });
const ports: EscalatePorts = {
  teams,
  routing,
  storedReps: reps.storedReps,
  rotationOf: reps.rotationOf,
  serviceAgreement,
  calendars: repCalendars,
  now: () => new Date(),
  getLead: (leadId) => getLead(leadId, { heal: true }),
  getCycle,
  recordEscalation,
  saveLead,
  assignOwner,
  sendEmailOnce,
  model: scoringModel,
  // a lead recycled by the ladder enters nurture at once, as one the stream path recycles does
  nurture: { config: nurture, startNurture, clearNurturePending, stopEnrollment },
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => escalate(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
