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

/**
 * One-click links from the hand-off email. The rep's decision becomes an
 * outcome event, stored once (clicking twice changes nothing) and applied by
 * the stream path, which also resumes the lead's journey.
 */
export const handler = httpHandler(async (event) => {
  const link = await verifiedLink(event);
  const found = await getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const at = new Date().toISOString();

  if (link.action === 'reject' && event.requestContext.http.method === 'GET') {
    return html(
      200,
      page(
        'Reject this lead?',
        `<form method="post"><label>Why is it not sales-ready?<br><select name="reason">
<option>Not a fit</option><option>No budget</option><option>Not the decision maker</option><option>Already a customer</option><option>Bad contact data</option><option>Too early</option>
</select></label><p><button type="submit">Reject and send back to marketing</button></p></form>`,
      ),
    );
  }

  const outcome: Outcome =
    link.action === 'accept'
      ? { kind: 'accepted', cycle: link.cycle, repId: link.repId, at }
      : {
          kind: 'rejected',
          cycle: link.cycle,
          repId: link.repId,
          at,
          reason: validate(rejectionSchema, Object.fromEntries(new URLSearchParams(rawBody(event)))).reason,
        };
  if (alreadyDecided(found.lead, outcome)) {
    return html(200, page(outcome.kind === 'accepted' ? 'Already accepted' : 'Already sent back', '<p>You already did this; nothing changed.</p>'));
  }
  const refusal = outcomeRefusal(found.lead, outcome);
  if (refusal) throw new ConflictError(refusal);

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
