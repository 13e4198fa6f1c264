import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamAttributeValue, DynamoDBRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { scoringModel } from '../../../config/index.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { EventRecord } from '../../../functions/core/records.ts';
import { scoreHandler } from '../../../functions/score/handler.ts';
import { leadIdOf, mqlLead } from './fixtures.ts';
import { lambdaContext } from './http-event.ts';
import { InMemoryLeads } from './in-memory-leads.ts';

/**
 * The score handler (the events table's stream) on the leads table, the
 * journeys and their tasks in memory: what each batch leaves stored, started,
 * resumed and reported failed. What the DynamoDB and Step Functions calls
 * must look like (a save's transaction, its conditions, the funnel's ADD,
 * consistent reads, the journey's name) is tested on the adapters
 * (test/unit/adapters/lead-store-sdk.test.ts, journey-runner-sdk.test.ts,
 * task-callbacks-sdk.test.ts) and against DynamoDB Local (test/integration/adapters).
 */
let store: InMemoryLeads;
let handler: ReturnType<typeof scoreHandler>;

function tracking(event: Omit<Extract<EventRecord, { kind: 'tracking' }>, 'kind' | 'receivedAt' | 'sourceId'>): EventRecord {
  return { kind: 'tracking', receivedAt: event.timestamp, sourceId: 'src-web', ...event };
}

function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: EventRecord, sequenceNumber: string): DynamoDBRecord {
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      Keys: marshall({ messageId: item.messageId }) as Record<string, StreamAttributeValue>,
      ...(eventName !== 'REMOVE' && { NewImage: marshall(item, { removeUndefinedValues: true }) as Record<string, StreamAttributeValue> }),
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

function score(...records: DynamoDBRecord[]) {
  return handler({ Records: records }, lambdaContext('score'));
}

/** The funnel counters the saves moved, by name. */
function funnel(): Record<string, number> {
  return Object.fromEntries(store.funnel);
}

/** The ports called, in order, by name. */
function portsCalled(): string[] {
  return store.calls.map((call) => call.port);
}

/**
 * A new visitor who identifies with a business email, phone, senior title and a
 * company of 250 (fit grade A under config/scoring-model.json), requests a demo (40),
 * downloads content (15) and views the pricing page (3 + 10): 68 ≥ 60, so an MQL.
 */
const danaId = leadIdOf('email:dana@acme-corp.com');
const qualifyingEvents: EventRecord[] = [
  tracking({
    messageId: 'q-identify',
    type: 'identify',
    anonymousId: 'anon-q',
    email: 'dana@acme-corp.com',
    traits: { email: 'Dana@Acme-Corp.com', phone: '+44 20 7946 0000', title: 'Head of Operations', employees: 250 },
    timestamp: '2026-03-01T10:00:00.000Z',
  }),
  tracking({
    messageId: 'q-demo',
    type: 'track',
    event: 'Form Submitted',
    properties: { formId: 'demo' },
    anonymousId: 'anon-q',
    timestamp: '2026-03-01T10:01:00.000Z',
  }),
  tracking({ messageId: 'q-download', type: 'track', event: 'Content Downloaded', anonymousId: 'anon-q', timestamp: '2026-03-01T10:02:00.000Z' }),
  tracking({ messageId: 'q-pricing', type: 'page', url: 'https://example.com/pricing', anonymousId: 'anon-q', timestamp: '2026-03-01T10:03:00.000Z' }),
];

/** Dana's journey for cycle 1 was started, once, and only then her pending flag cleared. */
function expectJourneyStartedThenCleared() {
  expect([...store.journeys.values()]).toEqual([{ leadId: danaId, cycle: 1 }]);
  expect(store.callsOf('startJourney')).toEqual([[{ leadId: danaId, cycle: 1 }]]);
  expect(store.callsOf('clearJourneyPending')).toEqual([[danaId, 1]]);
  expect(portsCalled().indexOf('startJourney')).toBeLessThan(portsCalled().indexOf('clearJourneyPending'));
  expect(store.leads.get(danaId)?.lead.journeyPending).toBeUndefined();
}

function visitorLead(leadId: string, anonymousId: string): Lead {
  return {
    leadId,
    identities: [`anon:${anonymousId}`],
    traits: {},
    stage: 'visitor',
    stageHistory: [],
    ledger: [],
    modelVersion: '2026-11-23.1',
    engagement: 3,
    grade: 'D',
    scoredAt: '2026-03-01T09:00:00.000Z',
    cycle: 0,
    touches: [],
    recentActivity: [],
    createdAt: '2026-03-01T09:00:00.000Z',
  };
}

/** Events named by messageId (a marker's key also holds when the event happened). */
/** How the scoring path reads a lead: the ledger since it was folded, with the markers its last save left pending written first. */
const READ = { wholeLedger: false, heal: true };
const refs = (...messageIds: string[]) => messageIds.map((messageId) => expect.objectContaining({ messageId }));

describe('score handler (events table stream)', () => {
  beforeEach(() => {
    store = new InMemoryLeads(scoringModel);
    handler = scoreHandler(store.ports());
  });

  it('creates the lead of a new anonymous visitor in one save: the lead, the event’s marker, the identity’s link and the funnel', async () => {
    // Prepare
    const leadId = leadIdOf('anon:anon-1');

    // Act
    const result = await score(
      streamRecord(
        'INSERT',
        tracking({ messageId: 'm-1', type: 'page', anonymousId: 'anon-1', url: 'https://example.com/blog', timestamp: '2026-03-01T10:00:00.000Z' }),
        '100',
      ),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('resolveIdentities')).toEqual([[['anon:anon-1']]]);
    expect(store.callsOf('appliedMessageIds')).toEqual([[leadId, refs('m-1')]]);
    expect(store.callsOf('getLead')).toEqual([[leadId, READ]]);
    expect(store.callsOf('saveLead')).toHaveLength(1);
    expect(store.leads.get(leadId)).toEqual({ version: 1, profileVersion: 1, lead: expect.objectContaining({ leadId, stage: 'visitor', identities: ['anon:anon-1'] }) });
    expect(store.markers.get(leadId)).toEqual(new Set(['m-1']));
    expect(store.links.get('anon:anon-1')).toBe(leadId);
    expect(funnel()).toEqual({ 'reached.visitor': 1, 'current.visitor': 1 });
    expect(store.journeys.size).toBe(0);
    expect(store.callsOf('clearJourneyPending')).toEqual([]);
  });

  it('ignores records that are not inserts (a TTL removal, a modification)', async () => {
    // Prepare
    const event = tracking({ messageId: 'm-old', type: 'page', anonymousId: 'anon-old', timestamp: '2026-01-01T10:00:00.000Z' });

    // Act
    const result = await score(streamRecord('REMOVE', event, '101'), streamRecord('MODIFY', event, '102'));

    // Assess: no identity looked up, no lead read or written, nothing started
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('resolveIdentities').flatMap(([keys]) => keys as unknown[])).toEqual([]);
    expect(store.calls.filter((call) => call.port !== 'resolveIdentities')).toEqual([]);
    expect(store.leads.size).toBe(0);
  });

  describe('a lead crossing qualification', () => {
    it('is saved as an MQL of cycle 1, its journey started, then its pending flag cleared', async () => {
      // Act
      const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(200 + i))));

      // Assess
      expect(result).toEqual({ batchItemFailures: [] });
      expect(store.callsOf('resolveIdentities')).toEqual([[['email:dana@acme-corp.com', 'anon:anon-q']]]);
      expect(store.callsOf('appliedMessageIds')).toEqual([[danaId, refs('q-identify', 'q-demo', 'q-download', 'q-pricing')]]);
      expect(store.callsOf('getLead')).toEqual([[danaId, READ]]);
      expect(store.callsOf('saveLead')).toEqual([[expect.objectContaining({ version: 0, lead: expect.objectContaining({ leadId: danaId, stage: 'mql', grade: 'A', cycle: 1, journeyPending: 1 }) })]]);
      expect(store.leads.get(danaId)?.lead).toMatchObject({ stage: 'mql', grade: 'A', cycle: 1 });
      expect(funnel()).toEqual({
        'reached.visitor': 1,
        'reached.known': 1,
        'reached.engaged': 1,
        'reached.mql': 1,
        'current.mql': 1,
      });
      expectJourneyStartedThenCleared();
    });

    it('takes a journey already started (by an earlier delivery) as started and still clears the flag', async () => {
      // Prepare
      store.journeys.set(`${danaId}#1`, { leadId: danaId, cycle: 1 });

      // Act
      const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(300 + i))));

      // Assess
      expect(result).toEqual({ batchItemFailures: [] });
      expect(store.callsOf('saveLead')).toHaveLength(1);
      expectJourneyStartedThenCleared();
    });
  });

  it('takes a pending flag already cleared by an earlier delivery as done', async () => {
    // Prepare: an earlier delivery started the journey, and clears the flag just before this one does
    store.journeys.set(`${danaId}#1`, { leadId: danaId, cycle: 1 });
    store.beforeNext('clearJourneyPending', () => {
      const saved = store.leads.get(danaId)!;
      delete saved.lead.journeyPending;
      saved.version += 1;
    });

    // Act
    const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(350 + i))));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('saveLead')).toHaveLength(1);
    expect(store.leads.get(danaId)?.version).toBe(2);
    expectJourneyStartedThenCleared();
  });

  it('applies a rep’s acceptance: records it on the cycle, resumes the waiting journey and moves the lead to sal', async () => {
    // Prepare
    const lead = mqlLead();
    const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T11:00:00.000Z' };
    const messageId = `handoff-${lead.leadId}-1-rep-sam-accepted`;
    store.putLead(lead, 6);
    store.setCycle({ leadId: lead.leadId, cycle: 1, owner: lead.owner!, previousReps: [], acceptBy: '2026-03-01T13:00:00.000Z', acceptWithinSeconds: 14_400, missed: 0, taskToken: 'task-token-9' });

    // Act
    const result = await score(streamRecord('INSERT', { messageId, kind: 'outcome', leadId: lead.leadId, outcome, receivedAt: outcome.at }, '700'));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('appliedMessageIds')).toEqual([[lead.leadId, refs(messageId)]]);
    expect(store.callsOf('recordOutcome')).toEqual([[lead.leadId, outcome]]);
    expect(store.cycle(lead.leadId, 1)?.outcome).toEqual(outcome);
    expect(store.resumed).toEqual([{ taskToken: 'task-token-9', output: { outcome: 'accepted', repId: 'rep-sam' } }]);
    expect(store.leads.get(lead.leadId)).toEqual({ version: 7, profileVersion: 7, lead: expect.objectContaining({ stage: 'sal' }) });
    expect(store.markers.get(lead.leadId)).toEqual(new Set([messageId]));
    expect(funnel()).toEqual({ 'current.mql': -1, 'reached.sal': 1, 'current.sal': 1 });
    // the journey resumes before the lead is saved, so a crash in between repeats both
    expect(portsCalled().indexOf('resumeJourney')).toBeLessThan(portsCalled().indexOf('saveLead'));
    expect(store.journeys.size).toBe(0);
  });

  it('does not re-apply a record whose marker already exists', async () => {
    // Prepare
    const leadId = leadIdOf('anon:anon-1');
    store.putLead(visitorLead(leadId, 'anon-1'), 2, ['m-1']);

    // Act
    const result = await score(
      streamRecord('INSERT', tracking({ messageId: 'm-1', type: 'page', anonymousId: 'anon-1', timestamp: '2026-03-01T10:00:00.000Z' }), '400'),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('resolveIdentities')).toEqual([[['anon:anon-1']]]);
    expect(store.callsOf('appliedMessageIds')).toEqual([[leadId, refs('m-1')]]);
    expect(store.callsOf('getLead')).toEqual([[leadId, READ]]);
    expect(store.callsOf('saveLead')).toEqual([]);
    expect(store.leads.get(leadId)).toEqual({ version: 2, profileVersion: 2, lead: visitorLead(leadId, 'anon-1') });
    expect(store.journeys.size).toBe(0);
  });

  it('re-reads and retries the lead when another writer saved it first', async () => {
    // Prepare: the lead is created by another writer just before this one saves
    const leadId = leadIdOf('anon:anon-2');
    store.beforeNext('saveLead', () => store.putLead(visitorLead(leadId, 'anon-2'), 1));

    // Act
    const result = await score(
      streamRecord('INSERT', tracking({ messageId: 'm-2', type: 'page', anonymousId: 'anon-2', timestamp: '2026-03-01T10:00:00.000Z' }), '500'),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.callsOf('getLead')).toEqual([[leadId, READ], [leadId, READ]]);
    expect(store.callsOf('appliedMessageIds')).toContainEqual([leadId, refs('m-2')]);
    expect(store.callsOf('saveLead').map(([update]) => (update as { version: number }).version)).toEqual([0, 1]);
    expect(store.leads.get(leadId)?.version).toBe(2);
    expect(store.markers.get(leadId)).toEqual(new Set(['m-2']));
  });

  it('reports every record of a lead that keeps failing, and only those, and applies the other leads', async () => {
    // Prepare
    const stuck = leadIdOf('anon:anon-stuck');
    const fine = leadIdOf('anon:anon-fine');
    store.refuseSaves(stuck);
    const page = (messageId: string, anonymousId: string) => tracking({ messageId, type: 'page', anonymousId, timestamp: '2026-03-01T10:00:00.000Z' });

    // Act
    const result = await score(
      streamRecord('INSERT', page('fine-1', 'anon-fine'), '600'),
      streamRecord('INSERT', page('stuck-1', 'anon-stuck'), '601'),
      streamRecord('INSERT', page('fine-2', 'anon-fine'), '602'),
      streamRecord('INSERT', page('stuck-2', 'anon-stuck'), '603'),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '601' }, { itemIdentifier: '603' }] });
    const savesOf = (leadId: string) => store.callsOf('saveLead').filter(([update]) => (update as { lead: Lead }).lead.leadId === leadId);
    expect(savesOf(stuck)).toHaveLength(5);
    expect(savesOf(fine)).toHaveLength(1);
    expect(store.callsOf('getLead')).toContainEqual([stuck, READ]);
    expect(store.callsOf('getLead')).toContainEqual([fine, READ]);
    expect(store.callsOf('appliedMessageIds')).toContainEqual([fine, refs('fine-1', 'fine-2')]);
    expect(store.markers.get(fine)).toEqual(new Set(['fine-1', 'fine-2']));
    expect(store.leads.has(stuck)).toBe(false);
  });

  it('passes over activities and feedback: stored with their items under the lead, they change nothing here and are not reported failed', async () => {
    // Prepare
    const activity: EventRecord = {
      messageId: 'activity-a1',
      kind: 'activity',
      leadId: 'lead-1',
      receivedAt: '2026-03-01T10:00:00.000Z',
      activity: { leadId: 'lead-1', cycle: 1, activityId: 'a1', kind: 'call', at: '2026-03-01T09:00:00.000Z', repId: 'rep-sam', via: 'api' },
    };
    const feedback: EventRecord = {
      messageId: 'feedback-lead-1-1-accepted',
      kind: 'feedback',
      leadId: 'lead-1',
      receivedAt: '2026-03-01T10:00:00.000Z',
      feedback: { leadId: 'lead-1', cycle: 1, occasion: 'accepted', repId: 'rep-sam', rating: 4, reasons: [], at: '2026-03-01T10:00:00.000Z' },
    };

    // Act
    const result = await score(streamRecord('INSERT', activity, '150'), streamRecord('INSERT', feedback, '151'));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.calls.filter((call) => call.port !== 'resolveIdentities')).toEqual([]);
  });

  describe('a record that cannot be read', () => {
    const page = (messageId: string, anonymousId: string) => tracking({ messageId, type: 'page', anonymousId, timestamp: '2026-03-01T10:00:00.000Z' });
    const leadsSaved = () => store.callsOf('saveLead').map(([update]) => (update as { lead: Lead }).lead.leadId);

    it('is reported alone while the records around it are applied', async () => {
      // Prepare
      const unreadable = streamRecord('INSERT', page('odd-1', 'anon-odd'), '801');
      // an attribute value with no type: unmarshalling it throws ("No value defined")
      (unreadable.dynamodb!.NewImage as Record<string, unknown>).properties = {};

      // Act
      const result = await score(streamRecord('INSERT', page('ok-1', 'anon-ok'), '800'), unreadable, streamRecord('INSERT', page('ok-2', 'anon-later'), '802'));

      // Assess
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '801' }] });
      expect(leadsSaved().sort()).toEqual([leadIdOf('anon:anon-later'), leadIdOf('anon:anon-ok')].sort());
    });

    it('is reported when its image is not a stored event, and the others are applied', async () => {
      // Prepare
      const stranger = streamRecord('INSERT', page('ok-3', 'anon-ok3'), '901');
      stranger.dynamodb!.NewImage = marshall({ hello: 'world' }) as Record<string, StreamAttributeValue>;

      // Act
      const result = await score(stranger, streamRecord('INSERT', page('ok-3', 'anon-ok3'), '902'));

      // Assess
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '901' }] });
      expect(leadsSaved()).toEqual([leadIdOf('anon:anon-ok3')]);
    });
  });
});
