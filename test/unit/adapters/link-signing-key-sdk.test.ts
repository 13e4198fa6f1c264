import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createKeys, type Keys } from '../../../functions/adapters/keys.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import { signingKeyKey } from '../handlers/fixtures.ts';

const ddb = mockClient(DynamoDBDocumentClient);

// The key is cached per adapter instance for the container's life: each test builds one afresh.
let keys: Keys;

describe('keys: getLinkSigningKey', () => {
  beforeEach(() => {
    ddb.reset();
    keys = createKeys({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: 'leads-table' });
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
