import { assignOwner, getCycle, getLead, putCycle, saveLead } from '#adapters/lead-store.ts';
import { sendEmailOnce } from '#adapters/mailer.ts';
import { journeyStep } from '#commons/step.ts';
import { serviceAgreement, teams } from '#config/index.ts';
import { renderEscalationEmail } from '#core/emails.ts';
import { planEscalation, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import { recycleUnaccepted } from '#core/lead.ts';
import { findRep } from '#core/teams.ts';

/**
 * The owner missed the acceptance deadline: take the next step of the
 * service agreement's ladder (tell the manager, reassign, recycle).
 * Every effect is keyed by the number of missed deadlines, so a retry repeats nothing.
 */
export const handler = journeyStep(async (state: JourneyState & { assignment: JourneyAssignment }) => {
  const now = new Date();
  const next = planEscalation(teams, serviceAgreement, state, now);
  const { leadId, cycle } = state;
  const found = await getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  const cycleRecord = await getCycle(leadId, cycle);
  if (!cycleRecord) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);

  // The rep decided just as the deadline fired: nothing to escalate. Waiting
  // again picks the decision up at once (the wait sees the recorded outcome).
  if (cycleRecord.outcome) return { ...state, escalation: { missed: state.escalation?.missed ?? 0, step: 'outcome-recorded' as const } };
  // The lead left this cycle some other way: the journey of this cycle ends.
  if (found.lead.cycle !== cycle || found.lead.stage !== 'mql') {
    return { ...next, escalation: { ...next.escalation, step: 'recycle' as const } };
  }

  if (next.escalation.step === 'recycle') {
    const { lead, changes } = recycleUnaccepted(found.lead, cycle, now.toISOString());
    if (changes.length > 0) await saveLead({ lead, version: found.version, changes });
    return next;
  }

  if (next.escalation.step === 'notify-manager') {
    const owner = findRep(teams, state.assignment.repId);
    if (!owner) throw new Error(`rep ${state.assignment.repId} is not in config/teams.json`);
    const email = renderEscalationEmail({
      lead: found.lead,
      rep: owner.rep,
      manager: owner.team.manager,
      acceptBy: state.assignment.acceptBy,
      missed: next.escalation.missed,
    });
    await sendEmailOnce({ ...email, to: owner.team.manager.email, idempotencyKey: `${leadId}#${cycle}#escalation#${next.escalation.missed}` });
  }

  const owner = { repId: next.assignment.repId, teamId: next.assignment.teamId, assignedAt: now.toISOString() };
  await putCycle({
    ...cycleRecord,
    owner,
    previousReps: next.assignment.previousReps,
    acceptBy: next.assignment.acceptBy,
    acceptWithinSeconds: next.assignment.acceptWithinSeconds,
    missed: next.escalation.missed,
  });
  if (next.escalation.step === 'reassign') await assignOwner(leadId, cycle, owner);
  return next;
});
