import { z } from 'zod';
import { getLinkSigningKey } from '#adapters/keys.ts';
import { recordDecision } from '#adapters/decisions.ts';
import { getCycle, getLead } from '#adapters/lead-store.ts';
import { ForbiddenError, HttpError, NotFoundError } from '#commons/errors.ts';
import { html, httpHandler, rawBody, validate, type HttpEvent } from '#commons/http.ts';
import { decisionVerdict, type DecisionRequest, type DecisionVerdict } from '#core/decisions.ts';
import { renderDecisionPage } from '#core/emails.ts';
import type { Outcome } from '#core/lead.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import { handoffActions, verifyLink, type HandoffLink } from '#core/links.ts';

const linkSchema = z.object({
  leadId: leadIdSchema,
  cycle: z.coerce.number().int().positive(),
  action: z.enum(handoffActions),
  rep: z.string().min(1).max(64),
  sig: z.string().min(1).max(128),
});

const rejectionSchema = z.object({
  reason: z.string().trim().min(1, 'a reason is required').max(500),
});

/** attempts to write a decision that a concurrent write to the cycle interrupted */
const WRITE_ATTEMPTS = 3;

async function verifiedLink(event: HttpEvent): Promise<HandoffLink> {
  const params = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
  const link: HandoffLink = { leadId: params.leadId, cycle: params.cycle, repId: params.rep, action: params.action };
  if (!verifyLink(link, params.sig, await getLinkSigningKey())) throw new ForbiddenError('this link is not valid');
  return link;
}

const REJECT_FORM = `<form method="post"><label>Why is it not sales-ready?<br><select name="reason">
<option>Not a fit</option><option>No budget</option><option>Not the decision maker</option><option>Already a customer</option><option>Bad contact data</option><option>Too early</option>
</select></label><p><button type="submit">Reject and send back to marketing</button></p></form>`;

const ACCEPT_FORM = `<form method="post"><p>The lead becomes yours and the first-contact clock starts.</p><p><button type="submit">Accept this lead</button></p></form>`;

/**
 * Links from the hand-off email. Opening a link (GET) only shows what it
 * will do, with a button: mail scanners and link previews open links, and
 * must not accept or reject a lead. The button posts the rep's decision,
 * recorded at once on the cycle (so an escalation that fires after it sees
 * it) with the outcome event that the stream path applies to the lead's
 * stage, and which resumes the journey. Every page reports what is stored,
 * not what was asked: a repeat, a contradiction, a reassignment.
 */
export const handler = httpHandler(async (event) => {
  const link = await verifiedLink(event);
  const found = await getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const kind = link.action === 'accept' ? 'accepted' : 'rejected';
  const request: DecisionRequest = { kind, cycle: link.cycle, repId: link.repId };
  const posted = event.requestContext.http.method === 'POST';
  const respond = (verdict: DecisionVerdict, reason?: string) => {
    const page = renderDecisionPage(verdict, { ...request, posted, ...(reason !== undefined && { reason }) }, kind === 'accepted' ? ACCEPT_FORM : REJECT_FORM);
    return html(page.statusCode, page.html);
  };

  let verdict = decisionVerdict(found.lead, await getCycle(link.leadId, link.cycle), request);
  if (!posted || verdict.kind !== 'open') {
    // A reason posted to a decision already made is read only to say whether it was kept.
    const reason = posted && kind === 'rejected' ? new URLSearchParams(rawBody(event)).get('reason')?.trim() : undefined;
    return respond(verdict, reason || undefined);
  }

  const at = new Date().toISOString();
  const outcome: Outcome =
    kind === 'accepted'
      ? { kind, cycle: link.cycle, repId: link.repId, at }
      : { kind, cycle: link.cycle, repId: link.repId, at, reason: validate(rejectionSchema, Object.fromEntries(new URLSearchParams(rawBody(event)))).reason };
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const write = await recordDecision({
      messageId: `handoff-${link.leadId}-${link.cycle}-${link.repId}-${outcome.kind}`,
      kind: 'outcome',
      leadId: link.leadId,
      outcome,
      receivedAt: at,
    });
    if (write.recorded) return respond({ kind: 'recorded', outcome });
    verdict = decisionVerdict(found.lead, write.cycle, request);
    if (verdict.kind !== 'open') return respond(verdict, outcome.kind === 'rejected' ? outcome.reason : undefined);
    // Refused while still open: another write to the cycle was in flight; try again.
  }
  throw new HttpError(503, 'the lead is being changed right now; please try again');
});
