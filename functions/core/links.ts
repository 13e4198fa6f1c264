import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * One-click links in hand-off emails. Each link names the lead, the cycle,
 * the rep and the action, and is signed so that nobody can act on a lead
 * without the email.
 */

export const handoffActions = ['accept', 'reject'] as const;
export type HandoffAction = (typeof handoffActions)[number];

export interface HandoffLink {
  leadId: string;
  cycle: number;
  repId: string;
  action: HandoffAction;
}

function payload(link: HandoffLink): string {
  return [link.leadId, link.cycle, link.repId, link.action].join('.');
}

export function signLink(link: HandoffLink, key: string): string {
  return createHmac('sha256', key).update(payload(link)).digest('base64url');
}

export function verifyLink(link: HandoffLink, signature: string, key: string): boolean {
  const expected = Buffer.from(signLink(link, key));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function linkUrl(apiUrl: string, link: HandoffLink, key: string): string {
  const url = new URL(`v1/handoffs/${encodeURIComponent(link.leadId)}/${link.cycle}/${link.action}`, apiUrl.endsWith('/') ? apiUrl : apiUrl + '/');
  url.searchParams.set('rep', link.repId);
  url.searchParams.set('sig', signLink(link, key));
  return url.toString();
}
