import { describe, expect, it } from 'vitest';
import { repCalendars } from '../../../config/index.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { JourneyAssignment } from '../../../functions/core/journey.ts';
import { assignRep } from '../../../functions/journey/assign-rep.ts';
import { awaitAcceptance } from '../../../functions/journey/await-acceptance.ts';
import { escalate } from '../../../functions/journey/escalate.ts';
import { nurture } from '../../../config/nurture.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import { nurtureName, type NurtureState } from '../../../functions/core/nurture.ts';
import type { NurturePorts } from '../../../functions/score/settle-nurture.ts';
import { mqlLead } from './fixtures.ts';
import { InMemoryJourney } from './in-memory-journey.ts';

const NOW = '2026-03-01T10:00:00.000Z';
/** config/service-agreement.json: accept within 4 hours */
const ACCEPT_BY = '2026-03-01T14:00:00.000Z';
// config/service-agreement.json reminds at 75% of the 4-hour window
const REMIND_AT = '2026-03-01T13:00:00.000Z';
const lead = mqlLead();
const LEAD_ID = lead.leadId;
const sam = { repId: 'rep-sam', teamId: 'sales-emea' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea' };

function cycleRecord(overrides: Partial<Cycle> = {}): Cycle {
  return {
    leadId: LEAD_ID,
    cycle: 1,
    owner: { ...sam, assignedAt: '2026-03-01T05:00:00.000Z' },
    previousReps: [],
    acceptBy: '2026-03-01T09:00:00.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
    taskToken: 'token-from-the-last-wait',
    ...overrides,
  };
}

/** The tables as a step finds them: the lead (version 4) and, unless `cycle` is null, its cycle 1. */
function world(current = lead, cycle: Cycle | null = cycleRecord()): InMemoryJourney {
  const store = new InMemoryJourney(new Date(NOW));
  store.putLead(current, 4);
  if (cycle) store.setCycle(cycle);
  return store;
}

describe('journey steps', () => {
  describe('assign-rep', () => {
    // Sunday 1 March 2026, 10:00 UTC: nobody works today; Kim (Berlin, from 08:00) starts Monday before Sam (London, 09:00).
    // On the reps' calendars of config/, routing's and the clock's: Kim's 4 hours are Monday 08:00–12:00 Berlin (11:00 UTC),
    // her reminder at 3 hours, 11:00 Berlin (10:00 UTC).
    it('routes a new cycle by the rules and availability, records the decision, counts the open lead and makes the rep the owner', async () => {
      // Prepare
      const store = world(lead, null);
      store.calendars = repCalendars;
      const window = { acceptBy: '2026-03-02T11:00:00.000Z', acceptWithinSeconds: 25 * 3600, remindAt: '2026-03-02T10:00:00.000Z', remindWithinSeconds: 24 * 3600 };

      // Act
      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      // Assess
      expect(assignment).toEqual({ ...kim, previousReps: [], ...window });
      const owner = { ...kim, assignedAt: NOW };
      expect(store.cycle(LEAD_ID, 1)).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        owner,
        previousReps: [],
        ...window,
        missed: 0,
        openFor: 'rep-kim',
        routing: {
          at: NOW,
          teamId: 'sales-emea',
          repId: 'rep-kim',
          rule: { id: 'default', index: -1 },
          skipped: [{ repId: 'rep-sam', reason: 'off-hours', workingFrom: '2026-03-02T09:00:00.000Z' }],
          via: 'routing',
        },
      });
      expect(store.lead(LEAD_ID)?.lead.owner).toEqual(owner);
      expect(store.open('rep-kim')).toBe(1);
      expect(store.rotations.get('sales-emea')?.version).toBe(1);
    });

    it('sends a lead in the Americas to the Americas team by its territory rule', async () => {
      const store = world(mqlLead({ traits: { ...lead.traits, country: 'United States' } }), null);

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      expect(assignment).toMatchObject({ teamId: 'sales-americas' });
      expect(store.cycle(LEAD_ID, 1)?.routing?.rule).toEqual({ id: 'americas', index: 0 });
    });

    it('skips a rep who is away', async () => {
      const store = world(lead, null);
      store.reps.set('rep-kim', { open: 0, away: [{ from: '2026-02-28T00:00:00.000Z', until: '2026-03-07T00:00:00.000Z' }] });

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      expect(assignment).toMatchObject({ repId: 'rep-sam' });
      expect(store.cycle(LEAD_ID, 1)?.routing?.skipped).toEqual([{ repId: 'rep-kim', reason: 'away', from: '2026-02-28T00:00:00.000Z', until: '2026-03-07T00:00:00.000Z' }]);
    });

    it('skips a rep whose time away begins before the lead would be due (the agreement’s 4 hours, round the clock here: 14:00)', async () => {
      const store = world(lead, null);
      store.reps.set('rep-kim', { open: 0, away: [{ from: '2026-03-01T13:59:00.000Z', until: '2026-03-07T00:00:00.000Z' }] });

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      expect(assignment).toMatchObject({ repId: 'rep-sam', acceptBy: '2026-03-01T14:00:00.000Z' });
      expect(store.cycle(LEAD_ID, 1)?.routing?.skipped).toEqual([{ repId: 'rep-kim', reason: 'away', from: '2026-03-01T13:59:00.000Z', until: '2026-03-07T00:00:00.000Z' }]);
    });

    it('routes again when another assignment in the team moved its round robin between the read and the write', async () => {
      const store = world(lead, null);
      store.beforeNext('putCycle', () => store.rotations.set('sales-emea', { teamId: 'sales-emea', credits: { 'rep-kim': -1, 'rep-sam': 1 }, version: 1 }));

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      expect(store.writes.putCycle).toBe(2);
      expect(assignment).toMatchObject({ teamId: 'sales-emea' });
      expect(store.rotations.get('sales-emea')?.version).toBe(2);
      expect(store.open(assignment.teamId === 'sales-emea' && 'repId' in assignment ? assignment.repId : '')).toBe(1);
    });

    it('queues the lead when nobody in the team can take it, and tells the manager once', async () => {
      const store = world(lead, null);
      store.reps.set('rep-kim', { open: 30, away: [] });
      store.reps.set('rep-sam', { open: 0, away: [{ from: '2026-02-28T00:00:00.000Z', until: '2026-03-07T00:00:00.000Z' }] });

      const first = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);
      const again = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      expect(first).toEqual({ queued: true, teamId: 'sales-emea', queuedAt: NOW, waitSeconds: 6 * 3600 });
      expect(again).toEqual(first);
      expect(store.cycle(LEAD_ID, 1)).toBeUndefined();
      expect([...store.queue.values()]).toMatchObject([{ teamId: 'sales-emea', leadId: LEAD_ID, cycle: 1, queuedAt: NOW }]);
      expect(store.sent).toHaveLength(1);
      expect(store.sent[0]).toMatchObject({ to: 'ana.manager@example.com', idempotencyKey: `${LEAD_ID}#1#queued` });
      expect(store.sent[0]!.text).toContain('Kim Closer: full (30 open leads, cap 30)');
      // in Sam's zone (Ana, the manager, gives none): London is on UTC in winter; 28 February 2026 is a Saturday
      expect(store.sent[0]!.text).toContain('Sam Seller: away from Saturday 28 February, 00:00 to Saturday 7 March, 00:00 Europe/London');
      expect(store.sent[0]!.text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    });

    it('returns the recorded assignment on a retry, writing only the lead’s owner the first attempt may have left unwritten', async () => {
      const existing = cycleRecord({ owner: { ...kim, assignedAt: '2026-03-01T09:59:00.000Z' }, acceptBy: '2026-03-01T13:59:00.000Z' });
      const store = world(lead, existing);

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, store.ports);

      // a cycle from before reminders: its reminder is its deadline; the waits end where the record says (assigned a minute
      // before this retry: a minute less than the window), not a whole window from the retry
      expect(assignment).toEqual({ ...kim, previousReps: [], acceptBy: '2026-03-01T13:59:00.000Z', acceptWithinSeconds: 14_340, remindAt: '2026-03-01T13:59:00.000Z', remindWithinSeconds: 14_340 });
      expect(store.cycle(LEAD_ID, 1)).toEqual(existing);
      expect(store.lead(LEAD_ID)?.lead.owner).toEqual(existing.owner);
      expect(store.writes.putCycle).toBe(0);
      expect(store.writes.assignOwner).toBe(1);
      expect(store.open('rep-kim')).toBe(0);
    });
  });

  describe('await-acceptance', () => {
    it('stores the task token on the cycle and keeps waiting when no outcome is there yet', async () => {
      const store = world();

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-1' }, store.ports);

      expect(result).toEqual({ waiting: true });
      expect(store.cycle(LEAD_ID, 1)?.taskToken).toBe('token-1');
      expect(store.resumed).toEqual([]);
    });

    it('resumes the journey at once when the rep’s outcome arrived before the wait began', async () => {
      const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z' };
      const store = world(lead, cycleRecord({ outcome }));

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-2' }, store.ports);

      expect(result).toEqual({ waiting: false });
      expect(store.cycle(LEAD_ID, 1)?.taskToken).toBe('token-2');
      expect(store.resumed).toEqual([{ taskToken: 'token-2', output: { outcome: 'accepted', repId: 'rep-sam' } }]);
    });

    it('does not fail when the task it would resume is already gone', async () => {
      const outcome = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z', reason: 'Too early' };
      const store = world(lead, cycleRecord({ outcome }));
      store.goneTasks.add('token-3');

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-3' }, store.ports);

      expect(result).toEqual({ waiting: false });
      expect(store.cycle(LEAD_ID, 1)?.taskToken).toBe('token-3');
      expect(store.resumed).toEqual([]);
    });
  });

  describe('escalate', () => {
    const samAssignment: JourneyAssignment = { ...sam, previousReps: [], acceptBy: '2026-03-01T09:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T08:00:00.000Z', remindWithinSeconds: 10_800 };
    const kimAssignment: JourneyAssignment = { ...kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T09:30:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T08:30:00.000Z', remindWithinSeconds: 10_800 };

    /** The lead is as it was (owner, stage, version): nothing saved, no owner written. */
    function expectLeadUntouched(store: InMemoryJourney, as = lead) {
      expect(store.lead(LEAD_ID)).toEqual({ lead: as, version: 4 });
      expect(store.saves).toEqual([]);
    }

    it('does not escalate when the rep decided as the deadline fired: the wait picks the decision up', async () => {
      // Prepare
      const decided = cycleRecord({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:00:00.000Z' } });
      const store = world(lead, decided);
      const state = { leadId: LEAD_ID, cycle: 1, assignment: samAssignment };

      // Act
      const next = await escalate(state, store.ports);

      // Assess
      expect(next).toEqual({ ...state, escalation: { missed: 0, step: 'outcome-recorded' } });
      expect(store.cycle(LEAD_ID, 1)).toEqual(decided);
      expect(store.writes.recordEscalation).toBe(0);
      expect(store.sent).toEqual([]);
      expectLeadUntouched(store);
    });

    it('stands down when the rep\'s decision reaches the cycle between its read and the reassignment\'s write', async () => {
      // Prepare: read open; the decision is written just before the escalation's write, which is then refused
      const store = world(lead, cycleRecord({ missed: 1 }));
      const accepted = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:59.000Z' };
      store.beforeNext('recordEscalation', () => {
        store.cycle(LEAD_ID, 1)!.outcome = accepted;
      });
      const state = { leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' as const } };

      // Act
      const next = await escalate(state, store.ports);

      // Assess: the wait picks the decision up; the rep keeps the lead
      expect(next).toEqual({ ...state, escalation: { missed: 1, step: 'outcome-recorded' } });
      expect(store.writes.recordEscalation).toBe(1);
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord({ missed: 1, outcome: accepted }));
      expectLeadUntouched(store);
      expect(store.sent).toEqual([]);
      // a step refused counts no missed deadline
      expect(store.reportCounts).toEqual([]);
    });

    it('repeats only the effects when retried after its reassignment was written', async () => {
      // Prepare: the first attempt wrote the cycle (kim owns it, two deadlines missed), then failed
      const kimOwner = { ...kim, assignedAt: '2026-03-01T09:59:00.000Z' };
      const written = cycleRecord({ missed: 2, owner: kimOwner, previousReps: ['rep-sam'], acceptBy: '2026-03-01T13:59:00.000Z' });
      const store = world(lead, written);

      // Act
      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } }, store.ports);

      // Assess: the stored assignment, not a new window
      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T13:59:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T13:59:00.000Z', remindWithinSeconds: 14_400 },
        escalation: { missed: 2, step: 'reassign' },
      });
      expect(store.writes.recordEscalation).toBe(0);
      expect(store.cycle(LEAD_ID, 1)).toEqual(written);
      expect(store.lead(LEAD_ID)?.lead.owner).toEqual(kimOwner);
    });

    it('ends the cycle when the lead already left it without a decision on this cycle', async () => {
      // Prepare: the lead was disqualified meanwhile
      const disqualified = mqlLead({ stage: 'disqualified' });
      const store = world(disqualified);

      // Act
      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment }, store.ports);

      // Assess
      expect(next.escalation).toEqual({ missed: 1, step: 'recycle' });
      expect(store.writes.recordEscalation).toBe(0);
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord());
      expect(store.sent).toEqual([]);
      expectLeadUntouched(store, disqualified);
    });

    it('step 1: emails the team manager once and gives the same owner a fresh window', async () => {
      // Prepare
      const store = world();
      const state = { leadId: LEAD_ID, cycle: 1, assignment: samAssignment };

      // Act
      const next = await escalate(state, store.ports);
      const retried = await escalate(state, store.ports);

      // Assess
      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...sam, previousReps: [], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400, remindAt: REMIND_AT, remindWithinSeconds: 10_800 },
        escalation: { missed: 1, step: 'notify-manager' },
      });
      expect(retried).toEqual(next);
      expect(store.sent).toHaveLength(1);
      expect(store.sent[0]).toMatchObject({ to: 'ana.manager@example.com', idempotencyKey: `${LEAD_ID}#1#escalation#1` });
      expect(store.sent[0]!.subject).toContain('Sam Seller has not accepted');
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord({ missed: 1, acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400, remindAt: REMIND_AT, remindWithinSeconds: 10_800 }));
      expectLeadUntouched(store);
      // the missed deadline counted once for the scorecard, for Sam, on the deadline's day, however often retried
      expect(store.reportCounts.filter((r) => r.slice === 'rep=rep-sam')).toEqual([{ day: samAssignment.acceptBy.slice(0, 10), slice: 'rep=rep-sam', counts: { 'acceptance.missed': 1 } }]);
      expect(store.reportCounts.map((r) => r.slice).sort()).toEqual(['all=all', 'rep=rep-sam', 'team=sales-emea']);
    });

    it('step 2: reassigns the cycle to the next rep and makes them the lead’s owner', async () => {
      const store = world(lead, cycleRecord({ missed: 1, openFor: 'rep-sam' }));
      store.reps.set('rep-sam', { open: 1, away: [] });

      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } }, store.ports);

      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...kim, previousReps: ['rep-sam'], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400, remindAt: REMIND_AT, remindWithinSeconds: 10_800 },
        escalation: { missed: 2, step: 'reassign' },
      });
      const newOwner = { ...kim, assignedAt: NOW };
      // The cycle first, on condition that no decision is there; the previous owner's turn is kept for their page.
      expect(store.cycle(LEAD_ID, 1)).toEqual(
        cycleRecord({
          missed: 2,
          owner: newOwner,
          previousReps: ['rep-sam'],
          acceptBy: ACCEPT_BY,
          remindAt: REMIND_AT,
          remindWithinSeconds: 10_800,
          reassignments: [{ repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW }],
          // the open lead moves from Sam to Kim with the step, and the routing says why Kim
          openFor: 'rep-kim',
          routing: { at: NOW, teamId: 'sales-emea', repId: 'rep-kim', rule: { id: 'default', index: -1 }, skipped: [{ repId: 'rep-sam', reason: 'previous' }], via: 'reassignment' },
        }),
      );
      expect([store.open('rep-sam'), store.open('rep-kim')]).toEqual([0, 1]);
      expect(store.lead(LEAD_ID)).toEqual({ lead: { ...lead, owner: newOwner }, version: 5 });
      expect(store.saves).toEqual([]);
      expect(store.sent).toEqual([]);
    });

    it('step 2: when nobody else can take the lead, the owner keeps it and the manager is told', async () => {
      const store = world(lead, cycleRecord({ missed: 1, openFor: 'rep-sam' }));
      store.reps.set('rep-sam', { open: 1, away: [] });
      store.reps.set('rep-kim', { open: 0, away: [{ from: '2026-02-28T00:00:00.000Z', until: '2026-03-07T00:00:00.000Z' }] });

      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } }, store.ports);

      expect(next.escalation).toEqual({ missed: 2, step: 'notify-manager' });
      expect(next.assignment).toEqual({ ...sam, previousReps: [], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400, remindAt: REMIND_AT, remindWithinSeconds: 10_800 });
      expect(store.cycle(LEAD_ID, 1)).toMatchObject({ owner: { repId: 'rep-sam' }, openFor: 'rep-sam', missed: 2 });
      expect(store.open('rep-sam')).toBe(1);
      expect(store.sent.map((e) => e.idempotencyKey)).toEqual([`${LEAD_ID}#1#escalation#2`]);
    });

    it('step 2: does not reassign to a rep whose time away begins inside the fresh window', async () => {
      const store = world(lead, cycleRecord({ missed: 1, openFor: 'rep-sam' }));
      store.reps.set('rep-sam', { open: 1, away: [] });
      // the fresh window, 4 hours round the clock from 10:00, ends at 14:00; Kim leaves at 13:00
      store.reps.set('rep-kim', { open: 0, away: [{ from: '2026-03-01T13:00:00.000Z', until: '2026-03-07T00:00:00.000Z' }] });

      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } }, store.ports);

      expect(next.escalation).toEqual({ missed: 2, step: 'notify-manager' });
      expect(next.assignment?.repId).toBe('rep-sam');
    });

    it('step 3: recycles the lead to marketing, recording the handover on the cycle', async () => {
      const kimOwned = mqlLead({ owner: { ...kim, assignedAt: '2026-03-01T05:30:00.000Z' } });
      const store = world(kimOwned, cycleRecord({ missed: 2, openFor: 'rep-sam' }));
      store.reps.set('rep-sam', { open: 1, away: [] });

      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } }, store.ports);

      expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
      const recycledAt = { from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' };
      expect(store.saves).toEqual([{ leadId: LEAD_ID, changes: [recycledAt] }]);
      const saved = store.lead(LEAD_ID)!;
      expect(saved.version).toBe(5);
      expect(saved.lead.stage).toBe('recycled');
      expect(saved.lead.stageHistory).toEqual([...kimOwned.stageHistory, recycledAt]);
      expect(saved.lead).not.toHaveProperty('owner');
      // the open lead ends with the recycle
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord({ missed: 3, recycled: { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW } }));
      expect(store.open('rep-sam')).toBe(0);
      expect(store.sent).toEqual([]);
    });

    it('step 3: leaves a lead that was already accepted alone', async () => {
      const accepted = mqlLead({ stage: 'sal' });
      const store = world(accepted, cycleRecord({ missed: 2 }));

      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } }, store.ports);

      expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
      expect(store.writes.recordEscalation).toBe(0);
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord({ missed: 2 }));
      expectLeadUntouched(store, accepted);
    });

    it('step 3: fails with ConcurrentUpdateError, which the state machine retries, when the lead changed meanwhile', async () => {
      const store = world(lead, cycleRecord({ missed: 2 }));
      store.beforeNext('saveLead', () => {
        store.lead(LEAD_ID)!.version = 5;
      });

      await expect(
        escalate({ leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } }, store.ports),
      ).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });

      expect(store.writes.saveLead).toBe(1);
      expect(store.lead(LEAD_ID)?.lead.stage).toBe('mql');

      // The retry finds its step written on the cycle and repeats only the recycling, with the handover's time.
      const handover = { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW };
      expect(store.cycle(LEAD_ID, 1)?.recycled).toEqual(handover);
      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } }, store.ports);
      expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
      expect(store.writes.recordEscalation).toBe(1);
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleRecord({ missed: 3, recycled: handover }));
      expect(store.lead(LEAD_ID)).toMatchObject({ lead: { stage: 'recycled' }, version: 6 });
    });
  });
});

describe('a lead the escalation ladder recycles, and nurture', () => {
  const withConsent = mqlLead({ traits: { ...lead.traits, marketingConsent: 'yes' } });
  const kimAssignment: JourneyAssignment = { ...kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T09:30:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T08:30:00.000Z', remindWithinSeconds: 10_800 };
  const recycleStep = { leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' as const } };

  /** The world with nurture ports that keep what was started, and clear the pending mark on the stored lead. */
  function nurtured(current: Lead) {
    const store = world(current, cycleRecord({ missed: 2, openFor: 'rep-sam' }));
    const started: NurtureState[] = [];
    let failStart = false;
    const ports: NurturePorts = {
      config: nurture,
      startNurture: async (state) => {
        if (failStart) throw new Error('Step Functions is unavailable');
        const again = started.some((s) => nurtureName(s.leadId, s.programId, s.cycle) === nurtureName(state.leadId, state.programId, state.cycle));
        started.push(structuredClone(state));
        return again ? 'already-started' : 'started';
      },
      clearNurturePending: async (leadId, enrollment) => {
        const stored = store.lead(leadId)!.lead.nurture;
        if (stored?.programId === enrollment.programId && stored.cycle === enrollment.cycle) delete stored.pending;
      },
      stopEnrollment: async () => {
        throw new Error('a recycled lead with consent is not stopped');
      },
    };
    return { store, started, ports: { ...store.ports, nurture: ports }, failStartOnce: () => (failStart = true), startAgain: () => (failStart = false) };
  }

  it('enters its program for recycled leads (config/nurture.json) with the recycle, and the program starts at once', async () => {
    const { store, started, ports } = nurtured(withConsent);

    const next = await escalate(recycleStep, ports);

    expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
    expect(store.saves).toHaveLength(1);
    const saved = store.lead(LEAD_ID)!.lead;
    expect(saved.stage).toBe('recycled');
    // win-back: the program for recycled leads, its one step a week after entering
    expect(saved.nurture).toEqual({ programId: 'win-back', cycle: 1, enteredAt: NOW });
    expect(started).toEqual([{ leadId: LEAD_ID, programId: 'win-back', cycle: 1, step: 0, waitSeconds: 168 * 3600 }]);
  });

  it('starts the program on a retry when the first attempt saved the recycle but could not start it, and saves nothing twice', async () => {
    const { store, started, ports, failStartOnce, startAgain } = nurtured(withConsent);
    failStartOnce();
    await expect(escalate(recycleStep, ports)).rejects.toThrow('Step Functions is unavailable');
    expect(store.lead(LEAD_ID)!.lead.nurture).toMatchObject({ programId: 'win-back', cycle: 1, pending: true });

    startAgain();
    await escalate(recycleStep, ports);

    expect(store.saves).toHaveLength(1);
    expect(started.map((s) => nurtureName(s.leadId, s.programId, s.cycle))).toEqual([nurtureName(LEAD_ID, 'win-back', 1)]);
    expect(store.lead(LEAD_ID)!.lead.nurture).toEqual({ programId: 'win-back', cycle: 1, enteredAt: NOW });
  });

  it('leaves a lead without consent out of nurture', async () => {
    const { store, started, ports } = nurtured(lead);

    await escalate(recycleStep, ports);

    expect(store.lead(LEAD_ID)!.lead.stage).toBe('recycled');
    expect(store.lead(LEAD_ID)!.lead).not.toHaveProperty('nurture');
    expect(started).toEqual([]);
  });
});
