import { ConcurrentUpdateError } from '#commons/errors.ts';
import { assignOwner, getCycle, getLead, recordEscalation, saveLead, type Cycle, type CycleEscalation } from '#adapters/lead-store.ts';
import { sendEmailOnce } from '#adapters/mailer.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import { escalationStanding } from '#core/decisions.ts';
import { renderEscalationEmail } from '#core/emails.ts';
import { planEscalation, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import { EscalationStepName, OUTCOME_RECORDED } from '#core/journey-contract.ts';
import { recycleUnaccepted } from '#core/lead.ts';
import { findRep } from '#core/teams.ts';

/** The assignment a cycle record holds (a retry returns what the first attempt wrote). */
function storedAssignment(cycle: Cycle): JourneyAssignment {
  const { owner, previousReps, acceptBy, acceptWithinSeconds } = cycle;
  return { repId: owner.repId, teamId: owner.teamId, previousReps, acceptBy, acceptWithinSeconds };
}

/**
 * The owner missed the acceptance deadline: take the next step of the
 * service agreement's ladder (tell the manager, reassign, recycle).
 * The step is written on the cycle first, on condition that no decision is
 * recorded there: a rep who decided before it (even while the decision
 * still waits in the stream) wins, and the step stands down. Its effects
 * follow the write and are keyed by the number of missed deadlines, so a
 * retry repeats nothing.
 */
export const handler = journeyStep(async (state: JourneyState & { assignment: JourneyAssignment }) => {
  const now = new Date();
  const next = planEscalation(teams, serviceAgreement, state, now);
  const { leadId, cycle } = state;
  const { missed, step } = next.escalation;
  const found = await getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  let cycleRecord = await getCycle(leadId, cycle);
  if (!cycleRecord) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);

  // The rep decided before this step was written: nothing to escalate. Waiting
  // again picks the decision up at once (the wait sees the recorded outcome).
  const standDown = { ...state, escalation: { missed: state.escalation?.missed ?? 0, step: OUTCOME_RECORDED } };
  let standing = escalationStanding(cycleRecord, missed);
  if (standing === 'decided') return standDown;
  // The lead left this cycle some other way: the journey of this cycle ends.
  if (found.lead.cycle !== cycle || found.lead.stage !== 'mql') {
    return { ...next, escalation: { ...next.escalation, step: EscalationStepName.recycle } };
  }

  if (standing === 'due') {
    const handover = { repId: cycleRecord.owner.repId, acceptBy: cycleRecord.acceptBy, at: now.toISOString() };
    const { acceptBy, acceptWithinSeconds } = next.assignment;
    const change: CycleEscalation =
      step === EscalationStepName.recycle
        ? { step, handover }
        : step === EscalationStepName.reassign
          ? {
              step,
              owner: { repId: next.assignment.repId, teamId: next.assignment.teamId, assignedAt: now.toISOString() },
              previousReps: next.assignment.previousReps,
              acceptBy,
              acceptWithinSeconds,
              handover,
            }
          : { step, acceptBy, acceptWithinSeconds };
    const current = await recordEscalation(leadId, cycle, missed, change);
    if (current) {
      cycleRecord = current;
      standing = escalationStanding(current, missed);
      if (standing === 'decided') return standDown;
      if (standing === 'due') throw new ConcurrentUpdateError(`cycle ${cycle} of lead ${leadId}`);
    } else {
      cycleRecord = {
        ...cycleRecord,
        missed,
        ...(change.step === EscalationStepName.recycle ? { recycled: change.handover } : { acceptBy: change.acceptBy, acceptWithinSeconds: change.acceptWithinSeconds }),
        ...(change.step === EscalationStepName.reassign && { owner: change.owner, previousReps: change.previousReps }),
      };
    }
  }

  if (step === EscalationStepName.recycle) {
    const { lead, changes } = recycleUnaccepted(found.lead, cycle, cycleRecord.recycled?.at ?? now.toISOString());
    if (changes.length > 0) await saveLead({ lead, version: found.version, changes });
    return next;
  }

  if (step === EscalationStepName.notifyManager) {
    const owner = findRep(teams, state.assignment.repId);
    if (!owner) throw new Error(`rep ${state.assignment.repId} is not in config/teams.json`);
    const email = renderEscalationEmail({
      lead: found.lead,
      rep: owner.rep,
      manager: owner.team.manager,
      acceptBy: state.assignment.acceptBy,
      missed,
    });
    await sendEmailOnce({ ...email, to: owner.team.manager.email, idempotencyKey: `${leadId}#${cycle}#escalation#${missed}` });
  }
  if (step === EscalationStepName.reassign) await assignOwner(leadId, cycle, cycleRecord.owner);
  return { ...next, assignment: storedAssignment(cycleRecord) };
});
