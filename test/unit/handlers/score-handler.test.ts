import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamAttributeValue, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../../functions/core/records.ts';
import { handler } from '../../../functions/score/handler.ts';
import { FUNNEL_SHARDS, funnelShardKey, funnelShardOf, identityKey, markerKey } from '../../../functions/core/table-layout.ts';
import { cycleKey, leadIdOf, mqlLead, profileItem, profileKey } from './fixtures.ts';
import { lambdaContext } from './http-event.ts';
import type { Lead } from '../../../functions/core/lead.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const TABLE = 'leads-table';
const JOURNEY_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:journey';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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


function batchGetOf(keys: Record<string, string>[]) {
  return { RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } } };
}

function transactions(): TransactItem[][] {
  return ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);
}

/** The counters an `ADD #k0 :v0, #k1 :v1` update changes, by name. */
function funnelAdds(items: TransactItem[]): Record<string, number> {
  const update = items.find((item) => item.Update)?.Update;
  expect(update?.TableName).toBe(TABLE);
  // the shard of the lead saved in the same transaction
  const profile = items.find((item) => item.Put?.Item?.sk === 'PROFILE')?.Put?.Item;
  expect(update?.Key).toEqual(funnelShardKey(funnelShardOf(String(profile?.leadId), FUNNEL_SHARDS)));
  expect(update?.UpdateExpression).toMatch(/^ADD /);
  const adds: Record<string, number> = {};
  for (const part of update!.UpdateExpression!.slice(4).split(',')) {
    const [name, value] = part.trim().split(' ');
    adds[update!.ExpressionAttributeNames![name!]!] = update!.ExpressionAttributeValues![value!] as number;
  }
  return adds;
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

function stubUnknownPerson() {
  ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
  ddb.on(GetCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
}

function expectJourneyStartedThenCleared(leadId: string) {
  expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
    stateMachineArn: JOURNEY_ARN,
    name: `${leadId}-cycle-1`,
    input: expect.any(String),
  });
  const [start] = sfn.commandCalls(StartExecutionCommand);
  expect(JSON.parse(start!.args[0].input.input!)).toEqual({ leadId, cycle: 1 });
  expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
    TableName: TABLE,
    Key: profileKey(leadId),
    UpdateExpression: expect.stringContaining('REMOVE journeyPending'),
    ConditionExpression: 'journeyPending = :cycle',
    ExpressionAttributeValues: expect.objectContaining({ ':cycle': 1 }),
  });
  const [clear] = ddb.commandCalls(UpdateCommand);
  expect(start!.calledBefore(clear!)).toBe(true);
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

describe('score handler (events table stream)', () => {
  beforeEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('creates the lead of a new anonymous visitor in one transaction', async () => {
    // Prepare
    const leadId = leadIdOf('anon:anon-1');
    stubUnknownPerson();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

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
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([identityKey('anon:anon-1')]));
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([markerKey(leadId, 'm-1')]));
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: profileKey(leadId), ConsistentRead: true });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const [items] = transactions();
    expect(items).toHaveLength(4);
    expect(items).toContainEqual({
      Put: {
        TableName: TABLE,
        Item: expect.objectContaining({ ...profileKey(leadId), leadId, stage: 'visitor', identities: ['anon:anon-1'], version: 1 }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(items).toContainEqual({
      Put: { TableName: TABLE, Item: { ...markerKey(leadId, 'm-1'), appliedAt: '2026-03-01T10:00:00.000Z' }, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    expect(items).toContainEqual({ Put: { TableName: TABLE, Item: { ...identityKey('anon:anon-1'), leadId } } });
    expect(funnelAdds(items!)).toEqual({ 'reached.visitor': 1, 'current.visitor': 1 });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('ignores records that are not inserts (a TTL removal, a modification)', async () => {
    const event = tracking({ messageId: 'm-old', type: 'page', anonymousId: 'anon-old', timestamp: '2026-01-01T10:00:00.000Z' });
    stubUnknownPerson();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

    const result = await score(streamRecord('REMOVE', event, '101'), streamRecord('MODIFY', event, '102'));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  describe('a lead crossing qualification', () => {
    it('is saved as an MQL of cycle 1, its journey started by name, then its pending flag cleared', async () => {
      stubUnknownPerson();
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

      const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(200 + i))));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(ddb).toHaveReceivedCommandWith(
        BatchGetCommand,
        batchGetOf([identityKey('email:dana@acme-corp.com'), identityKey('anon:anon-q')]),
      );
      expect(ddb).toHaveReceivedCommandWith(
        BatchGetCommand,
        batchGetOf(['q-identify', 'q-demo', 'q-download', 'q-pricing'].map((id) => markerKey(danaId, id))),
      );
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: profileKey(danaId), ConsistentRead: true });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      const [items] = transactions();
      expect(items).toContainEqual({
        Put: {
          TableName: TABLE,
          Item: expect.objectContaining({ leadId: danaId, stage: 'mql', grade: 'A', cycle: 1, journeyPending: 1, version: 1 }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      expect(funnelAdds(items!)).toEqual({
        'reached.visitor': 1,
        'reached.known': 1,
        'reached.engaged': 1,
        'reached.mql': 1,
        'current.mql': 1,
      });
      expectJourneyStartedThenCleared(danaId);
    });

    it('treats ExecutionAlreadyExists as a journey already started and still clears the flag', async () => {
      stubUnknownPerson();
      sfn
        .on(StartExecutionCommand)
        .rejects(new ExecutionAlreadyExists({ message: `Execution Already Exists: '${danaId}-cycle-1'`, $metadata: {} }));

      const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(300 + i))));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      expectJourneyStartedThenCleared(danaId);
    });
  });

  it('takes a pending flag already cleared by an earlier delivery as done', async () => {
    stubUnknownPerson();
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    const result = await score(...qualifyingEvents.map((e, i) => streamRecord('INSERT', e, String(350 + i))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expectJourneyStartedThenCleared(danaId);
  });

  it('applies a rep’s acceptance: records it on the cycle, resumes the waiting journey and moves the lead to sal', async () => {
    // Prepare
    const lead = mqlLead();
    const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T11:00:00.000Z' };
    const messageId = `handoff-${lead.leadId}-1-rep-sam-accepted`;
    ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(lead.leadId) }).resolves({ Item: profileItem(lead, 6) });
    ddb.on(BatchGetCommand, batchGetOf([markerKey(lead.leadId, messageId)])).resolves({ Responses: { [TABLE]: [] } });
    ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(lead.leadId, 1) }).resolves({
      Attributes: { ...cycleKey(lead.leadId, 1), leadId: lead.leadId, cycle: 1, owner: lead.owner, taskToken: 'task-token-9', outcome },
    });
    ddb.on(TransactWriteCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

    // Act
    const result = await score(
      streamRecord('INSERT', { messageId, kind: 'outcome', leadId: lead.leadId, outcome, receivedAt: outcome.at }, '700'),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: profileKey(lead.leadId), ConsistentRead: true });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchGetCommand, batchGetOf([markerKey(lead.leadId, messageId)]));
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
      TableName: TABLE,
      Key: cycleKey(lead.leadId, 1),
      // only while the rep may still decide: the owner, nothing decided, not recycled
      ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled)',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':rep': 'rep-sam', ':outcome': outcome },
      ReturnValues: 'ALL_NEW',
    });
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, { taskToken: 'task-token-9', output: expect.any(String) });
    expect(JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!)).toEqual({ outcome: 'accepted', repId: 'rep-sam' });
    const [items] = transactions();
    expect(items).toContainEqual({
      Put: {
        TableName: TABLE,
        Item: expect.objectContaining({ ...profileKey(lead.leadId), stage: 'sal', version: 7 }),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 6 },
      },
    });
    expect(items).toContainEqual({
      Put: { TableName: TABLE, Item: { ...markerKey(lead.leadId, messageId), appliedAt: lead.scoredAt }, ConditionExpression: 'attribute_not_exists(pk)' },
    });
    expect(funnelAdds(items!)).toEqual({ 'current.mql': -1, 'reached.sal': 1, 'current.sal': 1 });
    const [resume] = sfn.commandCalls(SendTaskSuccessCommand);
    expect(resume!.calledBefore(ddb.commandCalls(TransactWriteCommand)[0]!)).toBe(true);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('does not re-apply a record whose marker already exists', async () => {
    const leadId = leadIdOf('anon:anon-1');
    ddb.on(BatchGetCommand, batchGetOf([identityKey('anon:anon-1')])).resolves({
      Responses: { [TABLE]: [{ ...identityKey('anon:anon-1'), leadId }] },
    });
    ddb.on(BatchGetCommand, batchGetOf([markerKey(leadId, 'm-1')])).resolves({
      Responses: { [TABLE]: [{ ...markerKey(leadId, 'm-1'), appliedAt: '2026-03-01T10:00:00.000Z' }] },
    });
    ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(leadId) }).resolves({ Item: profileItem(visitorLead(leadId, 'anon-1'), 2) });
    ddb.on(TransactWriteCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

    const result = await score(
      streamRecord('INSERT', tracking({ messageId: 'm-1', type: 'page', anonymousId: 'anon-1', timestamp: '2026-03-01T10:00:00.000Z' }), '400'),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([identityKey('anon:anon-1')]));
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([markerKey(leadId, 'm-1')]));
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: profileKey(leadId) });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('re-reads and retries the lead when its transaction is cancelled by a concurrent writer', async () => {
    const leadId = leadIdOf('anon:anon-2');
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    ddb
      .on(GetCommand, { TableName: TABLE, Key: profileKey(leadId) })
      .resolvesOnce({})
      .resolves({ Item: profileItem(visitorLead(leadId, 'anon-2'), 1) });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))
      .resolves({});

    const result = await score(
      streamRecord('INSERT', tracking({ messageId: 'm-2', type: 'page', anonymousId: 'anon-2', timestamp: '2026-03-01T10:00:00.000Z' }), '500'),
    );

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([markerKey(leadId, 'm-2')]));
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    const [first, second] = transactions();
    expect(first?.[0]?.Put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)' });
    expect(second?.[0]?.Put).toMatchObject({
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 1 },
      Item: expect.objectContaining({ version: 2 }),
    });
  });

  it('reports every record of a lead that keeps failing, and only those, and applies the other leads', async () => {
    const stuck = leadIdOf('anon:anon-stuck');
    const fine = leadIdOf('anon:anon-fine');
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      if (input.TransactItems?.[0]?.Put?.Item?.leadId === stuck) {
        throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} });
      }
      return {};
    });
    const page = (messageId: string, anonymousId: string) =>
      tracking({ messageId, type: 'page', anonymousId, timestamp: '2026-03-01T10:00:00.000Z' });

    const result = await score(
      streamRecord('INSERT', page('fine-1', 'anon-fine'), '600'),
      streamRecord('INSERT', page('stuck-1', 'anon-stuck'), '601'),
      streamRecord('INSERT', page('fine-2', 'anon-fine'), '602'),
      streamRecord('INSERT', page('stuck-2', 'anon-stuck'), '603'),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '601' }, { itemIdentifier: '603' }] });
    const leadOf = (items: TransactItem[]) => items[0]?.Put?.Item?.leadId;
    expect(transactions().filter((items) => leadOf(items) === stuck)).toHaveLength(5);
    expect(transactions().filter((items) => leadOf(items) === fine)).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: profileKey(stuck) });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: profileKey(fine) });
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, batchGetOf([markerKey(fine, 'fine-1'), markerKey(fine, 'fine-2')]));
  });

  describe('a record that cannot be read', () => {
    const page = (messageId: string, anonymousId: string) =>
      tracking({ messageId, type: 'page', anonymousId, timestamp: '2026-03-01T10:00:00.000Z' });
    const leadsSaved = () => transactions().map((items) => items[0]?.Put?.Item?.leadId);

    it('is reported alone while the records around it are applied', async () => {
      stubUnknownPerson();
      const unreadable = streamRecord('INSERT', page('odd-1', 'anon-odd'), '801');
      // an attribute value with no type: unmarshalling it throws ("No value defined")
      (unreadable.dynamodb!.NewImage as Record<string, unknown>).properties = {};

      const result = await score(streamRecord('INSERT', page('ok-1', 'anon-ok'), '800'), unreadable, streamRecord('INSERT', page('ok-2', 'anon-later'), '802'));

      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '801' }] });
      expect(leadsSaved().sort()).toEqual([leadIdOf('anon:anon-later'), leadIdOf('anon:anon-ok')].sort());
    });

    it('is reported when its image is not a stored event, and the others are applied', async () => {
      stubUnknownPerson();
      const stranger = streamRecord('INSERT', page('ok-3', 'anon-ok3'), '901');
      stranger.dynamodb!.NewImage = marshall({ hello: 'world' }) as Record<string, StreamAttributeValue>;

      const result = await score(stranger, streamRecord('INSERT', page('ok-3', 'anon-ok3'), '902'));

      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '901' }] });
      expect(leadsSaved()).toEqual([leadIdOf('anon:anon-ok3')]);
    });
  });
});
