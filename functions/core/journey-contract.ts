/**
 * The names the lead journey (Step Functions, built in lib/) and the
 * functions it runs must agree on: the escalation ladder's steps, the step
 * an escalation reports when it stood down, and the rep decisions the journey
 * branches on. Pure constants, used by core, the handlers and lib/ alike.
 */

export const EscalationStepName = {
  /** tell the owner's manager; the same owner gets a fresh window */
  notifyManager: 'notify-manager',
  /** hand the lead to the next rep, with a fresh window */
  reassign: 'reassign',
  /** give the lead back to marketing: the cycle ends */
  recycle: 'recycle',
} as const;

/** The steps a service agreement's escalation ladder may name. */
export const escalationSteps = [EscalationStepName.notifyManager, EscalationStepName.reassign, EscalationStepName.recycle] as const;
export type EscalationStep = (typeof escalationSteps)[number];

/** The rep decided as the deadline fired: no step was taken, and the wait picks the decision up. */
export const OUTCOME_RECORDED = 'outcome-recorded';

/** What the journey's state says the last escalation did. */
export type JourneyEscalationStep = EscalationStep | typeof OUTCOME_RECORDED;

/** The rep's decisions the journey is resumed with (`$.decision.outcome`). */
export const RepDecision = {
  accepted: 'accepted',
  rejected: 'rejected',
} as const;
