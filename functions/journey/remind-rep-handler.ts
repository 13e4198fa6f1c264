import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { teams } from '#config/index.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { remindRep, type RemindRepPorts } from './remind-rep.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLead, getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const ports: RemindRepPorts = {
  teams,
  apiUrl,
  now: () => new Date(),
  getLead: (leadId) => getLead(leadId),
  getCycle,
  linkSigningKey: getLinkSigningKey,
  sendEmailOnce,
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => remindRep(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
