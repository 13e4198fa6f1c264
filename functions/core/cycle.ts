import type { EscalationStepName } from './journey-contract.ts';
import type { CycleDecisionFacts, Handover } from './decisions.ts';
import type { Lead, Owner } from './lead.ts';
import type { AcceptanceWindow } from './service-agreement.ts';
import type { RoutingRecord } from './rep-availability.ts';

/** A cycle of a lead, named: where a merge moved a hand-off from, or to. */
export interface CycleRef {
  leadId: string;
  cycle: number;
}

/** One pass of a lead from MQL to an outcome: who owns it, by when, and how the journey waits. */
export interface Cycle extends CycleDecisionFacts {
  leadId: string;
  cycle: number;
  owner: Owner;
  /** reps who held this cycle before the current owner */
  previousReps: string[];
  acceptBy: string;
  acceptWithinSeconds: number;
  /** when the owner is reminded of the open hand-off (absent on cycles from before reminders: none) */
  remindAt?: string;
  remindWithinSeconds?: number;
  /** missed acceptance deadlines so far */
  missed: number;
  /** the token of the journey's current wait (for acceptance, or the follow-up after the decision) */
  taskToken?: string;
  /** the follow-up steps taken (see follow-up.ts), each once; a string set in DynamoDB */
  followUpSent?: Iterable<string>;
  /** how the owner was found: the rule, who was skipped and why (the latest routing of the cycle) */
  routing?: RoutingRecord;
  /** the rep whose open-lead count holds this cycle, while it does (rep-store.ts) */
  openFor?: string;
  /** the hand-off of another lead's cycle, moved here by a merge: same owner, same deadline, its email already sent there */
  continues?: CycleRef;
}

/** The change one escalation step makes to a cycle. */
export type CycleEscalation =
  /** the same owner gets a fresh window */
  | { step: typeof EscalationStepName.notifyManager } & AcceptanceWindow
  /** another rep gets the cycle and a fresh window; the previous owner's turn is kept as a handover */
  | ({ step: typeof EscalationStepName.reassign; owner: Owner; previousReps: string[]; handover: Handover } & AcceptanceWindow)
  /** the ladder ran out: the cycle ends, back to marketing */
  | { step: typeof EscalationStepName.recycle; handover: Handover };

/**
 * The open lead a lead's move ends when its hand-off was accepted and no
 * contact is logged yet (its cycle still holds `openFor`): the lead leaves
 * `sal` in that cycle without the first contact (the CRM reports it sql, an
 * opportunity, won, lost or disqualified; a new cycle starts). The first
 * contact, a rejection, a reassignment or the recycle end the count
 * themselves. `cycle` is the record of the lead's cycle before the move.
 * Returns the cycle and rep to release (once: on condition of `openFor`).
 */
export function acceptedOpenEnded(after: Pick<Lead, 'stage' | 'cycle'>, cycle: Pick<Cycle, 'cycle' | 'outcome' | 'openFor'> | undefined): { cycle: number; repId: string } | undefined {
  if (!cycle || cycle.openFor === undefined || cycle.outcome?.kind !== 'accepted') return undefined;
  if (after.cycle === cycle.cycle && after.stage === 'sal') return undefined;
  return { cycle: cycle.cycle, repId: cycle.openFor };
}

/** Whether a move from `before` to `after` may leave an accepted hand-off of `before`'s cycle (so its record is worth reading). */
export function mayLeaveHandOff(before: Pick<Lead, 'stage' | 'cycle'>, after: Pick<Lead, 'stage' | 'cycle'>): boolean {
  if (before.cycle === 0 || (before.stage !== 'mql' && before.stage !== 'sal')) return false;
  return !(after.cycle === before.cycle && (after.stage === 'sal' || after.stage === 'mql'));
}
