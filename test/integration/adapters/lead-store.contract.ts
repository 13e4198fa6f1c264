import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { IdentityKey } from '../../../functions/core/identity.ts';
import { newLead, type Lead } from '../../../functions/core/lead.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import { FUNNEL_SHARDS, funnelKey, funnelShardKey, funnelShardOf } from '../../../functions/core/table-layout.ts';
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
      expect(await store.getLead(saved.leadId)).toEqual({ lead: saved, version: 1 });
    });

    it('never writes a new lead over one that exists', async () => {
      const first = lead();
      await store.saveLead({ lead: first, version: 0, changes: [] });

      const second = store.saveLead({ lead: { ...first, email: 'someone-else@contract.example' }, version: 0, changes: [] });

      await expect(second).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(first.leadId)).toEqual({ lead: first, version: 1 });
    });

    it('refuses a save from a stale version, as a whole: no marker, no link, no counter', async () => {
      const current = lead();
      await store.saveLead({ lead: current, version: 0, changes: [] });
      await store.saveLead({ lead: { ...current, engagement: 5 }, version: 1, changes: [] });
      const before = await store.getFunnelCounters();
      const identity = emailOf('stale');
      const messageId = uniqueId('stale-event');

      const stale = store.saveLead({ lead: { ...current, engagement: 99 }, version: 1, changes: [qualified], appliedMessageIds: [messageId], identities: [identity] });

      await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(current.leadId)).toEqual({ lead: { ...current, engagement: 5 }, version: 2 });
      expect(await store.appliedMessageIds(current.leadId, [messageId])).toEqual(new Set());
      expect(await store.leadIdOf(identity)).toBeUndefined();
      expect(await store.getFunnelCounters()).toEqual(before);
    });

    it('refuses a save that applies an event already applied, so a replay changes nothing', async () => {
      const current = lead();
      const messageId = uniqueId('event');
      await store.saveLead({ lead: current, version: 0, changes: [], appliedMessageIds: [messageId] });

      const replay = store.saveLead({ lead: { ...current, engagement: 40 }, version: 1, changes: [], appliedMessageIds: [messageId] });

      await expect(replay).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect((await store.getLead(current.leadId))?.lead.engagement).toBe(current.engagement);
    });

    it('links the identities, marks the events and counts the stage changes with the lead', async () => {
      const saved = lead();
      const [dana, alias] = [emailOf('dana'), emailOf('alias')];
      const events = [uniqueId('e'), uniqueId('e')];
      const before = await store.getFunnelCounters();

      await store.saveLead({ lead: saved, version: 0, changes: [qualified], appliedMessageIds: events, identities: [dana, alias] });

      expect(await store.leadIdOf(dana)).toBe(saved.leadId);
      expect(await store.resolveIdentities([dana, alias, emailOf('unknown')])).toEqual(new Map([[dana, saved.leadId], [alias, saved.leadId]]));
      expect(await store.appliedMessageIds(saved.leadId, [...events, uniqueId('not-applied')])).toEqual(new Set(events));
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

    it('reads identities and markers past one batch read (100 keys)', async () => {
      const saved = lead();
      await store.saveLead({ lead: saved, version: 0, changes: [] });
      const identities = Array.from({ length: 130 }, (_, i) => emailOf(`many-${i}`));
      const markers = Array.from({ length: 130 }, (_, i) => uniqueId(`many-event-${i}`));

      await store.addMarkersAndLinks(saved.leadId, markers, identities, T0);

      expect((await store.resolveIdentities(identities)).size).toBe(130);
      expect(await store.appliedMessageIds(saved.leadId, markers)).toEqual(new Set(markers));
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
      // a version bump, so a writer holding the flagged lead is refused
      expect(cleared?.version).toBe(2);
    });

    it('assigns an owner to the current cycle and ignores an assignment for another', async () => {
      const current = lead(undefined, { cycle: 3 });
      await store.saveLead({ lead: current, version: 0, changes: [] });

      await store.assignOwner(current.leadId, 2, rep);
      expect((await store.getLead(current.leadId))?.lead.owner).toBeUndefined();

      await store.assignOwner(current.leadId, 3, rep);
      expect(await store.getLead(current.leadId)).toMatchObject({ lead: { owner: rep }, version: 2 });
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
  });

  describe('retiring a merged lead', () => {
    it('points it at the survivor and takes it out of the current counts', async () => {
      const absorbed = lead();
      await store.saveLead({ lead: absorbed, version: 0, changes: [] });
      const before = await store.getFunnelCounters();

      await store.retireLead({ ...absorbed, mergedInto: 'lead-ffffffffffffffffffff' }, 1);

      expect(await store.getLead(absorbed.leadId)).toMatchObject({ lead: { mergedInto: 'lead-ffffffffffffffffffff' }, version: 2 });
      expect((await store.getFunnelCounters()).current.visitor).toBe((before.current.visitor ?? 0) - 1);
    });

    it('is refused when the lead changed since it was read', async () => {
      const absorbed = lead();
      await store.saveLead({ lead: absorbed, version: 0, changes: [] });
      await store.saveLead({ lead: { ...absorbed, engagement: 7 }, version: 1, changes: [] });

      await expect(store.retireLead({ ...absorbed, mergedInto: 'lead-ffffffffffffffffffff' }, 1)).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(await store.getLead(absorbed.leadId)).toEqual({ lead: { ...absorbed, engagement: 7 }, version: 2 });
    });
  });

  describe('the capacity it consumes', () => {
    it('reports the units DynamoDB bills for each call to the meter it was given', async () => {
      // Prepare
      const consumed: ConsumedUnits[] = [];
      const metered = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (units) => consumed.push(units) });
      const saved = lead();

      // Act
      await metered.saveLead({ lead: saved, version: 0, changes: [], appliedMessageIds: [uniqueId('metered')] });
      await metered.getLead(saved.leadId);

      // Assess: a transaction writes, a strongly consistent read of a small item is one read unit
      expect(consumed.map((c) => c.operation)).toEqual(['TransactWrite', 'Get']);
      expect(consumed.every((c) => c.table === tables.leadsTable)).toBe(true);
      expect(consumed[0]!.writeUnits).toBeGreaterThan(0);
      expect(consumed[0]!.readUnits).toBe(0);
      expect(consumed[1]).toMatchObject({ readUnits: 1, writeUnits: 0 });
    });
  });
}
