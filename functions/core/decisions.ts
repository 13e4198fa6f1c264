import type { Cycle, CycleEscalation, CycleRef } from './cycle.ts';
import { EscalationStepName } from './journey-contract.ts';
import type { JourneyAssignment } from './journey.ts';
import type { Lead } from './lead.ts';
import type { LinkTarget } from './links.ts';
import { outcomeRefusal, type Outcome } from './outcomes.ts';
import type { EscalationStep } from './journey-contract.ts';

/**
 * A rep's decision on a hand-off (accept or reject), judged against what is
 * stored: the cycle record is the one place where a decision and the
 * escalation ladder meet, each written there conditionally, so whichever is
 * written first stands and the other sees it. These functions only read the
 * fields those writes leave; nothing is parsed back from prose.
 */

/** An owner's turn on a cycle that ended without a decision: whose it was, the deadline missed, and when the lead moved on. */
export interface Handover {
  repId: string;
  acceptBy: string;
  at: string;
}

/** The fields of a cycle record that decide whether a rep may still decide. */
export interface CycleDecisionFacts {
  owner: { repId: string };
  /** the decision recorded for this cycle, if any: the first one written stands */
  outcome?: Outcome;
  /** owners whose window ended and who lost the lead to another rep, oldest first */
  reassignments?: Handover[];
  /** the escalation ladder ran out: the lead went back to marketing */
  recycled?: Handover;
  /**
   * a merge closed this cycle, open: its hand-off lives on in this cycle of
   * the lead that absorbed this one (see core/merge.ts), where decisions go
   */
  mergedInto?: CycleRef;
}

export interface DecisionRequest {
  kind: Outcome['kind'];
  cycle: number;
  repId: string;
  /** the reason posted with a rejection */
  reason?: string;
}

export type DecisionVerdict =
  /** the rep may decide now */
  | { kind: 'open' }
  /** this request's decision is the stored one, written just now */
  | { kind: 'recorded'; outcome: Outcome }
  /** the rep had already made this same decision; the stored one stands */
  | { kind: 'repeated'; outcome: Outcome }
  /** the rep had already decided the other way; that stands */
  | { kind: 'contradicted'; outcome: Outcome }
  /** the rep's window ended and the lead went to another rep */
  | { kind: 'reassigned'; handover: Handover }
  /** nobody accepted in time and the lead went back to marketing */
  | { kind: 'recycled'; handover: Handover }
  /** the hand-off no longer applies for another reason (an earlier cycle, not this rep's, already handled) */
  | { kind: 'closed'; reason: string };

/** Why a hand-off link of a merged lead decides nothing: the person's hand-off is another rep's now. */
export const MERGED_ELSEWHERE = 'this lead was merged with another record of the same person, whose hand-off is held by another rep: nothing to do here';

/**
 * What a decision request meets: the cycle's own record first (a decision or
 * an escalation written there wins), then the lead (a later cycle, another
 * owner, a stage already moved on).
 */
export function decisionVerdict(lead: Pick<Lead, 'cycle' | 'stage' | 'owner'>, cycle: CycleDecisionFacts | undefined, request: DecisionRequest): DecisionVerdict {
  if (cycle) {
    const stored = cycle.outcome;
    if (stored && stored.repId === request.repId) return { kind: stored.kind === request.kind ? 'repeated' : 'contradicted', outcome: stored };
    if (cycle.owner.repId !== request.repId) {
      const handover = cycle.reassignments?.findLast((h) => h.repId === request.repId);
      if (handover) return { kind: 'reassigned', handover };
      return { kind: 'closed', reason: 'the lead is no longer assigned to you' };
    }
    if (stored) return { kind: 'closed', reason: 'the lead was already decided' };
    if (cycle.recycled) return { kind: 'recycled', handover: cycle.recycled };
    // read where it went instead (answer-handoff follows it); reached only when that cannot be read
    if (cycle.mergedInto) return { kind: 'closed', reason: MERGED_ELSEWHERE };
  }
  const refusal = outcomeRefusal(lead, request);
  if (refusal) return { kind: 'closed', reason: refusal };
  // A lead owned in this cycle always has its cycle record (it is written first); without one, nothing can be recorded.
  if (!cycle) return { kind: 'closed', reason: 'this hand-off is not open yet' };
  return { kind: 'open' };
}

/**
 * Whether an escalation of a cycle (the `missed`-th missed deadline) is still
 * to be taken: a decision recorded first makes it stand down, and a retry of
 * an escalation already written repeats only its side effects.
 */
export function escalationStanding(cycle: Pick<CycleDecisionFacts, 'outcome' | 'recycled'> & { missed: number }, missed: number): 'decided' | 'taken' | 'due' {
  if (cycle.outcome) return 'decided';
  if (cycle.missed >= missed || cycle.recycled) return 'taken';
  return 'due';
}

/** The decision a hand-off link asks to record: accept or reject this cycle, as this rep. */
export function decisionRequestOf(link: LinkTarget & { action: 'accept' | 'reject' }): DecisionRequest {
  return { kind: link.action === 'accept' ? 'accepted' : 'rejected', cycle: link.cycle, repId: link.repId };
}

/**
 * The outcome a rep's decision records, made at `at`; a rejection carries the
 * rep's reason and, for "not now", when to hand the lead back to sales.
 */
export function decisionOutcome(request: DecisionRequest, at: string, reason: string | undefined, recontactAt?: string): Outcome {
  const { cycle, repId } = request;
  if (request.kind === 'accepted') return { kind: 'accepted', cycle, repId, at };
  if (reason === undefined) throw new Error('a rejection records the rep’s reason');
  return { kind: 'rejected', cycle, repId, at, reason, ...(recontactAt !== undefined && { recontactAt }) };
}

/** The "not now" choices of the reject form: recontact in this many months. */
export const recontactMonths = [1, 3, 6] as const;
export type RecontactMonths = (typeof recontactMonths)[number];

/**
 * `months` calendar months after `at` (UTC), at the same time of day; a day
 * the target month lacks becomes its last day (31 January + 1 month is the
 * 28th or 29th of February).
 */
export function recontactDate(at: string, months: number): string {
  const from = new Date(at);
  const target = new Date(from);
  target.setUTCDate(1);
  target.setUTCMonth(from.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target.toISOString();
}

/**
 * The id of the event that records a rep's decision: one per lead, cycle,
 * rep and kind, so a repeated click stores nothing new.
 */
export function decisionMessageId(leadId: string, outcome: Pick<Outcome, 'cycle' | 'repId' | 'kind'>): string {
  return `handoff-${leadId}-${outcome.cycle}-${outcome.repId}-${outcome.kind}`;
}

/**
 * What an escalation step does with the cycle it finds: stand down when a
 * decision is recorded there; end the cycle's journey when the lead left it
 * some other way (a later cycle, a stage past mql); else what
 * escalationStanding says (write the step, or only repeat its effects).
 */
export type EscalationCourse = 'stand-down' | 'end-cycle' | 'taken' | 'due';

export function escalationCourse(
  lead: Pick<Lead, 'cycle' | 'stage'>,
  cycle: Pick<CycleDecisionFacts, 'outcome' | 'recycled' | 'mergedInto'> & { cycle: number; missed: number },
  missed: number,
): EscalationCourse {
  const standing = escalationStanding(cycle, missed);
  if (standing === 'decided') return 'stand-down';
  // a merge moved the hand-off to the lead that absorbed this one: its own journey escalates it there
  if (cycle.mergedInto || lead.cycle !== cycle.cycle || lead.stage !== 'mql') return 'end-cycle';
  return standing;
}

/**
 * The change the `missed`-th missed deadline writes on the cycle, from the
 * journey's plan: the owner whose window ended is kept as a handover (their
 * link's page says what happened), a reassignment names the new owner, and
 * every step but recycling opens a fresh window.
 */
export function escalationChange(
  cycle: Pick<Cycle, 'owner' | 'acceptBy'>,
  plan: { escalation: { step: EscalationStep }; assignment: JourneyAssignment },
  now: Date,
): CycleEscalation {
  const { step } = plan.escalation;
  const at = now.toISOString();
  const handover: Handover = { repId: cycle.owner.repId, acceptBy: cycle.acceptBy, at };
  const { acceptBy, acceptWithinSeconds } = plan.assignment;
  if (step === EscalationStepName.recycle) return { step, handover };
  if (step === EscalationStepName.notifyManager) return { step, acceptBy, acceptWithinSeconds };
  const { repId, teamId, previousReps } = plan.assignment;
  return { step, owner: { repId, teamId, assignedAt: at }, previousReps, acceptBy, acceptWithinSeconds, handover };
}

/** The cycle as an escalation's write leaves it (what recordEscalation stores). */
export function escalatedCycle(cycle: Cycle, missed: number, change: CycleEscalation): Cycle {
  if (change.step === EscalationStepName.recycle) return { ...cycle, missed, recycled: change.handover };
  const window = { acceptBy: change.acceptBy, acceptWithinSeconds: change.acceptWithinSeconds };
  if (change.step === EscalationStepName.notifyManager) return { ...cycle, missed, ...window };
  return {
    ...cycle,
    missed,
    ...window,
    owner: change.owner,
    previousReps: change.previousReps,
    reassignments: [...(cycle.reassignments ?? []), change.handover],
  };
}
