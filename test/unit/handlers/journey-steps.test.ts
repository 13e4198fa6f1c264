import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cycle } from '../../../functions/adapters/lead-store.ts';
import type { JourneyAssignment } from '../../../functions/core/journey.ts';
import { handler as assignRep } from '../../../functions/journey/assign-rep.ts';
import { handler as awaitAcceptance } from '../../../functions/journey/await-acceptance.ts';
import { handler as escalate } from '../../../functions/journey/escalate.ts';
import { emailKey as emailItemKey, funnelKey } from '../../../functions/core/table-layout.ts';
import { cycleKey, mqlLead, profileItem, profileKey } from './fixtures.ts';
import { lambdaContext } from './http-event.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ses = mockClient(SESv2Client);

const TABLE = 'leads-table';
const NOW = '2026-03-01T10:00:00.000Z';
/** config/service-agreement.json: accept within 4 hours */
const ACCEPT_BY = '2026-03-01T14:00:00.000Z';
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

describe('journey steps', () => {
  beforeEach(() => {
    ddb.reset();
    sfn.reset();
    ses.reset();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(NOW));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('assign-rep', () => {
    it('routes a new cycle to a rep of the team, records the cycle and makes the rep the owner', async () => {
      // Prepare
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});
      ddb.on(PutCommand, { TableName: TABLE, Item: cycleKey(LEAD_ID, 1) }).resolves({});
      ddb.on(UpdateCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({});

      // Act
      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, lambdaContext('assign-rep'));

      // Assess
      expect(['rep-sam', 'rep-kim']).toContain(assignment.repId);
      expect(assignment).toEqual({ repId: assignment.repId, teamId: 'sales-emea', previousReps: [], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400 });
      const owner = { repId: assignment.repId, teamId: 'sales-emea', assignedAt: NOW };
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
        TableName: TABLE,
        Item: { ...cycleKey(LEAD_ID, 1), leadId: LEAD_ID, cycle: 1, owner, previousReps: [], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400, missed: 0 },
        // never over an existing cycle: it may already carry a decision
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        ConditionExpression: '#cycle = :cycle',
        ExpressionAttributeNames: expect.objectContaining({ '#owner': 'owner', '#cycle': 'cycle' }),
        ExpressionAttributeValues: expect.objectContaining({ ':owner': owner, ':cycle': 1 }),
      });
    });

    it('picks the same rep when the same cycle is routed again', async () => {
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      const first = await assignRep({ leadId: LEAD_ID, cycle: 1 }, lambdaContext('assign-rep'));
      const second = await assignRep({ leadId: LEAD_ID, cycle: 1 }, lambdaContext('assign-rep'));

      expect(second.repId).toBe(first.repId);
      expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    });

    it('returns the recorded assignment on a retry without writing anything', async () => {
      const existing = cycleRecord({ owner: { ...kim, assignedAt: '2026-03-01T09:59:00.000Z' }, acceptBy: '2026-03-01T13:59:00.000Z' });
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...existing } });
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      const assignment = await assignRep({ leadId: LEAD_ID, cycle: 1 }, lambdaContext('assign-rep'));

      expect(assignment).toEqual({ ...kim, previousReps: [], acceptBy: '2026-03-01T13:59:00.000Z', acceptWithinSeconds: 14_400 });
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: cycleKey(LEAD_ID, 1) });
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    });
  });

  describe('await-acceptance', () => {
    function expectTokenStored(taskToken: string) {
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':token': taskToken },
        ReturnValues: 'ALL_NEW',
      });
    }

    it('stores the task token on the cycle and keeps waiting when no outcome is there yet', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({
        Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'token-1' }) },
      });
      sfn.on(SendTaskSuccessCommand).resolves({});

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-1' }, lambdaContext('await-acceptance'));

      expect(result).toEqual({ waiting: true });
      expectTokenStored('token-1');
      expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    });

    it('resumes the journey at once when the rep’s outcome arrived before the wait began', async () => {
      const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z' };
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({
        Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'token-2', outcome }) },
      });
      sfn.on(SendTaskSuccessCommand).resolves({});

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-2' }, lambdaContext('await-acceptance'));

      expect(result).toEqual({ waiting: false });
      expectTokenStored('token-2');
      expect(sfn).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, { taskToken: 'token-2', output: expect.any(String) });
      const output = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!;
      expect(JSON.parse(output)).toEqual({ outcome: 'accepted', repId: 'rep-sam' });
    });

    it('does not fail when the task it would resume is already gone', async () => {
      const outcome = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z', reason: 'Too early' };
      ddb.on(UpdateCommand).resolves({ Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'token-3', outcome }) } });
      sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

      const result = await awaitAcceptance({ leadId: LEAD_ID, cycle: 1, taskToken: 'token-3' }, lambdaContext('await-acceptance'));

      expect(result).toEqual({ waiting: false });
      expectTokenStored('token-3');
      expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-3' });
    });
  });

  describe('escalate', () => {
    const samAssignment: JourneyAssignment = { ...sam, previousReps: [], acceptBy: '2026-03-01T09:00:00.000Z', acceptWithinSeconds: 14_400 };
    const kimAssignment: JourneyAssignment = { ...kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T09:30:00.000Z', acceptWithinSeconds: 14_400 };

    function stubLeadAndCycle(current = lead, cycle = cycleRecord()) {
      ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({ Item: profileItem(current, 4) });
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...cycle } });
    }

    function expectLeadAndCycleRead() {
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID), ConsistentRead: true });
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
    }

    const ESCALATION_CONDITION = 'attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND missed = :before';

    function stubCycleWrite() {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});
    }

    function expectOwnerNotChanged() {
      expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { Key: profileKey(LEAD_ID) });
    }

    it('does not escalate when the rep decided as the deadline fired: the wait picks the decision up', async () => {
      // Prepare
      const decided = cycleRecord({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:00:00.000Z' } });
      stubLeadAndCycle(lead, decided);
      const state = { leadId: LEAD_ID, cycle: 1, assignment: samAssignment };

      // Act
      const next = await escalate(state, lambdaContext('escalate'));

      // Assess
      expect(next).toEqual({ ...state, escalation: { missed: 0, step: 'outcome-recorded' } });
      expectLeadAndCycleRead();
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
      expectOwnerNotChanged();
    });

    it('stands down when the rep\'s decision reaches the cycle between its read and the reassignment\'s write', async () => {
      // Prepare: read open; the conditional write is refused because the decision got there first
      const decided = cycleRecord({ missed: 1, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:59.000Z' } });
      ddb.on(GetCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({ Item: profileItem(lead, 4) });
      ddb
        .on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) })
        .resolvesOnce({ Item: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ missed: 1 }) } })
        .resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...decided } });
      ddb
        .on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) })
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
      const state = { leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' as const } };

      // Act
      const next = await escalate(state, lambdaContext('escalate'));

      // Assess: the wait picks the decision up; the rep keeps the lead
      expect(next).toEqual({ ...state, escalation: { missed: 1, step: 'outcome-recorded' } });
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
      expectOwnerNotChanged();
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    });

    it('repeats only the effects when retried after its reassignment was written', async () => {
      // Prepare: the first attempt wrote the cycle (kim owns it, two deadlines missed), then failed
      const kimOwner = { ...kim, assignedAt: '2026-03-01T09:59:00.000Z' };
      stubLeadAndCycle(lead, cycleRecord({ missed: 2, owner: kimOwner, previousReps: ['rep-sam'], acceptBy: '2026-03-01T13:59:00.000Z' }));
      ddb.on(UpdateCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({});

      // Act
      const next = await escalate(
        { leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } },
        lambdaContext('escalate'),
      );

      // Assess: the stored assignment, not a new window
      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T13:59:00.000Z', acceptWithinSeconds: 14_400 },
        escalation: { missed: 2, step: 'reassign' },
      });
      expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { Key: cycleKey(LEAD_ID, 1) });
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        ExpressionAttributeValues: expect.objectContaining({ ':owner': kimOwner }),
      });
    });

    it('ends the cycle when the lead already left it without a decision on this cycle', async () => {
      // Prepare: the lead was disqualified meanwhile
      stubLeadAndCycle(mqlLead({ stage: 'disqualified' }));

      // Act
      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment }, lambdaContext('escalate'));

      // Assess
      expect(next.escalation).toEqual({ missed: 1, step: 'recycle' });
      expectLeadAndCycleRead();
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
      expectOwnerNotChanged();
    });

    it('step 1: emails the team manager once and gives the same owner a fresh window', async () => {
      // Prepare
      const emailKey = emailItemKey(`${LEAD_ID}#1#escalation#1`);
      stubLeadAndCycle();
      ddb.on(PutCommand, { TableName: TABLE, Item: emailKey }).resolves({});
      ddb.on(UpdateCommand, { TableName: TABLE, Key: emailKey }).resolves({});
      stubCycleWrite();
      ddb.on(TransactWriteCommand).resolves({});
      ses.on(SendEmailCommand).resolves({ MessageId: 'ses-escalation-1' });

      // Act
      const next = await escalate({ leadId: LEAD_ID, cycle: 1, assignment: samAssignment }, lambdaContext('escalate'));

      // Assess
      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...sam, previousReps: [], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400 },
        escalation: { missed: 1, step: 'notify-manager' },
      });
      expectLeadAndCycleRead();
      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        TableName: TABLE,
        Item: expect.objectContaining({ ...emailKey, status: 'sending', to: 'ana.manager@example.com' }),
        ConditionExpression: 'attribute_not_exists(pk)',
      });
      expect(ses).toHaveReceivedCommandExactlyOnceWith(SendEmailCommand, {
        Destination: { ToAddresses: ['ana.manager@example.com'] },
        ConfigurationSetName: 'leadloop-config-set',
      });
      expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content?.Simple?.Subject?.Data).toContain('Sam Seller has not accepted');
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, acceptBy = :acceptBy, acceptWithinSeconds = :window',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 1, ':before': 0, ':acceptBy': ACCEPT_BY, ':window': 14_400 },
      });
      expect(ddb).not.toHaveReceivedCommandWith(PutCommand, { Item: cycleKey(LEAD_ID, 1) });
      expectOwnerNotChanged();
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('step 2: reassigns the cycle to the next rep and makes them the lead’s owner', async () => {
      stubLeadAndCycle(lead, cycleRecord({ missed: 1 }));
      stubCycleWrite();
      ddb.on(UpdateCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).resolves({});
      ddb.on(TransactWriteCommand).resolves({});
      ses.on(SendEmailCommand).resolves({ MessageId: 'ses-unexpected' });

      const next = await escalate(
        { leadId: LEAD_ID, cycle: 1, assignment: samAssignment, escalation: { missed: 1, step: 'notify-manager' } },
        lambdaContext('escalate'),
      );

      expect(next).toEqual({
        leadId: LEAD_ID,
        cycle: 1,
        assignment: { ...kim, previousReps: ['rep-sam'], acceptBy: ACCEPT_BY, acceptWithinSeconds: 14_400 },
        escalation: { missed: 2, step: 'reassign' },
      });
      expectLeadAndCycleRead();
      const newOwner = { ...kim, assignedAt: NOW };
      // The cycle first, on condition that no decision is there; the previous owner's turn is kept for their page.
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: expect.objectContaining({
          ':missed': 2,
          ':before': 1,
          ':owner': newOwner,
          ':previousReps': ['rep-sam'],
          ':acceptBy': ACCEPT_BY,
          ':handovers': [{ repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW }],
        }),
      });
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        ConditionExpression: '#cycle = :cycle',
        ExpressionAttributeNames: expect.objectContaining({ '#owner': 'owner', '#cycle': 'cycle' }),
        ExpressionAttributeValues: expect.objectContaining({ ':owner': newOwner, ':cycle': 1 }),
      });
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('step 3: recycles the lead to marketing in one transaction with the stage change', async () => {
      stubLeadAndCycle(mqlLead({ owner: { ...kim, assignedAt: '2026-03-01T05:30:00.000Z' } }), cycleRecord({ missed: 2 }));
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ses.on(SendEmailCommand).resolves({ MessageId: 'ses-unexpected' });

      const next = await escalate(
        { leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } },
        lambdaContext('escalate'),
      );

      expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
      expectLeadAndCycleRead();
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
      const profile = items.find((item) => item.Put)?.Put;
      expect(profile).toMatchObject({
        TableName: TABLE,
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 4 },
        Item: {
          ...profileKey(LEAD_ID),
          stage: 'recycled',
          version: 5,
          stageHistory: expect.arrayContaining([
            { from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation' },
          ]),
        },
      });
      expect(profile?.Item).not.toHaveProperty('owner');
      const funnel = items.find((item) => item.Update)?.Update;
      expect(funnel).toMatchObject({ TableName: TABLE, Key: funnelKey, UpdateExpression: expect.stringMatching(/^ADD /) });
      const byCounter = Object.fromEntries(
        Object.entries(funnel!.ExpressionAttributeNames!).map(([placeholder, counter]) => [
          counter,
          funnel!.ExpressionAttributeValues![placeholder.replace('#k', ':v')],
        ]),
      );
      expect(byCounter).toEqual({ 'current.mql': -1, 'reached.recycled': 1, 'current.recycled': 1 });
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, recycled = :handover',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 3, ':before': 2, ':handover': { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW } },
      });
      expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { Key: profileKey(LEAD_ID) });
      expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    });

    it('step 3: leaves a lead that was already accepted alone', async () => {
      stubLeadAndCycle(mqlLead({ stage: 'sal' }), cycleRecord({ missed: 2 }));
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(PutCommand).resolves({});

      const next = await escalate(
        { leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } },
        lambdaContext('escalate'),
      );

      expect(next.escalation).toEqual({ missed: 3, step: 'recycle' });
      expectLeadAndCycleRead();
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
    });

    it('step 3: fails with ConcurrentUpdateError, which the state machine retries, when the lead changed meanwhile', async () => {
      stubLeadAndCycle(lead, cycleRecord({ missed: 2 }));
      stubCycleWrite();
      ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }));

      await expect(
        escalate({ leadId: LEAD_ID, cycle: 1, assignment: kimAssignment, escalation: { missed: 2, step: 'reassign' } }, lambdaContext('escalate')),
      ).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });

      expectLeadAndCycleRead();
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    });
  });
});
