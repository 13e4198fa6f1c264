import { z } from 'zod';
import { putEventOnce } from '#adapters/event-store.ts';
import { getLinkSigningKey } from '#adapters/keys.ts';
import { getLead } from '#adapters/lead-store.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '#commons/errors.ts';
import { html, httpHandler, rawBody, validate, type HttpEvent } from '#commons/http.ts';
import { alreadyDecided, outcomeRefusal, type Outcome } from '#core/lead.ts';
import { handoffActions, verifyLink, type HandoffLink } from '#core/links.ts';

const linkSchema = z.object({
  leadId: z.string().regex(/^lead-[a-f0-9]{20}$/, 'not a lead id'),
  cycle: z.coerce.number().int().positive(),
  action: z.enum(handoffActions),
  rep: z.string().min(1).max(64),
  sig: z.string().min(1).max(128),
});

const rejectionSchema = z.object({
  reason: z.string().trim().min(1, 'a reason is required').max(500),
});

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>${title}</h1>${body}</body></html>`;
}

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
 * which becomes an outcome event, stored once (posting twice changes
 * nothing) and applied by the stream path, which also resumes the journey.
 */
export const handler = httpHandler(async (event) => {
  const link = await verifiedLink(event);
  const found = await getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const at = new Date().toISOString();
  const kind = link.action === 'accept' ? 'accepted' : 'rejected';

  // What the link would record, to tell whether it still can: the reason is only known once posted.
  const intended: Outcome =
    kind === 'accepted' ? { kind, cycle: link.cycle, repId: link.repId, at } : { kind, cycle: link.cycle, repId: link.repId, at, reason: '' };
  if (alreadyDecided(found.lead, intended)) {
    return html(200, page(kind === 'accepted' ? 'Already accepted' : 'Already sent back', '<p>You already did this; nothing changed.</p>'));
  }
  const refusal = outcomeRefusal(found.lead, intended);
  if (refusal) throw new ConflictError(refusal);

  if (event.requestContext.http.method === 'GET') {
    return html(200, kind === 'accepted' ? page('Accept this lead?', ACCEPT_FORM) : page('Reject this lead?', REJECT_FORM));
  }

  const outcome: Outcome =
    intended.kind === 'accepted'
      ? intended
      : { ...intended, reason: validate(rejectionSchema, Object.fromEntries(new URLSearchParams(rawBody(event)))).reason };
  await putEventOnce({
    messageId: `handoff-${link.leadId}-${link.cycle}-${link.repId}-${outcome.kind}`,
    kind: 'outcome',
    leadId: link.leadId,
    outcome,
    receivedAt: at,
  });
  return html(
    200,
    page(
      outcome.kind === 'accepted' ? 'Lead accepted' : 'Lead sent back to marketing',
      outcome.kind === 'accepted' ? '<p>Thanks. The lead is yours; the first-contact clock is running.</p>' : '<p>Thanks. Your reason was recorded for marketing.</p>',
    ),
  );
});
