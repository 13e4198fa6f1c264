import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { nurture } from '#config/nurture.ts';
import type { NurtureState } from '#core/nurture.ts';
import { runNurtureStep, type NurtureStepPorts } from './run-step.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { getLead } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { suppressionOf, markNurtureEnded } = createNurtureStore({ client: dynamodb, leadsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const ports: NurtureStepPorts = {
  config: nurture,
  apiUrl,
  now: () => new Date(),
  getLead: (leadId) => getLead(leadId),
  suppressionOf,
  linkSigningKey: getLinkSigningKey,
  sendEmailOnce,
  markNurtureEnded,
};

export const handler = journeyStep((state: NurtureState) => runNurtureStep(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
