import { deadlineInWords } from './deadline-words.ts';
import { managerTimeZone } from './rep-calendars.ts';
import type { Lead } from './lead.ts';
import type { Outcome } from './outcomes.ts';
import { recontactMonths, type DecisionRequest, type DecisionVerdict } from './decisions.ts';
import { fitGrade, topReasons, type ScoringModel } from './scoring.ts';
import type { Manager, Rep } from './teams.ts';

/** The emails LeadLoop sends, rendered purely: subject, HTML and text. */

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Subjects are one line: control characters from traits (CR/LF) never reach the header. */
export function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export function leadName(lead: Pick<Lead, 'traits' | 'email' | 'leadId'>): string {
  const { firstName, lastName, name } = lead.traits;
  const full = typeof name === 'string' ? name : [firstName, lastName].filter((p) => typeof p === 'string').join(' ');
  return full || lead.email || lead.leadId;
}

const shownTraits = ['email', 'phone', 'title', 'company', 'employees', 'country'] as const;

export interface HandoffEmailInput {
  lead: Lead;
  rep: Rep;
  model: ScoringModel;
  acceptBy: string;
  acceptUrl: string;
  rejectUrl: string;
  /** the rep's "I contacted them" link, for once the lead is accepted */
  contactedUrl: string;
  /** until when the links work (the email says so) */
  linksExpireAt: Date;
  now: Date;
  reassignedFrom?: string;
}

export function renderHandoffEmail(input: HandoffEmailInput): RenderedEmail {
  const { lead, rep, model, now } = input;
  const name = leadName(lead);
  const company = typeof lead.traits.company === 'string' ? ` (${lead.traits.company})` : '';
  const fit = fitGrade(model, lead.traits);
  const reasons = [
    ...topReasons(model, lead.ledger, now).map((r) => `${r.description}: ${Math.round(r.points)} points (${r.count}×)`),
    ...fit.reasons.map((r) => `Fit: ${r.description}`),
  ];
  const traits = shownTraits
    .filter((key) => lead.traits[key] !== undefined)
    .map((key) => [key, String(lead.traits[key])] as const);
  const activity = [...lead.recentActivity].reverse().slice(0, 10);
  const source = lead.touches[0];
  const subject = oneLine(`New lead for you: ${name}${company}, grade ${lead.grade}, score ${Math.round(lead.engagement)}`);
  // the deadline as the rep reads it: their zone, in words
  const acceptBy = deadlineInWords(new Date(input.acceptBy), rep.timeZone, now);
  const linksUntil = deadlineInWords(input.linksExpireAt, rep.timeZone, now);
  const intro = input.reassignedFrom
    ? `This lead was reassigned to you because it was not accepted in time.`
    : `A lead qualified and is yours.`;

  const text = [
    `Hi ${rep.name},`,
    '',
    `${intro} Please accept or reject it by ${acceptBy}.`,
    '',
    `${name}${company}`,
    ...traits.map(([k, v]) => `  ${k}: ${v}`),
    '',
    `Grade ${lead.grade}, engagement ${Math.round(lead.engagement)} (scoring model ${lead.modelVersion})`,
    'Why it is hot:',
    ...reasons.map((r) => `  - ${r}`),
    '',
    ...(source ? [`First touch: ${source.source}${source.medium ? ` / ${source.medium}` : ''}${source.campaign ? ` / ${source.campaign}` : ''}`, ''] : []),
    'Recent activity:',
    ...activity.map((a) => `  ${a.at}  ${a.label}`),
    '',
    `Accept: ${input.acceptUrl}`,
    `Reject: ${input.rejectUrl}`,
    `Once accepted, tell us you contacted them: ${input.contactedUrl}`,
    '',
    `These links work until ${linksUntil}.`,
  ].join('\n');

  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hi ${escapeHtml(rep.name)},</p>
<p>${escapeHtml(intro)} Please accept or reject it by <strong>${escapeHtml(acceptBy)}</strong>.</p>
<h2>${escapeHtml(name + company)}</h2>
<table>${traits.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<p>Grade <strong>${escapeHtml(lead.grade)}</strong>, engagement <strong>${escapeHtml(Math.round(lead.engagement))}</strong> (scoring model ${escapeHtml(lead.modelVersion)})</p>
<h3>Why it is hot</h3>
<ul>${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>
${source ? `<p>First touch: ${escapeHtml(source.source)}${source.medium ? ' / ' + escapeHtml(source.medium) : ''}${source.campaign ? ' / ' + escapeHtml(source.campaign) : ''}</p>` : ''}
<h3>Recent activity</h3>
<ul>${activity.map((a) => `<li>${escapeHtml(a.at)} — ${escapeHtml(a.label)}</li>`).join('')}</ul>
<p><a href="${escapeHtml(input.acceptUrl)}">Accept</a> · <a href="${escapeHtml(input.rejectUrl)}">Reject</a></p>
<p>Once accepted: <a href="${escapeHtml(input.contactedUrl)}">I contacted them</a></p>
<p><small>These links work until ${escapeHtml(linksUntil)}.</small></p>
</body></html>`;
  return { subject, html, text };
}

export interface EscalationEmailInput {
  lead: Lead;
  rep: Rep;
  manager: Manager;
  acceptBy: string;
  missed: number;
  /** when the email is written (the deadline's year is shown only when it is another year) */
  now?: Date;
}

export function renderEscalationEmail(input: EscalationEmailInput): RenderedEmail {
  const { lead, rep, manager } = input;
  const name = leadName(lead);
  const score = Math.round(lead.engagement);
  const subject = oneLine(`Escalation: ${rep.name} has not accepted ${name} (grade ${lead.grade}, score ${score})`);
  // the manager's zone when teams.json gives one, else the rep's (the zone is named beside the time)
  const deadline = deadlineInWords(new Date(input.acceptBy), managerTimeZone(manager, rep.timeZone), input.now);
  const text = [
    `Hi ${manager.name},`,
    '',
    `${rep.name} was handed ${name} and has not accepted or rejected it within the service agreement (deadline ${deadline}).`,
    `This is missed deadline number ${input.missed} for this lead.`,
    '',
    `Lead: ${name} <${lead.email ?? 'no email'}>, stage ${lead.stage}, grade ${lead.grade}, engagement ${score}.`,
    'If it stays unaccepted, LeadLoop follows the escalation ladder of the service agreement.',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hi ${escapeHtml(manager.name)},</p>
<p><strong>${escapeHtml(rep.name)}</strong> was handed <strong>${escapeHtml(name)}</strong> and has not accepted or rejected it within the service agreement (deadline ${escapeHtml(deadline)}).</p>
<p>This is missed deadline number ${escapeHtml(input.missed)} for this lead.</p>
<p>Lead: ${escapeHtml(name)} &lt;${escapeHtml(lead.email ?? 'no email')}&gt;, stage ${escapeHtml(lead.stage)}, grade ${escapeHtml(lead.grade)}, engagement ${escapeHtml(score)}.</p>
<p>If it stays unaccepted, LeadLoop follows the escalation ladder of the service agreement.</p>
</body></html>`;
  return { subject, html, text };
}

export interface ReminderEmailInput {
  lead: Lead;
  rep: Rep;
  /** the acceptance deadline */
  acceptBy: string;
  acceptUrl: string;
  rejectUrl: string;
  linksExpireAt: Date;
  now: Date;
}

/** The reminder before the acceptance deadline: to the owner, the deadline in their zone, in words. */
export function renderReminderEmail(input: ReminderEmailInput): RenderedEmail {
  const { lead, rep, now } = input;
  const name = leadName(lead);
  const company = typeof lead.traits.company === 'string' ? ` (${lead.traits.company})` : '';
  const deadline = deadlineInWords(new Date(input.acceptBy), rep.timeZone, now);
  const subject = oneLine(`Reminder: accept or reject ${name}${company} by ${deadline}`);
  const line = `${name}${company} was handed to you and is still open. Please accept or reject it by ${deadline}; after that the service agreement escalates it.`;
  const expiry = `These links work until ${deadlineInWords(input.linksExpireAt, rep.timeZone, now)}.`;
  const text = [`Hi ${rep.name},`, '', line, `Grade ${lead.grade}, score ${Math.round(lead.engagement)}.`, '', `Accept: ${input.acceptUrl}`, `Reject: ${input.rejectUrl}`, '', expiry].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Hi ${escapeHtml(rep.name)},</p>
<p>${escapeHtml(line)}</p>
<p>Grade <strong>${escapeHtml(lead.grade)}</strong>, score <strong>${escapeHtml(Math.round(lead.engagement))}</strong>.</p>
<p><a href="${escapeHtml(input.acceptUrl)}">Accept</a> · <a href="${escapeHtml(input.rejectUrl)}">Reject</a></p>
<p><small>${escapeHtml(expiry)}</small></p>
</body></html>`;
  return { subject, html, text };
}

/** A time as a person reads it on a confirmation page: to the minute, in UTC. */
function readableTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const REJECT_FORM = `<form method="post"><label>Why is it not sales-ready?<br><select name="reason">
<option>Not a fit</option><option>No budget</option><option>Not the decision maker</option><option>Already a customer</option><option>Bad contact data</option><option>Too early</option>
</select></label>
<fieldset><legend>Not now? Hand it back to sales later (optional)</legend>
<label><input type="radio" name="recontact" value="" checked> No</label>
${recontactMonths.map((m) => `<label><input type="radio" name="recontact" value="${m}"> Recontact in ${m} month${m === 1 ? '' : 's'}</label>`).join('\n')}
</fieldset>
<p><button type="submit">Reject and send back to marketing</button></p></form>`;

const ACCEPT_FORM = `<form method="post"><p>The lead becomes yours.</p><p><button type="submit">Accept this lead</button></p></form>`;

/** The form an opened hand-off link shows: a button that posts the decision (a rejection asks why). */
export function decisionForm(kind: DecisionRequest['kind']): string {
  return kind === 'accepted' ? ACCEPT_FORM : REJECT_FORM;
}

export interface DecisionPage {
  statusCode: number;
  title: string;
  html: string;
}

/** A date as the confirmation page states it: the day, in UTC. */
function readableDay(iso: string): string {
  return iso.slice(0, 10);
}

/** What the page says about a "not now" rejection: when the lead goes back to sales. */
function recontactNote(outcome: Outcome): string {
  return outcome.kind === 'rejected' && outcome.recontactAt !== undefined ? ` It goes back to sales on ${readableDay(outcome.recontactAt)}, as you asked.` : '';
}

/**
 * The page a rep sees after following a hand-off link: it reports what is
 * stored (the verdict), never what the request asked for. `posted` is false
 * when the link was only opened; then an open hand-off shows the form.
 * `after` follows when the rep's own decision stands (recorded now or
 * before): the feedback the rep is asked for next.
 */
export function renderDecisionPage(verdict: DecisionVerdict, request: DecisionRequest & { posted: boolean }, form = '', after = ''): DecisionPage {
  const yours = request.kind === 'accepted' ? 'your acceptance' : 'your rejection';
  const notRecorded = request.posted ? ` ${capitalize(yours)} was not recorded.` : '';
  const quoted = (reason: string) => `“${reason}”`;
  let statusCode = 409;
  let title: string;
  let text: string;
  switch (verdict.kind) {
    case 'open':
      statusCode = 200;
      title = request.kind === 'accepted' ? 'Accept this lead?' : 'Reject this lead?';
      text = '';
      break;
    case 'recorded':
      statusCode = 200;
      if (verdict.outcome.kind === 'accepted') {
        title = 'Lead accepted';
        text = 'Thanks. The lead is yours.';
      } else {
        title = 'Lead sent back to marketing';
        text = `Thanks. Your reason (${quoted(verdict.outcome.reason)}) was recorded for marketing.${recontactNote(verdict.outcome)}`;
      }
      break;
    case 'repeated': {
      statusCode = 200;
      const { outcome } = verdict;
      const when = readableTime(outcome.at);
      if (outcome.kind === 'accepted') {
        title = 'Already accepted';
        text = `You already accepted this lead at ${when}. Nothing changed.`;
      } else {
        title = 'Already sent back';
        const newReason = request.posted && request.reason !== undefined && request.reason !== outcome.reason;
        text = newReason
          ? `You already sent this lead back to marketing at ${when}. Your earlier reason (${quoted(outcome.reason)}) was kept; the new one (${quoted(request.reason!)}) was not recorded.`
          : `You already sent this lead back to marketing at ${when}, with the reason ${quoted(outcome.reason)}. Nothing changed.`;
        text += recontactNote(outcome);
      }
      break;
    }
    case 'contradicted': {
      const { outcome } = verdict;
      const when = readableTime(outcome.at);
      title = outcome.kind === 'accepted' ? 'Already accepted' : 'Already sent back';
      text =
        outcome.kind === 'accepted'
          ? `This lead was already accepted by you at ${when}.${notRecorded}`
          : `This lead was already sent back to marketing by you at ${when} (reason: ${quoted(outcome.reason)}).${notRecorded}`;
      break;
    }
    case 'reassigned':
      title = 'Lead reassigned';
      text = `This lead was reassigned to another rep at ${readableTime(verdict.handover.at)} because the acceptance window ended at ${readableTime(verdict.handover.acceptBy)}.${notRecorded}`;
      break;
    case 'recycled':
      title = 'Lead sent back to marketing';
      text = `This lead went back to marketing at ${readableTime(verdict.handover.at)} because it was not accepted by ${readableTime(verdict.handover.acceptBy)}.${notRecorded}`;
      break;
    case 'closed':
      title = 'This link no longer applies';
      text = `${capitalize(verdict.reason)}.${notRecorded}`;
      break;
  }
  const stands = verdict.kind === 'recorded' || verdict.kind === 'repeated';
  const body = `${text ? `<p>${escapeHtml(text)}</p>` : ''}${verdict.kind === 'open' ? form : ''}${stands ? after : ''}`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return { statusCode, title, html };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An email for someone, sent at most once per idempotency key. */
export interface EmailToSend extends RenderedEmail {
  /** one recipient, or several in To of one message (the weekly digest's leadership list) */
  to: string | readonly string[];
  /** what this email is for; at most one email is sent per idempotency key */
  idempotencyKey: string;
}

export type SendResult = { sent: true; messageId: string } | { sent: false; reason: 'already-sent' };
