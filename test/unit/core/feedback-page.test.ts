import { describe, expect, it } from 'vitest';
import { feedbackSubmissionSchema, type FeedbackConfig } from '#core/feedback.ts';
import { feedbackForm, renderFeedbackPage, submissionOf } from '#core/feedback-page.ts';
import * as z from '#core/zod.ts';

const config: FeedbackConfig = {
  reasons: {
    accepted: [{ id: 'right-fit', label: 'Fits <our> profile' }],
    rejected: [
      { id: 'no-need', label: 'No need' },
      { id: 'not-now', label: 'Not now' },
    ],
    closed: [{ id: 'went-quiet', label: 'Went quiet' }],
  },
};

describe('reading the feedback form back', () => {
  it('gives the rating as a number, every ticked box, and the comment trimmed', () => {
    const form = new URLSearchParams('rating=4&reason=no-need&reason=not-now&comment=++Call+in+May++');

    expect(submissionOf('rejected', form)).toEqual({ occasion: 'rejected', rating: 4, reasons: ['no-need', 'not-now'], comment: 'Call in May' });
  });

  it('leaves out a missing rating and a blank comment, so the schema names what is missing', () => {
    const submission = submissionOf('accepted', new URLSearchParams('comment=+++'));

    expect(submission).toEqual({ occasion: 'accepted', reasons: [] });
    const result = z.safeParse(feedbackSubmissionSchema(config), submission);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['rating']);
  });

  it('keeps a rating that is not a whole number as text, which the schema refuses', () => {
    expect(submissionOf('accepted', new URLSearchParams('rating=4.5')).rating).toBe('4.5');
    expect(z.safeParse(feedbackSubmissionSchema(config), submissionOf('accepted', new URLSearchParams('rating=4.5'))).success).toBe(false);
  });
});

describe('the feedback form', () => {
  it('lists only the occasion’s reasons, escaped, and posts to the action given', () => {
    const form = feedbackForm('accepted', config, '../../../../v1/feedback/lead-1/1/accepted?rep=rep-sam&exp=1&sig=x');

    expect(form).toContain('action="../../../../v1/feedback/lead-1/1/accepted?rep=rep-sam&#38;exp=1&#38;sig=x"');
    expect(form).toContain('Fits &#60;our&#62; profile');
    expect(form).not.toContain('No need');
  });

  it('fills in what was posted when it is shown again with the problems, as a 400', () => {
    const page = renderFeedbackPage(
      { kind: 'form', occasion: 'rejected', values: { rating: '2', reasons: ['not-now'], comment: '<script>' }, issues: [{ path: 'reasons', message: 'a rejection needs at least one reason' }] },
      config,
    );

    expect(page.statusCode).toBe(400);
    expect(page.html).toContain('<input type="radio" name="rating" value="2" checked required>');
    expect(page.html).toContain('<input type="checkbox" name="reason" value="not-now" checked>');
    expect(page.html).toContain('<input type="checkbox" name="reason" value="no-need">');
    expect(page.html).toContain('&#60;script&#62;</textarea>');
    expect(page.html).toContain('<li><strong>reasons</strong>: a rejection needs at least one reason</li>');
  });
});
