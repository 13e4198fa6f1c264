import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  feedbackClock,
  feedbackConfigSchema,
  feedbackOccasions,
  feedbackSubmissionSchema,
  summarizeFeedback,
  summarizeFeedbackBy,
  type FeedbackConfig,
  type FeedbackRecord,
  type HandOffRef,
} from '#core/feedback.ts';
import { officeCalendar } from './calendar-arbitraries.ts';

const config: FeedbackConfig = {
  reasons: {
    accepted: [{ id: 'right-fit', label: 'Right fit' }, { id: 'clear-need', label: 'Clear need' }],
    rejected: [{ id: 'no-need', label: 'No need' }, { id: 'competitor', label: 'Competitor' }],
    closed: [{ id: 'lost-on-price', label: 'Lost on price' }],
  },
};
const schema = feedbackSubmissionSchema(config);

function issuesOf(value: unknown, s: { safeParse: (v: unknown) => { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } = schema) {
  const result = s.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the feedback configuration', () => {
  it('refuses a reason id listed twice, naming the second', () => {
    // Prepare
    const broken = { reasons: { ...config.reasons, rejected: [...config.reasons.rejected, { id: 'no-need', label: 'Again' }] } };

    // Act / Assess
    expect(issuesOf(broken, feedbackConfigSchema)).toEqual([{ path: 'reasons.rejected.2.id', message: 'duplicate reason id "no-need"' }]);
  });

  it.each([
    ['an occasion without reasons', { reasons: { ...config.reasons, rejected: [] } }, 'reasons.rejected'],
    ['a missing occasion', { reasons: { accepted: config.reasons.accepted, rejected: config.reasons.rejected } }, 'reasons.closed'],
    ['a reason id with spaces', { reasons: { ...config.reasons, closed: [{ id: 'Lost on price', label: 'x' }] } }, 'reasons.closed.0.id'],
    ['a reason without a label', { reasons: { ...config.reasons, closed: [{ id: 'x', label: '' }] } }, 'reasons.closed.0.label'],
    ['an unknown occasion', { reasons: { ...config.reasons, quiet: config.reasons.closed } }, 'reasons'],
  ])('refuses %s, naming the field', (_, value, path) => {
    // Prepare / Act / Assess
    expect(issuesOf(value, feedbackConfigSchema).map((i) => i.path)).toContain(path);
  });
});

describe('a feedback submission', () => {
  it('takes a rating, reasons of its occasion and a comment', () => {
    // Prepare / Act / Assess
    expect(schema.safeParse({ occasion: 'accepted', rating: 5, reasons: ['right-fit', 'clear-need'], comment: 'Great lead' }).success).toBe(true);
    expect(schema.safeParse({ occasion: 'closed', rating: 1 }).success).toBe(true);
    expect(schema.safeParse({ occasion: 'rejected', rating: 2, reasons: ['competitor'], comment: 'c'.repeat(2000) }).success).toBe(true);
  });

  it('refuses a rejection without a reason', () => {
    // Prepare / Act / Assess
    expect(issuesOf({ occasion: 'rejected', rating: 2 })).toEqual([{ path: 'reasons', message: 'a rejection needs at least one reason' }]);
    expect(issuesOf({ occasion: 'rejected', rating: 2, reasons: [] })).toEqual([{ path: 'reasons', message: 'a rejection needs at least one reason' }]);
  });

  it("refuses a reason from another occasion's list, naming it", () => {
    // Prepare / Act / Assess
    expect(issuesOf({ occasion: 'accepted', rating: 4, reasons: ['right-fit', 'no-need'] })).toEqual([
      { path: 'reasons.1', message: '"no-need" is not one of the reasons for accepted leads' },
    ]);
  });

  it('refuses a reason ticked twice', () => {
    // Prepare / Act / Assess
    expect(issuesOf({ occasion: 'rejected', rating: 1, reasons: ['no-need', 'no-need'] })).toEqual([{ path: 'reasons.1', message: '"no-need" is ticked twice' }]);
  });

  it.each([
    ['a rating of 0', { occasion: 'accepted', rating: 0 }, 'rating', 'a rating is 1 to 5'],
    ['a rating of 6', { occasion: 'accepted', rating: 6 }, 'rating', 'a rating is 1 to 5'],
  ])('refuses %s', (_, value, path, message) => {
    // Prepare / Act / Assess
    expect(issuesOf(value)).toEqual([{ path, message }]);
  });

  it.each([
    ['a fractional rating', { occasion: 'accepted', rating: 3.5 }, 'rating'],
    ['no rating', { occasion: 'accepted' }, 'rating'],
    ['an unknown occasion', { occasion: 'quiet', rating: 3 }, 'occasion'],
    ['a comment too long', { occasion: 'accepted', rating: 3, comment: 'c'.repeat(2001) }, 'comment'],
    ['too many reasons', { occasion: 'accepted', rating: 3, reasons: Array.from({ length: 21 }, () => 'right-fit') }, 'reasons'],
    ['an unknown field', { occasion: 'accepted', rating: 3, stars: 3 }, ''],
  ])('refuses %s', (_, value, path) => {
    // Prepare / Act / Assess
    expect(issuesOf(value).map((i) => i.path)).toContain(path);
  });
});

describe('the feedback summary', () => {
  const handOff = (leadId: string, cycle = 1, repId = 'rep-sam', teamId = 'emea'): HandOffRef => ({ leadId, cycle, repId, teamId });
  const given = (leadId: string, rating: number, occasion: FeedbackRecord['occasion'] = 'accepted', reasons: string[] = [], cycle = 1): FeedbackRecord => ({
    leadId,
    cycle,
    occasion,
    rating,
    reasons,
  });

  it('counts coverage per hand-off, every rating from 1 to 5, and ticks per reason', () => {
    // Prepare: 4 hand-offs; lead-a has two submissions, lead-b one, lead-c and lead-d none (lead-d has feedback on another cycle)
    const handOffs = [handOff('lead-a'), handOff('lead-b'), handOff('lead-c'), handOff('lead-d', 2)];
    const feedback = [
      given('lead-a', 5, 'accepted', ['right-fit']),
      given('lead-a', 1, 'closed', ['lost-on-price']),
      given('lead-b', 1, 'rejected', ['no-need', 'competitor']),
      given('lead-d', 3, 'accepted', ['right-fit'], 1),
    ];

    // Act
    const summary = summarizeFeedback(handOffs, feedback, config);

    // Assess
    expect(summary).toEqual({
      handed: 4,
      withFeedback: 2,
      coverage: 0.5,
      submissions: 3,
      ratings: { 1: 2, 2: 0, 3: 0, 4: 0, 5: 1 },
      reasons: {
        accepted: { 'right-fit': 1, 'clear-need': 0 },
        rejected: { 'no-need': 1, competitor: 1 },
        closed: { 'lost-on-price': 1 },
      },
    });
  });

  it('has no coverage when nothing was handed, rather than 0 or NaN', () => {
    // Prepare / Act / Assess
    expect(summarizeFeedback([], [], config)).toMatchObject({ handed: 0, coverage: null, ratings: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } });
  });

  it('keeps a reason ticked before it left the configuration', () => {
    // Prepare / Act / Assess
    expect(summarizeFeedback([handOff('lead-a')], [given('lead-a', 2, 'rejected', ['bad-contact-data'])], config).reasons.rejected).toEqual({
      'no-need': 0,
      competitor: 0,
      'bad-contact-data': 1,
    });
  });

  it('summarizes per rep and per team, each hand-off counting for whom it went to', () => {
    // Prepare
    const handOffs = [handOff('lead-a', 1, 'rep-sam', 'emea'), handOff('lead-b', 1, 'rep-kim', 'emea'), handOff('lead-c', 1, 'rep-max', 'us')];
    const feedback = [given('lead-a', 4), given('lead-c', 2)];

    // Act
    const byRep = summarizeFeedbackBy('repId', handOffs, feedback, config);
    const byTeam = summarizeFeedbackBy('teamId', handOffs, feedback, config);

    // Assess
    expect(Object.fromEntries(Object.entries(byRep).map(([rep, s]) => [rep, s.coverage]))).toEqual({ 'rep-sam': 1, 'rep-kim': 0, 'rep-max': 1 });
    expect(byTeam.emea).toMatchObject({ handed: 2, withFeedback: 1, coverage: 0.5, ratings: { 4: 1, 2: 0 } });
    expect(byTeam.us).toMatchObject({ handed: 1, withFeedback: 1, ratings: { 2: 1 } });
  });

  it('keeps coverage between 0 and 1 and counts every submission on a handed lead once', () => {
    const leads = fc.constantFrom('lead-a', 'lead-b', 'lead-c', 'lead-d');
    fc.assert(
      fc.property(
        fc.uniqueArray(leads, { minLength: 1 }),
        fc.array(fc.record({ leadId: leads, rating: fc.integer({ min: 1, max: 5 }), occasion: fc.constantFrom(...feedbackOccasions) })),
        (handed, submissions) => {
          // Act
          const summary = summarizeFeedback(handed.map((l) => handOff(l)), submissions.map((s) => given(s.leadId, s.rating, s.occasion)), config);

          // Assess
          const onHanded = submissions.filter((s) => handed.includes(s.leadId));
          expect(summary.coverage).toBe(new Set(onHanded.map((s) => s.leadId)).size / handed.length);
          expect(Object.values(summary.ratings).reduce((a, b) => a + b, 0)).toBe(onHanded.length);
          expect(summary.submissions).toBe(onHanded.length);
        },
      ),
    );
  });
});

describe('the feedback clock', () => {
  // Handed over Monday 2 March 2026, 09:00 in London (GMT): 7 working days on is Wednesday 11 March,
  // 09:00; the manager is told 24 working hours later (Wednesday, Thursday, Friday): Friday 13 March, 17:00.
  const handedAt = '2026-03-02T09:00:00.000Z';
  const sales = { feedbackWithinDays: 7, notifyManagerAfterHours: 24 };
  const calendar = officeCalendar('Europe/London');
  const dueAt = '2026-03-11T09:00:00.000Z';
  const managerAt = '2026-03-13T17:00:00.000Z';
  const on = (iso: string) => new Date(iso);

  it('reminds the rep once the agreed working days pass without feedback, then the manager, each once', () => {
    // Prepare / Act
    const before = feedbackClock({ handedAt, sales, calendar, now: on('2026-03-10T17:00:00Z') });
    const atDue = feedbackClock({ handedAt, sales, calendar, now: on(dueAt) });
    const atManager = feedbackClock({ handedAt, sales, calendar, now: on(managerAt), sent: ['feedback-remind-rep'] });
    const after = feedbackClock({ handedAt, sales, calendar, now: on('2026-03-16T09:00:00Z'), sent: ['feedback-remind-rep', 'feedback-notify-manager'] });

    // Assess
    expect(before).toEqual({ dueAt, status: 'due', due: [], next: { step: 'feedback-remind-rep', at: dueAt } });
    expect(atDue).toMatchObject({ status: 'missed', due: ['feedback-remind-rep'], next: { step: 'feedback-notify-manager', at: managerAt } });
    expect(atManager.due).toEqual(['feedback-notify-manager']);
    expect(after.due).toEqual([]);
    expect(after.next).toBeUndefined();
  });

  it('skips the rep’s public holidays: a Friday off moves the deadline to Thursday', () => {
    const clock = feedbackClock({ handedAt, sales, calendar: officeCalendar('Europe/London', ['2026-03-06']), now: on(handedAt) });
    expect(clock.dueAt).toBe('2026-03-12T09:00:00.000Z');
  });

  it('chases nobody once feedback was given, even late', () => {
    // Prepare / Act
    const inTime = feedbackClock({ handedAt, sales, calendar, feedbackAt: '2026-03-04T10:00:00.000Z', now: on('2026-03-20T10:00:00Z') });
    const late = feedbackClock({ handedAt, sales, calendar, feedbackAt: '2026-03-11T12:00:00.000Z', now: on('2026-03-12T10:00:00Z'), sent: ['feedback-remind-rep'] });

    // Assess
    expect(inTime).toEqual({ dueAt, status: 'met', due: [] });
    expect(late).toEqual({ dueAt, status: 'missed', due: [] });
  });
});
