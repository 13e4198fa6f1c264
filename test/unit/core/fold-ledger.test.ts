import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToLedger,
  engagementAt,
  foldLedger,
  foldedLedgerCovers,
  LATE_EVENT_DAYS,
  lookBackDays,
  qualifyingActivity,
  rulesReadOneByOne,
  scoreBreakdown,
  scoringModelSchema,
  topReasons,
  type LedgerEntry,
  type ScoringModel,
} from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, pageView, stored } from './lead-fixtures.ts';

/**
 * The bounded ledger a profile can keep (foldLedger) against a replay of the
 * stored events in time order, the full ledger: engagement, breakdown and
 * reasons at any later instant, every cap decision and the activity
 * qualification are the same, for any arrival order within the model's
 * look-back and any batching; and what is kept one by one does not grow with
 * the length of the lead's history.
 */

const HOUR = 1;
const DAY = 24 * HOUR;

/**
 * Page views 5 (2-day cap of 12, and an activity rule: 4 within 3 days),
 * pricing 4 with a 7-day half-life (3-day cap of 10), a demo 20 with a
 * 10-day half-life (no cap: folded at once), an unsubscribe −5 (no cap).
 * Look-back 3 days.
 */
const foldModel: ScoringModel = scoringModelSchema.parse({
  version: 'fold-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5, cap: { points: 12, periodDays: 2 } },
      { id: 'pricing', description: 'Viewed pricing', match: { type: 'page', urlPattern: '/pricing' }, points: 4, halfLifeDays: 7, cap: { points: 10, periodDays: 3 } },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 20, halfLifeDays: 10 },
      { id: 'unsubscribed', description: 'Unsubscribed', match: { type: 'track', event: 'Unsubscribed' }, points: -5 },
    ],
  },
  fit: { rules: [], grades: { A: 30, B: 20, C: 10 } },
  qualification: { minGrade: 'D', minEngagement: 1000, orActivity: [{ rule: 'page-view', atLeast: 4, withinDays: 3 }] },
});

const byTime = (a: StoredEvent, b: StoredEvent) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.messageId < b.messageId ? -1 : 1);

/** Events of one visitor over 60 days, each with how late it arrives (at most LATE_EVENT_DAYS after the events that happened when it did). */
const historyArb = fc
  .uniqueArray(
    fc.record({
      id: fc.integer({ min: 0, max: 9999 }),
      hour: fc.integer({ min: 0, max: 60 * DAY }),
      kind: fc.constantFrom('page', 'pricing', 'demo', 'unsubscribe'),
      lateHours: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: LATE_EVENT_DAYS * DAY })),
    }),
    { selector: (e) => e.id, minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map(({ id, hour, kind, lateHours }) => {
      const messageId = `m-${String(id).padStart(4, '0')}`;
      const event =
        kind === 'page'
          ? pageView(messageId, hour, { url: 'https://example.com/docs' })
          : kind === 'pricing'
            ? pageView(messageId, hour, { url: 'https://example.com/pricing' })
            : stored(messageId, hour, { type: 'track', event: kind === 'demo' ? 'Demo Requested' : 'Unsubscribed' });
      return { event, arrives: hour + lateHours };
    }),
  );

/** The reference: every event in time order into one ledger, nothing folded. */
function replay(events: readonly StoredEvent[]): LedgerEntry[] {
  const ledger: LedgerEntry[] = [];
  for (const event of [...events].sort(byTime)) addToLedger(foldModel, ledger, event);
  return ledger;
}

/** The bounded layout: events in the order they arrive, in batches, the ledger folded after each batch at the latest instant seen. */
function foldedAsTheyArrive(batches: readonly (readonly StoredEvent[])[]): { ledger: LedgerEntry[]; scoredAt: string; largestKept: number } {
  let ledger: LedgerEntry[] = [];
  let scoredAt = '';
  let largestKept = 0;
  for (const batch of batches) {
    for (const event of [...batch].sort(byTime)) {
      addToLedger(foldModel, ledger, event);
      if (event.timestamp > scoredAt) scoredAt = event.timestamp;
    }
    ledger = foldLedger(ledger, foldModel, new Date(scoredAt));
    largestKept = Math.max(largestKept, ledger.filter((e) => e.events === undefined).length);
  }
  return { ledger, scoredAt, largestKept };
}

function inBatches<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const result: T[][] = [];
  let from = 0;
  for (const point of [...points, items.length]) {
    if (point > from) result.push(items.slice(from, point));
    from = Math.max(from, point);
  }
  return result;
}

const later = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * 3_600_000);

describe('the folded ledger against a replay of the stored events', () => {
  it('gives the same engagement, breakdown, reasons, caps and activity, for any arrival order within LATE_EVENT_DAYS and any batching (property)', () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.nat(), { maxLength: 12 }), (history, cuts) => {
        // Prepare: arrival order (how late each event is), batches cut anywhere
        const arrival = [...history].sort((a, b) => a.arrives - b.arrives || byTime(a.event, b.event)).map((h) => h.event);
        const full = replay(arrival);

        // Act
        const { ledger, scoredAt } = foldedAsTheyArrive(inBatches(arrival, cuts));

        // Assess: engagement and the breakdown now and later (decay composes), to the cent
        for (const instant of [new Date(scoredAt), later(scoredAt, 1), later(scoredAt, 40 * DAY)]) {
          expect(Math.abs(engagementAt(ledger, instant) - engagementAt(full, instant))).toBeLessThanOrEqual(0.01);
          const breakdown = scoreBreakdown(foldModel, ledger, instant);
          const reference = scoreBreakdown(foldModel, full, instant);
          expect(breakdown.map((c) => [c.ruleId, c.count]).sort()).toEqual(reference.map((c) => [c.ruleId, c.count]).sort());
          for (const c of breakdown) expect(Math.abs(c.points - reference.find((r) => r.ruleId === c.ruleId)!.points)).toBeLessThanOrEqual(0.01);
          // the reasons in the hand-off email: the same rules, in the same order where their points differ
          const reasons = topReasons(foldModel, ledger, instant, 10);
          const referenceReasons = topReasons(foldModel, full, instant, 10);
          expect(reasons.map((r) => [r.ruleId, r.count])).toEqual(referenceReasons.map((r) => [r.ruleId, r.count]));
        }
        // caps: every entry of a capped rule within the look-back is the replay's own, points and all
        const horizon = later(scoredAt, -(lookBackDays(foldModel) + LATE_EVENT_DAYS) * DAY).toISOString();
        const oneByOne = rulesReadOneByOne(foldModel);
        const recent = (entries: readonly LedgerEntry[]) => entries.filter((e) => e.events === undefined && oneByOne.has(e.ruleId) && e.at >= horizon);
        expect(recent(ledger)).toEqual(recent(full));
        // activity: the same qualification at the last instant
        expect(qualifyingActivity(foldModel, 'A', ledger, new Date(scoredAt))).toEqual(qualifyingActivity(foldModel, 'A', full, new Date(scoredAt)));
      }),
      { numRuns: 300 },
    );
  });

  it('scores the next event exactly as the full ledger would, caps included (property)', () => {
    fc.assert(
      fc.property(historyArb, fc.integer({ min: 0, max: 3 * DAY }), fc.constantFrom('page', 'pricing'), (history, after, kind) => {
        // Prepare: the history in time order, folded after each event; then one more page view
        const events = history.map((h) => h.event).sort(byTime);
        const full = replay(events);
        const { ledger, scoredAt } = foldedAsTheyArrive(events.map((e) => [e]));
        const next = pageView('m-next', 0, { url: `https://example.com/${kind === 'pricing' ? 'pricing' : 'docs'}`, timestamp: later(scoredAt, after).toISOString() });

        // Act
        addToLedger(foldModel, ledger, next);
        addToLedger(foldModel, full, next);

        // Assess
        expect(ledger.filter((e) => e.messageId === 'm-next')).toEqual(full.filter((e) => e.messageId === 'm-next'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the size of the folded ledger', () => {
  it('keeps one entry per rule for what is only read for its points, however long the history', () => {
    // Prepare: a demo request and a page view every 6 hours for 400 days
    const events = Array.from({ length: 1600 }, (_, i) => (i % 2 === 0 ? stored(`d-${i}`, i * 6 * HOUR, { type: 'track', event: 'Demo Requested' }) : pageView(`p-${i}`, i * 6 * HOUR, { url: 'https://example.com/docs' })));

    // Act
    const { ledger, largestKept } = foldedAsTheyArrive(events.map((e) => [e]));

    // Assess: demo folded into one entry; page views kept only within the 3-day look-back and the late margin (4 a day), the rest in one
    expect(ledger.filter((e) => e.ruleId === 'demo')).toHaveLength(1);
    expect(ledger.find((e) => e.ruleId === 'demo')).toMatchObject({ events: 800, first: { at: at(0), messageId: 'd-0' } });
    expect(ledger.filter((e) => e.ruleId === 'page-view' && e.events !== undefined)).toHaveLength(1);
    expect(largestKept).toBeLessThanOrEqual(4 * (lookBackDays(foldModel) + LATE_EVENT_DAYS) + 1);
  });

  it('keeps the engagement earned since a recycle apart, so it can be read on its own', () => {
    // Prepare: demos before and after the recycle instant
    const ledger: LedgerEntry[] = [];
    for (const [id, hours] of [['d-1', 0], ['d-2', 10], ['d-3', 30], ['d-4', 40]] as const) addToLedger(foldModel, ledger, stored(id, hours, { type: 'track', event: 'Demo Requested' }));
    const recycledAt = at(20);

    // Act
    const folded = foldLedger(ledger, foldModel, new Date(at(40)), recycledAt);

    // Assess
    const since = (entries: readonly LedgerEntry[]) => entries.filter((e) => e.at > recycledAt);
    expect(engagementAt(since(folded), new Date(at(50)))).toBeCloseTo(engagementAt(since(ledger), new Date(at(50))), 6);
    expect(folded).toHaveLength(2);
  });

  it('lists tied reasons in the order their rules first scored, as the full ledger does', () => {
    // Prepare: a capped page view (kept) first, then a webinar worth as much (folded at once)
    const tied = scoringModelSchema.parse({
      ...foldModel,
      engagement: { ...foldModel.engagement, rules: [...foldModel.engagement.rules, { id: 'webinar', description: 'Attended a webinar', match: { type: 'track', event: 'Webinar Attended' }, points: 5 }] },
    });
    const ledger: LedgerEntry[] = [];
    addToLedger(tied, ledger, pageView('m-1', 0, { url: 'https://example.com/docs' }));
    addToLedger(tied, ledger, stored('m-2', 1, { type: 'track', event: 'Webinar Attended' }));

    // Act
    const folded = foldLedger(ledger, tied, new Date(at(1)));

    // Assess
    expect(folded.map((e) => e.ruleId)).toEqual(['webinar', 'page-view']);
    expect(topReasons(tied, folded, new Date(at(2))).map((r) => r.ruleId)).toEqual(['page-view', 'webinar']);
    expect(topReasons(tied, ledger, new Date(at(2))).map((r) => r.ruleId)).toEqual(['page-view', 'webinar']);
  });

  it('says which late events the folded ledger scores exactly, and which need their rule read back', () => {
    // Prepare / Act / Assess: the margin is counted from the latest event the ledger was folded at
    expect(foldedLedgerCovers(at(100), at(100 - LATE_EVENT_DAYS * DAY))).toBe(true);
    expect(foldedLedgerCovers(at(100), at(100 - LATE_EVENT_DAYS * DAY - 1))).toBe(false);
    expect(foldedLedgerCovers(at(100), at(200))).toBe(true);
  });
});
