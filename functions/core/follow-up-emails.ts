import type { FirstContactClock, FollowUpClock } from './activities.ts';
import { deadlineInWords } from './deadline-words.ts';
import { escapeHtml, leadName, oneLine, type RenderedEmail } from './emails.ts';
import { managerTimeZone } from './rep-calendars.ts';
import type { FeedbackOccasion } from './feedback.ts';
import { ASK_CLOSED_FEEDBACK, type ClosedFeedbackAsk, type FollowUpStep } from './follow-up.ts';
import type { Lead } from './lead.ts';
import type { SalesCommitment } from './service-agreement.ts';
import type { Manager, Rep } from './teams.ts';

/**
 * The emails the follow-up sends: a rep reminded of a clock or of feedback,
 * a manager told, a rep asked how a closed lead was. Pure: what each says
 * comes from the clocks and the agreement; the links are signed by the caller.
 */

export interface FollowUpEmailInput {
  step: Exclude<FollowUpStep, 'return-to-sales'>;
  lead: Pick<Lead, 'leadId' | 'email' | 'traits' | 'stage'>;
  rep: Pick<Rep, 'name' | 'email' | 'timeZone'>;
  manager: Pick<Manager, 'name' | 'email' | 'timeZone'>;
  sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp' | 'feedbackWithinDays'>;
  acceptedAt: string;
  firstContact: FirstContactClock;
  followUp: FollowUpClock;
  closedAsk?: ClosedFeedbackAsk | undefined;
  /** the rep's one-click "I contacted them" link, while the lead is worked */
  contactedUrl?: string | undefined;
  /** the rep's feedback page for the occasion the step is about */
  feedbackUrl?: string | undefined;
  /** until when the links work, as the email states it */
  linksExpireAt?: string | undefined;
  /** when the email is written: a date in another year shows its year */
  now?: Date | undefined;
}

export interface FollowUpEmail extends RenderedEmail {
  to: string;
}


/** The feedback occasion a feedback step is about (`accepted:feedback-remind-rep` → accepted). */
export function occasionOf(step: FollowUpStep): FeedbackOccasion | undefined {
  if (step === ASK_CLOSED_FEEDBACK) return 'closed';
  const [occasion, rest] = step.split(':');
  return rest === undefined ? undefined : (occasion as FeedbackOccasion);
}

function closedWords(ask: ClosedFeedbackAsk | undefined, days: number): string {
  if (!ask) return 'has closed';
  if (ask.why === 'quiet') return `has gone quiet: still sales-accepted ${days} working days after you accepted it, with no stage reported since`;
  return ask.stage === 'recycled' ? 'went back to marketing' : `was ${ask.stage}`;
}

/** Who gets the step's email and what it says. */
export function renderFollowUpEmail(input: FollowUpEmailInput): FollowUpEmail {
  const { step, lead, rep, manager, sales } = input;
  const name = leadName(lead);
  const contact = `${name} <${lead.email ?? 'no email'}>`;
  const toRep = !step.endsWith('notify-manager');
  // times as the recipient reads them: their zone (a manager's, else the rep's), in words
  const zone = toRep ? rep.timeZone : managerTimeZone(manager, rep.timeZone);
  const when = (iso: string) => deadlineInWords(new Date(iso), zone, input.now);
  const lines: string[] = [];
  let subject: string;
  switch (step) {
    case 'first-contact-remind-rep':
      subject = `First contact overdue: ${name}`;
      lines.push(
        `You accepted ${contact} on ${when(input.acceptedAt)}. The service agreement asks for a first contact within ${sales.firstContactWithinHours} of your working hours, by ${when(input.firstContact.dueAt)}, and none is recorded.`,
        'Once you have reached them, record it with the link below (or log the call, email or meeting in the CRM).',
      );
      break;
    case 'first-contact-notify-manager':
      subject = `No first contact: ${rep.name} has not contacted ${name}`;
      lines.push(
        `${rep.name} accepted ${contact} on ${when(input.acceptedAt)} and has recorded no contact; it was due by ${when(input.firstContact.dueAt)} (within ${sales.firstContactWithinHours} working hours). ${rep.name} was reminded.`,
      );
      break;
    case 'follow-up-remind-rep':
      subject = `Follow-up short: ${name} (${input.followUp.counted} of ${input.followUp.required})`;
      lines.push(
        `The service agreement asks for ${input.followUp.required} follow-up activities within ${sales.followUp.withinDays} working days of accepting ${contact}; ${input.followUp.counted} were recorded by ${when(input.followUp.endsAt)}.`,
      );
      break;
    case 'follow-up-notify-manager':
      subject = `Follow-up short: ${rep.name} on ${name}`;
      lines.push(
        `${rep.name} recorded ${input.followUp.counted} of the ${input.followUp.required} follow-up activities the agreement asks for within ${sales.followUp.withinDays} working days of accepting ${contact} (window ended ${when(input.followUp.endsAt)}). ${rep.name} was reminded.`,
      );
      break;
    case ASK_CLOSED_FEEDBACK:
      subject = `How was ${name}? The lead ${input.closedAsk?.why === 'quiet' ? 'went quiet' : closedWords(input.closedAsk, sales.followUp.withinDays)}`;
      lines.push(
        `${contact} ${closedWords(input.closedAsk, sales.followUp.withinDays)}.`,
        'Tell marketing how good this lead was: a rating, a few ticked reasons, a comment if you like. It takes a minute and decides which leads you get next.',
      );
      break;
    default: {
      const occasion = occasionOf(step) ?? 'accepted';
      const about = occasion === 'closed' ? 'the closed lead' : occasion === 'accepted' ? 'the lead you accepted' : 'the lead you sent back';
      if (toRep) {
        subject = `Feedback due: ${name}`;
        lines.push(`Marketing asks for feedback on every lead handed to sales within ${sales.feedbackWithinDays} working days. None is in yet for ${about}, ${contact}.`);
      } else {
        subject = `No feedback: ${rep.name} on ${name}`;
        lines.push(`${rep.name} has given no feedback on ${about}, ${contact}, within the ${sales.feedbackWithinDays} working days the agreement asks for. ${rep.name} was reminded.`);
      }
    }
  }
  const links: { label: string; url: string }[] = [];
  if (toRep && input.contactedUrl && step.startsWith('first-contact')) links.push({ label: 'I contacted them', url: input.contactedUrl });
  if (toRep && input.contactedUrl && step.startsWith('follow-up')) links.push({ label: 'Record a follow-up', url: input.contactedUrl });
  if (toRep && input.feedbackUrl && occasionOf(step)) links.push({ label: 'Give feedback', url: input.feedbackUrl });
  const expiry = links.length > 0 && input.linksExpireAt ? `These links work until ${when(input.linksExpireAt)}.` : undefined;
  const greeting = `Hi ${toRep ? rep.name : manager.name},`;
  const text = [greeting, '', ...lines, '', ...links.map((l) => `${l.label}: ${l.url}`), ...(expiry ? [expiry] : [])].join('\n').trimEnd();
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>${escapeHtml(greeting)}</p>
${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
${links.length > 0 ? `<p>${links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join(' · ')}</p>` : ''}
${expiry ? `<p style="color:#666">${escapeHtml(expiry)}</p>` : ''}
</body></html>`;
  return { to: toRep ? rep.email : manager.email, subject: oneLine(subject), html, text };
}
