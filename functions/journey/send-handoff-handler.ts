import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { scoringModel, teams } from '#config/index.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { sendHandoff, type SendHandoffPorts } from './send-handoff.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable });
const { getLead } = createLeadStore({ client: dynamodb, leadsTable });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet });
const ports: SendHandoffPorts = {
  teams,
  model: scoringModel,
  apiUrl,
  now: () => new Date(),
  getLead,
  linkSigningKey: getLinkSigningKey,
  sendEmailOnce,
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => sendHandoff(state, ports));
