import { createKeys } from '#adapters/keys.ts';
import { createLeadHistory, readingHistory } from '#adapters/lead-history.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { addHandoffLatency, createMetrics, createUnitMeter, publishMetrics, qualifiedAt } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { campaigns, scoringModel, teams } from '#config/index.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import type { Lead } from '#core/lead.ts';
import { sendHandoff, type SendHandoffPorts } from './send-handoff.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'eventsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const leads = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { recentHistory } = createLeadHistory({ client: dynamodb, leadsTable, eventsTable, onConsumed, campaigns });
const getLeadWithHistory = readingHistory(leads.getLead, recentHistory);
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
/** The lead this invocation read, for the hand-off latency once its email is sent. */
let lead: Lead | undefined;
const getLead: SendHandoffPorts['getLead'] = async (leadId) => {
  const read = await getLeadWithHistory(leadId);
  lead = read?.lead;
  return read;
};
const ports: SendHandoffPorts = {
  teams,
  model: scoringModel,
  apiUrl,
  now: () => new Date(),
  getLead,
  linkSigningKey: getLinkSigningKey,
  sendEmailOnce: async (email) => {
    const result = await sendEmailOnce(email);
    if (result.sent && lead) addHandoffLatency(metrics, qualifiedAt(lead.stageHistory), new Date());
    return result;
  },
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => sendHandoff(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
