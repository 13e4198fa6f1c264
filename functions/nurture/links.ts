import { ForbiddenError, LinkExpiredError, NotFoundError } from '#commons/errors.ts';
import { escapeHtml, htmlPage } from '#core/html.ts';
import type { LinkStatus } from '#core/links.ts';
import type { NurtureConfig, NurtureExit, SuppressionReason } from '#core/nurture.ts';
import { checkClickLink, checkUnsubscribeLink, type ClickLink, type UnsubscribeLink } from '#core/nurture-email.ts';
import type { EventRecord } from '#core/records.ts';
import type { NurtureProfile } from '#adapters/nurture-store.ts';

/**
 * The links in nurture emails: a tracked link records the click as an event
 * (the stream path scores it: "Email Clicked") and sends the reader on to the
 * link's URL, taken from the config, never from the link, so no link of ours
 * redirects anywhere else; the unsubscribe link shows a confirmation page
 * (GET: mail scanners follow links, and must not unsubscribe anyone) whose
 * button, or a mail client's one-click POST (RFC 8058), puts the lead's
 * address on the suppression list and takes the lead out of nurture at once.
 */

export interface NurtureLinkPorts {
  now: () => Date;
  linkSigningKey: () => Promise<string>;
  getNurtureProfile: (leadId: string) => Promise<NurtureProfile | undefined>;
}

export interface ClickPorts extends NurtureLinkPorts {
  config: NurtureConfig;
  putEventOnce: (event: EventRecord) => Promise<boolean>;
}

export interface UnsubscribePorts extends NurtureLinkPorts {
  suppress: (email: string, reason: SuppressionReason, at: string) => Promise<void>;
  suppressionOf: (email: string) => Promise<SuppressionReason | undefined>;
  /** stops the lead's nurture execution, if one runs, and marks it ended */
  stopNurture: (leadId: string, reason: NurtureExit) => Promise<unknown>;
}

function requireGenuine(status: LinkStatus): void {
  if (status === 'invalid') throw new ForbiddenError('this link is not valid');
}

/** The lead a link names, following a merge to the person it is now. */
async function leadOf(leadId: string, ports: NurtureLinkPorts): Promise<NurtureProfile | undefined> {
  let lead = await ports.getNurtureProfile(leadId);
  for (let hops = 0; lead?.mergedInto !== undefined && hops < 5; hops++) lead = (await ports.getNurtureProfile(lead.mergedInto)) ?? lead;
  return lead;
}

/**
 * A click on a tracked link: recorded once per lead, program, cycle, step and
 * link (a second click changes nothing), as long as the link is in time; the
 * reader goes on to the URL either way. Returns that URL.
 */
export async function recordClick(link: ClickLink, signature: string, ports: ClickPorts): Promise<string> {
  const step = ports.config.programs.find((p) => p.id === link.programId)?.steps.find((s) => s.id === link.stepId);
  const target = step?.links.find((l) => l.id === link.linkId);
  const now = ports.now();
  const status = checkClickLink(link, signature, await ports.linkSigningKey(), now);
  requireGenuine(status);
  if (!target) throw new NotFoundError('this link no longer leads anywhere');
  if (status === 'expired') return target.url;
  const lead = await leadOf(link.leadId, ports);
  if (lead?.email === undefined) return target.url;
  const at = now.toISOString();
  await ports.putEventOnce({
    kind: 'tracking',
    messageId: `nurture-click-${link.leadId}-${link.programId}-${link.cycle}-${link.stepId}-${link.linkId}`,
    type: 'track',
    event: 'Email Clicked',
    email: lead.email,
    properties: { program: link.programId, cycle: link.cycle, step: link.stepId, link: link.linkId, url: target.url },
    campaign: { source: 'leadloop', medium: 'email', name: link.programId, content: `${link.stepId}/${link.linkId}` },
    url: target.url,
    timestamp: at,
    receivedAt: at,
    sourceId: 'nurture',
  });
  return target.url;
}

/** Hides most of an address on a page anyone holding the link sees: d***@acme.example. */
function masked(email: string): string {
  const at = email.indexOf('@');
  return at <= 1 ? email : `${email[0]}***${email.slice(at)}`;
}

/**
 * The unsubscribe link: GET asks to confirm (its button POSTs to the same
 * link); POST unsubscribes: the address is suppressed and the lead's nurture
 * stopped. A second POST finds it done and says so.
 */
export async function unsubscribe(link: UnsubscribeLink, signature: string, posted: boolean, ports: UnsubscribePorts): Promise<{ statusCode: number; html: string }> {
  const now = ports.now();
  const status = checkUnsubscribeLink(link, signature, await ports.linkSigningKey(), now);
  requireGenuine(status);
  if (status === 'expired') throw new LinkExpiredError(new Date(link.exp * 1000), 'Reply to any of our emails and we will take you off the list');
  const lead = await leadOf(link.leadId, ports);
  if (lead?.email === undefined) throw new NotFoundError('we have no address for this link');
  const address = escapeHtml(masked(lead.email));
  if (!posted) {
    const already = await ports.suppressionOf(lead.email);
    if (already) return { statusCode: 200, html: htmlPage('You are unsubscribed', `<p>We send no more of these emails to ${address}.</p>`) };
    return {
      statusCode: 200,
      html: htmlPage('Unsubscribe?', `<p>Stop the emails we send to ${address} about our product?</p><form method="post"><button type="submit">Unsubscribe</button></form>`),
    };
  }
  await ports.suppress(lead.email, 'unsubscribed', now.toISOString());
  await ports.stopNurture(lead.leadId, 'unsubscribed');
  if (lead.leadId !== link.leadId) await ports.stopNurture(link.leadId, 'unsubscribed');
  return { statusCode: 200, html: htmlPage('You are unsubscribed', `<p>We send no more of these emails to ${address}.</p>`) };
}
