import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { signingKeyKey } from '../handlers/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);

// The key is cached per module for the container's life: each test loads the adapter afresh.
let keys: typeof import('../../../functions/adapters/keys.ts');

describe('keys: getLinkSigningKey', () => {
  beforeEach(async () => {
    ddb.reset();
    vi.resetModules();
    keys = await import('../../../functions/adapters/keys.ts');
  });

  it('creates the key on first use only where none exists, then reads back the one that stands', async () => {
    ddb.on(PutCommand, { TableName: 'leads-table', Item: signingKeyKey }).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddb.on(GetCommand, { TableName: 'leads-table', Key: signingKeyKey }).resolves({ Item: { ...signingKeyKey, value: 'the-stored-key' } });

    expect(await keys.getLinkSigningKey()).toBe('the-stored-key');
    expect(await keys.getLinkSigningKey()).toBe('the-stored-key');

    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: 'leads-table',
      Item: expect.objectContaining(signingKeyKey),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: 'leads-table', Key: signingKeyKey, ConsistentRead: true });
  });
});
