import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDecisions } from '../../../functions/adapters/decisions.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { DecisionEvent } from '../../../functions/core/records.ts';
import { cycleKey } from '../handlers/fixtures.ts';

const { recordDecision } = createDecisions({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: 'leads-table', eventsTable: 'events-table' });

/**
 * A rep's decision: on the cycle, on condition that the rep may still
 * decide, and the outcome event, stored once, in one transaction. The
 * transaction's shape is the contract (its effect against DynamoDB's own
 * engine: test/integration/decision-store.test.ts).
 */
const ddb = mockClient(DynamoDBDocumentClient);

const LEAD_ID = 'lead-0123456789abcdef0123';
const NOW = '2026-03-01T10:30:00.000Z';
const rejected = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at: NOW, reason: 'No budget' };
const event: DecisionEvent = { messageId: `handoff-${LEAD_ID}-1-rep-sam-rejected`, kind: 'outcome', leadId: LEAD_ID, outcome: rejected, receivedAt: NOW };

describe('decisions: recordDecision', () => {
  beforeEach(() => {
    ddb.reset();
  });

  it('writes a rejection on the cycle with the outcome event and the rep’s open lead ended, in one conditional transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    expect(await recordDecision(event)).toEqual({ recorded: true });

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(TransactWriteCommand, {
      TransactItems: [
        {
          Update: expect.objectContaining({
            TableName: 'leads-table',
            Key: cycleKey(LEAD_ID, 1),
            UpdateExpression: 'SET outcome = :outcome REMOVE #openFor',
            ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto) AND #openFor = :rep',
            ExpressionAttributeNames: { '#owner': 'owner', '#openFor': 'openFor' },
            ExpressionAttributeValues: { ':rep': 'rep-sam', ':outcome': rejected },
          }),
        },
        { Put: { TableName: 'events-table', ConditionExpression: 'attribute_not_exists(messageId)', Item: event } },
        { Update: expect.objectContaining({ Key: { pk: 'REP#rep-sam', sk: 'REP' }, UpdateExpression: 'ADD #open :delta', ExpressionAttributeValues: { ':delta': -1 } }) },
      ],
    });
  });

  it('decides a cycle that never counted as an open lead without a count', async () => {
    const counted = (input: { TransactItems?: unknown[] }) => (input.TransactItems ?? []).length === 3;
    ddb.on(TransactWriteCommand).callsFake(async (input: { TransactItems?: unknown[] }) => {
      if (counted(input)) throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] });
      return {};
    });

    expect(await recordDecision(event)).toEqual({ recorded: true });

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(ddb).toHaveReceivedNthCommandWith(TransactWriteCommand, 2, {
      TransactItems: [
        {
          Update: expect.objectContaining({
            UpdateExpression: 'SET outcome = :outcome',
            ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto) AND attribute_not_exists(#openFor)',
          }),
        },
        { Put: { TableName: 'events-table', ConditionExpression: 'attribute_not_exists(messageId)', Item: event } },
      ],
    });
  });

  it('leaves the open lead counted when the rep accepts: it stays open until the first contact', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const accepted = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: NOW };

    expect(await recordDecision({ ...event, messageId: `handoff-${LEAD_ID}-1-rep-sam-accepted`, outcome: accepted })).toEqual({ recorded: true });

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(TransactWriteCommand, {
      TransactItems: [
        {
          Update: expect.objectContaining({
            UpdateExpression: 'SET outcome = :outcome',
            ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto)',
            ExpressionAttributeNames: { '#owner': 'owner' },
          }),
        },
        expect.objectContaining({ Put: expect.objectContaining({ TableName: 'events-table' }) }),
      ],
    });
  });

  it('returns the cycle as it is now when refused, for the caller to say what stands', async () => {
    const decided: Cycle = {
      leadId: LEAD_ID,
      cycle: 1,
      owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:05.000Z' },
      previousReps: [],
      acceptBy: '2026-03-01T13:00:05.000Z',
      acceptWithinSeconds: 14_400,
      missed: 0,
      outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:29:59.000Z' },
    };
    ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }));
    ddb.on(GetCommand, { TableName: 'leads-table', Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...decided } });

    expect(await recordDecision(event)).toEqual({ recorded: false, cycle: decided });

    // the counted write and the uncounted one, both refused
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'leads-table', Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
  });
});
