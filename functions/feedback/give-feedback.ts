import { NotFoundError } from '#commons/errors.ts';
import { requireValidLink } from '#commons/signed-link.ts';
import { describeIssues } from '#core/config-errors.ts';
import type { Cycle } from '#core/cycle.ts';
import { feedbackMessageIdOf, feedbackOccasions, feedbackSubmissionSchema, type FeedbackConfig, type FeedbackOccasion } from '#core/feedback.ts';
import { feedbackCounts, type ReportCount } from '#core/report-counts.ts';
import { formValuesOf, submissionOf, type FeedbackPageView } from '#core/feedback-page.ts';
import { feedbackRefusal } from '#core/link-rules.ts';
import type { FeedbackLink } from '#core/links.ts';
import type { FeedbackEntry, FeedbackEvent, VersionedLead } from '#core/records.ts';
import * as z from '#core/zod.ts';

export interface GiveFeedbackPorts {
  now: () => Date;
  /** the secret that signs reps' links */
  linkSigningKey: () => Promise<string>;
  /** the reason boxes per occasion (config/feedback.json) */
  feedbackConfig: FeedbackConfig;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  getFeedback: (leadId: string, cycle: number, occasion: FeedbackOccasion) => Promise<FeedbackEntry | undefined>;
  /** stores the feedback with its event (and its comment, for the team the hand-off went to), unless feedback on that cycle and occasion is there ('duplicate': nothing changed) */
  storeFeedback: (event: FeedbackEvent, reports: readonly ReportCount[], teamId?: string) => Promise<'recorded' | 'duplicate'>;
}

export interface FeedbackRequest {
  link: FeedbackLink;
  signature: string;
  /** the form as posted (form-encoded); absent when the link was only opened */
  form?: URLSearchParams;
}

/**
 * A rep follows a feedback link. The link must be genuine, in time, and for
 * the rep the hand-off is with (see feedbackRefusal); opening it shows the
 * form, or the feedback already given; posting stores the first feedback per
 * cycle and occasion, once, or shows what is wrong with it and stores nothing.
 */
export async function giveFeedback(input: FeedbackRequest, ports: GiveFeedbackPorts): Promise<FeedbackPageView> {
  const { link, form } = input;
  requireValidLink(link, input.signature, await ports.linkSigningKey(), ports.now());
  const found = await ports.getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const cycle = await ports.getCycle(link.leadId, link.cycle);
  const refusal = feedbackRefusal(found.lead, cycle, link);
  if (refusal) return { kind: 'refused', reason: refusal };

  const given = await ports.getFeedback(link.leadId, link.cycle, link.occasion);
  if (given) return { kind: 'given', entry: given, posted: form !== undefined };
  if (!form) return { kind: 'form', occasion: link.occasion };

  const parsed = z.safeParse(feedbackSubmissionSchema(ports.feedbackConfig), submissionOf(link.occasion, form));
  if (!parsed.success) return { kind: 'form', occasion: link.occasion, values: formValuesOf(form), issues: describeIssues(parsed.error) };

  const at = ports.now().toISOString();
  const { rating, reasons = [], comment } = parsed.data;
  const entry: FeedbackEntry = {
    leadId: link.leadId,
    cycle: link.cycle,
    occasion: link.occasion,
    repId: link.repId,
    rating,
    reasons,
    ...(comment !== undefined && { comment }),
    at,
  };
  // The first feedback on the hand-off covers it (coverage: hand-offs with feedback ÷ hand-offs).
  const others = await Promise.all(feedbackOccasions.filter((o) => o !== link.occasion).map((o) => ports.getFeedback(link.leadId, link.cycle, o)));
  const reports = feedbackCounts(entry, cycle?.owner.teamId, others.every((other) => other === undefined));
  const stored = await ports.storeFeedback({ messageId: feedbackMessageIdOf(entry), kind: 'feedback', leadId: link.leadId, feedback: entry, receivedAt: at }, reports, cycle?.owner.teamId);
  if (stored === 'recorded') return { kind: 'recorded', entry };
  // Another submission got there first: that one stands.
  const first = await ports.getFeedback(link.leadId, link.cycle, link.occasion);
  return first ? { kind: 'given', entry: first, posted: true } : { kind: 'refused', reason: 'feedback on this was given at the same moment; please open the link again' };
}

export { feedbackMessageIdOf } from '#core/feedback.ts';
