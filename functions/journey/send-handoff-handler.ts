import { getLinkSigningKey } from '#adapters/keys.ts';
import { getLead } from '#adapters/lead-store.ts';
import { sendEmailOnce } from '#adapters/mailer.ts';
import { getStringFromEnv } from '#commons/env.ts';
import { journeyStep } from '#commons/step.ts';
import { scoringModel, teams } from '#config/index.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { sendHandoff, type SendHandoffPorts } from './send-handoff.ts';

// wiring
const ports: SendHandoffPorts = {
  teams,
  model: scoringModel,
  apiUrl: getStringFromEnv('API_URL'),
  now: () => new Date(),
  getLead,
  linkSigningKey: getLinkSigningKey,
  sendEmailOnce,
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => sendHandoff(state, ports));
