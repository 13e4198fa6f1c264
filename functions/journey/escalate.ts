import type { ReportCount } from '#core/report-counts.ts';
import { missedAcceptanceCounts } from '#core/reports/scorecard-counts.ts';
import type { Cycle, CycleEscalation } from '#core/cycle.ts';
import type { EmailToSend, SendResult } from '#core/emails.ts';
import { basedOn, type LeadUpdate, type VersionedLead } from '#core/records.ts';
import { ConcurrentUpdateError } from '#commons/errors.ts';
import { escalatedCycle, escalationChange, escalationCourse, escalationStanding } from '#core/decisions.ts';
import { renderEscalationEmail } from '#core/emails.ts';
import { assignmentOf, endOfCycle, nextEscalation, planEscalation, stoodDown, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import type { OpenLeadMove } from '#adapters/lead-store.ts';
import type { RotationTurn } from '#adapters/rep-store.ts';
import { repStatesOf, routeReassignment, type Reassignment, type StoredRep } from '#core/rep-availability.ts';
import type { RoutingConfig } from '#core/routing.ts';
import type { Owner } from '#core/lead.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import { recycleUnaccepted } from '#core/outcomes.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';
import { EscalationStepName } from '#core/journey-contract.ts';
import type { ScoringModel } from '#core/scoring.ts';
import { settleNurture, withNurtureEntry, type NurturePorts } from '../score/settle-nurture.ts';

export interface EscalatePorts {
  teams: TeamsConfig;
  routing: RoutingConfig;
  /** the reps' items (open leads, time away), for a reassignment's routing */
  storedReps: (repIds: readonly string[]) => Promise<Record<string, StoredRep>>;
  rotationOf: (teamId: string) => Promise<RotationTurn>;
  serviceAgreement: ServiceAgreement;
  /** each rep's working calendar: a fresh window runs in its owner's hours */
  calendars: RepCalendars;
  now: () => Date;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /**
   * writes the step on the cycle, only while no decision is there and `missed`
   * is still the count the step follows from; undefined when written, else
   * the cycle as it is now
   */
  recordEscalation: (leadId: string, cycle: number, missed: number, change: CycleEscalation, reports?: readonly ReportCount[], open?: OpenLeadMove) => Promise<Cycle | undefined>;
  /** refused (ConcurrentUpdateError) when the lead changed since read */
  saveLead: (update: LeadUpdate) => Promise<number>;
  /** makes the rep the owner of the lead's current cycle (ignored when the lead moved on) */
  assignOwner: (leadId: string, cycle: number, owner: Owner) => Promise<void>;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
  /** the scoring model (a nurture program's entry may test the fit grade) */
  model: ScoringModel;
  /** a recycled lead enters its nurture program at once; without it, it waits for its next event */
  nurture?: NurturePorts;
}

type EscalationState = JourneyState & { assignment: JourneyAssignment };

/**
 * The owner missed the acceptance deadline: take the next step of the
 * service agreement's ladder (tell the manager, reassign, recycle).
 * The step is written on the cycle first, on condition that no decision is
 * recorded there: a rep who decided before it (even while the decision
 * still waits in the stream) wins, and the step stands down. Its effects
 * follow the write and are keyed by the number of missed deadlines, so a
 * retry repeats nothing.
 */
export async function escalate(state: EscalationState, ports: EscalatePorts): Promise<JourneyState> {
  const now = ports.now();
  const { leadId, cycle } = state;
  const found = await ports.getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  let cycleRecord = await ports.getCycle(leadId, cycle);
  if (!cycleRecord) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);
  // A reassignment is routed as a new lead is, within the team, skipping the reps who had the cycle.
  const reassignment = nextEscalation(ports.serviceAgreement, state).step === EscalationStepName.reassign ? await reassign(state, cycleRecord, ports, now) : undefined;
  const plan = planEscalation(ports.teams, ports.serviceAgreement, state, now, ports.calendars, reassignment);
  const { missed, step } = plan.escalation;

  const course = escalationCourse(found.lead, cycleRecord, missed);
  if (course === 'stand-down') return stoodDown(state);
  if (course === 'end-cycle') {
    // A retry after the recycle was saved: the lead's nurture program may still wait to be started.
    if (step === EscalationStepName.recycle && ports.nurture && found.lead.stage === 'recycled' && found.lead.cycle === cycle) await settleNurture(found.lead, ports.nurture);
    return endOfCycle(plan);
  }
  if (course === 'due') {
    const change = escalationChange(cycleRecord, plan, now);
    // the owner missed the deadline: counted for the scorecard with the step, on the deadline's day
    const open: OpenLeadMove = {
      ...(step !== EscalationStepName.notifyManager && cycleRecord.openFor !== undefined && { release: cycleRecord.openFor }),
      ...(step === EscalationStepName.reassign && reassignment && { take: reassignment.repId, rotation: reassignment.turn, routing: reassignment.record }),
    };
    const current = await ports.recordEscalation(leadId, cycle, missed, change, missedAcceptanceCounts(cycleRecord.owner, state.assignment.acceptBy), open);
    if (current) {
      // Refused: a decision got there first, a retry finds its step already written, or a merge moved the hand-off away.
      if (current.mergedInto) return endOfCycle(plan);
      const standing = escalationStanding(current, missed);
      if (standing === 'decided') return stoodDown(state);
      if (standing === 'due') throw new ConcurrentUpdateError(`cycle ${cycle} of lead ${leadId}`);
      cycleRecord = current;
    } else {
      cycleRecord = escalatedCycle(cycleRecord, missed, change);
    }
  }

  // The effects of the step as written on the cycle (the first attempt's, on a retry).
  if (step === EscalationStepName.recycle) {
    const at = cycleRecord.recycled?.at ?? now.toISOString();
    const { lead, changes } = recycleUnaccepted(found.lead, cycle, at);
    // Back with marketing: the lead enters its nurture program now (config/nurture.json, consent first), saved
    // with the recycle, pending until its execution starts; a retry finds it saved and only starts it (by its name, once).
    const nurtured = ports.nurture ? withNurtureEntry(lead, ports.model, ports.nurture, at) : lead;
    if (changes.length > 0 || nurtured !== lead) await ports.saveLead({ lead: nurtured, ...basedOn(found), changes });
    if (ports.nurture) await settleNurture(nurtured, ports.nurture);
    return plan;
  }
  if (step === EscalationStepName.notifyManager) {
    const owner = findRep(ports.teams, state.assignment.repId);
    if (!owner) throw new Error(`rep ${state.assignment.repId} is not in config/teams.json`);
    const email = renderEscalationEmail({
      lead: found.lead,
      rep: owner.rep,
      manager: owner.team.manager,
      acceptBy: state.assignment.acceptBy,
      missed,
      now,
    });
    await ports.sendEmailOnce({ ...email, to: owner.team.manager.email, idempotencyKey: `${leadId}#${cycle}#escalation#${missed}` });
  }
  if (step === EscalationStepName.reassign) await ports.assignOwner(leadId, cycle, cycleRecord.owner);
  return { ...plan, assignment: assignmentOf(cycleRecord) };
}

/** The rep a reassignment goes to (routing.ts, within the owner's team), with the round robin it moves; undefined when nobody else can take it. */
async function reassign(
  state: EscalationState,
  cycle: Cycle,
  ports: Pick<EscalatePorts, 'teams' | 'routing' | 'storedReps' | 'rotationOf' | 'calendars' | 'serviceAgreement'>,
  now: Date,
): Promise<(Reassignment & { turn: RotationTurn }) | undefined> {
  const teamId = state.assignment.teamId;
  const team = ports.teams.teams.find((t) => t.id === teamId);
  if (!team) throw new Error(`team "${teamId}" is not in config/teams.json`);
  const [stored, turn] = await Promise.all([ports.storedReps(team.reps.map((r) => r.id)), ports.rotationOf(teamId)]);
  const previousReps = [...cycle.previousReps, cycle.owner.repId];
  const rule = cycle.routing?.rule ?? { id: 'default' as const, index: -1 as const };
  const picked = routeReassignment(teamId, rule, previousReps, { routing: ports.routing, teams: ports.teams, reps: repStatesOf(team, ports.routing, stored, ports.calendars), rotations: { [teamId]: turn.credits }, now, acceptWithinHours: ports.serviceAgreement.acceptWithinHours });
  return picked && { ...picked, turn: { ...turn, credits: picked.rotation } };
}
