import { createActivityStore } from '#adapters/activity-store.ts';
import { createEventStore } from '#adapters/event-store.ts';
import { createFollowUpStore } from '#adapters/follow-up-store.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import { followUp, type FollowUpPorts, type FollowUpState } from './follow-up.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'eventsTable', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLead, getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { earliestActivities } = createActivityStore({ client: dynamodb, leadsTable, eventsTable, onConsumed });
const { markFollowUpSent, feedbackGiven } = createFollowUpStore({ client: dynamodb, leadsTable, onConsumed });
const { putEventOnce } = createEventStore({ client: dynamodb, eventsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const ports: FollowUpPorts = {
  teams,
  serviceAgreement,
  now: () => new Date(),
  getLead: (leadId) => getLead(leadId),
  getCycle,
  earliestActivities,
  feedbackGiven,
  markFollowUpSent,
  sendEmailOnce,
  putEventOnce,
  links: async () => ({}),
};

export const handler = journeyStep((state: FollowUpState) => followUp(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
