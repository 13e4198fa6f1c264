import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FeedbackOccasion } from './feedback.ts';

/**
 * One-click links in the emails reps get: accept or reject a hand-off, "I
 * contacted them", and the feedback page of one occasion. Each link names the
 * lead, the cycle, the rep, what it does, and until when it works (`exp`,
 * epoch seconds), all signed together: changing any of them (another rep,
 * another action, a later expiry) breaks the signature, and a link past its
 * expiry is refused even when genuine.
 */

export const handoffActions = ['accept', 'reject', 'contacted'] as const;
export type HandoffAction = (typeof handoffActions)[number];

/** How long a link works after the email carrying it was made, unless told otherwise. */
export const LINK_LIFETIME_DAYS = 30;

/** Whom and what a link is about. */
export interface LinkTarget {
  leadId: string;
  cycle: number;
  repId: string;
}

/** A link on the hand-off pages: /v1/handoffs/{leadId}/{cycle}/{action}. */
export interface HandoffLink extends LinkTarget {
  action: HandoffAction;
  /** the first instant (epoch seconds) the link no longer works */
  exp: number;
}

/** A link to the feedback page of one occasion: /v1/feedback/{leadId}/{cycle}/{occasion}. */
export interface FeedbackLink extends LinkTarget {
  occasion: FeedbackOccasion;
  /** the first instant (epoch seconds) the link no longer works */
  exp: number;
}

export type SignedLink = HandoffLink | FeedbackLink;

/** What a followed link is: genuine and in time, not ours (tampered, another key), or out of date. */
export type LinkStatus = 'valid' | 'invalid' | 'expired';

/** What the link does, one name per purpose, so a signature for one purpose never verifies another. */
function purpose(link: SignedLink): string {
  return 'action' in link ? `handoff:${link.action}` : `feedback:${link.occasion}`;
}

/** An unambiguous encoding (JSON), so no choice of ids can make two links sign the same bytes. */
function payload(link: SignedLink): string {
  return JSON.stringify(['leadloop-link/2', link.leadId, link.cycle, link.repId, purpose(link), link.exp]);
}

export function signLink(link: SignedLink, key: string): string {
  return createHmac('sha256', key).update(payload(link)).digest('base64url');
}

/** Whether the signature is the one this key makes for exactly this link (expiry not judged). */
export function verifyLink(link: SignedLink, signature: string, key: string): boolean {
  const expected = Buffer.from(signLink(link, key));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Verifies the signature first (a forged expiry is simply invalid), then the expiry against `now`. */
export function checkLink(link: SignedLink, signature: string, key: string, now: Date): LinkStatus {
  if (!verifyLink(link, signature, key)) return 'invalid';
  return now.getTime() >= link.exp * 1000 ? 'expired' : 'valid';
}

/** When links made at `now` stop working: `days` later, to the second. */
export function linkExpiry(now: Date, days = LINK_LIFETIME_DAYS): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + days * 86_400_000);
}

/** The `exp` a link carries for an expiry time: epoch seconds (a fraction of a second is dropped). */
export function expOf(expiresAt: Date): number {
  return Math.floor(expiresAt.getTime() / 1000);
}

/** A base URL (absolute, or relative to a page) ending in one slash. */
function base(apiUrl: string): string {
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

function query(link: SignedLink, key: string): string {
  return new URLSearchParams({ rep: link.repId, exp: String(link.exp), sig: signLink(link, key) }).toString();
}

/** The URL of a signed hand-off link (accept, reject, contacted) with its expiry in it. */
export function signedHandoffUrl(apiUrl: string, link: HandoffLink, key: string): string {
  return `${base(apiUrl)}v1/handoffs/${encodeURIComponent(link.leadId)}/${link.cycle}/${link.action}?${query(link, key)}`;
}

/** The URL of a signed feedback link with its expiry in it. */
export function signedFeedbackUrl(apiUrl: string, link: FeedbackLink, key: string): string {
  return `${base(apiUrl)}v1/feedback/${encodeURIComponent(link.leadId)}/${link.cycle}/${link.occasion}?${query(link, key)}`;
}

/**
 * The link to accept or reject a hand-off, working until `expiresAt`.
 * `apiUrl` is the API's base URL; a relative one (a page's way back to the
 * API's root) gives a relative link.
 */
export function handoffUrl(apiUrl: string, link: LinkTarget & { action: 'accept' | 'reject' }, key: string, expiresAt: Date): string {
  return signedHandoffUrl(apiUrl, { ...target(link), action: link.action, exp: expOf(expiresAt) }, key);
}

/** The rep's one-click "I contacted them" link, working until `expiresAt`. */
export function contactedUrl(apiUrl: string, link: LinkTarget, key: string, expiresAt: Date): string {
  return signedHandoffUrl(apiUrl, { ...target(link), action: 'contacted', exp: expOf(expiresAt) }, key);
}

/** The link to the feedback page of one occasion (accepted, rejected, closed), working until `expiresAt`. */
export function feedbackUrl(apiUrl: string, link: LinkTarget & { occasion: FeedbackOccasion }, key: string, expiresAt: Date): string {
  return signedFeedbackUrl(apiUrl, { ...target(link), occasion: link.occasion, exp: expOf(expiresAt) }, key);
}

function target(link: LinkTarget): LinkTarget {
  return { leadId: link.leadId, cycle: link.cycle, repId: link.repId };
}

/**
 * The API's root as seen from a hand-off page (/v1/handoffs/{leadId}/{cycle}/{action}),
 * so a page can link to another page of the API under any host and stage.
 */
export const API_ROOT_FROM_HANDOFF_PAGE = '../../../../';

/** A link's expiry as an email states it: "until 2026-03-31 10:30 UTC". */
export function readableExpiry(expiresAt: Date): string {
  return `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A read-only dashboard credential, as the weekly digest links to it: the
 * report API reads with it until `exp` (epoch seconds), and nothing else does.
 * Signed with the same secret as the hand-off links, over its own encoding
 * (another tag, another shape), so a hand-off signature never verifies as a
 * dashboard link or the other way round. The token is `dl1.<exp>.<signature>`:
 * recognisable, so the report API tells it from a server key without a lookup.
 */
export interface DashboardLink {
  /** what it may read: the reports, nothing else */
  scope: 'reports';
  /** the first instant (epoch seconds) the link no longer works */
  exp: number;
}

const DASHBOARD_TOKEN = /^dl1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

function dashboardPayload(link: DashboardLink): string {
  return JSON.stringify(['leadloop-dashboard/1', link.scope, link.exp]);
}

/** The token of a dashboard link that works until `expiresAt`. */
export function dashboardToken(expiresAt: Date, key: string): string {
  const link: DashboardLink = { scope: 'reports', exp: expOf(expiresAt) };
  return `dl1.${link.exp}.${createHmac('sha256', key).update(dashboardPayload(link)).digest('base64url')}`;
}

/** Whether a credential has the shape of a dashboard link token (its signature still to be checked). */
export function isDashboardToken(credential: string): boolean {
  return DASHBOARD_TOKEN.test(credential);
}

/** A dashboard token's status: ours and in time, not ours (tampered, malformed, another key), or out of date; and when it expires. */
export function checkDashboardToken(token: string, key: string, now: Date): { status: LinkStatus; expiresAt?: Date } {
  const match = DASHBOARD_TOKEN.exec(token);
  if (!match) return { status: 'invalid' };
  const link: DashboardLink = { scope: 'reports', exp: Number(match[1]) };
  const expected = Buffer.from(createHmac('sha256', key).update(dashboardPayload(link)).digest('base64url'));
  const given = Buffer.from(match[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 'invalid' };
  const expiresAt = new Date(link.exp * 1000);
  return { status: now.getTime() >= expiresAt.getTime() ? 'expired' : 'valid', expiresAt };
}

/**
 * The dashboard's address with the token in its fragment (`#link=`): a
 * browser never sends a fragment to the server, so the token is in no
 * request line, server log or Referer; the dashboard's script takes it from there.
 */
export function dashboardLinkUrl(dashboardUrl: string, token: string): string {
  return `${dashboardUrl.split('#')[0]}#link=${token}`;
}
