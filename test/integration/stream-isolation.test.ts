import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../functions/commons/settings.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import type { StreamFailureRecord } from '../../local/stream-poller.ts';
import { readTemplate } from '../../local/template.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * The stream path through the local runtime when a record cannot be applied:
 * it must never hold back anyone else's events, and it ends in the mapping's
 * on-failure destination after the retries the template allows. And events
 * with empty objects, which DynamoDB Local's stream hands back untyped, are
 * scored like any other.
 */

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;

const send = (path: string, body: unknown) => sendEvent(runtime, path, body);

async function leadById(leadId: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
}

async function leadByEmail(email: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
}

async function failedRecords(): Promise<StreamFailureRecord[]> {
  const response = await fetch(`${runtime.apiUrl}/_local/failed-records`);
  expect(response.status).toBe(200);
  return Object.values((await response.json()) as Record<string, StreamFailureRecord[]>).flat();
}

/** The stream record of an event, read from the events table's stream itself. */
async function streamRecordOf(messageId: string): Promise<{ shardId: string; sequenceNumber: string }> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: runtime.cliEnv[SETTINGS.eventsTable]! }));
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: Table!.LatestStreamArn! }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: Table!.LatestStreamArn!, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    while (ShardIterator) {
      const { Records = [], NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator }));
      const record = Records.find((r) => r.dynamodb?.Keys?.messageId?.S === messageId);
      if (record) return { shardId: shard.ShardId!, sequenceNumber: record.dynamodb!.SequenceNumber! };
      if (Records.length === 0) break;
      ShardIterator = NextShardIterator;
    }
  }
  throw new Error(`no stream record for ${messageId}`);
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined });
  const client = { endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  dynamodb = new DynamoDBClient(client);
  streams = new DynamoDBStreamsClient(client);
});

afterAll(async () => {
  dynamodb?.destroy();
  streams?.destroy();
  await runtime?.stop();
});

describe('events with empty objects', () => {
  it('are scored: a page view with properties {} and context.traits {}, another with nested empty objects and lists', async () => {
    const anonymousId = 'visitor-empty';
    const pages = [
      { anonymousId, messageId: 'empty-1', properties: {}, context: { traits: {}, page: { url: 'https://example.com/' } } },
      { anonymousId, messageId: 'empty-2', properties: { filters: { chosen: {} }, tags: [], sections: [{}, []] }, context: { traits: {}, page: { url: 'https://example.com/pricing' } } },
    ];
    for (const page of pages) expect((await send('/v1/page', page)).status).toBe(200);

    const lead = await eventually('the visitor’s lead with both page views', async () => {
      const view = await leadById(leadIdFor(`anon:${anonymousId}`));
      return view && view.recentActivity.length === 2 ? view : undefined;
    });

    expect(lead.recentActivity.map((a) => [a.messageId, a.type, a.url]).sort()).toEqual([
      ['empty-1', 'page', 'https://example.com/'],
      ['empty-2', 'page', 'https://example.com/pricing'],
    ]);
    expect(lead.score.breakdown.find((r) => r.ruleId === 'page-view')?.count).toBe(2);
  });
});

describe('a record the score function cannot apply', () => {
  // An identify whose email is far longer than a DynamoDB key may be (2 KB): its identity
  // lookup fails. Ingest is to refuse such an email, so it is written to the events table directly.
  const poisonId = 'poison-identify';
  const poison = {
    messageId: poisonId,
    kind: 'tracking',
    type: 'identify',
    anonymousId: 'visitor-poison',
    email: `${'p'.repeat(3000)}@example.com`,
    traits: { email: `${'p'.repeat(3000)}@example.com` },
    timestamp: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    sourceId: 'local',
  };

  it('does not hold back another visitor’s events, in the same batch or later ones', async () => {
    const anonymousId = 'visitor-ada';
    // the poison record first, then the other visitor's events at once: read within one batching window
    await dynamodb.send(new PutItemCommand({ TableName: runtime.cliEnv[SETTINGS.eventsTable]!, Item: marshall(poison) }));
    const batch = {
      batch: [
        { type: 'page', anonymousId, messageId: 'ada-1', context: { page: { url: 'https://example.com/pricing' } } },
        { type: 'identify', anonymousId, messageId: 'ada-2', traits: { email: 'ada@lovelace.example', name: 'Ada' } },
      ],
    };
    expect((await send('/v1/batch', batch)).status).toBe(200);

    await eventually('Ada’s lead with her page view and identify', async () => {
      const view = await leadByEmail('ada@lovelace.example');
      return view && view.recentActivity.length === 2 ? view : undefined;
    });

    // a later batch, after the poison record: applied too
    expect((await send('/v1/track', { anonymousId, messageId: 'ada-3', event: 'Content Downloaded' })).status).toBe(200);
    const lead = await eventually('Ada’s download on her lead', async () => {
      const view = await leadByEmail('ada@lovelace.example');
      return view && view.recentActivity.length === 3 ? view : undefined;
    });
    expect(lead.recentActivity.map((a) => a.messageId).sort()).toEqual(['ada-1', 'ada-2', 'ada-3']);
    expect(lead.traits).toMatchObject({ email: 'ada@lovelace.example', name: 'Ada' });
  });

  it('ends in the on-failure destination, alone, after the retries the template allows', async () => {
    const template = readTemplate(path.resolve(import.meta.dirname, '../../cdk.out'));
    const [mapping] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    const retries = mapping?.Properties?.MaximumRetryAttempts;
    expect(typeof retries).toBe('number');
    const { shardId, sequenceNumber } = await streamRecordOf(poisonId);

    const [failure, ...others] = await eventually('the poison record in the failure destination', async () => {
      const records = await failedRecords();
      return records.length > 0 ? records : undefined;
    });

    expect(others).toEqual([]);
    expect(failure!.DDBStreamBatchInfo).toMatchObject({ shardId, startSequenceNumber: sequenceNumber, endSequenceNumber: sequenceNumber, batchSize: 1 });
    expect(failure!.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: (retries as number) + 1 });
    // the poison record's own visitor got no lead; nobody else was held back (above)
    expect(await leadById(leadIdFor('anon:visitor-poison'))).toBeUndefined();
  });
});
