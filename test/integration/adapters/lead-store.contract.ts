import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createLeadStore, markerItem, SETTLE_AFTER_MS, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { IdentityKey } from '../../../functions/core/identity.ts';
import { applyEvents, newLead, type Lead } from '../../../functions/core/lead.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import { basedOn, type EventRef, type PendingCount, type VersionedLead } from '../../../functions/core/records.ts';
import { allMarkers, foldForSave, markersToWrite, type EventMarker } from '../../../functions/core/score-items.ts';
import { engagementAt } from '../../../functions/core/scoring.ts';
import { FUNNEL_SHARDS, funnelKey, funnelShardKey, funnelShardOf, markerKey, profileKey, scoreKey } from '../../../functions/core/table-layout.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { uniqueId, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * The lead store's contract, against DynamoDB Local (or, given table names,
 * AWS): the conditions are the engine's own, so a stale writer is refused by
 * the same rule that refuses it in production.
 */
let tables: TestTables;
let store: LeadStore;

const T0 = '2026-03-01T09:00:00.000Z';
const lead = (leadId = uniqueLeadId(), overrides: Partial<Lead> = {}): Lead => ({ ...newLead(leadId, T0, scoringModel), ...overrides });
const emailOf = (name: string): IdentityKey => `email:${uniqueId(name)}@contract.example` as IdentityKey;
const qualified: StageChange = { from: 'visitor', to: 'known', at: T0, cause: 'identified' };
/** The `reached.known` count one shard of the funnel counters holds, read as stored. */
async function shardCount(shard: number): Promise<number> {
  const { Item } = await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: funnelShardKey(shard), ConsistentRead: true }));
  return Number(Item?.['reached.known'] ?? 0);
}
const rep = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: T0 };

/** An item of the leads table as stored. */
async function itemAt(key: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const { Item } = await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: key, ConsistentRead: true }));
  return Item;
}

const DAY_MS = 86_400_000;
const kinds = [
  { type: 'page', url: 'https://acme.example/blog' },
  { type: 'page', url: 'https://acme.example/pricing' },
  { type: 'track', event: 'Content Downloaded' },
  { type: 'track', event: 'Email Clicked' },
] as const;
/** `count` events of an anonymous visitor, one every half day from `start`; the first came from a campaign. */
function visits(count: number, start = Date.parse(T0)): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const timestamp = new Date(start + i * DAY_MS / 2).toISOString();
    return {
      messageId: uniqueId(`visit-${i}`),
      anonymousId: 'anon-contract',
      timestamp,
      receivedAt: timestamp,
      sourceId: 'contract',
      ...kinds[i % kinds.length]!,
      ...(i % 10 === 0 && { campaign: { source: 'newsletter', medium: 'email' } }),
    };
  });
}
const refsOf = (events: readonly StoredEvent[]): EventRef[] => events.map((e) => ({ messageId: e.messageId, at: e.timestamp }));

/** A lead scored from these events from nothing, as the scoring path saves it (folded), with the markers of all of them. */
function scoredFrom(leadId: string, events: readonly StoredEvent[]): { whole: Lead; saved: Lead; markers: EventMarker[] } {
  const { lead: whole } = applyEvents(newLead(leadId, events[0]!.timestamp, scoringModel), events, scoringModel);
  return { whole, saved: foldForSave(whole, scoringModel), markers: allMarkers(whole.ledger, refsOf(events)) };
}

/** Applies more events to a lead as read, as the scoring path does: the lead to save and the markers to write. */
function scoredOn(read: VersionedLead, events: readonly StoredEvent[]): { saved: Lead; markers: EventMarker[] } {
  const { lead } = applyEvents(read.lead, events, scoringModel);
  return { saved: foldForSave(lead, scoringModel), markers: markersToWrite(read.lead.ledger, lead.ledger, refsOf(events)) };
}

/**
 * A lead as the store gives it back: its recent activity and touches past the
 * first are not kept with it (the lead history reads them from its events).
 */
const asStored = (lead: Lead): Lead => ({ ...lead, recentActivity: [], touches: lead.touches.slice(0, 1) });

export function leadStoreContract(getTables: () => TestTables): void {
  beforeAll(async () => {
    tables = getTables();
    store = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable });
  });

  describe('saving a lead', () => {
    it('stores a new lead at version 1 and reads it back as saved', async () => {
      const saved = lead();

      const version = await store.saveLead({ lead: saved, version: 0, changes: [] });

      expect(version).toBe(1);
      // the profile written at 1 with its creation's funnel counts pending, then at 2 once they were added to the funnel
      expect(await store.getLead(saved.leadId)).toEqual({ lead: saved, version: 1, profileVersion: 2 });
      expect(await itemAt(profileKey(saved.leadId))).not.toHaveProperty('funnelPending');
    });

    it('reads a scored lead back as saved: the ledger folded before ledgerFrom from its score, the entries since from its markers', async () => {
      // Prepare: two months of visits, so the first weeks fold
      const leadId = uniqueLeadId();
      const events = visits(120);
      const { whole, saved, markers } = scoredFrom(leadId, events);
      expect(saved.ledger.filter((e) => e.events !== undefined).length).toBeGreaterThan(0);
      expect(saved.ledger.filter((e) => e.events === undefined).length).toBeGreaterThan(0);
      expect(saved.touches.length).toBeGreaterThan(1);

      // Act
      await store.saveLead({ lead: saved, version: 0, changes: [], markers, applied: events.length });

      // Assess: as saved; and the whole ledger, from every marker, is the ledger before it was folded
      expect(await store.getLead(leadId)).toEqual({ lead: asStored(saved), version: 1, profileVersion: 2 });
      expect(await store.getLead(leadId, { wholeLedger: true })).toEqual({ lead: asStored(whole), version: 1, profileVersion: 2 });
      expect(whole.ledgerFrom).toBeUndefined();
    });

    it('never writes a new lead over one that exists', async () => {
      const first = lead();
      await store.saveLead({ lead: first, version: 0, changes: [] });

      const second = store.saveLead({ lead: { ...first, email: 'someone-else@contract.example' }, version: 0, changes: [] });

      await expect(second).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(first.leadId)).toEqual({ lead: first, version: 1, profileVersion: 2 });
    });

    it('refuses a save from a stale version, as a whole: no marker, no link, no counter', async () => {
      const current = lead();
      await store.saveLead({ lead: current, version: 0, changes: [] });
      await store.saveLead({ lead: { ...current, engagement: 5 }, version: 1, profileVersion: 2, before: current, changes: [] });
      const before = await store.getFunnelCounters();
      const identity = emailOf('stale');
      const event = { messageId: uniqueId('stale-event'), at: T0 };

      const stale = store.saveLead({
        lead: { ...current, engagement: 99 },
        version: 1,
        profileVersion: 2,
        before: current,
        changes: [qualified],
        markers: [{ ...event, entries: [] }],
        identities: [identity],
      });

      await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(current.leadId)).toEqual({ lead: { ...current, engagement: 5 }, version: 2, profileVersion: 2 });
      expect(await store.appliedMessageIds(current.leadId, [event])).toEqual(new Set());
      expect(await store.leadIdOf(identity)).toBeUndefined();
      expect(await store.getFunnelCounters()).toEqual(before);
    });

    it('refuses a scored event’s save (its score alone) from a stale version, and writes no marker', async () => {
      const leadId = uniqueLeadId();
      const [first, second, third] = visits(3);
      const { saved, markers } = scoredFrom(leadId, [first!]);
      await store.saveLead({ lead: saved, version: 0, changes: [], markers });
      const read = (await store.getLead(leadId, { heal: true }))!;
      const next = scoredOn(read, [second!]);
      await store.saveLead({ lead: next.saved, ...basedOn(read), changes: [], markers: next.markers });

      // a writer that read the lead before `second` was applied
      const late = scoredOn(read, [third!]);
      await expect(store.saveLead({ lead: late.saved, ...basedOn(read), changes: [], markers: late.markers })).rejects.toBeInstanceOf(ConcurrentUpdateError);

      expect(await store.appliedMessageIds(leadId, refsOf([second!, third!]))).toEqual(new Set([second!.messageId]));
      expect(await store.getLead(leadId)).toEqual({ lead: asStored(next.saved), version: 2, profileVersion: 2 });
    });

    it('finds an applied event by its marker (its id and when it happened), so a replay is not applied again', async () => {
      const leadId = uniqueLeadId();
      const events = visits(2);
      const { saved, markers } = scoredFrom(leadId, events);
      await store.saveLead({ lead: saved, version: 0, changes: [], markers });
      const notApplied = { messageId: uniqueId('not-applied'), at: T0 };

      expect(await store.appliedMessageIds(leadId, [...refsOf(events), notApplied])).toEqual(new Set(events.map((e) => e.messageId)));
      // the instant however it is spelled, in UTC with milliseconds or not
      expect(await store.appliedMessageIds(leadId, [{ messageId: events[0]!.messageId, at: events[0]!.timestamp.replace('.000Z', 'Z') }])).toEqual(new Set([events[0]!.messageId]));
      // the marker is found under the event's own instant only
      expect(await store.appliedMessageIds(leadId, [{ messageId: events[0]!.messageId, at: '2026-03-05T00:00:00.000Z' }])).toEqual(new Set());
      // and a writer who read the lead before these events were applied is refused: a replay changes nothing
      const replay = store.saveLead({ lead: { ...saved, engagement: 40 }, version: 0, changes: [], markers });
      await expect(replay).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect((await store.getLead(leadId))?.lead.engagement).toBe(saved.engagement);
    });

    it('completes a save cut short between its score and its markers: the pending markers count as read, and healing writes them', async () => {
      // Prepare: a save whose second marker was never written
      const leadId = uniqueLeadId();
      const events = visits(3);
      const { saved, markers } = scoredFrom(leadId, events);
      await store.saveLead({ lead: saved, version: 0, changes: [], markers });
      const lost = markers[1]!;
      await tables.client.send(new DeleteCommand({ TableName: tables.leadsTable, Key: markerKey(leadId, lost.at, lost.messageId) }));
      expect(await store.appliedMessageIds(leadId, refsOf(events))).toEqual(new Set([events[0]!.messageId, events[2]!.messageId]));

      // Act & Assess: a plain read sees the lead whole and writes nothing
      expect(await store.getLead(leadId)).toEqual({ lead: asStored(saved), version: 1, profileVersion: 2 });
      expect(await itemAt(markerKey(leadId, lost.at, lost.messageId))).toBeUndefined();

      // the scoring path's read writes the marker back, as the save would have
      expect(await store.getLead(leadId, { heal: true })).toEqual({ lead: asStored(saved), version: 1, profileVersion: 2 });
      expect(await itemAt(markerKey(leadId, lost.at, lost.messageId))).toEqual(markerItem(leadId, lost));
      expect(await store.appliedMessageIds(leadId, refsOf(events))).toEqual(new Set(events.map((e) => e.messageId)));
    });

    it('completes a save cut short after a late event re-allocated a cap: the pending marker stands over the one stored before', async () => {
      // Prepare: eleven page views an hour apart fill the page-view cap (3 points each, 30 per 30 days): the last gets 0
      const leadId = uniqueLeadId();
      const views = Array.from({ length: 11 }, (_, i): StoredEvent => {
        const timestamp = new Date(Date.parse(T0) + i * 3_600_000).toISOString();
        return { messageId: uniqueId(`view-${i}`), type: 'page', url: 'https://acme.example/blog', anonymousId: 'anon-cap', timestamp, receivedAt: timestamp, sourceId: 'contract' };
      });
      const created = scoredFrom(leadId, views);
      await store.saveLead({ lead: created.saved, version: 0, changes: [], markers: created.markers, applied: views.length });
      const read = (await store.getLead(leadId, { heal: true }))!;
      // a view from an hour before them all arrives late: it takes 3 points, the tenth view gives its 3 back
      const late: StoredEvent = { ...views[0]!, messageId: uniqueId('late-view'), timestamp: new Date(Date.parse(T0) - 3_600_000).toISOString() };
      const next = scoredOn(read, [late]);
      const tenth = views[9]!.messageId;
      expect(next.markers.map((m) => m.messageId)).toEqual([late.messageId, tenth]);
      expect(next.markers[1]!.entries).toEqual([expect.objectContaining({ ruleId: 'page-view', points: 0, capped: true, base: 3 })]);
      const stale = created.markers.find((m) => m.messageId === tenth)!;
      expect(stale.entries).toEqual([expect.objectContaining({ points: 3 })]);
      await store.saveLead({ lead: next.saved, ...basedOn(read), changes: [], markers: next.markers, applied: 1 });
      // … cut short before its markers: the late view's is missing, the tenth's as it was before
      await tables.client.send(new DeleteCommand({ TableName: tables.leadsTable, Key: markerKey(leadId, late.timestamp, late.messageId) }));
      await tables.client.send(new PutCommand({ TableName: tables.leadsTable, Item: markerItem(leadId, stale) }));

      // Act & Assess: a plain read takes the save's markers as it wrote them
      expect(await store.getLead(leadId)).toEqual({ lead: asStored(next.saved), version: 2, profileVersion: 2 });
      // the scoring path's read writes both back as the save would have
      expect(await store.getLead(leadId, { heal: true })).toEqual({ lead: asStored(next.saved), version: 2, profileVersion: 2 });
      expect(await itemAt(markerKey(leadId, late.timestamp, late.messageId))).toEqual(markerItem(leadId, next.markers[0]!));
      expect(await itemAt(markerKey(leadId, stale.at, tenth))).toEqual(markerItem(leadId, next.markers[1]!));
      const whole = (await store.getLead(leadId, { wholeLedger: true }))!.lead;
      expect(engagementAt(whole.ledger, new Date(next.saved.scoredAt))).toBe(next.saved.engagement);
    });

    it('does not rewrite the profile when a scored event left it as it was', async () => {
      const leadId = uniqueLeadId();
      const [first, second] = visits(2);
      const created = scoredFrom(leadId, [first!]);
      await store.saveLead({ lead: created.saved, version: 0, changes: [], markers: created.markers });
      const profileBefore = await itemAt(profileKey(leadId));
      const read = (await store.getLead(leadId, { heal: true }))!;

      const next = scoredOn(read, [second!]);
      expect(await store.saveLead({ lead: next.saved, ...basedOn(read), changes: [], markers: next.markers })).toBe(2);

      expect(await itemAt(profileKey(leadId))).toEqual(profileBefore);
      expect(profileBefore?.version).toBe(2);
      expect(await store.getLead(leadId)).toEqual({ lead: asStored(next.saved), version: 2, profileVersion: 2 });
    });

    it('leaves the score item and its pending markers as they are when only the profile changed (a stage change)', async () => {
      const leadId = uniqueLeadId();
      const created = scoredFrom(leadId, visits(2));
      await store.saveLead({ lead: created.saved, version: 0, changes: [], markers: created.markers });
      const scoreBefore = await itemAt(scoreKey(leadId));
      expect(scoreBefore?.pending).toHaveLength(2);
      const read = (await store.getLead(leadId))!;
      const countersBefore = await store.getFunnelCounters();

      const known: Lead = { ...read.lead, stage: 'known', stageHistory: [qualified] };
      expect(await store.saveLead({ lead: known, ...basedOn(read), changes: [qualified] })).toBe(1);

      expect(await itemAt(scoreKey(leadId))).toEqual(scoreBefore);
      // written at 3 with the stage change's counts pending, at 4 once they were added
      expect(await itemAt(profileKey(leadId))).toMatchObject({ stage: 'known', version: 4 });
      expect(await itemAt(profileKey(leadId))).not.toHaveProperty('funnelPending');
      expect(await store.getLead(leadId)).toEqual({ lead: known, version: 1, profileVersion: 4 });
      const countersAfter = await store.getFunnelCounters();
      expect((countersAfter.reached.known ?? 0) - (countersBefore.reached.known ?? 0)).toBe(1);
      expect((countersAfter.current.visitor ?? 0) - (countersBefore.current.visitor ?? 0)).toBe(-1);
    });

    it('refuses a profile change on a stale profile version', async () => {
      const current = lead();
      await store.saveLead({ lead: current, version: 0, changes: [] });
      const read = (await store.getLead(current.leadId))!;
      await store.saveLead({ lead: { ...read.lead, traits: { company: 'Acme' } }, ...basedOn(read), changes: [] });

      const stale = store.saveLead({ lead: { ...read.lead, traits: { company: 'Other' } }, ...basedOn(read), changes: [] });

      await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect((await store.getLead(current.leadId))?.lead.traits).toEqual({ company: 'Acme' });
    });

    it('links the identities, marks the events and counts the stage changes with the lead', async () => {
      const saved = lead();
      const [dana, alias] = [emailOf('dana'), emailOf('alias')];
      const events: EventRef[] = [
        { messageId: uniqueId('e'), at: T0 },
        { messageId: uniqueId('e'), at: '2026-03-01T09:05:00.000Z' },
      ];
      const before = await store.getFunnelCounters();

      await store.saveLead({ lead: saved, version: 0, changes: [qualified], markers: allMarkers([], events), identities: [dana, alias] });

      expect(await store.leadIdOf(dana)).toBe(saved.leadId);
      expect(await store.resolveIdentities([dana, alias, emailOf('unknown')])).toEqual(new Map([[dana, saved.leadId], [alias, saved.leadId]]));
      expect(await store.appliedMessageIds(saved.leadId, [...events, { messageId: uniqueId('not-applied'), at: T0 }])).toEqual(new Set(events.map((e) => e.messageId)));
      const after = await store.getFunnelCounters();
      // created: a visitor, who then became known
      expect((after.reached.visitor ?? 0) - (before.reached.visitor ?? 0)).toBe(1);
      expect((after.reached.known ?? 0) - (before.reached.known ?? 0)).toBe(1);
      expect((after.current.known ?? 0) - (before.current.known ?? 0)).toBe(1);
      expect((after.current.visitor ?? 0) - (before.current.visitor ?? 0)).toBe(0);
    });

    it('counts leads in different shards of the funnel counters, and sums every shard in the report', async () => {
      // Prepare: leads whose ids fall in three different shards
      const byShard = new Map<number, Lead>();
      while (byShard.size < 3) {
        const candidate = lead();
        byShard.set(funnelShardOf(candidate.leadId, FUNNEL_SHARDS), candidate);
      }
      const leads = [...byShard.values()];
      const before = await store.getFunnelCounters();
      const shardsBefore = await Promise.all([...byShard.keys()].map(shardCount));

      // Act: all three at once, as concurrent scoring would
      await Promise.all(leads.map((saved) => store.saveLead({ lead: saved, version: 0, changes: [qualified] })));

      // Assess: each lead added to its own shard, and the report is the sum of all of them
      const shardsAfter = await Promise.all([...byShard.keys()].map(shardCount));
      expect(shardsAfter.map((n, i) => n - shardsBefore[i]!)).toEqual([1, 1, 1]);
      const after = await store.getFunnelCounters();
      expect((after.reached.known ?? 0) - (before.reached.known ?? 0)).toBe(3);
      expect((after.reached.visitor ?? 0) - (before.reached.visitor ?? 0)).toBe(3);
      expect((after.current.known ?? 0) - (before.current.known ?? 0)).toBe(3);
    });

    it('still counts what the single counters item held before the shards', async () => {
      const before = await store.getFunnelCounters();

      await tables.client.send(
        new UpdateCommand({
          TableName: tables.leadsTable,
          Key: funnelKey,
          UpdateExpression: 'ADD #reached :n, #current :n',
          ExpressionAttributeNames: { '#reached': 'reached.sql', '#current': 'current.sql' },
          ExpressionAttributeValues: { ':n': 2 },
        }),
      );

      const after = await store.getFunnelCounters();
      expect((after.reached.sql ?? 0) - (before.reached.sql ?? 0)).toBe(2);
      expect((after.current.sql ?? 0) - (before.current.sql ?? 0)).toBe(2);
    });

    it('reports the capacity units of the funnel report to its meter', async () => {
      const units: ConsumedUnits[] = [];
      const metered = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (u) => units.push(u) });

      await metered.getFunnelCounters();

      // one BatchGetItem over the shards: eventually consistent reads of small items
      expect(units.length).toBeGreaterThan(0);
      expect(units.every((u) => u.writeUnits === 0 && u.readUnits > 0)).toBe(true);
    });

    it('writes and reads identities and markers past one batch (25 writes, 100 reads), the score rebuilding until the markers are written', async () => {
      const saved = lead();
      const identities = Array.from({ length: 130 }, (_, i) => emailOf(`many-${i}`));
      const events: EventRef[] = Array.from({ length: 130 }, (_, i) => ({ messageId: uniqueId(`many-event-${i}`), at: new Date(Date.parse(T0) + i * 60_000).toISOString() }));

      await store.saveLead({ lead: saved, version: 0, changes: [], markers: allMarkers([], events) });
      await store.linkIdentities(saved.leadId, identities);

      expect((await store.resolveIdentities(identities)).size).toBe(130);
      expect(await store.appliedMessageIds(saved.leadId, events)).toEqual(new Set(events.map((e) => e.messageId)));
      // every marker written: the flag was cleared, and none was kept pending
      const score = await itemAt(scoreKey(saved.leadId));
      expect(score).not.toHaveProperty('rebuilding');
      expect(score).not.toHaveProperty('pending');
      // read as of its latest tracking event (these earned nothing: its engagement as it was)
      expect(await store.getLead(saved.leadId)).toEqual({ lead: { ...saved, scoredAt: events.at(-1)!.at }, version: 1, profileVersion: 2 });
    });
  });

  describe('funnel counts settled exactly once, after a save cut short', () => {
    /** The counts a new lead known at once adds to the funnel: it reached visitor and known, and is known now. */
    const counted = { 'reached.visitor': 1, 'reached.known': 1, 'current.known': 1 } as const;
    const counters = Object.keys(counted) as (keyof typeof counted)[];

    /** The lead's own shard of the funnel counters, as stored. */
    async function shardOf(leadId: string): Promise<Record<string, unknown>> {
      return (await itemAt(funnelShardKey(funnelShardOf(leadId, FUNNEL_SHARDS)))) ?? {};
    }
    const countsIn = (shard: Record<string, unknown>) => Object.fromEntries(counters.map((counter) => [counter, Number(shard[counter] ?? 0)]));
    const plus = (counts: Record<string, number>, sign: 1 | -1) => Object.fromEntries(counters.map((counter) => [counter, counts[counter]! + sign * counted[counter]]));
    /** An instant `ms` before now, as a count's `at`. */
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    /** Pending longer than a save's own settling may take: its writer stopped. */
    const stale = () => ago(SETTLE_AFTER_MS + 60_000);

    /** The funnel counts of a new known lead's save (its profile's version 1), as that save left them on the profile, written `at`. */
    function leftover(leadId: string, at: string): PendingCount {
      return { id: `${leadId}.1`, at, counts: { ...counted } };
    }
    async function pendingAgain(leadId: string, at: string): Promise<PendingCount> {
      const count = leftover(leadId, at);
      await tables.client.send(
        new UpdateCommand({
          TableName: tables.leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'SET funnelPending = :pending',
          ExpressionAttributeValues: { ':pending': [count] },
        }),
      );
      return count;
    }

    /** A new lead, known at once; the counts of its shard before and after its save (settled by the save, which removed its mark after). */
    async function savedKnown(known = lead(undefined, { stage: 'known', stageHistory: [qualified] })): Promise<{ known: Lead; before: Record<string, number>; after: Record<string, number> }> {
      const before = countsIn(await shardOf(known.leadId));
      await store.saveLead({ lead: known, version: 0, changes: [qualified] });
      const after = countsIn(await shardOf(known.leadId));
      expect(after).toEqual(plus(before, 1));
      expect(await shardOf(known.leadId)).not.toHaveProperty([`counted.${known.leadId}.1`]);
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 2 });
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
      return { known, before, after };
    }

    /** As if the save stopped before adding its counts: the counts and their mark (written in one update) taken off the shard again. */
    async function neverAdded(leadId: string): Promise<void> {
      await tables.client.send(
        new UpdateCommand({
          TableName: tables.leadsTable,
          Key: funnelShardKey(funnelShardOf(leadId, FUNNEL_SHARDS)),
          UpdateExpression: `ADD ${counters.map((_, i) => `#k${i} :v${i}`).join(', ')} REMOVE #seen`,
          ExpressionAttributeNames: { '#seen': `counted.${leadId}.1`, ...Object.fromEntries(counters.map((counter, i) => [`#k${i}`, counter])) },
          ExpressionAttributeValues: Object.fromEntries(counters.map((counter, i) => [`:v${i}`, -counted[counter]])),
        }),
      );
    }

    /**
     * A store whose client holds the `nth` UpdateItem it sends until released
     * (a writer paused there, as a function frozen mid-step), the rest sent at once.
     */
    function pausedAt(nth: number): { paused: LeadStore; reached: Promise<void>; release: () => void } {
      let sent = 0;
      let release!: () => void;
      let arrive!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const send = async (command: unknown, ...rest: unknown[]) => {
        if (command instanceof UpdateCommand && ++sent === nth) {
          arrive();
          await gate;
        }
        return (tables.client.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
      const client = Object.assign(Object.create(tables.client) as DynamoDBDocumentClient, { send });
      return { paused: createLeadStore({ client, leadsTable: tables.leadsTable }), reached, release };
    }

    it('a save cut short after adding its counts and before its profile let go of them: while young, left to it; once stale, claimed and let go of, counted nothing again', async () => {
      // Prepare: the counts added and marked on the shard, still pending on the profile
      const { known, after } = await savedKnown();
      const mark = `counted.${known.leadId}.1`;
      // as the save left the shard when it stopped: counted, and marked
      await tables.client.send(
        new UpdateCommand({ TableName: tables.leadsTable, Key: funnelShardKey(funnelShardOf(known.leadId, FUNNEL_SHARDS)), UpdateExpression: 'SET #m = :yes', ExpressionAttributeNames: { '#m': mark }, ExpressionAttributeValues: { ':yes': true } }),
      );
      const reportBefore = await store.getFunnelCounters();
      const young = await pendingAgain(known.leadId, ago(60_000));
      // the mark is no counter of the report
      expect(await store.getFunnelCounters()).toEqual(reportBefore);
      // a read that does not heal leaves them as they are, and the lead does not show them
      expect(await store.getLead(known.leadId)).toEqual({ lead: known, version: 1, profileVersion: 2, pendingCounts: [young] });
      // young (their save may still be settling them): a read that heals leaves them to it, and answers them pending
      expect(await store.getLead(known.leadId, { heal: true })).toEqual({ lead: known, version: 1, profileVersion: 2, pendingCounts: [young] });
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 2, funnelPending: [young] });
      await pendingAgain(known.leadId, stale());

      // Act
      const healed = await store.getLead(known.leadId, { heal: true });

      // Assess: counted once; the profile claimed them and let go of them (its version moved twice), then the mark removed
      expect(healed).toEqual({ lead: known, version: 1, profileVersion: 4 });
      const shard = await shardOf(known.leadId);
      expect(countsIn(shard)).toEqual(after);
      expect(shard).not.toHaveProperty([mark]);
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 4 });
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
    });

    it('a save cut short before adding its counts: once stale, healing adds them once, and healing again adds nothing', async () => {
      // Prepare: as if the save's counts never reached the shard
      const { known, after } = await savedKnown();
      await neverAdded(known.leadId);
      await pendingAgain(known.leadId, stale());
      expect(countsIn(await shardOf(known.leadId))).toEqual(plus(after, -1));

      // Act
      expect(await store.getLead(known.leadId, { heal: true })).toEqual({ lead: known, version: 1, profileVersion: 4 });
      expect(await store.getLead(known.leadId, { heal: true })).toEqual({ lead: known, version: 1, profileVersion: 4 });

      // Assess: counted once, nothing left pending, no mark left on the shard
      const shard = await shardOf(known.leadId);
      expect(countsIn(shard)).toEqual(after);
      expect(shard).not.toHaveProperty([`counted.${known.leadId}.1`]);
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
    });

    it('two writers that read the same stale counts at once: one claims them, and they are added once', async () => {
      // Prepare
      const { known, after } = await savedKnown();
      await neverAdded(known.leadId);
      await pendingAgain(known.leadId, stale());

      // Act: two reads that heal, at once, through two stores
      const other = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable });
      const reads = await Promise.all([store.getLead(known.leadId, { heal: true }), other.getLead(known.leadId, { heal: true })]);

      // Assess: added once; one claim and one letting go moved the profile's version
      expect(countsIn(await shardOf(known.leadId))).toEqual(after);
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 4 });
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
      expect(reads.map((read) => read?.profileVersion)).toContain(4);
    });

    it('a writer that read the counts stale and claims them after another writer settled them: its claim refused, nothing added again, and its save refused', async () => {
      // Prepare: the stale counts, read by a writer that stops before its claim reaches the table
      const { known, after } = await savedKnown();
      await neverAdded(known.leadId);
      const count = await pendingAgain(known.leadId, stale());
      const { paused, reached, release } = pausedAt(1);
      const late = paused.getLead(known.leadId, { heal: true });
      await reached;

      // Act: another writer claims and settles them meanwhile; then the paused claim goes on
      expect(await store.getLead(known.leadId, { heal: true })).toEqual({ lead: known, version: 1, profileVersion: 4 });
      release();
      const read = (await late)!;

      // Assess: the late claim refused: nothing settled, the lead answered on the version read, the counts as read
      expect(read).toEqual({ lead: known, version: 1, profileVersion: 2, pendingCounts: [count] });
      expect(countsIn(await shardOf(known.leadId))).toEqual(after);
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 4 });
      // and the counts it carries never reach the profile again: its save is based on a version gone
      const traits = { ...known.traits, company: 'Acme' };
      await expect(paused.saveLead({ lead: { ...read.lead, traits }, ...basedOn(read), changes: [] })).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
    });

    it('a writer that claimed stale counts and stopped before adding them: once stale again, another claims and adds them once', async () => {
      // Prepare: the stale counts claimed by a writer that stops before its ADD reaches the shard (its function ended:
      // none runs as long as SETTLE_AFTER_MS, so it never goes on)
      const { known, after } = await savedKnown();
      await neverAdded(known.leadId);
      await pendingAgain(known.leadId, stale());
      const { paused, reached } = pausedAt(2);
      void paused.getLead(known.leadId, { heal: true });
      await reached;
      // claimed: the counts pending anew, their clock restarted, so no one else settles them meanwhile
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 3, funnelPending: [expect.objectContaining({ id: `${known.leadId}.1` })] });
      expect(await store.getLead(known.leadId, { heal: true })).toMatchObject({ profileVersion: 3, pendingCounts: [expect.objectContaining({ id: `${known.leadId}.1` })] });
      // as long after as its writer could have been running
      await pendingAgain(known.leadId, stale());

      // Act: another writer claims and settles them
      expect(await store.getLead(known.leadId, { heal: true })).toEqual({ lead: known, version: 1, profileVersion: 5 });

      // Assess: added once, let go of, no mark left
      const shard = await shardOf(known.leadId);
      expect(countsIn(shard)).toEqual(after);
      expect(shard).not.toHaveProperty([`counted.${known.leadId}.1`]);
      expect(await itemAt(profileKey(known.leadId))).toMatchObject({ version: 5 });
      expect(await itemAt(profileKey(known.leadId))).not.toHaveProperty('funnelPending');
    });

  });

  describe('the journey flag and the owner', () => {
    it('clears the pending journey only for the cycle it was set for', async () => {
      const pending = lead(undefined, { cycle: 2, journeyPending: 2 });
      await store.saveLead({ lead: pending, version: 0, changes: [] });

      await store.clearJourneyPending(pending.leadId, 1);
      expect((await store.getLead(pending.leadId))?.lead.journeyPending).toBe(2);

      await store.clearJourneyPending(pending.leadId, 2);
      const cleared = await store.getLead(pending.leadId);
      expect(cleared?.lead.journeyPending).toBeUndefined();
      // a bump of the profile's version, so a writer holding the flagged profile is refused; the score is untouched
      expect(cleared).toMatchObject({ version: 1, profileVersion: 3 });
      await expect(store.saveLead({ lead: { ...pending, cycle: 3 }, version: 1, profileVersion: 2, before: pending, changes: [] })).rejects.toBeInstanceOf(ConcurrentUpdateError);
    });

    it('assigns an owner to the current cycle and ignores an assignment for another', async () => {
      const current = lead(undefined, { cycle: 3 });
      await store.saveLead({ lead: current, version: 0, changes: [] });

      await store.assignOwner(current.leadId, 2, rep);
      expect((await store.getLead(current.leadId))?.lead.owner).toBeUndefined();

      await store.assignOwner(current.leadId, 3, rep);
      expect(await store.getLead(current.leadId)).toMatchObject({ lead: { owner: rep }, version: 1, profileVersion: 3 });
    });
  });

  describe('cycles', () => {
    const cycleOf = (leadId: string) => ({ leadId, cycle: 1, owner: rep, previousReps: [], acceptBy: '2026-03-01T13:00:00.000Z', acceptWithinSeconds: 14_400, missed: 0 });

    it('keeps the journey’s task token and returns the cycle as it is now', async () => {
      const leadId = uniqueLeadId();
      await store.putCycle(cycleOf(leadId));

      const current = await store.recordTaskToken(leadId, 1, 'token-1');

      expect(current).toEqual({ ...cycleOf(leadId), taskToken: 'token-1' });
      expect(await store.getCycle(leadId, 1)).toEqual(current);
    });

    it('refuses a task token for a cycle that does not exist', async () => {
      await expect(store.recordTaskToken(uniqueLeadId(), 1, 'token')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    });

    it('has no cycle for a lead that never qualified', async () => {
      expect(await store.getCycle(uniqueLeadId(), 1)).toBeUndefined();
    });

    it('closes an open hand-off a merge moves, again into the same place, never into another; a closed one takes no decision or escalation', async () => {
      // Prepare
      const leadId = uniqueLeadId();
      const into = { leadId: uniqueLeadId(), cycle: 2 };
      await store.putCycle(cycleOf(leadId));

      // Act
      const first = await store.closeCycleForMerge(leadId, 1, into);
      const again = await store.closeCycleForMerge(leadId, 1, into);
      const elsewhere = await store.closeCycleForMerge(leadId, 1, { ...into, cycle: 3 });

      // Assess
      expect(first).toEqual({ closed: true, cycle: { ...cycleOf(leadId), mergedInto: into } });
      expect(again).toEqual(first);
      expect(elsewhere).toEqual({ closed: false, cycle: { ...cycleOf(leadId), mergedInto: into } });
      expect(await store.recordOutcome(leadId, { kind: 'accepted', cycle: 1, repId: rep.repId, at: T0 })).toEqual({ ...cycleOf(leadId), mergedInto: into });
      const escalation = { step: 'notify-manager' as const, acceptBy: '2026-03-01T17:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T16:00:00.000Z', remindWithinSeconds: 10_800 };
      expect(await store.recordEscalation(leadId, 1, 1, escalation)).toEqual({ ...cycleOf(leadId), mergedInto: into });
    });

    it('does not close a hand-off already decided, nor one that does not exist', async () => {
      const decided = uniqueLeadId();
      await store.putCycle(cycleOf(decided));
      await store.recordOutcome(decided, { kind: 'accepted', cycle: 1, repId: rep.repId, at: T0 });
      const into = { leadId: uniqueLeadId(), cycle: 1 };

      expect(await store.closeCycleForMerge(decided, 1, into)).toMatchObject({ closed: false, cycle: { outcome: { kind: 'accepted' } } });
      expect((await store.getCycle(decided, 1))?.mergedInto).toBeUndefined();
      expect(await store.closeCycleForMerge(uniqueLeadId(), 1, into)).toEqual({ closed: false, cycle: undefined });
    });
  });

  describe('retiring a merged lead', () => {
    it('points it at the survivor and takes it out of the current counts', async () => {
      const absorbed = lead();
      await store.saveLead({ lead: absorbed, version: 0, changes: [] });
      const read = (await store.getLead(absorbed.leadId))!;
      const before = await store.getFunnelCounters();

      await store.retireLead({ ...absorbed, mergedInto: 'lead-ffffffffffffffffffff' }, read);

      // both versions move: a writer holding the lead as it was is refused, whichever item it writes
      // (the profile read at 2, retired at 3 with its count pending, at 4 once the count was taken out)
      expect(await store.getLead(absorbed.leadId)).toMatchObject({ lead: { mergedInto: 'lead-ffffffffffffffffffff' }, version: 2, profileVersion: 4 });
      expect(await itemAt(profileKey(absorbed.leadId))).not.toHaveProperty('funnelPending');
      expect((await store.getFunnelCounters()).current.visitor).toBe((before.current.visitor ?? 0) - 1);
    });

    it('is refused when an event was applied to the lead since it was read (its score moved), so the merge runs again', async () => {
      const leadId = uniqueLeadId();
      const [first, second] = visits(2);
      const created = scoredFrom(leadId, [first!]);
      await store.saveLead({ lead: created.saved, version: 0, changes: [], markers: created.markers });
      const read = (await store.getLead(leadId, { heal: true }))!;
      const next = scoredOn(read, [second!]);
      await store.saveLead({ lead: next.saved, ...basedOn(read), changes: [], markers: next.markers });
      const before = await store.getFunnelCounters();

      await expect(store.retireLead({ ...read.lead, mergedInto: 'lead-ffffffffffffffffffff' }, read)).rejects.toBeInstanceOf(ConcurrentUpdateError);

      expect(await store.getLead(leadId)).toEqual({ lead: asStored(next.saved), version: 2, profileVersion: 2 });
      expect(await store.getFunnelCounters()).toEqual(before);
    });

    it('is refused when the lead’s profile changed since it was read', async () => {
      const absorbed = lead(undefined, { cycle: 1 });
      await store.saveLead({ lead: absorbed, version: 0, changes: [] });
      const read = (await store.getLead(absorbed.leadId))!;
      await store.assignOwner(absorbed.leadId, 1, rep);

      await expect(store.retireLead({ ...absorbed, mergedInto: 'lead-ffffffffffffffffffff' }, read)).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(absorbed.leadId)).toEqual({ lead: { ...absorbed, owner: rep }, version: 1, profileVersion: 3 });
    });
  });

  describe('the capacity it consumes', () => {
    it('reports the units DynamoDB bills for each call to the meter it was given', async () => {
      // Prepare
      const consumed: ConsumedUnits[] = [];
      const metered = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (units) => consumed.push(units) });
      const saved = lead();

      // Act
      await metered.saveLead({ lead: saved, version: 0, changes: [], markers: [{ messageId: uniqueId('metered'), at: T0, entries: [] }] });
      await metered.getLead(saved.leadId);

      // Assess: a transaction and the marker write; the new lead's funnel counts added to its shard and its report counts
      // to the items of its three visitor slices (all, source, campaign), each a day item and its month's total, let go
      // of by its profile, the seven marks (funnel, and six report items) removed;
      // the profile and score in one strongly consistent query of small items, then the markers
      const reportItems = 3 * 2;
      const updates = 1 + reportItems + 1 + (1 + reportItems);
      expect(consumed.map((c) => c.operation)).toEqual(['TransactWrite', 'BatchWrite', ...Array<string>(updates).fill('Update'), 'Query', 'Query']);
      expect(consumed.every((c) => c.table === tables.leadsTable)).toBe(true);
      expect(consumed[0]!.writeUnits).toBeGreaterThan(0);
      expect(consumed[0]!.readUnits).toBe(0);
      expect(consumed[1]).toMatchObject({ readUnits: 0, writeUnits: 1 });
      for (const update of consumed.slice(2, 2 + updates)) expect(update).toMatchObject({ readUnits: 0, writeUnits: 1 });
      expect(consumed[2 + updates]).toMatchObject({ readUnits: 1, writeUnits: 0 });
      expect(consumed[3 + updates]).toMatchObject({ readUnits: 1, writeUnits: 0 });
    });

    it('writes a scored event that leaves the profile as it was with one write unit for the score and one for its marker', async () => {
      // Prepare: a lead with two months of history, as read by the scoring path
      const leadId = uniqueLeadId();
      const events = visits(121);
      const created = scoredFrom(leadId, events.slice(0, -1));
      await store.saveLead({ lead: created.saved, version: 0, changes: [], markers: created.markers });
      const read = (await store.getLead(leadId, { heal: true }))!;
      const next = scoredOn(read, events.slice(-1));
      const consumed: ConsumedUnits[] = [];
      const metered = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (units) => consumed.push(units) });

      // Act
      await metered.saveLead({ lead: next.saved, ...basedOn(read), changes: [], markers: next.markers, applied: 1 });

      // Assess: one PutItem of a score item under 1 KB, one marker
      expect(next.markers).toHaveLength(1);
      expect(consumed.map(({ operation, writeUnits }) => ({ operation, writeUnits }))).toEqual([
        { operation: 'Put', writeUnits: 1 },
        { operation: 'BatchWrite', writeUnits: 1 },
      ]);
    });
  });
}
