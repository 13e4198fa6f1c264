import type { Cycle, CycleRef } from './cycle.ts';
import type { RoutingRecord } from './rep-availability.ts';
import { EscalationStepName, OUTCOME_RECORDED, type EscalationStep, type JourneyEscalationStep } from './journey-contract.ts';
import type { RepCalendars } from './rep-calendars.ts';
import { acceptanceWindow, escalationStep, type AcceptanceTerms } from './service-agreement.ts';
import type { TeamsConfig } from './teams.ts';

/**
 * The state the lead journey (Step Functions) carries from step to step, and
 * the decisions each step takes, as pure functions of it.
 */

/** The name of the journey execution for a cycle: deterministic, so a repeated start is a no-op. */
export function journeyName(leadId: string, cycle: number): string {
  return `${leadId}-cycle-${cycle}`;
}

export interface JourneyAssignment {
  repId: string;
  teamId: string;
  /** reps who held this cycle before, most recent last */
  previousReps: string[];
  acceptBy: string;
  /** seconds from the assignment to acceptBy; the journey's wait until the deadline uses it as its timeout */
  acceptWithinSeconds: number;
  /** when the owner is reminded (acceptBy when the agreement sets no reminder) */
  remindAt: string;
  /** seconds from the assignment to remindAt; the journey's first wait times out then */
  remindWithinSeconds: number;
  /** the hand-off a merge moved to this cycle: its email went out there, once per rep (see core/merge.ts) */
  continues?: CycleRef;
}

export interface JourneyState {
  leadId: string;
  cycle: number;
  assignment?: JourneyAssignment;
  /** {@link OUTCOME_RECORDED}: the rep decided as the deadline fired; the wait picks the decision up */
  escalation?: { missed: number; step: JourneyEscalationStep };
}

/** The rep routing chose (routing.ts routeLead, or the queue's drain) for a cycle. */
export interface ChosenRep {
  repId: string;
  teamId: string;
}

/** The acceptance window of the rep who now owns the cycle, counted in their working hours. */
function windowFor(agreement: AcceptanceTerms, calendars: RepCalendars, repId: string, now: Date) {
  return acceptanceWindow(agreement, now, calendars(repId));
}

export function planAssignment(
  teams: TeamsConfig,
  agreement: AcceptanceTerms,
  _state: Pick<JourneyState, 'leadId' | 'cycle'>,
  now: Date,
  calendars: RepCalendars,
  chosen: ChosenRep,
): JourneyAssignment {
  return { repId: chosen.repId, teamId: chosen.teamId, previousReps: [], ...windowFor(agreement, calendars, chosen.repId, now) };
}

/**
 * The record of a cycle's first assignment (routed, or drained from the
 * queue): its owner from now, the acceptance window, nobody before them, no
 * deadline missed yet, and how routing chose.
 */
export function assignedCycle(ref: Pick<JourneyState, 'leadId' | 'cycle'>, assignment: JourneyAssignment, now: Date, routing: RoutingRecord): Cycle {
  const { acceptBy, acceptWithinSeconds, remindAt, remindWithinSeconds } = assignment;
  return {
    leadId: ref.leadId,
    cycle: ref.cycle,
    owner: { repId: assignment.repId, teamId: assignment.teamId, assignedAt: now.toISOString() },
    previousReps: [],
    acceptBy,
    acceptWithinSeconds,
    remindAt,
    remindWithinSeconds,
    missed: 0,
    routing,
  };
}

/** The number of the missed deadline an escalation follows, and the ladder's step for it. */
export function nextEscalation(agreement: AcceptanceTerms, state: Pick<JourneyState, 'escalation'>): { missed: number; step: EscalationStep } {
  const missed = (state.escalation?.missed ?? 0) + 1;
  return { missed, step: escalationStep(agreement, missed) };
}

/**
 * What happens when the owner misses the acceptance deadline: the next step
 * of the escalation ladder, with a fresh window for whoever owns the lead next,
 * counted in that rep's working hours (a reassignment restarts the clock in the new rep's).
 * A reassignment goes to `reassignTo` (routing's pick among the other reps);
 * when nobody else can take the lead, the owner keeps it and the manager is
 * told, as in notify-manager.
 */
export function planEscalation(
  teams: TeamsConfig,
  agreement: AcceptanceTerms,
  state: JourneyState & { assignment: JourneyAssignment },
  now: Date,
  calendars: RepCalendars,
  reassignTo?: ChosenRep,
): JourneyState & { assignment: JourneyAssignment; escalation: { missed: number; step: EscalationStep } } {
  const next = nextEscalation(agreement, state);
  const { missed } = next;
  const current = state.assignment;
  const step = next.step === EscalationStepName.reassign && !reassignTo ? EscalationStepName.notifyManager : next.step;
  let assignment: JourneyAssignment = { ...current, ...windowFor(agreement, calendars, current.repId, now) };
  if (step === EscalationStepName.reassign && reassignTo) {
    const previousReps = [...current.previousReps, current.repId];
    assignment = { repId: reassignTo.repId, teamId: reassignTo.teamId, previousReps, ...windowFor(agreement, calendars, reassignTo.repId, now) };
  }
  return { leadId: state.leadId, cycle: state.cycle, assignment, escalation: { missed, step } };
}

/** The assignment a cycle record holds: a retried step returns what its first attempt wrote. */
export function assignmentOf(cycle: {
  owner: { repId: string; teamId: string };
  previousReps: string[];
  acceptBy: string;
  acceptWithinSeconds: number;
  remindAt?: string | undefined;
  remindWithinSeconds?: number | undefined;
  continues?: CycleRef;
}): JourneyAssignment {
  const { owner, previousReps, acceptBy, acceptWithinSeconds, continues } = cycle;
  // a cycle written before reminders existed is reminded at its deadline: no reminder
  const remindAt = cycle.remindAt ?? acceptBy;
  const remindWithinSeconds = cycle.remindWithinSeconds ?? acceptWithinSeconds;
  return { repId: owner.repId, teamId: owner.teamId, previousReps, acceptBy, acceptWithinSeconds, remindAt, remindWithinSeconds, ...(continues && { continues }) };
}

/**
 * The key of a hand-off email, once per rep per hand-off: a hand-off a merge
 * moved keeps the key of the cycle it came from, so its rep is not sent it again.
 */
export function handOffEmailKey(state: Pick<JourneyState, 'leadId' | 'cycle'> & { assignment: Pick<JourneyAssignment, 'continues'> }, repId: string): string {
  const { leadId, cycle } = state.assignment.continues ?? state;
  return `${leadId}#${cycle}#handoff#${repId}`;
}

/**
 * The state an escalation stands down with: the rep decided before its
 * write, so nothing escalates; waiting again picks the decision up at once.
 */
export function stoodDown<S extends JourneyState>(state: S): S & { escalation: { missed: number; step: typeof OUTCOME_RECORDED } } {
  return { ...state, escalation: { missed: state.escalation?.missed ?? 0, step: OUTCOME_RECORDED } };
}

/** The plan, turned into the end of this cycle's journey: the lead left the cycle some other way. */
export function endOfCycle<S extends JourneyState & { escalation: { missed: number; step: EscalationStep } }>(plan: S): S {
  return { ...plan, escalation: { ...plan.escalation, step: EscalationStepName.recycle } };
}
