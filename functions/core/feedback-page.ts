import type { FeedbackConfig, FeedbackOccasion } from './feedback.ts';
import { escapeHtml, htmlPage, readableTime, type Page } from './html.ts';
import type { FeedbackEntry } from './records.ts';

/**
 * The feedback page a rep reaches by a signed link: lead quality 1 to 5, the
 * occasion's reason boxes from config/feedback.json, an optional comment.
 * Pure: what to show in, HTML out; and the form's fields read back into the
 * shape feedbackSubmissionSchema checks.
 */

/** What the form posts, as sent (to show it again beside what is wrong with it). */
export interface FeedbackFormValues {
  rating?: string;
  reasons: string[];
  comment?: string;
}

export interface FieldProblem {
  path: string;
  message: string;
}

export type FeedbackPageView =
  /** the form, empty or as posted with what is wrong with it (400) */
  | { kind: 'form'; occasion: FeedbackOccasion; values?: FeedbackFormValues; issues?: readonly FieldProblem[] }
  /** the rep's feedback, stored just now */
  | { kind: 'recorded'; entry: FeedbackEntry }
  /** feedback on this occasion was given before: it stands, and this request changed nothing */
  | { kind: 'given'; entry: FeedbackEntry; posted: boolean }
  /** the link does not apply (another rep, an earlier cycle, …) */
  | { kind: 'refused'; reason: string };

const occasionTitles: Record<FeedbackOccasion, string> = {
  accepted: 'How good is this lead?',
  rejected: 'Why was this lead not for sales?',
  closed: 'How did this lead end?',
};

const ratingLabels = ['1 (poor)', '2', '3', '4', '5 (excellent)'];

/** The form's fields read back: the rating as a number when it is one, the ticked boxes, the comment unless blank. */
export function submissionOf(occasion: FeedbackOccasion, form: URLSearchParams): Record<string, unknown> {
  const rating = form.get('rating') ?? undefined;
  const comment = form.get('comment') ?? undefined;
  return {
    occasion,
    ...(rating !== undefined && rating !== '' && { rating: /^\d+$/.test(rating) ? Number(rating) : rating }),
    reasons: form.getAll('reason'),
    ...(comment !== undefined && comment.trim() !== '' && { comment: comment.trim() }),
  };
}

/** What the form posted, as text, to fill the form in again. */
export function formValuesOf(form: URLSearchParams): FeedbackFormValues {
  const rating = form.get('rating') ?? undefined;
  const comment = form.get('comment') ?? undefined;
  return { ...(rating !== undefined && { rating }), reasons: form.getAll('reason'), ...(comment !== undefined && { comment }) };
}

/**
 * The form itself; `action` is where it posts (empty: the page it is on).
 * Other pages (the confirmation after a decision) embed it with a link of their own.
 */
export function feedbackForm(occasion: FeedbackOccasion, config: FeedbackConfig, action = '', values: FeedbackFormValues = { reasons: [] }): string {
  const ratings = ratingLabels
    .map((label, i) => {
      const value = String(i + 1);
      return `<label><input type="radio" name="rating" value="${value}"${values.rating === value ? ' checked' : ''} required> ${escapeHtml(label)}</label>`;
    })
    .join(' ');
  const reasons = config.reasons[occasion]
    .map(
      (r) =>
        `<label><input type="checkbox" name="reason" value="${escapeHtml(r.id)}"${values.reasons.includes(r.id) ? ' checked' : ''}> ${escapeHtml(r.label)}</label><br>`,
    )
    .join('\n');
  const reasonsLegend = occasion === 'rejected' ? 'Why? (tick at least one)' : 'What stood out? (optional)';
  return `<form method="post"${action ? ` action="${escapeHtml(action)}"` : ''}>
<fieldset><legend>Lead quality</legend>${ratings}</fieldset>
<fieldset><legend>${reasonsLegend}</legend>
${reasons}
</fieldset>
<p><label>Comment (optional)<br><textarea name="comment" rows="4" cols="60" maxlength="2000">${escapeHtml(values.comment ?? '')}</textarea></label></p>
<p><button type="submit">Send feedback</button></p></form>`;
}

/** The stored feedback as the page shows it: rating, the reasons with their labels, the comment, when. */
function storedFeedback(entry: FeedbackEntry, config: FeedbackConfig): string {
  const labels = new Map(config.reasons[entry.occasion].map((r) => [r.id, r.label]));
  const reasons = entry.reasons.map((id) => `<li>${escapeHtml(labels.get(id) ?? id)}</li>`).join('');
  return `<dl>
<dt>Lead quality</dt><dd>${escapeHtml(entry.rating)} of 5</dd>
<dt>Reasons</dt><dd>${reasons ? `<ul>${reasons}</ul>` : 'none ticked'}</dd>
${entry.comment !== undefined ? `<dt>Comment</dt><dd>${escapeHtml(entry.comment)}</dd>` : ''}
<dt>Given</dt><dd>${escapeHtml(readableTime(entry.at))} by ${escapeHtml(entry.repId)}</dd>
</dl>`;
}

export function renderFeedbackPage(view: FeedbackPageView, config: FeedbackConfig): Page {
  switch (view.kind) {
    case 'form': {
      const issues = view.issues ?? [];
      const problems =
        issues.length > 0
          ? `<p>Nothing was saved. Please fix:</p><ul>${issues.map((i) => `<li><strong>${escapeHtml(i.path)}</strong>: ${escapeHtml(i.message)}</li>`).join('')}</ul>`
          : '';
      const title = occasionTitles[view.occasion];
      return { statusCode: issues.length > 0 ? 400 : 200, title, html: htmlPage(title, problems + feedbackForm(view.occasion, config, '', view.values)) };
    }
    case 'recorded': {
      const title = 'Thanks for your feedback';
      return { statusCode: 200, title, html: htmlPage(title, `<p>Marketing sees it with the lead.</p>${storedFeedback(view.entry, config)}`) };
    }
    case 'given': {
      const title = 'Feedback already given';
      const note = view.posted ? 'The first feedback on this stands; this one was not saved.' : 'This is the feedback you gave. It stands.';
      return { statusCode: 200, title, html: htmlPage(title, `<p>${note}</p>${storedFeedback(view.entry, config)}`) };
    }
    case 'refused': {
      const title = 'This link no longer applies';
      const reason = view.reason.charAt(0).toUpperCase() + view.reason.slice(1);
      return { statusCode: 409, title, html: htmlPage(title, `<p>${escapeHtml(reason)}. Nothing was saved.</p>`) };
    }
  }
}
