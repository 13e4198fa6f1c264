import { assignOwner, getCycle, getLead, recordEscalation, saveLead } from '#adapters/lead-store.ts';
import { sendEmailOnce } from '#adapters/mailer.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import type { JourneyAssignment, JourneyState } from '#core/journey.ts';
import { escalate, type EscalatePorts } from './escalate.ts';

// wiring
const ports: EscalatePorts = {
  teams,
  serviceAgreement,
  now: () => new Date(),
  getLead,
  getCycle,
  recordEscalation,
  saveLead,
  assignOwner,
  sendEmailOnce,
};

export const handler = journeyStep((state: JourneyState & { assignment: JourneyAssignment }) => escalate(state, ports));
