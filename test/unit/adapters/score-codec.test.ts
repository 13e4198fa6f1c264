import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemSize, writeUnitsFor } from '../../../bench/lib/item-size.ts';
import { scoringModel } from '../../../config/index.ts';
import { scoreItem } from '../../../functions/adapters/lead-store.ts';
import { decodeFolded, decodeMarker, decodePending, encodeFolded, encodeMarkerEntries, encodePending, markerVersion } from '../../../functions/adapters/score-codec.ts';
import { applyEvents, newLead } from '../../../functions/core/lead.ts';
import { foldForSave, markersToWrite, type EventMarker } from '../../../functions/core/score-items.ts';
import type { LedgerEntry } from '../../../functions/core/scoring.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';

/**
 * How the score item and the markers write ledger entries: short names and
 * epoch milliseconds, read back exactly. Stored values go through DynamoDB's
 * marshalling both ways, as the document client sends and reads them.
 */
const stored = <T>(value: T): T => unmarshall(marshall({ value }, { removeUndefinedValues: true })).value as T;

const MODEL = '2026-11-23.2';

/** Folded entries as foldBefore makes them: one per rule, half-life and model version, standing at their latest event. */
const folded: LedgerEntry[] = [
  {
    ruleId: 'page-view',
    messageId: 'folded:page-view:2026-01-28T14:24:00.000Z',
    points: 9.57704152630607,
    at: '2026-01-28T14:24:00.000Z',
    halfLifeDays: 14,
    modelVersion: MODEL,
    events: 35,
    first: { at: '2026-01-01T00:00:00.000Z', messageId: 'evt-000' },
  },
  {
    ruleId: 'careers-page',
    messageId: 'folded:careers-page:2026-01-27T00:00:00.000Z',
    points: -96.12904949122273,
    at: '2026-01-27T00:00:00.000Z',
    halfLifeDays: 60,
    modelVersion: MODEL,
    events: 11,
    first: { at: '2026-01-03T00:00:00.000Z', messageId: 'evt#with#hashes' },
  },
  // a rule without decay
  {
    ruleId: 'webinar-attended',
    messageId: 'folded:webinar-attended:2026-01-20T08:30:00.123Z',
    points: 50,
    at: '2026-01-20T08:30:00.123Z',
    modelVersion: '2026-11-23.1',
    events: 2,
    first: { at: '2026-01-10T08:30:00.000Z', messageId: 'evt-010' },
  },
];

const AT = '2026-03-01T14:24:00.000Z';
/** An event's entries: one capped (the points it would have earned kept in `base`), one without half-life, one plain. */
const marker: EventMarker = {
  messageId: 'evt-149',
  at: AT,
  entries: [
    { ruleId: 'page-view', messageId: 'evt-149', points: 0, at: AT, halfLifeDays: 14, modelVersion: MODEL, capped: true, base: 3 },
    { ruleId: 'webinar-attended', messageId: 'evt-149', points: 50, at: AT, modelVersion: MODEL },
    { ruleId: 'careers-page', messageId: 'evt-149', points: -10, at: AT, halfLifeDays: 60, modelVersion: MODEL },
  ],
};
const partlyCapped: EventMarker = {
  messageId: 'evt-150',
  at: '2026-03-01T15:00:00.001Z',
  entries: [{ ruleId: 'email-click', messageId: 'evt-150', points: 2, at: '2026-03-01T15:00:00.001Z', halfLifeDays: 14, modelVersion: MODEL, capped: true, base: 5 }],
};
/** An outcome's marker: it earns no entries. */
const outcome: EventMarker = { messageId: 'handoff-1', at: '2026-03-01T16:00:00.000Z', entries: [] };

describe('the score codec', () => {
  describe('folded entries (the score item)', () => {
    it('reads back exactly the folded entries written, with and without half-life', () => {
      expect(decodeFolded(stored(encodeFolded(folded)))).toEqual(folded);
    });

    it('keeps only the folded entries of a ledger: the markers hold the others', () => {
      const ledger = [...folded, ...marker.entries];

      expect(decodeFolded(stored(encodeFolded(ledger)))).toEqual(folded);
      expect(encodeFolded(marker.entries)).toEqual([]);
    });

    it('writes short names and epoch milliseconds', () => {
      expect(encodeFolded([folded[0]!])).toEqual([
        { r: 'page-view', p: 9.57704152630607, v: MODEL, h: 14, a: Date.parse('2026-01-28T14:24:00.000Z'), n: 35, f: [Date.parse('2026-01-01T00:00:00.000Z'), 'evt-000'] },
      ]);
    });
  });

  describe('markers', () => {
    it('reads back a marker’s entries exactly: capped with their base, without half-life, negative points', () => {
      expect(decodeMarker(marker.messageId, marker.at, stored(encodeMarkerEntries(marker)), markerVersion(marker))).toEqual(marker);
      expect(decodeMarker(partlyCapped.messageId, partlyCapped.at, stored(encodeMarkerEntries(partlyCapped)), markerVersion(partlyCapped))).toEqual(partlyCapped);
    });

    it('writes a capped entry with its base and flag, and nothing for what an entry lacks (the model version once, for the marker)', () => {
      expect(markerVersion(marker)).toBe(MODEL);
      expect(encodeMarkerEntries(marker)).toEqual([
        { r: 'page-view', p: 0, h: 14, b: 3, c: 1 },
        { r: 'webinar-attended', p: 50 },
        { r: 'careers-page', p: -10, h: 60 },
      ]);
    });

    it('states the model version of an entry scored under another model than the marker’s first', () => {
      const mixed = { ...marker, entries: [marker.entries[0]!, { ...marker.entries[1]!, modelVersion: 'older-1' }] };

      expect(encodeMarkerEntries(mixed)).toEqual([{ r: 'page-view', p: 0, h: 14, b: 3, c: 1 }, { r: 'webinar-attended', p: 50, v: 'older-1' }]);
      expect(decodeMarker(mixed.messageId, mixed.at, stored(encodeMarkerEntries(mixed)), markerVersion(mixed))).toEqual(mixed);
    });

    it('reads an outcome’s marker, which holds no entries, as a marker with none', () => {
      expect(encodeMarkerEntries(outcome)).toEqual([]);
      expect(decodeMarker(outcome.messageId, outcome.at, stored(encodeMarkerEntries(outcome)))).toEqual(outcome);
      expect(decodeMarker(outcome.messageId, outcome.at, undefined)).toEqual(outcome);
    });
  });

  describe('pending markers (the score item)', () => {
    it('reads back the markers a save left pending, in the order written', () => {
      const pending = [marker, outcome, partlyCapped];

      expect(decodePending(stored(encodePending(pending, MODEL)), MODEL)).toEqual(pending);
      expect(decodePending(stored(encodePending(pending)))).toEqual(pending);
    });

    it('reads no pending markers where the item has none', () => {
      expect(decodePending(undefined)).toEqual([]);
      expect(decodePending(stored(encodePending([])))).toEqual([]);
    });
  });

  describe('the size of a score item (DynamoDB bills each started KB)', () => {
    // A lead of the deployed model with 150 events over two months, every rule scored (the example lead).
    const kinds = [
      { type: 'page', url: 'https://acme.example/blog' },
      { type: 'page', url: 'https://acme.example/pricing' },
      { type: 'track', event: 'Form Submitted', properties: { formId: 'demo' } },
      { type: 'track', event: 'Content Downloaded' },
      { type: 'track', event: 'Email Clicked' },
      { type: 'page', url: 'https://acme.example/careers' },
    ] as const;
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const events: StoredEvent[] = Array.from({ length: 150 }, (_, i) => {
      const timestamp = new Date(start + i * 0.4 * 86_400_000).toISOString();
      // messageIds the size of analytics.js's (a UUID)
      return { messageId: `0b6e4c1a-3f0e-4d59-9a0e-${String(i).padStart(12, '0')}`, anonymousId: 'anon-1', timestamp, receivedAt: timestamp, sourceId: 'web', ...kinds[i % kinds.length]! };
    });

    it('is one write unit for a lead of the deployed model scored one event at a time', () => {
      // Prepare: the lead before its latest event, and after
      const before = applyEvents(newLead('lead-0123456789abcdef0123', events[0]!.timestamp, scoringModel), events.slice(0, -1), scoringModel).lead;
      const after = applyEvents(before, events.slice(-1), scoringModel).lead;
      const latest = events.at(-1)!;
      const saved = foldForSave(after, scoringModel);
      const markers = markersToWrite(before.ledger, after.ledger, [{ messageId: latest.messageId, at: latest.timestamp }]);

      // Act
      const item = scoreItem(saved, 150, markers);
      const size = itemSize(marshall(item, { removeUndefinedValues: true }));

      // Assess: every rule of the model folded, the latest event pending, under 1 KB
      expect(scoringModel.engagement.rules).toHaveLength(6);
      expect(decodeFolded(item.folded as ReturnType<typeof encodeFolded>).map((entry) => entry.ruleId).sort()).toEqual(scoringModel.engagement.rules.map((rule) => rule.id).sort());
      expect(markers).toHaveLength(1);
      expect(size).toBeLessThan(1024);
      expect(writeUnitsFor(size)).toBe(1);
    });
  });
});
