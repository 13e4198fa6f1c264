import { beforeAll, expect, it } from 'vitest';
import { createActivityStore, type ActivityStore } from '../../../functions/adapters/activity-store.ts';
import { createDecisions, type Decisions } from '../../../functions/adapters/decisions.ts';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { createRepStore, type RepStore } from '../../../functions/adapters/rep-store.ts';
import { scoringModel } from '../../../config/index.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { newLead } from '../../../functions/core/lead.ts';
import type { Outcome } from '../../../functions/core/outcomes.ts';
import { uniqueLeadId, type TestTables } from '../../support/tables.ts';
import { roundTheClock } from '../../unit/core/calendar-arbitraries.ts';

/**
 * Reps' open leads, the round robin and the queue against DynamoDB Local:
 * each fact that opens or ends a rep's open lead moves the count exactly
 * once, a retried write moves nothing, and a round robin read before
 * another assignment refuses the write.
 */
let tables: TestTables;
let reps: RepStore;
let store: LeadStore;
let decisions: Decisions;
let activities: ActivityStore;

/** Rep and team ids of their own, so tests sharing the tables do not share counts. */
const ids = () => {
  const suffix = uniqueLeadId().slice(5, 15);
  return { leadId: uniqueLeadId(), teamId: `team-${suffix}`, sam: `rep-sam-${suffix}`, kim: `rep-kim-${suffix}` };
};

function cycleFor(leadId: string, teamId: string, repId: string): Cycle {
  return { leadId, cycle: 1, owner: { repId, teamId, assignedAt: '2026-03-02T09:00:00.000Z' }, previousReps: [], acceptBy: '2026-03-02T13:00:00.000Z', acceptWithinSeconds: 14_400, missed: 0 };
}

const open = async (repId: string) => (await reps.storedReps([repId]))[repId]?.open ?? 0;

async function assigned(leadId: string, teamId: string, repId: string): Promise<void> {
  const turn = await reps.rotationOf(teamId);
  expect(await reps.assignCycle(cycleFor(leadId, teamId, repId), { ...turn, credits: { [repId]: -1 } })).toBe('assigned');
}

function decision(leadId: string, outcome: Outcome) {
  return { messageId: `handoff-${leadId}-1-${outcome.repId}-${outcome.kind}`, kind: 'outcome' as const, leadId, outcome, receivedAt: outcome.at };
}

export function repStoreContract(getTables: () => TestTables): void {
  beforeAll(() => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    reps = createRepStore({ client, leadsTable });
    store = createLeadStore({ client, leadsTable });
    decisions = createDecisions({ client, leadsTable, eventsTable });
    activities = createActivityStore({ client, leadsTable, eventsTable, sales: { firstContactWithinHours: 24, followUp: { activities: 2, withinDays: 14 } }, calendars: () => roundTheClock });
  });

  it('counts a hand-off once: a retried assignment finds the cycle and counts nothing', async () => {
    const { leadId, teamId, sam } = ids();
    await assigned(leadId, teamId, sam);

    const retried = await reps.assignCycle(cycleFor(leadId, teamId, sam), await reps.rotationOf(teamId));

    expect(retried).toBe('cycle-exists');
    expect(await open(sam)).toBe(1);
    expect(await store.getCycle(leadId, 1)).toMatchObject({ openFor: sam });
    expect(await reps.rotationOf(teamId)).toEqual({ teamId, credits: { [sam]: -1 }, version: 1 });
  });

  it('refuses an assignment whose round robin moved since it was read, and writes nothing of it', async () => {
    const { leadId, teamId, sam, kim } = ids();
    const stale = await reps.rotationOf(teamId);
    await assigned(uniqueLeadId(), teamId, kim);

    expect(await reps.assignCycle(cycleFor(leadId, teamId, sam), stale)).toBe('rotation-moved');
    expect(await store.getCycle(leadId, 1)).toBeUndefined();
    expect(await open(sam)).toBe(0);
  });

  it('ends the open lead once with a rejection, whether the link or the stream records it', async () => {
    const { leadId, teamId, sam } = ids();
    await assigned(leadId, teamId, sam);
    const rejected: Outcome = { kind: 'rejected', cycle: 1, repId: sam, at: '2026-03-02T10:00:00.000Z', reason: 'No budget' };

    expect(await decisions.recordDecision(decision(leadId, rejected))).toEqual({ recorded: true });
    const again = await store.recordOutcome(leadId, rejected);

    expect(again?.outcome).toEqual(rejected);
    expect(await open(sam)).toBe(0);
    expect(await store.getCycle(leadId, 1)).not.toHaveProperty('openFor');
  });

  it('keeps an accepted lead open until the first contact, which ends it once', async () => {
    const { leadId, teamId, sam } = ids();
    await assigned(leadId, teamId, sam);
    const accepted: Outcome = { kind: 'accepted', cycle: 1, repId: sam, at: '2026-03-02T10:00:00.000Z' };
    await decisions.recordDecision(decision(leadId, accepted));
    expect(await open(sam)).toBe(1);

    const call = { leadId, cycle: 1, kind: 'call' as const, repId: sam, via: 'api' as const };
    expect(await activities.recordActivity({ ...call, activityId: `a1-${leadId}`, at: '2026-03-02T11:00:00.000Z' })).toBe('recorded');
    expect(await activities.recordActivity({ ...call, activityId: `a2-${leadId}`, at: '2026-03-02T12:00:00.000Z' })).toBe('recorded');
    expect(await activities.recordActivity({ ...call, activityId: `a1-${leadId}`, at: '2026-03-02T11:00:00.000Z' })).toBe('duplicate');

    expect(await open(sam)).toBe(0);
  });

  it('ends an accepted lead’s open count with the save that moves it on (the CRM closing it), once: a retried save is refused and ends nothing', async () => {
    // Prepare: sam holds one lead already; this one is handed to him and accepted, no contact logged
    const { leadId, teamId, sam } = ids();
    await assigned(uniqueLeadId(), teamId, sam);
    const before = await open(sam);
    await assigned(leadId, teamId, sam);
    await decisions.recordDecision(decision(leadId, { kind: 'accepted', cycle: 1, repId: sam, at: '2026-03-02T10:00:00.000Z' }));
    const accepted = { ...newLead(leadId, '2026-03-02T08:00:00.000Z', scoringModel), stage: 'sal' as const, cycle: 1 };
    await store.saveLead({ lead: accepted, version: 0, changes: [] });
    expect(await open(sam)).toBe(before + 1);
    const read = (await store.getLead(leadId))!;
    const won = { ...read.lead, stage: 'won' as const };
    const update = { lead: won, version: read.version, profileVersion: read.profileVersion!, before: read.lead, changes: [{ from: 'sal' as const, to: 'won' as const, at: '2026-03-03T10:00:00.000Z', cause: 'hubspot reported won' }], releaseOpen: { cycle: 1, repId: sam } };

    // Act: the CRM's move saved, then the same save again (a retry that read before the first landed)
    await store.saveLead(update);
    await expect(store.saveLead(update)).rejects.toBeInstanceOf(ConcurrentUpdateError);

    // Assess: back to what sam held before; the cycle no longer counts
    expect(await open(sam)).toBe(before);
    expect(await store.getCycle(leadId, 1)).not.toHaveProperty('openFor');
    expect((await store.getLead(leadId))?.lead.stage).toBe('won');
  });

  it('refuses a save whose release finds the count ended already (the first contact got there first), and writes nothing of it', async () => {
    const { leadId, teamId, sam } = ids();
    await assigned(leadId, teamId, sam);
    await decisions.recordDecision(decision(leadId, { kind: 'accepted', cycle: 1, repId: sam, at: '2026-03-02T10:00:00.000Z' }));
    await store.saveLead({ lead: { ...newLead(leadId, '2026-03-02T08:00:00.000Z', scoringModel), stage: 'sal', cycle: 1 }, version: 0, changes: [] });
    const read = (await store.getLead(leadId))!;
    expect(await activities.recordActivity({ leadId, cycle: 1, kind: 'call', repId: sam, via: 'api', activityId: `c-${leadId}`, at: '2026-03-02T11:00:00.000Z' })).toBe('recorded');
    expect(await open(sam)).toBe(0);

    const update = { lead: { ...read.lead, stage: 'sql' as const }, version: read.version, profileVersion: read.profileVersion!, before: read.lead, changes: [{ from: 'sal' as const, to: 'sql' as const, at: '2026-03-03T10:00:00.000Z', cause: 'hubspot reported sql' }], releaseOpen: { cycle: 1, repId: sam } };
    await expect(store.saveLead(update)).rejects.toBeInstanceOf(ConcurrentUpdateError);

    expect(await open(sam)).toBe(0);
    expect((await store.getLead(leadId))?.lead.stage).toBe('sal');
  });

  it('removes a lead’s untaken queue items from the teams named, once, and leaves a taken one to its drain', async () => {
    const { leadId, teamId, sam } = ids();
    const other = `${teamId}-other`;
    const routing = { at: '2026-03-02T09:00:00.000Z', teamId, rule: { id: 'default' as const, index: -1 as const }, skipped: [], via: 'routing' as const };
    await reps.enqueue({ teamId, leadId, cycle: 1, queuedAt: '2026-03-02T09:00:00.000Z', routing });
    const taken = uniqueLeadId();
    await reps.enqueue({ teamId, leadId: taken, cycle: 1, queuedAt: '2026-03-02T09:00:00.000Z', routing });
    expect(await reps.assignCycle(cycleFor(taken, teamId, sam), await reps.rotationOf(teamId), { teamId })).toBe('assigned');

    expect(await reps.dropQueued([other, teamId], leadId, 1)).toEqual([teamId]);
    expect(await reps.dropQueued([other, teamId], leadId, 1)).toEqual([]);
    expect(await reps.dropQueued([teamId], taken, 1)).toEqual([]);

    expect((await reps.queueOf(teamId)).map((i) => i.leadId)).toEqual([taken]);
  });

  it('reads a queued lead’s stage, cycle and merge from its profile, and nothing for a lead that is not there', async () => {
    const leadId = uniqueLeadId();
    await store.saveLead({ lead: { ...newLead(leadId, '2026-03-02T08:00:00.000Z', scoringModel), stage: 'mql', cycle: 2, mergedInto: 'lead-survivor' }, version: 0, changes: [] });

    expect(await reps.queuedLead(leadId)).toEqual({ stage: 'mql', cycle: 2, mergedInto: 'lead-survivor' });
    expect(await reps.queuedLead(uniqueLeadId())).toBeUndefined();
  });

  it('moves the open lead with a reassignment and ends it with the recycle; a retried step moves nothing', async () => {
    const { leadId, teamId, sam, kim } = ids();
    await assigned(leadId, teamId, sam);
    const turn = await reps.rotationOf(teamId);
    const handover = { repId: sam, acceptBy: '2026-03-02T13:00:00.000Z', at: '2026-03-02T13:01:00.000Z' };
    const reassign = { step: 'reassign' as const, owner: { repId: kim, teamId, assignedAt: handover.at }, previousReps: [sam], acceptBy: '2026-03-02T17:01:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-02T16:01:00.000Z', remindWithinSeconds: 10_800, handover };

    expect(await store.recordEscalation(leadId, 1, 1, reassign, [], { release: sam, take: kim, rotation: { ...turn, credits: { [kim]: -1 } } })).toBeUndefined();
    expect(await store.recordEscalation(leadId, 1, 1, reassign, [], { release: sam, take: kim, rotation: { ...turn, credits: { [kim]: -1 } } })).toMatchObject({ missed: 1 });
    expect([await open(sam), await open(kim)]).toEqual([0, 1]);

    expect(await store.recordEscalation(leadId, 1, 2, { step: 'recycle', handover: { ...handover, repId: kim } }, [], { release: kim })).toBeUndefined();
    expect(await store.recordEscalation(leadId, 1, 2, { step: 'recycle', handover: { ...handover, repId: kim } }, [], { release: kim })).toMatchObject({ missed: 2 });
    expect([await open(sam), await open(kim)]).toEqual([0, 0]);
  });

  it('queues a lead once, takes it once, and hands its waiting token to whoever writes second', async () => {
    const { leadId, teamId, sam } = ids();
    const routing = { at: '2026-03-02T09:00:00.000Z', teamId, rule: { id: 'default' as const, index: -1 as const }, skipped: [], via: 'routing' as const };
    expect(await reps.enqueue({ teamId, leadId, cycle: 1, queuedAt: '2026-03-02T09:00:00.000Z', routing })).toBe('2026-03-02T09:00:00.000Z');
    expect(await reps.enqueue({ teamId, leadId, cycle: 1, queuedAt: '2026-03-02T10:00:00.000Z', routing })).toBe('2026-03-02T09:00:00.000Z');
    expect(await reps.routingOf(leadId, 1, ['team-none', teamId])).toEqual(routing);

    const turn = await reps.rotationOf(teamId);
    expect(await reps.assignCycle(cycleFor(leadId, teamId, sam), turn, { teamId })).toBe('assigned');
    expect(await reps.assignCycle({ ...cycleFor(leadId, teamId, sam), cycle: 1 }, await reps.rotationOf(teamId), { teamId })).toBe('cycle-exists');

    // the journey's wait begins after the drain took the lead: it sees it taken
    expect(await reps.recordQueueToken(teamId, leadId, 1, 'token-1')).toMatchObject({ takenBy: sam, taskToken: 'token-1' });
    expect(await reps.queueOf(teamId)).toMatchObject([{ leadId, takenBy: sam, taskToken: 'token-1' }]);
    await reps.dequeue(teamId, leadId, 1);
    expect(await reps.recordQueueToken(teamId, leadId, 1, 'token-2')).toBeUndefined();
    expect(await open(sam)).toBe(1);
  });

  it('keeps the open count when the time away changes', async () => {
    const { leadId, teamId, sam } = ids();
    await assigned(leadId, teamId, sam);
    const range = { from: '2026-03-09T00:00:00.000Z', until: '2026-03-14T00:00:00.000Z' };

    expect(await reps.changeAway(sam, (away) => [...away, range])).toEqual({ open: 1, away: [range] });
    expect(await reps.storedReps([sam])).toEqual({ [sam]: { open: 1, away: [range], version: 1 } });
  });
}
