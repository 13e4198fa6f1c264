import { createLeadStore } from '#adapters/lead-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import { planAssignment, type JourneyAssignment, type JourneyState } from '#core/journey.ts';

const { leadsTable } = readSettings(['leadsTable']);
const { assignOwner, getCycle, putCycle } = createLeadStore({ client: dynamodb, leadsTable });

/** Routes the lead's new cycle to a rep and starts the acceptance clock. A retry returns the same assignment. */
export const handler = journeyStep(async (state: JourneyState): Promise<JourneyAssignment> => {
  const existing = await getCycle(state.leadId, state.cycle);
  if (existing) {
    const { owner, previousReps, acceptBy, acceptWithinSeconds } = existing;
    return { repId: owner.repId, teamId: owner.teamId, previousReps, acceptBy, acceptWithinSeconds };
  }
  const now = new Date();
  const assignment = planAssignment(teams, serviceAgreement, state, now);
  const owner = { repId: assignment.repId, teamId: assignment.teamId, assignedAt: now.toISOString() };
  await putCycle({
    leadId: state.leadId,
    cycle: state.cycle,
    owner,
    previousReps: [],
    acceptBy: assignment.acceptBy,
    acceptWithinSeconds: assignment.acceptWithinSeconds,
    missed: 0,
  });
  await assignOwner(state.leadId, state.cycle, owner);
  return assignment;
});
