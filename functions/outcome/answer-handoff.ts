import type { Cycle } from '#core/cycle.ts';
import type { DecisionWrite, DecisionEvent, OutcomeEvent, VersionedLead } from '#core/records.ts';
import { ForbiddenError, HttpError, NotFoundError } from '#commons/errors.ts';
import { validate } from '#commons/http.ts';
import {
  decisionMessageId,
  decisionOutcome,
  decisionRequestOf,
  decisionVerdict,
  type DecisionRequest,
  type DecisionVerdict,
} from '#core/decisions.ts';
import { verifyLink, type HandoffLink } from '#core/links.ts';
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
  link: HandoffLink;
  signature: string;
  /** true when the rep pressed the page's button; opening a link (mail scanners do) only shows what it will do */
  posted: boolean;
  /** the reason posted with a rejection, as sent */
  reason?: string | undefined;
}

export interface HandoffAnswer {
  /** what is stored now, for the page to report */
  verdict: DecisionVerdict;
  /** what was asked, with the reason to quote back (the one recorded, or one not kept) */
  request: DecisionRequest & { posted: boolean };
}

const rejectionSchema = z.object({
  reason: z.string().check(z.trim(), z.minLength(1, 'a reason is required'), z.maxLength(500)),
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
export async function answerHandoff(input: HandoffLinkRequest, ports: AnswerHandoffPorts): Promise<HandoffAnswer> {
  const { link, posted } = input;
  if (!verifyLink(link, input.signature, await ports.linkSigningKey())) throw new ForbiddenError('this link is not valid');
  const found = await ports.getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const request = decisionRequestOf(link);
  const answer = (verdict: DecisionVerdict, reason?: string): HandoffAnswer => ({
    verdict,
    request: { ...request, posted, ...(reason !== undefined && { reason }) },
  });

  let verdict = decisionVerdict(found.lead, await ports.getCycle(link.leadId, link.cycle), request);
  if (!posted || verdict.kind !== 'open') {
    // A reason posted to a decision already made is read only to say whether it was kept.
    const reason = posted && request.kind === 'rejected' ? input.reason?.trim() : undefined;
    return answer(verdict, reason || undefined);
  }

  const at = ports.now().toISOString();
  const reason = request.kind === 'rejected' ? validate(rejectionSchema, { reason: input.reason }).reason : undefined;
  const outcome = decisionOutcome(request, at, reason);
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const write = await ports.recordDecision({
      messageId: decisionMessageId(link.leadId, outcome),
      kind: 'outcome',
      leadId: link.leadId,
      outcome,
      receivedAt: at,
    });
    if (write.recorded) return answer({ kind: 'recorded', outcome });
    verdict = decisionVerdict(found.lead, write.cycle, request);
    if (verdict.kind !== 'open') return answer(verdict, outcome.kind === 'rejected' ? outcome.reason : undefined);
    // Refused while still open: another write to the cycle was in flight; try again.
  }
  throw new HttpError(503, 'the lead is being changed right now; please try again', undefined, { expose: true });
}
