import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLeadStore } from '../../../functions/adapters/lead-store.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { FUNNEL_SHARDS, funnelShardKey, funnelShardOf, identityKey, markerKey } from '../../../functions/core/table-layout.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import { cycleKey, leadIdOf, mqlLead, profileItem, profileKey } from '../handlers/fixtures.ts';

const { appliedMessageIds, assignOwner, clearJourneyPending, getFunnelCounters, getLead, putCycle, recordEscalation, recordOutcome, recordTaskToken, resolveIdentities, saveLead } = createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: 'leads-table' });

/**
 * The lead store's writes whose DynamoDB call is the contract: the condition
 * that keeps a decision and an escalation from both standing, the shape of
 * the transaction that saves a lead with its markers, links and funnel
 * counters, the reads that must be strongly consistent. (Their effect against
 * DynamoDB's own engine is tested in test/integration/decision-store.test.ts.)
 */
const ddb = mockClient(DynamoDBDocumentClient);

const TABLE = 'leads-table';
const NOW = '2026-03-01T10:00:00.000Z';
const LEAD_ID = mqlLead().leadId;
const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T05:00:00.000Z' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: NOW };
const samMissed = { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW };
const ESCALATION_CONDITION = 'attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND missed = :before';
const conditionalCheckFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

function cycleRecord(overrides: Partial<Cycle> = {}): Cycle {
  return { leadId: LEAD_ID, cycle: 1, owner: sam, previousReps: [], acceptBy: '2026-03-01T09:00:00.000Z', acceptWithinSeconds: 14_400, missed: 0, ...overrides };
}

describe('lead store (SDK calls that are the contract)', () => {
  beforeEach(() => {
    ddb.reset();
  });

  describe('cycles', () => {
    it('writes a new cycle only where none exists, since one may carry a decision', async () => {
      ddb.on(PutCommand, { TableName: TABLE, Item: cycleKey(LEAD_ID, 1) }).resolves({});

      await putCycle(cycleRecord());

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
        TableName: TABLE,
        Item: { ...cycleKey(LEAD_ID, 1), ...cycleRecord() },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('refuses to write over an existing cycle with ConcurrentUpdateError', async () => {
      ddb.on(PutCommand).rejects(conditionalCheckFailed());

      await expect(putCycle(cycleRecord())).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    });

    it('makes a rep the lead’s owner only while the lead is still in that cycle', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).rejects(conditionalCheckFailed());

      await assignOwner(LEAD_ID, 1, kim);

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        ConditionExpression: '#cycle = :cycle',
        ExpressionAttributeNames: expect.objectContaining({ '#owner': 'owner', '#cycle': 'cycle' }),
        ExpressionAttributeValues: expect.objectContaining({ ':owner': kim, ':cycle': 1 }),
      });
    });

    it('keeps the task token on an existing cycle and returns the cycle as it is now', async () => {
      const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z' };
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'token-2', outcome }) } });

      const current = await recordTaskToken(LEAD_ID, 1, 'token-2');

      expect(current).toEqual(cycleRecord({ taskToken: 'token-2', outcome }));
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':token': 'token-2' },
        ReturnValues: 'ALL_NEW',
      });
    });
  });

  describe('escalation steps, written only while no decision is there', () => {
    it('notify-manager: a fresh window for the same owner', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      const refused = await recordEscalation(LEAD_ID, 1, 1, { step: 'notify-manager', acceptBy: '2026-03-01T14:00:00.000Z', acceptWithinSeconds: 14_400 });

      expect(refused).toBeUndefined();
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, acceptBy = :acceptBy, acceptWithinSeconds = :window',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 1, ':before': 0, ':acceptBy': '2026-03-01T14:00:00.000Z', ':window': 14_400 },
      });
    });

    it('reassign: the new owner, and the previous owner’s turn appended as a handover', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      await recordEscalation(LEAD_ID, 1, 2, { step: 'reassign', owner: kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T14:00:00.000Z', acceptWithinSeconds: 14_400, handover: samMissed });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: expect.objectContaining({
          ':missed': 2,
          ':before': 1,
          ':owner': kim,
          ':previousReps': ['rep-sam'],
          ':acceptBy': '2026-03-01T14:00:00.000Z',
          ':handovers': [samMissed],
        }),
      });
    });

    it('recycle: the cycle ends with a recycled handover', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      await recordEscalation(LEAD_ID, 1, 3, { step: 'recycle', handover: samMissed });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, recycled = :handover',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 3, ':before': 2, ':handover': samMissed },
      });
    });

    it('returns the cycle as it is now when refused, for the caller to see why', async () => {
      const decided = cycleRecord({ missed: 1, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:59.000Z' } });
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...decided } });

      const current = await recordEscalation(LEAD_ID, 1, 2, { step: 'recycle', handover: samMissed });

      expect(current).toEqual(decided);
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
    });
  });

  describe('saving a recycled lead', () => {
    const recycled = mqlLead({ stage: 'recycled', stageHistory: [...mqlLead().stageHistory, { from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' }] });
    const changes = [{ from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' }] as const;

    it('writes the profile on its version and moves the funnel counters in one transaction', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      expect(await saveLead({ lead: recycled, version: 4, changes })).toBe(5);

      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
      const profile = items.find((item) => item.Put)?.Put;
      expect(profile).toMatchObject({
        TableName: TABLE,
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 4 },
        Item: { ...profileKey(LEAD_ID), stage: 'recycled', version: 5 },
      });
      const funnel = items.find((item) => item.Update)?.Update;
      // the lead's own shard of the counters, never an item every lead writes
      expect(funnel).toMatchObject({ TableName: TABLE, Key: funnelShardKey(funnelShardOf(LEAD_ID, FUNNEL_SHARDS)), UpdateExpression: expect.stringMatching(/^ADD /) });
      const byCounter = Object.fromEntries(
        Object.entries(funnel!.ExpressionAttributeNames!).map(([placeholder, counter]) => [counter, funnel!.ExpressionAttributeValues![placeholder.replace('#k', ':v')]]),
      );
      expect(byCounter).toEqual({ 'current.mql': -1, 'reached.recycled': 1, 'current.recycled': 1 });
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
    });

    it('fails with ConcurrentUpdateError, which the state machine retries, when the lead changed since read', async () => {
      ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }));

      await expect(saveLead({ lead: recycled, version: 4, changes })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });
  });

  describe('what the scoring path reads: strongly consistent, since it decides what to write', () => {
    it('reads a lead’s profile with its version', async () => {
      ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({ Item: profileItem(mqlLead(), 6) });

      expect(await getLead(LEAD_ID)).toEqual({ lead: mqlLead(), version: 6 });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID), ConsistentRead: true });
    });

    it('reads identity links and event markers in consistent batch reads', async () => {
      ddb.on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [identityKey('anon:anon-1'), identityKey('email:dana@acme-corp.com')] } } }).resolves({
        Responses: { [TABLE]: [{ ...identityKey('anon:anon-1'), leadId: LEAD_ID }] },
      });
      ddb.on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [markerKey(LEAD_ID, 'm-1'), markerKey(LEAD_ID, 'm-2')] } } }).resolves({
        Responses: { [TABLE]: [{ ...markerKey(LEAD_ID, 'm-2'), appliedAt: NOW }] },
      });

      expect(await resolveIdentities(['anon:anon-1', 'email:dana@acme-corp.com'])).toEqual(new Map([['anon:anon-1', LEAD_ID]]));
      expect(await appliedMessageIds(LEAD_ID, ['m-1', 'm-2'])).toEqual(new Set(['m-2']));

      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [identityKey('anon:anon-1'), identityKey('email:dana@acme-corp.com')], ConsistentRead: true } } });
      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [markerKey(LEAD_ID, 'm-1'), markerKey(LEAD_ID, 'm-2')], ConsistentRead: true } } });
    });
  });

  describe('saving a lead with the events it applied', () => {
    type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
    const visitorId = leadIdOf('anon:anon-1');
    const visitor: Lead = {
      leadId: visitorId,
      identities: ['anon:anon-1'],
      traits: {},
      stage: 'visitor',
      stageHistory: [],
      ledger: [],
      modelVersion: '2026-11-23.1',
      engagement: 3,
      grade: 'D',
      scoredAt: '2026-03-01T10:00:00.000Z',
      cycle: 0,
      touches: [],
      recentActivity: [],
      createdAt: '2026-03-01T10:00:00.000Z',
    };

    /** The counters an `ADD #k0 :v0, #k1 :v1` update changes, by name, on the lead's own funnel shard. */
    function funnelAdds(items: readonly TransactItem[], leadId: string): Record<string, number> {
      const update = items.find((item) => item.Update)?.Update;
      expect(update?.TableName).toBe(TABLE);
      expect(update?.Key).toEqual(funnelShardKey(funnelShardOf(leadId, FUNNEL_SHARDS)));
      expect(update?.UpdateExpression).toMatch(/^ADD /);
      const adds: Record<string, number> = {};
      for (const part of update!.UpdateExpression!.slice(4).split(',')) {
        const [name, value] = part.trim().split(' ');
        adds[update!.ExpressionAttributeNames![name!]!] = update!.ExpressionAttributeValues![value!] as number;
      }
      return adds;
    }

    it('creates a new lead in one transaction: the profile only where none exists, a marker per event, a link per identity, the funnel counters', async () => {
      ddb.on(TransactWriteCommand).resolves({});

      expect(await saveLead({ lead: visitor, version: 0, changes: [], appliedMessageIds: ['m-1'], identities: ['anon:anon-1'] })).toBe(1);

      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
      expect(items).toHaveLength(4);
      expect(items).toContainEqual({
        Put: { TableName: TABLE, Item: { ...profileKey(visitorId), ...visitor, version: 1 }, ConditionExpression: 'attribute_not_exists(pk)' },
      });
      // a marker only where none exists: an event already applied refuses the whole save
      expect(items).toContainEqual({
        Put: { TableName: TABLE, Item: { ...markerKey(visitorId, 'm-1'), appliedAt: visitor.scoredAt }, ConditionExpression: 'attribute_not_exists(pk)' },
      });
      expect(items).toContainEqual({ Put: { TableName: TABLE, Item: { ...identityKey('anon:anon-1'), leadId: visitorId } } });
      expect(funnelAdds(items, visitorId)).toEqual({ 'reached.visitor': 1, 'current.visitor': 1 });
    });

    it('saves an existing lead on its version, with its stage changes counted', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      const sal = mqlLead({ stage: 'sal' });
      const accepted = { from: 'mql', to: 'sal', at: NOW, cause: 'accepted by rep-sam', decision: 'accepted' } as const;

      expect(await saveLead({ lead: sal, version: 6, changes: [accepted], appliedMessageIds: ['handoff-1'] })).toBe(7);

      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
      expect(items).toContainEqual({
        Put: { TableName: TABLE, Item: { ...profileKey(LEAD_ID), ...sal, version: 7 }, ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 6 } },
      });
      expect(items).toContainEqual({
        Put: { TableName: TABLE, Item: { ...markerKey(LEAD_ID, 'handoff-1'), appliedAt: sal.scoredAt }, ConditionExpression: 'attribute_not_exists(pk)' },
      });
      expect(funnelAdds(items, LEAD_ID)).toEqual({ 'current.mql': -1, 'reached.sal': 1, 'current.sal': 1 });
    });

    it('fails with ConcurrentUpdateError, which the scoring path retries, when another writer got there first', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }));

      await expect(saveLead({ lead: visitor, version: 0, changes: [], appliedMessageIds: ['m-1'], identities: ['anon:anon-1'] })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
    });
  });

  describe('the pending journey flag', () => {
    it('is cleared only while it holds the cycle whose journey was started, bumping the version', async () => {
      ddb.on(UpdateCommand).resolves({});

      await clearJourneyPending(LEAD_ID, 1);

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        UpdateExpression: 'REMOVE journeyPending SET version = version + :one',
        ConditionExpression: 'journeyPending = :cycle',
        ExpressionAttributeValues: { ':cycle': 1, ':one': 1 },
      });
    });

    it('already cleared (by an earlier delivery) is taken as done', async () => {
      ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

      await expect(clearJourneyPending(LEAD_ID, 1)).resolves.toBeUndefined();
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    });
  });

  describe('a rep’s outcome on the cycle', () => {
    const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: NOW };

    it('is written only while the rep may still decide, and the cycle is answered as it is now', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'task-token-9' }), outcome } });

      expect(await recordOutcome(LEAD_ID, outcome)).toEqual({ ...cycleRecord({ taskToken: 'task-token-9' }), outcome });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET outcome = :outcome',
        // only while the rep may still decide: the owner, nothing decided, not recycled
        ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled)',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':rep': 'rep-sam', ':outcome': outcome },
        ReturnValues: 'ALL_NEW',
      });
    });

    it('when refused, answers the cycle as it is now, for the caller to see which decision stands', async () => {
      const rejected = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at: NOW, reason: 'No budget' };
      ddb.on(UpdateCommand).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...cycleRecord(), outcome: rejected } });

      expect(await recordOutcome(LEAD_ID, outcome)).toEqual({ ...cycleRecord(), outcome: rejected });

      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
    });
  });

  describe('funnel counters', () => {
    const shardKeys = Array.from({ length: FUNNEL_SHARDS }, (_, shard) => funnelShardKey(shard));

    it('reads the old counters item and every shard in one BatchGetItem, and sums them per stage', async () => {
      const oldItem = { pk: 'REPORT#funnel', sk: 'COUNTERS' };
      ddb.on(BatchGetCommand).resolves({
        Responses: {
          [TABLE]: [
            { ...oldItem, 'reached.visitor': 200, 'current.visitor': 120, 'reached.mql': 20, 'current.mql': 4 },
            { ...shardKeys[3], 'reached.visitor': 5, 'current.visitor': 2, 'reached.recycled': 3, 'current.recycled': 3 },
            { ...shardKeys[41], 'reached.mql': 1, 'current.mql': -1, 'current.visitor': -2 },
          ],
        },
      });

      expect(await getFunnelCounters()).toEqual({ reached: { visitor: 205, mql: 21, recycled: 3 }, current: { visitor: 120, mql: 3, recycled: 3 } });
      expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [oldItem, ...shardKeys] } }, ReturnConsumedCapacity: 'TOTAL' });
    });

    it('reads no counters as an empty funnel before any lead exists', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });

      expect(await getFunnelCounters()).toEqual({ reached: {}, current: {} });
      expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    });

    it('refuses a shard count that one BatchGetItem could not read, naming the value', () => {
      expect(() => createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: TABLE, funnelShards: 100 })).toThrow(/funnelShards must be an integer from 1 to 99, got 100/);
      expect(() => createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: TABLE, funnelShards: 0 })).toThrow(/got 0/);
    });
  });
});
