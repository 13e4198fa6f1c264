import { describe, expect, it } from 'vitest';
import { applyEvents, newLead, type Lead } from '#core/lead.ts';
import type { Cycle } from '#core/cycle.ts';
import { acceptedStillOpen, continuedCycle, handOffMove, mergeLeads, retiredInto, survivorOf, takeOverHandOff } from '#core/merge.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, demoRequest, identify, model, pageView, stored } from './lead-fixtures.ts';

/** An anonymous visitor's lead: page views only, under `anonymousId`. */
function visitor(leadId: string, anonymousId: string, events: StoredEvent[]): Lead {
  return applyEvents(newLead(leadId, events[0]!.timestamp, model), events.map((e) => ({ ...e, anonymousId })), model).lead;
}

describe('which of two leads of one person lives on', () => {
  const older = visitor('lead-b', 'anon-1', [pageView('m-1', 1)]);
  const newer = visitor('lead-a', 'anon-2', [pageView('m-2', 5)]);

  it('keeps the lead sales has worked, whatever its age', () => {
    // Prepare: the newer lead went through a hand-off cycle
    const worked: Lead = { ...newer, stage: 'recycled', cycle: 1 };

    // Act + Assess: either way round
    expect(survivorOf(older, worked)).toBe(worked);
    expect(survivorOf(worked, older)).toBe(worked);
  });

  it('keeps the lead further along when neither was handed off', () => {
    // Prepare: the newer lead is known by email
    const known = applyEvents(newer, [identify('m-3', 6, 'jo@acme.io')], model).lead;

    // Act + Assess
    expect(survivorOf(older, known)).toBe(known);
    expect(survivorOf(known, older)).toBe(known);
  });

  it('keeps the lead that already took the other in, when a merge cut short runs again', () => {
    // Prepare: lead-b took lead-a in, which was not yet retired; merged, lead-a's first seen is lead-b's
    const absorber: Lead = { ...older, mergedLeadIds: ['lead-a'] };
    const absorbed: Lead = { ...newer, createdAt: older.createdAt };

    // Act + Assess: by age they tie, and the smaller id (lead-a) would win
    expect(survivorOf(absorbed, absorber)).toBe(absorber);
    expect(survivorOf(absorber, absorbed)).toBe(absorber);
  });

  it('keeps the older lead between equals, and the smaller id between twins', () => {
    expect(survivorOf(newer, older)).toBe(older);
    expect(survivorOf(older, newer)).toBe(older);
    const twin: Lead = { ...older, leadId: 'lead-a' };
    expect(survivorOf(older, twin)).toBe(twin);
    expect(survivorOf(twin, older)).toBe(twin);
  });
});

describe('merging two leads of one person', () => {
  // An anonymous visitor who looked around and asked for a demo before identifying…
  const anonymousHistory = [pageView('m-1', 1), pageView('m-2', 2), demoRequest('m-3', 3)].map((e) => ({ ...e, anonymousId: 'anon-1' }));
  // …and the same person, known by email from a server-side identify, with a phone number: grade A
  const knownHistory = [stored('m-4', 4, { type: 'identify', anonymousId: undefined, userId: 'u-42', email: 'jo@acme.io', traits: { email: 'jo@acme.io', phone: '+44 1' } })];

  it('recomputes the survivor from the events of both, keeps its id and lifecycle, and takes the identities', () => {
    // Prepare
    const absorbed = visitor('lead-anon', 'anon-1', anonymousHistory);
    const survivor = applyEvents(newLead('lead-known', at(4), model), knownHistory, model).lead;
    expect([absorbed.stage, survivor.stage]).toEqual(['visitor', 'known']);

    // Act
    const { lead, changes } = mergeLeads(survivor, absorbed, [...knownHistory, ...anonymousHistory], model, at(5));

    // Assess: 5 + 5 + 40 = 50 engagement and grade A meet the rule (B or better, 50)
    expect(lead.leadId).toBe('lead-known');
    expect(lead.engagement).toBe(50);
    expect(lead.stage).toBe('mql');
    expect(lead.journeyPending).toBe(1);
    expect(changes.map((c) => [c.from, c.to, c.cause])).toEqual([
      ['known', 'engaged', 'merged with lead-anon: engagement 50 reached 10'],
      ['engaged', 'mql', 'merged with lead-anon: grade A and engagement 50 met the qualification rule of model lead-test-1'],
    ]);
    expect([...lead.identities].sort()).toEqual(['anon:anon-1', 'email:jo@acme.io', 'user:u-42']);
    expect(lead.recentActivity.map((a) => a.messageId)).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(lead.createdAt).toBe(at(1));
    expect(lead.mergedLeadIds).toEqual(['lead-anon']);
  });

  it('remembers every lead merged in, also those the absorbed lead had absorbed', () => {
    // Prepare
    const absorbed: Lead = { ...visitor('lead-anon', 'anon-1', anonymousHistory), mergedLeadIds: ['lead-older'] };
    const survivor: Lead = { ...applyEvents(newLead('lead-known', at(4), model), knownHistory, model).lead, mergedLeadIds: ['lead-first'] };

    // Act
    const { lead } = mergeLeads(survivor, absorbed, [...knownHistory, ...anonymousHistory], model, at(5));

    // Assess
    expect(lead.mergedLeadIds).toEqual(['lead-first', 'lead-anon', 'lead-older']);
  });

  it('retires the absorbed lead pointing at the survivor, with no journey left pending', () => {
    // Prepare
    const absorbed: Lead = { ...visitor('lead-anon', 'anon-1', anonymousHistory), journeyPending: 1 };

    // Act
    const retired = retiredInto(absorbed, 'lead-known');

    // Assess
    expect(retired.mergedInto).toBe('lead-known');
    expect(retired.journeyPending).toBeUndefined();
    expect(absorbed.mergedInto).toBeUndefined();
  });
});

describe('the absorbed lead’s open hand-off, when two leads merge', () => {
  const owner = { repId: 'rep-amy', teamId: 'emea', assignedAt: '2026-02-02T09:00:00.000Z' };
  const handedOff = (leadId: string, overrides: Partial<Lead> = {}): Lead => ({ ...newLead(leadId, at(0), model), stage: 'mql', cycle: 1, owner, ...overrides });
  const cycleOf = (leadId: string, overrides: Partial<Cycle> = {}): Cycle => ({
    leadId,
    cycle: 1,
    owner,
    previousReps: [],
    acceptBy: '2026-02-02T13:00:00.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
    ...overrides,
  });

  it('moves nothing when the absorbed lead has no hand-off open: never handed off, decided, recycled, or moved by another merge', () => {
    const survivor = handedOff('lead-s');
    const decided = cycleOf('lead-a', { outcome: { kind: 'accepted', cycle: 1, repId: 'rep-amy', at: at(3) } });
    expect(handOffMove(survivor, cycleOf('lead-s'), newLead('lead-a', at(0), model), undefined)).toEqual({ kind: 'none' });
    expect(handOffMove(survivor, cycleOf('lead-s'), handedOff('lead-a'), decided)).toEqual({ kind: 'none' });
    expect(handOffMove(survivor, cycleOf('lead-s'), handedOff('lead-a'), cycleOf('lead-a', { recycled: { repId: 'rep-amy', acceptBy: at(4), at: at(5) } }))).toEqual({ kind: 'none' });
    expect(handOffMove(survivor, cycleOf('lead-s'), handedOff('lead-a'), cycleOf('lead-a', { mergedInto: { leadId: 'lead-x', cycle: 2 } }))).toEqual({ kind: 'none' });
    // the lead's stage moved on (the stream applied a decision) though the cycle record was read before it
    expect(handOffMove(survivor, cycleOf('lead-s'), handedOff('lead-a', { stage: 'sal' }), cycleOf('lead-a'))).toEqual({ kind: 'none' });
  });

  it('keeps the survivor’s own hand-off when both have one: the absorbed one is closed into it', () => {
    expect(handOffMove(handedOff('lead-s', { cycle: 2 }), cycleOf('lead-s', { cycle: 2 }), handedOff('lead-a'), cycleOf('lead-a'))).toEqual({
      kind: 'close',
      into: { leadId: 'lead-s', cycle: 2 },
    });
  });

  it('gives the survivor the absorbed hand-off as its next cycle when it may still be handed off', () => {
    for (const stage of ['known', 'engaged', 'recycled'] as const) {
      const survivor = handedOff('lead-s', { stage, cycle: stage === 'recycled' ? 1 : 0 });
      const into = { leadId: 'lead-s', cycle: survivor.cycle + 1 };
      expect(handOffMove(survivor, undefined, handedOff('lead-a'), cycleOf('lead-a')), stage).toEqual({ kind: 'continue', into });
    }
  });

  it('gives it to a survivor the merge just qualified (its cycle not yet routed), in that cycle, and again when the merge runs again', () => {
    const survivor = handedOff('lead-s', { cycle: 1, journeyPending: 1 });
    expect(handOffMove(survivor, undefined, handedOff('lead-a'), cycleOf('lead-a'))).toEqual({ kind: 'continue', into: { leadId: 'lead-s', cycle: 1 } });
    // run again: the continued cycle is written, the absorbed one closed into it
    const continued = continuedCycle(cycleOf('lead-a', { mergedInto: { leadId: 'lead-s', cycle: 1 } }), { leadId: 'lead-s', cycle: 1 }, at(1));
    expect(handOffMove(survivor, continued, handedOff('lead-a'), cycleOf('lead-a', { mergedInto: { leadId: 'lead-s', cycle: 1 } }))).toEqual({
      kind: 'continue',
      into: { leadId: 'lead-s', cycle: 1 },
    });
  });

  it('leaves a survivor sales already works (or closed) as it is: the absorbed hand-off is closed into its cycle', () => {
    for (const stage of ['sal', 'sql', 'opportunity', 'won', 'lost', 'disqualified'] as const) {
      expect(handOffMove(handedOff('lead-s', { stage }), cycleOf('lead-s'), handedOff('lead-a'), cycleOf('lead-a')), stage).toEqual({
        kind: 'close',
        into: { leadId: 'lead-s', cycle: 1 },
      });
    }
  });

  it('continues the hand-off with the same owner, earlier reps and deadline; the wait times out at that deadline, at least a second away', () => {
    const from = cycleOf('lead-a', { previousReps: ['rep-bo'], reassignments: [{ repId: 'rep-bo', acceptBy: '2026-02-02T09:00:00.000Z', at: '2026-02-02T09:00:00.000Z' }], missed: 2 });
    const continued = continuedCycle(from, { leadId: 'lead-s', cycle: 3 }, '2026-02-02T12:00:00.000Z');
    expect(continued).toEqual({
      leadId: 'lead-s',
      cycle: 3,
      owner,
      previousReps: ['rep-bo'],
      reassignments: from.reassignments,
      acceptBy: '2026-02-02T13:00:00.000Z',
      acceptWithinSeconds: 3600,
      missed: 0,
      continues: { leadId: 'lead-a', cycle: 1 },
    });
    expect(continuedCycle(from, { leadId: 'lead-s', cycle: 3 }, '2026-02-02T14:00:00.000Z').acceptWithinSeconds).toBe(1);
  });

  it('makes the survivor an MQL in the continued cycle, owned by its rep, its journey pending; a survivor already an MQL only takes the owner', () => {
    const continued = continuedCycle(cycleOf('lead-a'), { leadId: 'lead-s', cycle: 2 }, at(2));
    const recycled = handedOff('lead-s', { stage: 'recycled', cycle: 1, stageHistory: [] });
    delete recycled.owner;
    const { lead, changes } = takeOverHandOff({ lead: recycled, changes: [] }, continued, 'lead-a', at(2));
    expect(lead).toMatchObject({ stage: 'mql', cycle: 2, journeyPending: 2, owner });
    expect(changes).toEqual([{ from: 'recycled', to: 'mql', at: at(2), cause: 'merged with lead-a: its hand-off to rep-amy continues here' }]);

    const pending = handedOff('lead-s', { cycle: 2, journeyPending: 2 });
    delete pending.owner;
    const taken = takeOverHandOff({ lead: pending, changes: [] }, continued, 'lead-a', at(2));
    expect(taken.lead).toMatchObject({ stage: 'mql', cycle: 2, journeyPending: 2, owner });
    expect(taken.changes).toEqual([]);
  });
});

describe('an absorbed cycle accepted but not yet contacted', () => {
  const accepted: Cycle = {
    leadId: 'lead-a',
    cycle: 1,
    owner: { repId: 'rep-amy', teamId: 'emea', assignedAt: '2026-05-01T09:00:00.000Z' },
    previousReps: [],
    acceptBy: '2026-05-01T13:00:00.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
    outcome: { kind: 'accepted', cycle: 1, repId: 'rep-amy', at: '2026-05-01T10:00:00.000Z' },
    openFor: 'rep-amy',
  };

  it('names the rep whose open lead it still is, for the merge to end', () => {
    expect(acceptedStillOpen({ cycle: 1 }, accepted)).toBe('rep-amy');
  });

  it('names nobody once contacted, when rejected, open, moved by a merge, or not the lead’s current cycle', () => {
    const { openFor: _contacted, ...contacted } = accepted;
    expect(acceptedStillOpen({ cycle: 1 }, contacted)).toBeUndefined();
    expect(acceptedStillOpen({ cycle: 1 }, { ...accepted, outcome: { kind: 'rejected', cycle: 1, repId: 'rep-amy', at: accepted.acceptBy, reason: 'no' } })).toBeUndefined();
    const { outcome: _open, ...open } = accepted;
    expect(acceptedStillOpen({ cycle: 1 }, open)).toBeUndefined();
    expect(acceptedStillOpen({ cycle: 1 }, { ...accepted, mergedInto: { leadId: 'lead-s', cycle: 2 } })).toBeUndefined();
    expect(acceptedStillOpen({ cycle: 2 }, accepted)).toBeUndefined();
    expect(acceptedStillOpen({ cycle: 1 }, undefined)).toBeUndefined();
  });
});
