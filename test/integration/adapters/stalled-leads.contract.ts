import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { createStalledLeads, type StalledLeads } from '../../../functions/adapters/stalled-leads.ts';
import { newLead, type Lead } from '../../../functions/core/lead.ts';
import type { Stage, StageChange } from '../../../functions/core/lifecycle.ts';
import { basedOn } from '../../../functions/core/records.ts';
import { profileKey } from '../../../functions/core/table-layout.ts';
import { uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * The stalled-leads index against DynamoDB Local (or AWS): the lead store
 * keeps a lead in the sparse index exactly while it sits in a watched stage,
 * and the reader finds the ones past a cutoff through it, oldest first, by
 * owner. The tables are shared with every other contract test, so this one's
 * leads entered their stages on days of their own, decades back (a run's own
 * random hour), and each read's cutoff leaves the others' out.
 */
let tables: TestTables;
let store: LeadStore;
let reader: StalledLeads;
const consumed: ConsumedUnits[] = [];

const HOUR_MS = 3_600_000;
/** This run's instant, somewhere in the 1990s: no other test's lead entered a stage near it. */
const BASE = Date.parse('1990-01-01T00:00:00.000Z') + Math.floor(Math.random() * 80_000) * HOUR_MS;
const at = (hours: number) => new Date(BASE + hours * HOUR_MS).toISOString();
const rep = (repId: string, teamId = 'sales-emea') => ({ repId, teamId, assignedAt: at(0) });

/** A new lead saved in `stage`, entered at `hours` after BASE. */
async function leadIn(stage: Stage, hours: number, overrides: Partial<Lead> = {}): Promise<Lead> {
  const leadId = uniqueLeadId();
  const change: StageChange = { from: 'known', to: stage, at: at(hours), cause: 'contract' };
  const lead: Lead = { ...newLead(leadId, at(-1), scoringModel), stage, stageHistory: [change], email: `${leadId}@contract.example`, traits: { name: `Name ${leadId}`, company: 'Acme' }, ...overrides };
  await store.saveLead({ lead, version: 0, changes: [change] });
  return lead;
}

/** Moves a stored lead on to `to` at `hours`, as the scoring path saves it. */
async function moveOn(leadId: string, to: Stage, hours: number): Promise<void> {
  const read = (await store.getLead(leadId))!;
  const change: StageChange = { from: read.lead.stage, to, at: at(hours), cause: 'contract' };
  await store.saveLead({ ...basedOn(read), lead: { ...read.lead, stage: to, stageHistory: [...read.lead.stageHistory, change] }, changes: [change] });
}

export function stalledLeadsContract(getTables: () => TestTables): void {
  beforeAll(() => {
    tables = getTables();
    store = createLeadStore({ client: tables.client, leadsTable: tables.leadsTable });
    reader = createStalledLeads({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (c) => consumed.push(c) });
  });

  it('finds the leads that entered a stage before its cutoff, oldest first, with what their profiles say', async () => {
    const old = await leadIn('mql', 1);
    const older = await leadIn('mql', 0);
    await leadIn('mql', 5); // after the cutoff: within its limit
    const sal = await leadIn('sal', 2);

    const found = await reader.stalledLeads({ cutoffs: [{ stage: 'mql', before: at(3) }, { stage: 'sal', before: at(3) }], atMost: 10 });

    expect(found.map((r) => r.leadId)).toEqual([older.leadId, old.leadId, sal.leadId]);
    expect(found[0]).toEqual({ leadId: older.leadId, stage: 'mql', since: at(0), owner: undefined, email: older.email, traits: older.traits });
  });

  it('leaves a lead out once it moves on to a stage nobody watches, and back in when it enters a watched one again', async () => {
    const lead = await leadIn('mql', 10);
    const cutoffs = [{ stage: 'mql' as const, before: at(40) }];
    expect((await reader.stalledLeads({ cutoffs, atMost: 10 })).map((r) => r.leadId)).toContain(lead.leadId);

    await moveOn(lead.leadId, 'recycled', 11);

    expect((await reader.stalledLeads({ cutoffs, atMost: 10 })).map((r) => r.leadId)).not.toContain(lead.leadId);
    const { Item } = await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: profileKey(lead.leadId), ConsistentRead: true }));
    expect(Item).not.toHaveProperty('openStage');
    expect(Item).not.toHaveProperty('stageSince');

    await moveOn(lead.leadId, 'mql', 12);

    const back = await reader.stalledLeads({ cutoffs, atMost: 10 });
    expect(back.find((r) => r.leadId === lead.leadId)?.since).toBe(at(12));
  });

  it('keeps the index attributes off the lead as read', async () => {
    const lead = await leadIn('sql', 20);

    const read = await store.getLead(lead.leadId);

    expect(read?.lead).not.toHaveProperty('openStage');
    expect(read?.lead).not.toHaveProperty('stageSince');
  });

  it('filters by the owner the journey assigned (an update of the profile alone), and stops at atMost per stage', async () => {
    const mine = await leadIn('mql', 30, { cycle: 1 });
    const theirs = await leadIn('mql', 31, { cycle: 1 });
    const also = await leadIn('mql', 32, { cycle: 1 });
    await store.assignOwner(mine.leadId, 1, rep('rep-ann'));
    await store.assignOwner(theirs.leadId, 1, rep('rep-bob', 'sales-us'));
    await store.assignOwner(also.leadId, 1, rep('rep-ann'));
    const cutoffs = [{ stage: 'mql' as const, before: at(33) }];
    const ids = (records: { leadId: string }[]) => records.map((r) => r.leadId).filter((id) => [mine, theirs, also].some((l) => l.leadId === id));

    expect(ids(await reader.stalledLeads({ cutoffs, rep: 'rep-ann', atMost: 10 }))).toEqual([mine.leadId, also.leadId]);
    expect(ids(await reader.stalledLeads({ cutoffs, team: 'sales-us', atMost: 10 }))).toEqual([theirs.leadId]);
    expect((await reader.stalledLeads({ cutoffs, rep: 'rep-ann', atMost: 10 })).find((r) => r.leadId === mine.leadId)?.owner).toEqual(rep('rep-ann'));
    const [first, ...rest] = await reader.stalledLeads({ cutoffs, rep: 'rep-ann', atMost: 1 });
    expect(rest).toEqual([]);
    expect(first?.since).toBeDefined();
  });

  it('answers the oldest atMost of an owner across stages and shards, read a few items a page, as reading every lead would', async () => {
    // Prepare: 16 leads of one rep and 16 of others, in two stages, entered an hour apart and interleaved
    const mine = `rep-merge-${uniqueLeadId()}`;
    const leads: { lead: Lead; repId: string }[] = [];
    for (let i = 0; i < 32; i++) {
      const repId = i % 2 === 0 ? mine : `rep-other-${i % 3}`;
      const lead = await leadIn(i % 4 < 2 ? 'mql' : 'sal', 200 + i, { cycle: 1 });
      await store.assignOwner(lead.leadId, 1, rep(repId));
      leads.push({ lead, repId });
    }
    const cutoffs = [
      { stage: 'mql' as const, before: at(240) },
      { stage: 'sal' as const, before: at(240) },
    ];
    // two items a page: every partition is read in several pages, and most are left unread once the oldest are known
    const paged = createStalledLeads({ client: tables.client, leadsTable: tables.leadsTable, pageSize: 2 });
    const oldestOfMine = (n: number) => leads.filter((l) => l.repId === mine).slice(0, n).map((l) => l.lead.leadId);

    // Act + Assess: the oldest five of the rep, oldest first, and all sixteen when more are asked for
    expect((await paged.stalledLeads({ cutoffs, rep: mine, atMost: 5 })).map((r) => r.leadId)).toEqual(oldestOfMine(5));
    expect((await paged.stalledLeads({ cutoffs, rep: mine, atMost: 40 })).map((r) => r.leadId)).toEqual(oldestOfMine(16));
    expect((await reader.stalledLeads({ cutoffs, rep: mine, atMost: 5 })).map((r) => r.leadId)).toEqual(oldestOfMine(5));
  });

  it('leaves out a lead merged into another', async () => {
    const lead = await leadIn('mql', 50);
    const read = (await store.getLead(lead.leadId))!;

    await store.retireLead({ ...read.lead, mergedInto: 'lead-ffffffffffffffffffff' }, read);

    expect((await reader.stalledLeads({ cutoffs: [{ stage: 'mql', before: at(51) }], atMost: 10 })).map((r) => r.leadId)).not.toContain(lead.leadId);
  });

  it('reads the index with Queries and the profiles with one BatchGet, and reports their capacity', async () => {
    await leadIn('opportunity', 60);
    consumed.length = 0;

    await reader.stalledLeads({ cutoffs: [{ stage: 'opportunity', before: at(61) }], atMost: 5 });

    expect([...new Set(consumed.map((c) => c.operation))].sort()).toEqual(['BatchGet', 'Query']);
  });
}
