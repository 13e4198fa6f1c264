import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoringModelSchema } from '../../../functions/core/scoring.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { applyEventRecords } from '../../../functions/score/apply-events.ts';
import { leadIdOf } from './fixtures.ts';
import { InMemoryLeads } from './in-memory-leads.ts';

/**
 * Which lead each event lands on, through the scoring use case with the
 * leads table in memory: one person, one lead, however the events are batched.
 */
const model = scoringModelSchema.parse({
  version: 'identity-test-1',
  engagement: {
    engagedThreshold: 10,
    rules: [{ id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 }],
  },
  fit: {
    rules: [{ id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 30 }],
    grades: { A: 30, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

const at = (minutes: number) => new Date(Date.parse('2026-05-01T09:00:00.000Z') + minutes * 60_000).toISOString();

type Tracking = StoredEvent & { kind: 'tracking' };

function event(messageId: string, minutes: number, fields: Partial<StoredEvent>): Tracking {
  return { kind: 'tracking', messageId, type: 'page', timestamp: at(minutes), receivedAt: at(minutes), sourceId: 'src-web', ...fields };
}
const page = (messageId: string, minutes: number, anonymousId: string) => event(messageId, minutes, { type: 'page', anonymousId, url: 'https://example.com/' });
const identify = (messageId: string, minutes: number, anonymousId: string, email: string) =>
  event(messageId, minutes, { type: 'identify', anonymousId, email, traits: { email } });
const alias = (messageId: string, minutes: number, anonymousId: string, previousId: string) => event(messageId, minutes, { type: 'alias', anonymousId, previousId });

async function applyInBatches(store: InMemoryLeads, batches: readonly (readonly Tracking[])[]): Promise<void> {
  for (const batch of batches) {
    store.store(batch);
    const { failedMessageIds } = await applyEventRecords(batch, store.ports());
    expect([...failedMessageIds]).toEqual([]);
  }
}

describe('identities met within one batch', () => {
  it('joins an anonymous visitor’s pages to the known lead the identify that follows names', async () => {
    // Prepare: the person is known by email already
    const store = new InMemoryLeads(model);
    await applyInBatches(store, [[event('crm-1', 0, { type: 'identify', userId: 'crm-7', email: 'noor@globex.example', traits: { email: 'noor@globex.example' } })]]);
    const known = leadIdOf('email:noor@globex.example');

    // Act: pages and the identify in one batch, the pages first as they came
    await applyInBatches(store, [[page('p-1', 10, 'v-1'), page('p-2', 11, 'v-1'), identify('i-1', 12, 'v-1', 'noor@globex.example')]]);

    // Assess
    expect(store.liveLeads().map((l) => l.lead.leadId)).toEqual([known]);
    expect(['crm-1', 'p-1', 'p-2', 'i-1'].map((id) => store.leadOfEvent(id))).toEqual([known, known, known, known]);
    expect(store.links.get('anon:v-1')).toBe(known);
  });

  it('merges two visitors who identify with one email in the same batch, and sends the second one’s later events there', async () => {
    // Prepare: two visitors with a lead each
    const store = new InMemoryLeads(model);
    await applyInBatches(store, [[page('a-1', 0, 'v-a'), page('b-1', 5, 'v-b')]]);

    // Act
    await applyInBatches(store, [[identify('a-2', 10, 'v-a', 'sam@acme.example'), identify('b-2', 11, 'v-b', 'sam@acme.example')], [page('b-3', 20, 'v-b')]]);

    // Assess: the older visitor's lead takes both
    const survivor = leadIdOf('anon:v-a');
    expect(store.liveLeads().map((l) => l.lead.leadId)).toEqual([survivor]);
    expect(['a-1', 'b-1', 'a-2', 'b-2', 'b-3'].map((id) => store.leadOfEvent(id))).toEqual(Array(5).fill(survivor));
    expect(store.leads.get(leadIdOf('anon:v-b'))?.lead.mergedInto).toBe(survivor);
    expect(store.links.get('anon:v-b')).toBe(survivor);
  });

  it('names a new person’s lead after the first event in time, whatever order the batch holds them in', async () => {
    const store = new InMemoryLeads(model);

    await applyInBatches(store, [[identify('i-1', 12, 'v-1', 'new@acme.example'), page('p-2', 11, 'v-1'), page('p-1', 10, 'v-1')]]);

    expect(store.liveLeads().map((l) => l.lead.leadId)).toEqual([leadIdOf('anon:v-1')]);
    expect(store.links.get('email:new@acme.example')).toBe(leadIdOf('anon:v-1'));
  });
});

describe('a record whose identities cannot be looked up', () => {
  it('fails alone: the batch’s other records are applied', async () => {
    // Prepare: an email longer than a DynamoDB key may be, next to an ordinary visitor's pages
    const store = new InMemoryLeads(model);
    const huge = `${'x'.repeat(3000)}@example.com`;
    const batch = [page('ok-1', 0, 'v-ok'), identify('bad-1', 1, 'v-bad', huge), page('ok-2', 2, 'v-ok')];
    store.store(batch);

    // Act
    const { failedMessageIds } = await applyEventRecords(batch, store.ports());

    // Assess
    expect([...failedMessageIds]).toEqual(['bad-1']);
    expect(store.leadOfEvent('ok-1')).toBe(leadIdOf('anon:v-ok'));
    expect(store.leadOfEvent('ok-2')).toBe(leadIdOf('anon:v-ok'));
    expect(store.leads.get(leadIdOf('anon:v-ok'))?.lead.engagement).toBe(10);
    expect(store.logged.map((l) => l.message)).toContain('looking up identities failed');
  });
});

/** Events of a few visitors over a few emails: page views, identifies and aliases. */
const eventsArb = fc
  .uniqueArray(
    fc.record({
      id: fc.integer({ min: 0, max: 999 }),
      minute: fc.integer({ min: 0, max: 30 }),
      anon: fc.constantFrom('a1', 'a2', 'a3', 'a4'),
      other: fc.constantFrom('a1', 'a2', 'a3', 'a4'),
      email: fc.constantFrom('jo@acme.example', 'kim@acme.example'),
      kind: fc.constantFrom('page', 'page', 'page', 'identify', 'alias'),
    }),
    { selector: (e) => e.id, minLength: 1, maxLength: 20 },
  )
  .map((specs) =>
    specs.map(({ id, minute, anon, other, email, kind }) =>
      kind === 'page' ? page(`m-${id}`, minute, anon) : kind === 'identify' ? identify(`m-${id}`, minute, anon, email) : alias(`m-${id}`, minute, anon, other),
    ),
  );

/** Splits `events` into consecutive batches at the given cut points. */
function split<T>(events: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
  const batches: T[][] = [];
  let from = 0;
  for (const point of [...points, events.length]) {
    if (point > from) batches.push(events.slice(from, point));
    from = Math.max(from, point);
  }
  return batches;
}

/** Who is one person, worked out plainly: events whose identities touch, transitively. */
function samePerson(events: readonly Tracking[]): (a: string, b: string) => boolean {
  const idsOf = (e: Tracking) => [e.anonymousId, e.previousId, e.email].filter((x) => x !== undefined);
  const person = new Map(events.map((e) => [e.messageId, new Set(idsOf(e))]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of person.values())
      for (const b of person.values())
        if (a !== b && [...b].some((id) => a.has(id)) && [...b].some((id) => !a.has(id))) {
          for (const id of b) a.add(id);
          changed = true;
        }
  }
  return (a, b) => [...person.get(a)!].some((id) => person.get(b)!.has(id));
}

function byTime(a: Tracking, b: Tracking): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.messageId < b.messageId ? -1 : 1;
}

describe('one person, one lead, however events are batched (property)', () => {
  it('puts events on the same lead exactly when they are one person, for any arrival order and any batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb.chain((events) => fc.tuple(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(), { maxLength: 6 }))),
        async ([arrival, cuts]) => {
          const store = new InMemoryLeads(model);
          await applyInBatches(store, split(arrival, cuts));
          const same = samePerson(arrival);
          for (const a of arrival) {
            expect(store.leadOfEvent(a.messageId), a.messageId).toBeDefined();
            for (const b of arrival) expect(store.leadOfEvent(a.messageId) === store.leadOfEvent(b.messageId), `${a.messageId} ${b.messageId}`).toBe(same(a.messageId, b.messageId));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives a new person the same lead in one batch as one event at a time', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, async (events) => {
        const ordered = [...events].sort(byTime);
        const together = new InMemoryLeads(model);
        await applyInBatches(together, [events]);
        const oneByOne = new InMemoryLeads(model);
        await applyInBatches(oneByOne, ordered.map((e) => [e]));
        for (const e of events) expect(together.leadOfEvent(e.messageId), e.messageId).toBe(oneByOne.leadOfEvent(e.messageId));
      }),
      { numRuns: 150 },
    );
  });
});

describe('a merge that moves a hand-off, cut short and run again', () => {
  it('stops the absorbed journey, moves the open hand-off to the survivor once, and starts one journey for it', async () => {
    // Prepare: the older lead was handed off and rejected (recycled); the newer one is handed off to rep-amy, its journey running
    const store = new InMemoryLeads(model);
    const owner = { repId: 'rep-amy', teamId: 'emea', assignedAt: at(30) };
    const base = { traits: {}, stageHistory: [], ledger: [], modelVersion: model.version, engagement: 0, grade: 'D' as const, touches: [], recentActivity: [] };
    store.putLead({ ...base, leadId: 'lead-s', identities: ['anon:v-s'], stage: 'recycled', cycle: 1, scoredAt: at(0), createdAt: at(0) }, 3);
    store.putLead({ ...base, leadId: 'lead-a', identities: ['anon:v-a'], stage: 'mql', cycle: 1, owner, scoredAt: at(30), createdAt: at(20) }, 2);
    store.setCycle({ leadId: 'lead-a', cycle: 1, owner, previousReps: [], acceptBy: at(270), acceptWithinSeconds: 14_400, missed: 0, openFor: 'rep-amy' });
    await store.ports().startJourney({ leadId: 'lead-a', cycle: 1 });
    const aliasEvent = alias('alias-1', 60, 'v-a', 'v-s');
    store.store([aliasEvent]);
    // the first attempt stops after saving the survivor, before linking the other lead's identities to it
    store.beforeNext('linkIdentities', () => {
      throw new Error('the function timed out');
    });

    // Act: the stream delivers the alias, the attempt fails, and the stream delivers it again
    const first = await applyEventRecords([aliasEvent], store.ports());
    expect([...first.failedMessageIds]).toEqual(['alias-1']);
    await applyInBatches(store, [[aliasEvent]]);

    // Assess: one person, one open hand-off: the survivor's second cycle, rep-amy's, by the same deadline
    expect(store.liveLeads().map((l) => l.lead.leadId)).toEqual(['lead-s']);
    expect(store.leads.get('lead-s')?.lead).toMatchObject({ stage: 'mql', cycle: 2, owner, mergedLeadIds: ['lead-a'] });
    // rep-amy's open lead moves with it (counted once: it ends where the survivor's cycle's does)
    expect(store.cycle('lead-s', 2)).toMatchObject({ owner, acceptBy: at(270), missed: 0, continues: { leadId: 'lead-a', cycle: 1 }, openFor: 'rep-amy' });
    expect(store.released).toEqual([]);
    expect(store.cycle('lead-a', 1)).toMatchObject({ mergedInto: { leadId: 'lead-s', cycle: 2 } });
    // the absorbed journey stopped (each attempt asks again: a no-op), one journey started for the survivor's cycle, MQL counted once
    expect(store.stopped).toEqual(['lead-a#1', 'lead-a#1']);
    expect([...store.journeys.keys()].sort()).toEqual(['lead-a#1', 'lead-s#2']);
    expect(store.funnel.get('reached.mql')).toBe(1);
    expect(store.callsOf('putCycle')).toHaveLength(1);
  });

  it('ends the absorbed hand-off’s open lead once when the survivor holds a hand-off of its own', async () => {
    // Prepare: both leads are MQLs handed off, to rep-amy and rep-bo
    const store = new InMemoryLeads(model);
    const amy = { repId: 'rep-amy', teamId: 'emea', assignedAt: at(30) };
    const bo = { repId: 'rep-bo', teamId: 'emea', assignedAt: at(10) };
    const base = { traits: {}, stageHistory: [], ledger: [], modelVersion: model.version, engagement: 0, grade: 'D' as const, touches: [], recentActivity: [] };
    store.putLead({ ...base, leadId: 'lead-s', identities: ['anon:v-s'], stage: 'mql', cycle: 1, owner: bo, scoredAt: at(0), createdAt: at(0) }, 3);
    store.putLead({ ...base, leadId: 'lead-a', identities: ['anon:v-a'], stage: 'mql', cycle: 1, owner: amy, scoredAt: at(30), createdAt: at(20) }, 2);
    store.setCycle({ leadId: 'lead-s', cycle: 1, owner: bo, previousReps: [], acceptBy: at(250), acceptWithinSeconds: 14_400, missed: 0, openFor: 'rep-bo' });
    store.setCycle({ leadId: 'lead-a', cycle: 1, owner: amy, previousReps: [], acceptBy: at(270), acceptWithinSeconds: 14_400, missed: 0, openFor: 'rep-amy' });
    const aliasEvent = alias('alias-1', 60, 'v-a', 'v-s');
    store.store([aliasEvent]);

    // Act: delivered twice
    await applyInBatches(store, [[aliasEvent]]);
    await applyInBatches(store, [[aliasEvent]]);

    // Assess: the absorbed hand-off is closed and no longer counts for rep-amy; rep-bo's stands
    expect(store.cycle('lead-a', 1)).toMatchObject({ mergedInto: { leadId: 'lead-s', cycle: 1 } });
    expect(store.cycle('lead-a', 1)).not.toHaveProperty('openFor');
    expect(store.released).toEqual(['lead-a#1#rep-amy']);
    expect(store.cycle('lead-s', 1)).toMatchObject({ openFor: 'rep-bo' });
  });

  it('leaves a decision already recorded on the absorbed cycle where it is, and moves nothing', async () => {
    // Prepare: as above, but rep-amy accepted just before the merge (the stream has not applied it yet)
    const store = new InMemoryLeads(model);
    const owner = { repId: 'rep-amy', teamId: 'emea', assignedAt: at(30) };
    const base = { traits: {}, stageHistory: [], ledger: [], modelVersion: model.version, engagement: 0, grade: 'D' as const, touches: [], recentActivity: [] };
    store.putLead({ ...base, leadId: 'lead-s', identities: ['anon:v-s'], stage: 'recycled', cycle: 1, scoredAt: at(0), createdAt: at(0) }, 3);
    store.putLead({ ...base, leadId: 'lead-a', identities: ['anon:v-a'], stage: 'mql', cycle: 1, owner, scoredAt: at(30), createdAt: at(20) }, 2);
    store.setCycle({ leadId: 'lead-a', cycle: 1, owner, previousReps: [], acceptBy: at(270), acceptWithinSeconds: 14_400, missed: 0, openFor: 'rep-amy' });
    store.beforeNext('closeCycleForMerge', () => void (store.cycle('lead-a', 1)!.outcome = { kind: 'accepted', cycle: 1, repId: 'rep-amy', at: at(59) }));
    const aliasEvent = alias('alias-1', 60, 'v-a', 'v-s');
    store.store([aliasEvent]);

    // Act
    await applyInBatches(store, [[aliasEvent]]);

    // Assess: the decision stands on its cycle; the survivor is not given a hand-off
    expect(store.cycle('lead-a', 1)?.mergedInto).toBeUndefined();
    expect(store.cycle('lead-s', 2)).toBeUndefined();
    expect(store.leads.get('lead-s')?.lead).toMatchObject({ stage: 'recycled', cycle: 1 });
    // …and, accepted without a contact yet, it no longer counts as rep-amy's open lead (a decided cycle is not carried over)
    expect(store.released).toEqual(['lead-a#1#rep-amy']);
  });

  it('ends an accepted-but-not-contacted cycle of the lead a merge absorbs, once', async () => {
    // Prepare: the survivor is the one sales worked further (two cycles); the absorbed one was accepted by rep-amy, not contacted
    const store = new InMemoryLeads(model);
    const owner = { repId: 'rep-amy', teamId: 'emea', assignedAt: at(30) };
    const base = { traits: {}, stageHistory: [], ledger: [], modelVersion: model.version, engagement: 0, grade: 'D' as const, touches: [], recentActivity: [] };
    store.putLead({ ...base, leadId: 'lead-s', identities: ['anon:v-s'], stage: 'recycled', cycle: 2, scoredAt: at(0), createdAt: at(0) }, 3);
    store.putLead({ ...base, leadId: 'lead-a', identities: ['anon:v-a'], stage: 'sal', cycle: 1, owner, scoredAt: at(30), createdAt: at(20) }, 2);
    store.setCycle({ leadId: 'lead-a', cycle: 1, owner, previousReps: [], acceptBy: at(270), acceptWithinSeconds: 14_400, missed: 0, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-amy', at: at(40) }, openFor: 'rep-amy' });
    const aliasEvent = alias('alias-1', 60, 'v-a', 'v-s');
    store.store([aliasEvent]);

    // Act: delivered twice
    await applyInBatches(store, [[aliasEvent]]);
    await applyInBatches(store, [[aliasEvent]]);

    // Assess
    expect(store.leads.get('lead-a')?.lead.mergedInto).toBe('lead-s');
    expect(store.released).toEqual(['lead-a#1#rep-amy']);
    expect(store.cycle('lead-a', 1)).not.toHaveProperty('openFor');
  });
});

describe('a merge of a lead waiting in a team’s queue', () => {
  it('removes the absorbed lead’s queue items, once, and leaves the survivor’s', async () => {
    // Prepare: both leads are MQLs nobody could take yet, queued in their team
    const store = new InMemoryLeads(model);
    const base = { traits: {}, stageHistory: [], ledger: [], modelVersion: model.version, engagement: 0, grade: 'D' as const, touches: [], recentActivity: [] };
    store.putLead({ ...base, leadId: 'lead-s', identities: ['anon:v-s'], stage: 'mql', cycle: 1, scoredAt: at(0), createdAt: at(0) }, 3);
    store.putLead({ ...base, leadId: 'lead-a', identities: ['anon:v-a'], stage: 'mql', cycle: 1, scoredAt: at(30), createdAt: at(20) }, 2);
    store.queued.add('sales-americas#lead-s#1').add('sales-americas#lead-a#1');
    const logged: string[] = [];
    const ports = { ...store.ports(), log: (message: string) => void logged.push(message) };
    const aliasEvent = alias('alias-1', 60, 'v-a', 'v-s');
    store.store([aliasEvent]);

    // Act: delivered twice
    for (let i = 0; i < 2; i++) expect([...(await applyEventRecords([aliasEvent], ports)).failedMessageIds]).toEqual([]);

    // Assess: the absorbed lead's item went, the survivor's waits; nothing was counted or released
    expect(store.leads.get('lead-a')?.lead.mergedInto).toBe('lead-s');
    expect([...store.queued]).toEqual(['sales-americas#lead-s#1']);
    expect(logged.filter((m) => m === 'queued lead dropped by a merge')).toHaveLength(1);
    expect(store.released).toEqual([]);
  });
});
