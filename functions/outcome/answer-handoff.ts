import type { Cycle } from '#core/cycle.ts';
import type { Lead } from '#core/lead.ts';
import type { DecisionWrite, DecisionEvent, OutcomeEvent, VersionedLead } from '#core/records.ts';
import { HttpError, NotFoundError } from '#commons/errors.ts';
import { validate } from '#commons/http.ts';
import { requireValidLink } from '#commons/signed-link.ts';
import {
  decisionMessageId,
  decisionOutcome,
  decisionRequestOf,
  decisionVerdict,
  MERGED_ELSEWHERE,
  recontactDate,
  type DecisionRequest,
  type DecisionVerdict,
} from '#core/decisions.ts';
import { API_ROOT_FROM_HANDOFF_PAGE, feedbackUrl, linkExpiry, type HandoffLink } from '#core/links.ts';
import * as z from '#core/zod.ts';

export interface AnswerHandoffPorts {
  now: () => Date;
  /** the secret that signs hand-off links */
  linkSigningKey: () => Promise<string>;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /**
   * records the decision on the cycle, if the rep may still decide, with its
   * outcome event, in one write; when refused, the cycle as it is now
   */
  recordDecision: (event: DecisionEvent) => Promise<DecisionWrite>;
}

export interface HandoffLinkRequest {
  link: HandoffLink & { action: 'accept' | 'reject' };
  signature: string;
  /** true when the rep pressed the page's button; opening a link (mail scanners do) only shows what it will do */
  posted: boolean;
  /** the reason posted with a rejection, as sent */
  reason?: string | undefined;
  /** "not now": recontact in this many months, as sent ('' or absent: no) */
  recontact?: string | undefined;
}

export interface HandoffAnswer {
  /** what is stored now, for the page to report */
  verdict: DecisionVerdict;
  /** what was asked, with the reason to quote back (the one recorded, or one not kept) */
  request: DecisionRequest & { posted: boolean };
  /** when the rep's own decision stands: the signed link (relative to the page) to the feedback page of that decision */
  feedbackUrl?: string;
}

const rejectionSchema = z.object({
  reason: z.string().check(z.trim(), z.minLength(1, 'a reason is required'), z.maxLength(500)),
  recontact: z.optional(z.enum(['', '1', '3', '6'], 'recontact in 1, 3 or 6 months, or leave it empty')),
});

/** attempts to write a decision that a concurrent write to the cycle interrupted */
const WRITE_ATTEMPTS = 3;

/**
 * A rep follows a hand-off link. Opening it only shows what it will do;
 * posting records the decision at once on the cycle (so an escalation that
 * fires after it sees it) with the outcome event that the stream path
 * applies to the lead's stage, and which resumes the journey. The answer is
 * what is stored, not what was asked: a repeat, a contradiction, a reassignment.
 */
/** merges followed from a link's cycle to the one holding its hand-off now */
const MAX_MERGE_HOPS = 5;

/**
 * The lead and cycle a hand-off link decides: its own, or, when a merge
 * moved its hand-off (the cycle's mergedInto), the cycle of the lead that
 * absorbed it, followed as far as merges went.
 */
async function handOffHolder(
  link: HandoffLink,
  ports: AnswerHandoffPorts,
): Promise<{ found: VersionedLead | undefined; cycle: Cycle | undefined; leadId: string; cycleNumber: number; moved: boolean }> {
  let [leadId, cycleNumber] = [link.leadId, link.cycle];
  let cycle = await ports.getCycle(leadId, cycleNumber);
  let moved = false;
  for (let hops = 0; cycle?.mergedInto && hops < MAX_MERGE_HOPS; hops++) {
    ({ leadId, cycle: cycleNumber } = cycle.mergedInto);
    cycle = await ports.getCycle(leadId, cycleNumber);
    moved = true;
  }
  return { found: await ports.getLead(leadId), cycle, leadId, cycleNumber, moved };
}

export async function answerHandoff(input: HandoffLinkRequest, ports: AnswerHandoffPorts): Promise<HandoffAnswer> {
  const { posted } = input;
  const key = await ports.linkSigningKey();
  requireValidLink(input.link, input.signature, key, ports.now());
  // A merged lead's link decides the hand-off where the merge moved it (signed for this rep, checked above).
  const holder = await handOffHolder(input.link, ports);
  const { found } = holder;
  if (!found) throw new NotFoundError('this lead does not exist');
  const link = { ...input.link, leadId: holder.leadId, cycle: holder.cycleNumber };
  const request = decisionRequestOf(link);
  const answer = (verdict: DecisionVerdict, reason?: string): HandoffAnswer => {
    // The rep's own decision stands: the page asks for feedback on it next, by a link of its own.
    const stands = verdict.kind === 'recorded' || verdict.kind === 'repeated';
    const occasion = request.kind;
    const target = { leadId: link.leadId, cycle: link.cycle, repId: link.repId, occasion };
    return {
      verdict,
      request: { ...request, posted, ...(reason !== undefined && { reason }) },
      ...(stands && { feedbackUrl: feedbackUrl(API_ROOT_FROM_HANDOFF_PAGE, target, key, linkExpiry(ports.now())) }),
    };
  };

  let verdict = mergedVerdict(decisionVerdict(found.lead, holder.cycle, request), found.lead, holder.moved);
  if (!posted || verdict.kind !== 'open') {
    // A reason posted to a decision already made is read only to say whether it was kept.
    const reason = posted && request.kind === 'rejected' ? input.reason?.trim() : undefined;
    return answer(verdict, reason || undefined);
  }

  const at = ports.now().toISOString();
  const rejection = request.kind === 'rejected' ? validate(rejectionSchema, { reason: input.reason, recontact: input.recontact }) : undefined;
  const recontactAt = rejection?.recontact ? recontactDate(at, Number(rejection.recontact)) : undefined;
  const outcome = decisionOutcome(request, at, rejection?.reason, recontactAt);
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const write = await ports.recordDecision({
      messageId: decisionMessageId(link.leadId, outcome),
      kind: 'outcome',
      leadId: link.leadId,
      outcome,
      receivedAt: at,
    });
    if (write.recorded) return answer({ kind: 'recorded', outcome });
    verdict = mergedVerdict(decisionVerdict(found.lead, write.cycle, request), found.lead, holder.moved);
    if (verdict.kind !== 'open') return answer(verdict, outcome.kind === 'rejected' ? outcome.reason : undefined);
    // Refused while still open: another write to the cycle was in flight; try again.
  }
  throw new HttpError(503, 'the lead is being changed right now; please try again', undefined, { expose: true });
}

/**
 * A verdict said in the words of a merge: a link that followed a moved
 * hand-off to a cycle another rep holds, or the link of a merged lead whose
 * hand-off did not move (it was not open), decides nothing, and says why.
 */
function mergedVerdict(verdict: DecisionVerdict, lead: Lead, moved: boolean): DecisionVerdict {
  if (verdict.kind === 'closed' && moved && !verdict.reason.startsWith('this lead was merged')) return { kind: 'closed', reason: MERGED_ELSEWHERE };
  if (verdict.kind === 'open' && lead.mergedInto !== undefined) return { kind: 'closed', reason: 'this lead was merged with another record of the same person: its hand-off was not moved there' };
  return verdict;
}
