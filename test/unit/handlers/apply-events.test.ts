import { beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { EventRecord, OutcomeEvent } from '../../../functions/core/records.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import { scoringModelSchema } from '../../../functions/core/scoring.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { applyEventRecords, type ApplyEventsPorts } from '../../../functions/score/apply-events.ts';
import { leadIdOf, mqlLead } from './fixtures.ts';

/** A small model without decay, so every engagement number below is plain addition. */
const model = scoringModelSchema.parse({
  version: 'test-model-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 },
      { id: 'demo-request', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 60 },
    ],
  },
  fit: {
    rules: [{ id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 30 }],
    grades: { A: 30, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

type PortFns = { [K in Exclude<keyof ApplyEventsPorts, 'model' | 'attribution' | 'nurture' | 'erasure'>]: Mock<ApplyEventsPorts[K]> };

let fns: PortFns;
const ports = (): ApplyEventsPorts => ({ model, ...fns });

/** The ports only a merge of two leads of one person reaches. */
const MERGE_PORTS = ['now', 'leadEvents', 'trackingEvents', 'linkIdentities', 'retireLead'] as const;

/** How the scoring path reads a lead: the ledger since it was folded, with the markers its last save left pending written first. */
const READ = { wholeLedger: false, heal: true };

/** Events named by messageId (a marker's key also holds when the event happened). */
const refs = (...messageIds: string[]) => messageIds.map((messageId) => expect.objectContaining({ messageId }));

/** Every port a test did not expect to be reached. */
function expectUntouched(...names: (keyof PortFns)[]) {
  for (const name of names) expect(fns[name], name).not.toHaveBeenCalled();
}

function tracking(event: Partial<StoredEvent> & Pick<StoredEvent, 'messageId' | 'type'>): EventRecord {
  return { kind: 'tracking', timestamp: '2026-03-01T10:00:00.000Z', receivedAt: '2026-03-01T10:00:01.000Z', sourceId: 'src-web', ...event };
}

function outcomeEvent(outcome: OutcomeEvent['outcome'], leadId = 'lead-0123456789abcdef0123'): OutcomeEvent {
  return { messageId: `handoff-${leadId}-${outcome.cycle}-${outcome.repId}-${outcome.kind}`, kind: 'outcome', leadId, outcome, receivedAt: outcome.at };
}

function knownLead(leadId: string, overrides: Partial<Lead> = {}): Lead {
  return {
    leadId,
    email: 'dana@acme-corp.com',
    identities: ['email:dana@acme-corp.com'],
    traits: { email: 'dana@acme-corp.com' },
    stage: 'known',
    stageHistory: [{ from: 'visitor', to: 'known', at: '2026-02-01T10:00:00.000Z', cause: 'identified' }],
    ledger: [],
    modelVersion: 'test-model-1',
    engagement: 0,
    grade: 'A',
    scoredAt: '2026-02-01T10:00:00.000Z',
    cycle: 0,
    touches: [],
    recentActivity: [],
    createdAt: '2026-02-01T10:00:00.000Z',
    ...overrides,
  };
}

describe('applyEventRecords (use case through its ports)', () => {
  beforeEach(() => {
    fns = {
      getLead: vi.fn<ApplyEventsPorts['getLead']>(),
      resolveIdentities: vi.fn<ApplyEventsPorts['resolveIdentities']>(),
      appliedMessageIds: vi.fn<ApplyEventsPorts['appliedMessageIds']>(),
      saveLead: vi.fn<ApplyEventsPorts['saveLead']>(),
      clearJourneyPending: vi.fn<ApplyEventsPorts['clearJourneyPending']>(),
      startJourney: vi.fn<ApplyEventsPorts['startJourney']>(),
      recordOutcome: vi.fn<ApplyEventsPorts['recordOutcome']>(),
      resumeJourney: vi.fn<ApplyEventsPorts['resumeJourney']>(),
      getCycle: vi.fn<ApplyEventsPorts['getCycle']>(),
      ownerOf: vi.fn<ApplyEventsPorts['ownerOf']>(),
      log: vi.fn<ApplyEventsPorts['log']>(),
      now: vi.fn<ApplyEventsPorts['now']>(),
      leadEvents: vi.fn<ApplyEventsPorts['leadEvents']>(),
      trackingEvents: vi.fn<ApplyEventsPorts['trackingEvents']>(),
      linkIdentities: vi.fn<ApplyEventsPorts['linkIdentities']>(),
      retireLead: vi.fn<ApplyEventsPorts['retireLead']>(),
      stopJourneys: vi.fn<ApplyEventsPorts['stopJourneys']>(),
      closeCycleForMerge: vi.fn<ApplyEventsPorts['closeCycleForMerge']>(),
      putCycle: vi.fn<ApplyEventsPorts['putCycle']>(),
      releaseOpen: vi.fn<ApplyEventsPorts['releaseOpen']>(),
      dropQueued: vi.fn<ApplyEventsPorts['dropQueued']>(async () => []),
    };
  });

  describe('finding the lead of each event', () => {
    it('creates a new visitor lead, named after its identity, for an unknown anonymous visitor', async () => {
      // Prepare
      const leadId = leadIdOf('anon:anon-1');
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue(undefined);
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(1);

      // Act
      const result = await applyEventRecords(
        [tracking({ messageId: 'm-1', type: 'page', anonymousId: 'anon-1', url: 'https://example.com/' })],
        ports(),
      );

      // Assess
      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith(['anon:anon-1']);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith(leadId, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith(leadId, refs('m-1'));
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith({
        lead: expect.objectContaining({
          leadId,
          stage: 'visitor',
          identities: ['anon:anon-1'],
          engagement: 5,
          createdAt: '2026-03-01T10:00:00.000Z',
        }),
        version: 0,
        changes: [],
        markers: refs('m-1'),
        applied: 1,
        identities: ['anon:anon-1'],
      });
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney', 'log', ...MERGE_PORTS);
    });

    it('applies events to the lead an identity is already linked to, linking only the new identities', async () => {
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: knownLead('lead-existing'), version: 7 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(8);

      await applyEventRecords(
        [tracking({ messageId: 'm-2', type: 'identify', anonymousId: 'anon-2', email: 'dana@acme-corp.com', traits: { title: 'CTO' } })],
        ports(),
      );

      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith(['email:dana@acme-corp.com', 'anon:anon-2']);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-existing', READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith('lead-existing', refs('m-2'));
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith({
        lead: expect.objectContaining({
          leadId: 'lead-existing',
          identities: ['email:dana@acme-corp.com', 'anon:anon-2'],
          traits: { email: 'dana@acme-corp.com', title: 'CTO' },
        }),
        version: 7,
        before: knownLead('lead-existing'),
        changes: [],
        markers: refs('m-2'),
        applied: 1,
        identities: ['anon:anon-2'],
      });
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney', 'log', ...MERGE_PORTS);
    });

    it('joins identities met in the same batch into one lead and keeps other people apart', async () => {
      const dana = leadIdOf('anon:anon-a');
      const other = leadIdOf('anon:anon-b');
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue(undefined);
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(1);

      await applyEventRecords(
        [
          tracking({ messageId: 'a-1', type: 'page', anonymousId: 'anon-a', timestamp: '2026-03-01T10:00:00.000Z' }),
          tracking({ messageId: 'b-1', type: 'page', anonymousId: 'anon-b' }),
          tracking({ messageId: 'a-2', type: 'identify', anonymousId: 'anon-a', email: 'dana@acme-corp.com', timestamp: '2026-03-01T10:01:00.000Z' }),
        ],
        ports(),
      );

      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(new Set(fns.resolveIdentities.mock.calls[0]![0])).toEqual(new Set(['anon:anon-a', 'anon:anon-b', 'email:dana@acme-corp.com']));
      expect(fns.getLead).toHaveBeenCalledTimes(2);
      expect(fns.getLead).toHaveBeenCalledWith(dana, READ);
      expect(fns.getLead).toHaveBeenCalledWith(other, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledWith(dana, refs('a-1', 'a-2'));
      expect(fns.appliedMessageIds).toHaveBeenCalledWith(other, refs('b-1'));
      expect(fns.saveLead).toHaveBeenCalledTimes(2);
      expect(fns.saveLead).toHaveBeenCalledWith(
        expect.objectContaining({
          lead: expect.objectContaining({ leadId: dana, stage: 'known', email: 'dana@acme-corp.com' }),
          changes: [expect.objectContaining({ from: 'visitor', to: 'known', at: '2026-03-01T10:01:00.000Z' })],
          markers: refs('a-1', 'a-2'),
        applied: 2,
          identities: ['anon:anon-a', 'email:dana@acme-corp.com'],
        }),
      );
      expect(fns.saveLead).toHaveBeenCalledWith(
        expect.objectContaining({ lead: expect.objectContaining({ leadId: other }), markers: refs('b-1'),
        applied: 1, identities: ['anon:anon-b'] }),
      );
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney', 'log', ...MERGE_PORTS);
    });
  });

  describe('exactly-once application', () => {
    it('does not apply an event whose marker already exists', async () => {
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: knownLead('lead-existing'), version: 2 });
      fns.appliedMessageIds.mockResolvedValue(new Set(['m-3']));

      const result = await applyEventRecords([tracking({ messageId: 'm-3', type: 'page', email: 'dana@acme-corp.com', userId: 'dana@acme-corp.com' })], ports());

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith(['email:dana@acme-corp.com']);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-existing', READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith('lead-existing', refs('m-3'));
      expectUntouched('saveLead', 'startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney', 'log');
    });

    it('re-reads the lead and tries again when a concurrent writer got there first', async () => {
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead
        .mockResolvedValueOnce({ lead: knownLead('lead-existing'), version: 2 })
        .mockResolvedValueOnce({ lead: knownLead('lead-existing', { traits: { email: 'dana@acme-corp.com', phone: '+44' } }), version: 3 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockRejectedValueOnce(new ConcurrentUpdateError('lead lead-existing')).mockResolvedValueOnce(4);

      const result = await applyEventRecords([tracking({ messageId: 'm-4', type: 'page', email: 'dana@acme-corp.com' })], ports());

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.getLead).toHaveBeenCalledTimes(2);
      expect(fns.appliedMessageIds).toHaveBeenCalledTimes(2);
      expect(fns.saveLead).toHaveBeenCalledTimes(2);
      expect(fns.saveLead).toHaveBeenNthCalledWith(1, expect.objectContaining({ version: 2 }));
      expect(fns.saveLead).toHaveBeenNthCalledWith(
        2,
        expect.objectContaining({ version: 3, lead: expect.objectContaining({ traits: { email: 'dana@acme-corp.com', phone: '+44' } }) }),
      );
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney', 'log', ...MERGE_PORTS);
    });

    it('gives up on a lead after five conflicting attempts and reports only its events as failed', async () => {
      const stuck = leadIdOf('anon:anon-stuck');
      const fine = leadIdOf('anon:anon-fine');
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue(undefined);
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockImplementation(async ({ lead }) => {
        if (lead.leadId === stuck) throw new ConcurrentUpdateError(`lead ${stuck}`);
        return 1;
      });

      const result = await applyEventRecords(
        [
          tracking({ messageId: 's-1', type: 'page', anonymousId: 'anon-stuck' }),
          tracking({ messageId: 'f-1', type: 'page', anonymousId: 'anon-fine' }),
          tracking({ messageId: 's-2', type: 'page', anonymousId: 'anon-stuck' }),
        ],
        ports(),
      );

      expect(result.failedMessageIds).toEqual(new Set(['s-1', 's-2']));
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.saveLead.mock.calls.filter(([update]) => update.lead.leadId === stuck)).toHaveLength(5);
      expect(fns.saveLead.mock.calls.filter(([update]) => update.lead.leadId === fine)).toHaveLength(1);
      expect(fns.getLead).toHaveBeenCalledTimes(6);
      expect(fns.appliedMessageIds).toHaveBeenCalledTimes(6);
      expect(fns.log).toHaveBeenCalledExactlyOnceWith('applying events failed', expect.objectContaining({ leadId: stuck }));
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney');
    });

    it('does not retry an error that is not a concurrent update', async () => {
      const leadId = leadIdOf('anon:anon-5');
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue(undefined);
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockRejectedValue(new Error('table is being deleted'));

      const result = await applyEventRecords([tracking({ messageId: 'm-5', type: 'page', anonymousId: 'anon-5' })], ports());

      expect(result.failedMessageIds).toEqual(new Set(['m-5']));
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith(leadId, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledTimes(1);
      expect(fns.saveLead).toHaveBeenCalledTimes(1);
      expect(fns.log).toHaveBeenCalledExactlyOnceWith('applying events failed', { leadId, error: 'Error: table is being deleted' });
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney');
    });
  });

  describe('qualification and the journey', () => {
    it('starts the journey of cycle 1 when a lead qualifies, then clears the pending flag', async () => {
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: knownLead('lead-existing'), version: 4 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(5);
      fns.startJourney.mockResolvedValue('started');
      fns.clearJourneyPending.mockResolvedValue();

      // grade A from the business email; 60 points from the demo request meet the rule (B, 50)
      const result = await applyEventRecords(
        [tracking({ messageId: 'demo-1', type: 'track', event: 'Demo Requested', email: 'dana@acme-corp.com' })],
        ports(),
      );

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-existing', READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith('lead-existing', refs('demo-1'));
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith(
        expect.objectContaining({
          version: 4,
          lead: expect.objectContaining({ stage: 'mql', cycle: 1, journeyPending: 1, engagement: 60 }),
          changes: [
            expect.objectContaining({ from: 'known', to: 'engaged' }),
            expect.objectContaining({ from: 'engaged', to: 'mql' }),
          ],
        }),
      );
      expect(fns.startJourney).toHaveBeenCalledExactlyOnceWith({ leadId: 'lead-existing', cycle: 1 });
      expect(fns.clearJourneyPending).toHaveBeenCalledExactlyOnceWith('lead-existing', 1);
      const [saved] = fns.saveLead.mock.invocationCallOrder;
      const [started] = fns.startJourney.mock.invocationCallOrder;
      const [cleared] = fns.clearJourneyPending.mock.invocationCallOrder;
      expect(saved).toBeLessThan(started!);
      expect(started).toBeLessThan(cleared!);
      expectUntouched('recordOutcome', 'resumeJourney', 'log');
    });

    it('keeps the pending flag and reports the events as failed when the journey cannot be started', async () => {
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: knownLead('lead-existing'), version: 4 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(5);
      fns.startJourney.mockRejectedValue(new Error('ThrottlingException'));

      const result = await applyEventRecords(
        [tracking({ messageId: 'demo-2', type: 'track', event: 'Demo Requested', email: 'dana@acme-corp.com' })],
        ports(),
      );

      expect(result.failedMessageIds).toEqual(new Set(['demo-2']));
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.getLead).toHaveBeenCalledTimes(1);
      expect(fns.appliedMessageIds).toHaveBeenCalledTimes(1);
      expect(fns.saveLead).toHaveBeenCalledTimes(1);
      expect(fns.startJourney).toHaveBeenCalledExactlyOnceWith({ leadId: 'lead-existing', cycle: 1 });
      expect(fns.log).toHaveBeenCalledExactlyOnceWith('applying events failed', expect.objectContaining({ leadId: 'lead-existing' }));
      expectUntouched('clearJourneyPending', 'recordOutcome', 'resumeJourney');
    });

    it('starts a journey still pending from an earlier failure when the events are replayed', async () => {
      const pending = knownLead('lead-existing', { stage: 'mql', cycle: 1, journeyPending: 1 });
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: pending, version: 5 });
      fns.appliedMessageIds.mockResolvedValue(new Set(['demo-2']));
      fns.startJourney.mockResolvedValue('already-started');
      fns.clearJourneyPending.mockResolvedValue();

      const result = await applyEventRecords(
        [tracking({ messageId: 'demo-2', type: 'track', event: 'Demo Requested', email: 'dana@acme-corp.com' })],
        ports(),
      );

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledTimes(1);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-existing', READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith('lead-existing', refs('demo-2'));
      expect(fns.startJourney).toHaveBeenCalledExactlyOnceWith({ leadId: 'lead-existing', cycle: 1 });
      expect(fns.clearJourneyPending).toHaveBeenCalledExactlyOnceWith('lead-existing', 1);
      expectUntouched('saveLead', 'recordOutcome', 'resumeJourney', 'log');
    });
  });

  describe('outcomes from reps', () => {
    const at = '2026-03-01T11:00:00.000Z';

    it('records an acceptance on the cycle, resumes the waiting journey, then moves the lead to sal', async () => {
      const lead = mqlLead();
      const accepted = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at };
      const cycle: Cycle = {
        leadId: lead.leadId,
        cycle: 1,
        owner: lead.owner!,
        previousReps: [],
        acceptBy: '2026-03-01T13:00:05.000Z',
        acceptWithinSeconds: 14_400,
        missed: 0,
        taskToken: 'task-token-1',
        outcome: accepted,
      };
      const event = outcomeEvent(accepted);
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue({ lead, version: 9 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.recordOutcome.mockResolvedValue(cycle);
      fns.resumeJourney.mockResolvedValue(true);
      fns.saveLead.mockResolvedValue(10);

      const result = await applyEventRecords([event], ports());

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith([]);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith(lead.leadId, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith(lead.leadId, refs(event.messageId));
      expect(fns.recordOutcome).toHaveBeenCalledExactlyOnceWith(lead.leadId, accepted);
      expect(fns.resumeJourney).toHaveBeenCalledExactlyOnceWith('task-token-1', { outcome: 'accepted', repId: 'rep-sam' });
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith({
        lead: expect.objectContaining({ stage: 'sal', owner: lead.owner }),
        version: 9,
        before: lead,
        // decided before the cycle's deadline (13:00:05): the agreement kept
        changes: [{ from: 'mql', to: 'sal', at, cause: 'accepted by rep-sam', decision: 'accepted', by: { repId: 'rep-sam' }, withinAgreement: true }],
        markers: refs(event.messageId),
        applied: 1,
        identities: [],
      });
      const [recorded] = fns.recordOutcome.mock.invocationCallOrder;
      const [resumed] = fns.resumeJourney.mock.invocationCallOrder;
      const [saved] = fns.saveLead.mock.invocationCallOrder;
      expect(recorded).toBeLessThan(resumed!);
      expect(resumed).toBeLessThan(saved!);
      expectUntouched('startJourney', 'clearJourneyPending', 'log');
    });

    it('records a rejection without resuming when the journey is not waiting yet', async () => {
      const lead = mqlLead();
      const rejected = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at, reason: 'No budget' };
      const event = outcomeEvent(rejected);
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue({ lead, version: 9 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.recordOutcome.mockResolvedValue({
        leadId: lead.leadId,
        cycle: 1,
        owner: lead.owner!,
        previousReps: [],
        acceptBy: '2026-03-01T13:00:05.000Z',
        acceptWithinSeconds: 14_400,
        missed: 0,
        outcome: rejected,
      });
      fns.saveLead.mockResolvedValue(10);

      await applyEventRecords([event], ports());

      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith([]);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith(lead.leadId, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith(lead.leadId, refs(event.messageId));
      expect(fns.recordOutcome).toHaveBeenCalledExactlyOnceWith(lead.leadId, rejected);
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith(
        expect.objectContaining({
          lead: expect.objectContaining({ stage: 'recycled' }),
          changes: [{ from: 'mql', to: 'recycled', at, cause: 'rejected by rep-sam: No budget', decision: 'rejected', by: { repId: 'rep-sam' }, withinAgreement: true }],
        }),
      );
      expectUntouched('resumeJourney', 'startJourney', 'clearJourneyPending', 'log');
    });

    it('refuses an outcome from a rep who no longer owns the lead, but marks it applied so it is not retried', async () => {
      const lead = mqlLead({ owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T10:00:00.000Z' } });
      const event = outcomeEvent({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at });
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue({ lead, version: 9 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(10);

      const result = await applyEventRecords([event], ports());

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith([]);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith(lead.leadId, READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith(lead.leadId, refs(event.messageId));
      expect(fns.log).toHaveBeenCalledExactlyOnceWith('outcome refused', {
        leadId: lead.leadId,
        messageId: event.messageId,
        refusal: 'the lead is no longer assigned to you',
      });
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith({
        lead: expect.objectContaining({ stage: 'mql', owner: lead.owner }),
        version: 9,
        before: lead,
        changes: [],
        markers: refs(event.messageId),
        applied: 1,
        identities: [],
      });
      expectUntouched('recordOutcome', 'resumeJourney', 'startJourney', 'clearJourneyPending');
    });

    it('ignores an outcome for a lead that does not exist', async () => {
      const event = outcomeEvent({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at }, 'lead-ffffffffffffffffffff');
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue(undefined);
      fns.appliedMessageIds.mockResolvedValue(new Set());

      const result = await applyEventRecords([event], ports());

      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.resolveIdentities).toHaveBeenCalledExactlyOnceWith([]);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-ffffffffffffffffffff', READ);
      expect(fns.appliedMessageIds).toHaveBeenCalledExactlyOnceWith('lead-ffffffffffffffffffff', refs(event.messageId));
      expect(fns.log).toHaveBeenCalledExactlyOnceWith('outcome for an unknown lead ignored', { leadId: 'lead-ffffffffffffffffffff' });
      expectUntouched('saveLead', 'recordOutcome', 'resumeJourney', 'startJourney', 'clearJourneyPending');
    });
  });
  describe('a batch of many events of one lead', () => {
    it('costs one lead update: one read, one marker check, one save', async () => {
      // Prepare: 60 page views of a known lead in one stream batch
      const events = Array.from({ length: 60 }, (_, i) => tracking({ messageId: `many-${i}`, type: 'page', email: 'dana@acme-corp.com' }));
      fns.resolveIdentities.mockResolvedValue(new Map([['email:dana@acme-corp.com', 'lead-existing']]));
      fns.getLead.mockResolvedValue({ lead: knownLead('lead-existing'), version: 3 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.saveLead.mockResolvedValue(4);
      fns.startJourney.mockResolvedValue('started');
      fns.clearJourneyPending.mockResolvedValue();

      // Act
      const result = await applyEventRecords(events, ports());

      // Assess: grade A and 300 engagement qualify, so the one save also starts cycle 1
      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.getLead).toHaveBeenCalledExactlyOnceWith('lead-existing', READ);
      expect(fns.startJourney).toHaveBeenCalledExactlyOnceWith({ leadId: 'lead-existing', cycle: 1 });
      expect(fns.appliedMessageIds).toHaveBeenCalledTimes(1);
      expect(fns.saveLead).toHaveBeenCalledTimes(1);
      const [update] = fns.saveLead.mock.calls[0]!;
      expect(update.version).toBe(3);
      expect(update.markers).toHaveLength(60);
      expect(update.applied).toBe(60);
      // 60 page views × 5 points, no decay in this model
      expect(update.lead.engagement).toBe(300);
      expectUntouched('recordOutcome', 'resumeJourney', ...MERGE_PORTS);
    });
  });

  describe('a lead with more new events than one update takes', () => {
    it('applies them in slices of at most 98 events each, and every event exactly once', async () => {
      // Prepare: 150 page views of one new visitor, and a store that remembers what was saved
      const leadId = leadIdOf('anon:anon-busy');
      const events = Array.from({ length: 150 }, (_, i) =>
        tracking({ messageId: `busy-${String(i).padStart(3, '0')}`, type: 'page', anonymousId: 'anon-busy' }),
      );
      let saved: { lead: Lead; version: number } | undefined;
      const markers = new Set<string>();
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockImplementation(async () => saved);
      fns.appliedMessageIds.mockImplementation(async (_leadId, events) => new Set(events.map((e) => e.messageId).filter((id) => markers.has(id))));
      fns.saveLead.mockImplementation(async (update) => {
        for (const marker of update.markers ?? []) markers.add(marker.messageId);
        saved = { lead: update.lead, version: update.version + 1 };
        return update.version + 1;
      });

      // Act
      const result = await applyEventRecords(events, ports());

      // Assess
      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.saveLead).toHaveBeenCalledTimes(2);
      for (const [update] of fns.saveLead.mock.calls) {
        expect((update.markers ?? []).length).toBeLessThanOrEqual(98);
      }
      const appliedInOrder = fns.saveLead.mock.calls.flatMap(([update]) => (update.markers ?? []).map((marker) => marker.messageId));
      expect(appliedInOrder).toHaveLength(150);
      expect(new Set(appliedInOrder).size).toBe(150);
      expect(fns.saveLead.mock.calls.map(([update]) => update.version)).toEqual([0, 1]);
      expect(saved!.lead.leadId).toBe(leadId);
      // 150 page views × 5 points, no decay in this model
      expect(saved!.lead.engagement).toBe(750);
      expectUntouched('startJourney', 'clearJourneyPending', 'recordOutcome', 'resumeJourney');
    });
  });

  describe('two different decisions for one cycle', () => {
    it('lets the one recorded first stand: the later one neither resumes the journey nor moves the lead', async () => {
      // Prepare: the cycle already holds an acceptance; a rejection arrives
      const lead = mqlLead();
      const rejection = outcomeEvent({ kind: 'rejected', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z', reason: 'No budget' });
      const cycle: Cycle = {
        leadId: lead.leadId,
        cycle: 1,
        owner: lead.owner!,
        previousReps: [],
        acceptBy: '2026-03-01T13:00:00.000Z',
        acceptWithinSeconds: 14_400,
        missed: 0,
        taskToken: 'token-1',
        outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:00.000Z' },
      };
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue({ lead, version: 3 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.recordOutcome.mockResolvedValue(cycle);
      fns.saveLead.mockResolvedValue(4);

      // Act
      const result = await applyEventRecords([rejection], ports());

      // Assess
      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.recordOutcome).toHaveBeenCalledExactlyOnceWith(lead.leadId, rejection.outcome);
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith({
        lead: expect.objectContaining({ stage: 'mql' }),
        version: 3,
        before: lead,
        changes: [],
        markers: refs(rejection.messageId),
        applied: 1,
        identities: [],
      });
      expect(fns.log).toHaveBeenCalledWith('outcome refused', expect.objectContaining({ refusal: 'the cycle was already accepted' }));
      expectUntouched('resumeJourney', 'startJourney', 'clearJourneyPending');
    });

    it('lets an escalation recorded first stand: a decision the cycle no longer takes changes nothing', async () => {
      // Prepare: the ladder ran out and the cycle was recycled before this acceptance reached it
      const lead = mqlLead();
      const acceptance = outcomeEvent({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' });
      const cycle: Cycle = {
        leadId: lead.leadId,
        cycle: 1,
        owner: lead.owner!,
        previousReps: [],
        acceptBy: '2026-03-01T09:00:00.000Z',
        acceptWithinSeconds: 14_400,
        missed: 3,
        taskToken: 'token-1',
        recycled: { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: '2026-03-01T09:00:30.000Z' },
      };
      fns.resolveIdentities.mockResolvedValue(new Map());
      fns.getLead.mockResolvedValue({ lead, version: 3 });
      fns.appliedMessageIds.mockResolvedValue(new Set());
      fns.recordOutcome.mockResolvedValue(cycle);
      fns.saveLead.mockResolvedValue(4);

      // Act
      const result = await applyEventRecords([acceptance], ports());

      // Assess
      expect(result.failedMessageIds.size).toBe(0);
      expect(fns.saveLead).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ lead: expect.objectContaining({ stage: 'mql' }), changes: [] }));
      expect(fns.log).toHaveBeenCalledWith('outcome refused', expect.objectContaining({ refusal: 'the cycle no longer takes this decision' }));
      expectUntouched('resumeJourney', 'startJourney', 'clearJourneyPending');
    });
  });
});
