import { assignOwner, getCycle, putCycle } from '#adapters/lead-store.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import type { JourneyState } from '#core/journey.ts';
import { assignRep, type AssignRepPorts } from './assign-rep.ts';

// wiring
const ports: AssignRepPorts = { teams, serviceAgreement, now: () => new Date(), getCycle, putCycle, assignOwner };

export const handler = journeyStep((state: JourneyState) => assignRep(state, ports));
