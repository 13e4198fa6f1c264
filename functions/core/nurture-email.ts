import { createHmac, timingSafeEqual } from 'node:crypto';
import { deadlineInWords } from './deadline-words.ts';
import { escapeHtml, oneLine, type RenderedEmail } from './emails.ts';
import { expOf, type LinkStatus } from './links.ts';
import type { NurtureState, NurtureStep } from './nurture.ts';

/**
 * A nurture email, rendered purely: the step's subject and body with the
 * lead's traits filled in, its links tracked (each a signed link to the API,
 * which records the click as an event and redirects to the link's URL), and
 * a signed unsubscribe link, also given as the one-click `List-Unsubscribe`
 * headers (RFC 8058). The links are signed with the hand-off links' secret,
 * over their own tags, so no signature of one kind verifies as another.
 */

/** A tracked link in a nurture email: /v1/nurture/{leadId}/{programId}/{cycle}/{stepId}/{linkId}. */
export interface ClickLink {
  leadId: string;
  programId: string;
  cycle: number;
  stepId: string;
  linkId: string;
  /** the first instant (epoch seconds) the link no longer records a click */
  exp: number;
}

/** A lead's unsubscribe link: /v1/unsubscribe/{leadId}. */
export interface UnsubscribeLink {
  leadId: string;
  /** the first instant (epoch seconds) the link no longer works */
  exp: number;
}

function clickPayload(link: ClickLink): string {
  return JSON.stringify(['leadloop-nurture-click/1', link.leadId, link.programId, link.cycle, link.stepId, link.linkId, link.exp]);
}

function unsubscribePayload(link: UnsubscribeLink): string {
  return JSON.stringify(['leadloop-unsubscribe/1', link.leadId, link.exp]);
}

const sign = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

function check(payload: string, exp: number, signature: string, key: string, now: Date): LinkStatus {
  const expected = Buffer.from(sign(payload, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  return now.getTime() >= exp * 1000 ? 'expired' : 'valid';
}

/** Whether a click link is ours and in time (the signature first: a forged expiry is simply invalid). */
export function checkClickLink(link: ClickLink, signature: string, key: string, now: Date): LinkStatus {
  return check(clickPayload(link), link.exp, signature, key, now);
}

/** Whether an unsubscribe link is ours and in time. */
export function checkUnsubscribeLink(link: UnsubscribeLink, signature: string, key: string, now: Date): LinkStatus {
  return check(unsubscribePayload(link), link.exp, signature, key, now);
}

const base = (apiUrl: string) => (apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
const query = (exp: number, sig: string) => new URLSearchParams({ exp: String(exp), sig }).toString();

export function clickUrl(apiUrl: string, link: ClickLink, key: string): string {
  const path = [link.leadId, link.programId, String(link.cycle), link.stepId, link.linkId].map(encodeURIComponent).join('/');
  return `${base(apiUrl)}v1/nurture/${path}?${query(link.exp, sign(clickPayload(link), key))}`;
}

export function unsubscribeUrl(apiUrl: string, link: UnsubscribeLink, key: string): string {
  return `${base(apiUrl)}v1/unsubscribe/${encodeURIComponent(link.leadId)}?${query(link.exp, sign(unsubscribePayload(link), key))}`;
}

/** The value RFC 8058 has a one-click unsubscribe POST carry, and the header that announces it. */
export const ONE_CLICK = 'List-Unsubscribe=One-Click';

export interface EmailHeader {
  name: string;
  value: string;
}

export interface NurtureEmail extends RenderedEmail {
  headers: EmailHeader[];
}

/** `{{trait}}` or `{{trait|fallback}}`, filled from the lead's traits (a missing one gives its fallback, or nothing). */
export function fillTraits(template: string, traits: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*(?:\|([^}]*))?\}\}/g, (_match, name: string, fallback: string | undefined) => {
    const value = traits[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : (fallback ?? '');
  });
}

export interface NurtureEmailInput {
  state: Pick<NurtureState, 'leadId' | 'programId' | 'cycle'>;
  step: NurtureStep;
  traits: Record<string, unknown>;
  apiUrl: string;
  key: string;
  /** until when the links work */
  linksExpireAt: Date;
  /** when the email is sent: the expiry names its year only when it falls in another */
  now: Date;
}

/**
 * When the links stop working, in the reader's words: we do not know the
 * lead's time zone, so the instant is given in UTC, and what to do after it
 * (the expired unsubscribe page says the same).
 */
export function linksExpiryLine(linksExpireAt: Date, now: Date): string {
  return `These links, the unsubscribe link too, work until ${deadlineInWords(linksExpireAt, 'UTC', now)}. After that, reply to any of our emails and we will take you off the list.`;
}

/** The email of one step, for one lead. */
export function renderNurtureEmail(input: NurtureEmailInput): NurtureEmail {
  const { state, step, traits, apiUrl, key } = input;
  const exp = expOf(input.linksExpireAt);
  const links = step.links.map((link) => ({
    label: fillTraits(link.label, traits),
    url: clickUrl(apiUrl, { leadId: state.leadId, programId: state.programId, cycle: state.cycle, stepId: step.id, linkId: link.id, exp }, key),
  }));
  const unsubscribe = unsubscribeUrl(apiUrl, { leadId: state.leadId, exp }, key);
  const expiry = linksExpiryLine(input.linksExpireAt, input.now);
  const paragraphs = fillTraits(step.body, traits)
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const html = [
    ...paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`),
    ...links.map((l) => `<p><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a></p>`),
    `<p style="font-size:small;color:#666">You get these emails because you asked us to keep in touch. <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a></p>`,
    `<p style="font-size:small;color:#666">${escapeHtml(expiry)}</p>`,
  ].join('\n');
  const text = [...paragraphs, ...links.map((l) => `${l.label}: ${l.url}`), `Unsubscribe: ${unsubscribe}`, expiry].join('\n\n');
  return {
    subject: oneLine(fillTraits(step.subject, traits)),
    html,
    text,
    headers: [
      { name: 'List-Unsubscribe', value: `<${unsubscribe}>` },
      { name: 'List-Unsubscribe-Post', value: ONE_CLICK },
    ],
  };
}
