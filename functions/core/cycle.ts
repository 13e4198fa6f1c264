import type { EscalationStepName } from './journey-contract.ts';
import type { CycleDecisionFacts, Handover } from './decisions.ts';
import type { Owner } from './lead.ts';
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
