import type { Cycle } from '#core/cycle.ts';
import { assignmentOf, planAssignment, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import type { Owner } from '#core/lead.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import type { TeamsConfig } from '#core/teams.ts';

export interface AssignRepPorts {
  teams: TeamsConfig;
  serviceAgreement: ServiceAgreement;
  /** each rep's working calendar: the acceptance clock runs in the owner's hours */
  calendars: RepCalendars;
  now: () => Date;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** writes a new cycle, never over one that exists (it may carry a decision) */
  putCycle: (cycle: Cycle) => Promise<void>;
  /** makes the rep the owner of the lead's current cycle */
  assignOwner: (leadId: string, cycle: number, owner: Owner) => Promise<void>;
}

/**
 * Routes the lead's new cycle to a rep and starts the acceptance clock:
 * the cycle record first (where decisions and escalations meet), then the
 * lead's owner. A retry returns the assignment the first attempt recorded.
 */
export async function assignRep(state: JourneyState, ports: AssignRepPorts): Promise<JourneyAssignment> {
  const existing = await ports.getCycle(state.leadId, state.cycle);
  if (existing) return assignmentOf(existing);
  const now = ports.now();
  const assignment = planAssignment(ports.teams, ports.serviceAgreement, state, now, ports.calendars);
  const owner = { repId: assignment.repId, teamId: assignment.teamId, assignedAt: now.toISOString() };
  await ports.putCycle({
    leadId: state.leadId,
    cycle: state.cycle,
    owner,
    previousReps: [],
    acceptBy: assignment.acceptBy,
    acceptWithinSeconds: assignment.acceptWithinSeconds,
    remindAt: assignment.remindAt,
    remindWithinSeconds: assignment.remindWithinSeconds,
    missed: 0,
  });
  await ports.assignOwner(state.leadId, state.cycle, owner);
  return assignment;
}
