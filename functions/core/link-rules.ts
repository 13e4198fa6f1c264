import type { CycleDecisionFacts } from './decisions.ts';
import type { FeedbackOccasion } from './feedback.ts';
import type { Lead } from './lead.ts';
import type { Stage } from './lifecycle.ts';

/**
 * Who may use a rep's link now, beyond its signature: the feedback page and
 * the "I contacted them" link are for the rep the hand-off is with, on the
 * lead's current cycle. Each function answers why not (a sentence for the
 * page), or undefined when the link applies.
 */

/** The stages of a lead accepted by sales and not closed: contact with it is counted. */
export const acceptedOpenStages = ['sal', 'sql', 'opportunity'] as const satisfies readonly Stage[];

interface LinkFacts {
  cycle: number;
  repId: string;
}

/** The link is for the lead's current cycle, and that cycle's record exists. */
function cycleRefusal(lead: Pick<Lead, 'cycle'>, cycle: CycleDecisionFacts | undefined, link: LinkFacts): string | undefined {
  if (link.cycle < lead.cycle) return 'this link is for an earlier hand-off of the lead; it was handed to sales again since';
  if (link.cycle !== lead.cycle || !cycle) return 'this hand-off does not exist';
  return undefined;
}

/** Why a rep who is not the cycle's owner cannot act on it: reassigned away, or never theirs. */
function notTheOwner(cycle: CycleDecisionFacts, repId: string): string | undefined {
  if (cycle.owner.repId === repId) return undefined;
  if (cycle.reassignments?.some((h) => h.repId === repId)) return 'the lead was reassigned from you to another rep';
  return 'the lead is not assigned to you';
}

/**
 * Feedback on a hand-off is the business of the rep it is with: on a
 * rejection, the rep whose rejection stands on the cycle; on an acceptance or
 * a closed lead, the cycle's owner, once the lead was accepted (not rejected).
 */
export function feedbackRefusal(
  lead: Pick<Lead, 'cycle' | 'stage'>,
  cycle: CycleDecisionFacts | undefined,
  link: LinkFacts & { occasion: FeedbackOccasion },
): string | undefined {
  const wrongCycle = cycleRefusal(lead, cycle, link);
  if (wrongCycle || !cycle) return wrongCycle;
  const { outcome } = cycle;
  if (link.occasion === 'rejected') {
    if (outcome?.kind === 'rejected' && outcome.repId === link.repId) return undefined;
    if (outcome?.kind === 'rejected') return notTheOwner(cycle, link.repId) ?? 'the lead was rejected by another rep';
    return notTheOwner(cycle, link.repId) ?? (outcome ? 'you accepted this lead; it was not rejected' : 'you have not rejected this lead');
  }
  const notYours = notTheOwner(cycle, link.repId);
  if (notYours) return notYours;
  if (outcome?.kind === 'rejected') return 'you rejected this lead; its feedback is on the rejection';
  if (!outcome && lead.stage === 'mql') return 'you have not accepted this lead yet';
  return undefined;
}

/** "I contacted them" counts for the cycle's current owner, while the lead is accepted and open. */
export function contactRefusal(lead: Pick<Lead, 'cycle' | 'stage'>, cycle: CycleDecisionFacts | undefined, link: LinkFacts): string | undefined {
  const wrongCycle = cycleRefusal(lead, cycle, link);
  if (wrongCycle || !cycle) return wrongCycle;
  const notYours = notTheOwner(cycle, link.repId);
  if (notYours) return notYours;
  // Accepted on its cycle while the stream path has not yet saved the lead as sal: open already.
  const acceptedNotSaved = lead.stage === 'mql' && cycle.outcome?.kind === 'accepted';
  if (lead.stage === 'mql' && !acceptedNotSaved) return 'accept the lead first: contact is counted once it is accepted';
  if (!acceptedNotSaved && !(acceptedOpenStages as readonly Stage[]).includes(lead.stage)) return `the lead is no longer open with sales (stage ${lead.stage})`;
  return undefined;
}

/** One "I contacted them" per rep, cycle and day (UTC): a second click the same day changes nothing. */
export function contactedActivityId(leadId: string, cycle: number, repId: string, now: Date): string {
  return `contacted-${leadId}-${cycle}-${repId}-${now.toISOString().slice(0, 10)}`;
}
