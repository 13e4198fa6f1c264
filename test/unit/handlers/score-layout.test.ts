import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvents, newLead, replayLead, type Lead } from '#core/lead.ts';
import type { EventRecord } from '#core/records.ts';
import { LATE_EVENT_DAYS, engagementAt, scoreBreakdown, scoringModelSchema, topReasons, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { applyEventRecords } from '../../../functions/score/apply-events.ts';
import { InMemoryLeads } from './in-memory-leads.ts';

/**
 * The scoring path's layout (a score item with the ledger folded before its
 * horizon, each event's entries in its marker, read back from the horizon on)
 * against what it replaces and what it must equal:
 * - the lead the same events, arriving in the same order and batches, made
 *   when the whole ledger lived in the lead (applyEvents on the whole lead):
 *   stages, cycles, engagement and grade the same, at every save;
 * - a replay of the stored events in time order: engagement, breakdown and
 *   reasons at the last instant and later, and every event's entries (every
 *   cap decision), whatever the arrival order, late events (past what the
 *   folded ledger covers) included.
 */

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-01-05T09:00:00.000Z');

/**
 * Page views 3 (14-day half-life; 12 per 5 days; an activity rule: 6 within
 * 4 days qualifies a grade-C lead), pricing 10 (7-day half-life, 20 per 6
 * days), a demo 40 (30-day half-life, no cap), careers −5. Look-back 6 days.
 */
const model: ScoringModel = scoringModelSchema.parse({
  version: 'layout-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 3, halfLifeDays: 14, cap: { points: 12, periodDays: 5 } },
      { id: 'pricing', description: 'Viewed pricing', match: { type: 'page', urlPattern: '/pricing' }, points: 10, halfLifeDays: 7, cap: { points: 20, periodDays: 6 } },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 40, halfLifeDays: 30 },
      { id: 'careers', description: 'Looked at jobs', match: { type: 'page', urlPattern: '/careers' }, points: -5 },
    ],
  },
  fit: {
    rules: [
      { id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 20 },
      { id: 'senior-title', description: 'Senior title', trait: 'title', test: { keywords: ['head'] }, points: 15 },
    ],
    grades: { A: 35, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 90, orActivity: [{ rule: 'page-view', atLeast: 6, withinDays: 4, minGrade: 'C' }] },
});

const kinds = [
  { type: 'page', url: 'https://acme.example/blog' },
  { type: 'page', url: 'https://acme.example/pricing' },
  { type: 'page', url: 'https://acme.example/careers' },
  { type: 'track', event: 'Demo Requested' },
  { type: 'identify', email: 'dana@acme.example', traits: { email: 'dana@acme.example' } },
  { type: 'identify', traits: { title: 'Head of Ops' } },
] as const;

const ANON = 'anon-layout';

/** One visitor's events over 60 days; each arrives some hours after it happened (up to 20 days: past what a folded ledger covers). */
const historyArb = fc
  .uniqueArray(
    fc.record({
      id: fc.integer({ min: 0, max: 99_999 }),
      minutes: fc.integer({ min: 0, max: 60 * 24 * 60 }),
      kind: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constantFrom(2, 3, 4, 5) }),
      lateHours: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: LATE_EVENT_DAYS * 24 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 * 24 }) }),
    }),
    { minLength: 1, maxLength: 70, selector: (e) => e.id },
  )
  .chain((events) => fc.tuple(fc.constant(events), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: events.length, maxLength: events.length })));

function eventOf(e: { id: number; minutes: number; kind: number }): StoredEvent {
  const timestamp = new Date(T0 + e.minutes * 60_000).toISOString();
  return { messageId: `e-${String(e.id).padStart(5, '0')}`, anonymousId: ANON, timestamp, receivedAt: timestamp, sourceId: 'web', ...kinds[e.kind]! } as StoredEvent;
}

describe('the scoring path’s layout (score item + markers) against the whole ledger and a replay', () => {
  it('scores every event as the whole ledger did, and ends where a replay in time order does (property)', async () => {
    // runs in which an event arrived later than the folded ledger covers, so the whole ledger was read from the markers
    let wholeLedgerReads = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, async ([history, batchSizes]) => {
        // arrival order: when each event happened plus how late it arrives
        const arrivals = history
          .map((e) => ({ event: eventOf(e), arrivesAt: T0 + e.minutes * 60_000 + e.lateHours * 3_600_000 }))
          .sort((a, b) => a.arrivesAt - b.arrivesAt || (a.event.messageId < b.event.messageId ? -1 : 1))
          .map((a) => a.event);
        const batches: StoredEvent[][] = [];
        for (let i = 0, b = 0; i < arrivals.length; b++) {
          batches.push(arrivals.slice(i, i + batchSizes[b]!));
          i += batchSizes[b]!;
        }
        const store = new InMemoryLeads(model);
        store.store(arrivals);
        let whole: Lead | undefined;
        let leadId = '';

        for (const batch of batches) {
          const records: EventRecord[] = batch.map((event) => ({ ...event, kind: 'tracking' }));
          const { failedMessageIds } = await applyEventRecords(records, store.ports());
          expect(failedMessageIds.size).toBe(0);
          // one person, one lead: named after the first identity it was seen with
          leadId = store.leadOfEvent(batch[0]!.messageId)!;
          expect(store.liveLeads().map((l) => l.lead.leadId)).toEqual([leadId]);
          // the whole ledger in the lead, as before: the same lead, save by save
          whole = applyEvents(whole ?? newLead(leadId, [...batch].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1))[0]!.timestamp, model), batch, model).lead;
          // the lead as the store reads it back (its score item, folded ledger and markers since)
          const saved = (await store.ports().getLead(leadId))!.lead;
          expect({ stage: saved.stage, stageHistory: saved.stageHistory, cycle: saved.cycle, grade: saved.grade, engagement: saved.engagement, scoredAt: saved.scoredAt }).toEqual({
            stage: whole.stage,
            stageHistory: whole.stageHistory,
            cycle: whole.cycle,
            grade: whole.grade,
            engagement: whole.engagement,
            scoredAt: whole.scoredAt,
          });
        }

        wholeLedgerReads += store.callsOf('getLead').filter(([, options]) => (options as { wholeLedger?: boolean } | undefined)?.wholeLedger).length > 0 ? 1 : 0;

        // against a replay of the stored events in time order
        const replay = replayLead(leadId, arrivals, model).lead;
        const read = (await store.ports().getLead(leadId))!.lead;
        const last = new Date(replay.scoredAt);
        for (const days of [0, 3, 40]) {
          const instant = new Date(last.getTime() + days * DAY_MS);
          expect(engagementAt(read.ledger, instant)).toBeCloseTo(engagementAt(replay.ledger, instant), 6);
          expect(scoreBreakdown(model, read.ledger, instant)).toEqual(scoreBreakdown(model, replay.ledger, instant));
          expect(topReasons(model, read.ledger, instant)).toEqual(topReasons(model, replay.ledger, instant));
        }
        // every event's marker holds the entries the replay gives it: every cap decision is the time order's
        const markers = store.markerEntries.get(leadId)!;
        expect([...markers.keys()].sort()).toEqual(arrivals.map((e) => e.messageId).sort());
        for (const event of arrivals) {
          const expected = replay.ledger.filter((entry) => entry.messageId === event.messageId);
          expect(markers.get(event.messageId)!.entries, event.messageId).toEqual(expected);
        }
        // what the score item keeps folded is bounded by the model: one entry per rule, half-life, model version and side of a recycle
        expect(read.ledger.filter((entry) => entry.events !== undefined).length).toBeLessThanOrEqual(model.engagement.rules.length * 2);
      }),
      { numRuns: 300 },
    );
    expect(wholeLedgerReads).toBeGreaterThan(0);
  });
});
