import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, TrimmedDataAccessException, ResourceNotFoundException, type _Record } from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { inParkedRange, type ParkedBatch, type ParkedEvent, type StreamFailure } from '#core/failed-records.ts';

/**
 * The adapters of `leadloop failed`: where parked batches are (the on-failure
 * SQS queue on AWS, the local runtime's list locally), their records read
 * again from the events stream with the events as stored now, and the scoring
 * function invoked as the stream invokes it.
 */

/** How long a replay holds the messages it received (SQS visibility) before another reader may see them. */
const REPLAY_HOLD_SECONDS = 900;
/** Empty receives in a row after which the queue is taken as read (SQS samples its servers). */
const EMPTY_RECEIVES = 3;
/** Empty pages read from an open shard before the range is taken as read. */
const EMPTY_PAGES = 5;

/** The parked batches in the on-failure SQS queue. Listing hides nothing (visibility 0); a replay holds what it received until it deletes or releases it. */
export function sqsParking({ sqs, queueUrl }: { sqs: SQSClient; queueUrl: string }) {
  async function receiveAll(visibility: number): Promise<ParkedBatch[]> {
    const found = new Map<string, ParkedBatch>();
    for (let empty = 0; empty < EMPTY_RECEIVES; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: visibility, WaitTimeSeconds: 1 }));
      const fresh = Messages.filter((m) => m.MessageId && !found.has(m.MessageId));
      if (fresh.length === 0) empty += 1;
      for (const m of fresh) {
        const failure = JSON.parse(m.Body ?? '{}') as StreamFailure;
        found.set(m.MessageId!, { id: failure.requestContext?.requestId ?? m.MessageId!, failure, handle: m.ReceiptHandle! });
      }
    }
    return [...found.values()];
  }
  return {
    list: () => receiveAll(0),
    take: () => receiveAll(REPLAY_HOLD_SECONDS),
    unpark: async (batch: ParkedBatch) => void (await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: batch.handle }))),
    keep: async (batch: ParkedBatch) => void (await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: batch.handle, VisibilityTimeout: 0 }))),
  };
}

/** The parked batches the local runtime keeps (its /_local/failed-records), taken back one by one. */
export function localParking({ apiUrl }: { apiUrl: string }) {
  const list = async (): Promise<ParkedBatch[]> => {
    const response = await fetch(`${apiUrl}/_local/failed-records`);
    if (!response.ok) throw new Error(`the local runtime answered ${response.status} for its failed records`);
    const byDestination = (await response.json()) as Record<string, StreamFailure[]>;
    return Object.values(byDestination)
      .flat()
      .map((failure) => ({ id: failure.requestContext.requestId, failure, handle: failure.requestContext.requestId }));
  };
  return {
    list,
    take: list,
    unpark: async (batch: ParkedBatch) => {
      const response = await fetch(`${apiUrl}/_local/failed-records/${encodeURIComponent(batch.handle)}`, { method: 'DELETE' });
      if (!response.ok && response.status !== 404) throw new Error(`the local runtime answered ${response.status} when the batch ${batch.id} was taken back`);
    },
    keep: async () => undefined,
  };
}

/** The events table's current item of an event (undefined when it is gone), as a stream image. */
async function currentImage(dynamodb: DynamoDBClient, eventsTable: string, keys: NonNullable<_Record['dynamodb']>['Keys']) {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: eventsTable, Key: keys!, ConsistentRead: true }));
  return Item;
}

/**
 * A parked batch's records, read again from the events stream from its first
 * sequence number to its last (the stream keeps them 24 hours: undefined
 * after that), each with its event as the events table holds it now.
 */
export function streamRange({ streams, dynamodb, eventsTable, region }: { streams: DynamoDBStreamsClient; dynamodb: DynamoDBClient; eventsTable: string; region: string }) {
  return async (batch: ParkedBatch): Promise<{ records: DynamoDBRecord[]; events: ParkedEvent[] } | undefined> => {
    const { streamArn, shardId, startSequenceNumber } = batch.failure.DDBStreamBatchInfo;
    const raw: _Record[] = [];
    try {
      let { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: startSequenceNumber }));
      for (let empty = 0, past = false; ShardIterator && !past && empty < EMPTY_PAGES; ) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
        const records = page.Records ?? [];
        if (records.length === 0) empty += 1;
        for (const record of records) {
          const seq = record.dynamodb?.SequenceNumber ?? '0';
          if (inParkedRange(seq, batch.failure)) raw.push(record);
          else if (BigInt(seq) > BigInt(batch.failure.DDBStreamBatchInfo.endSequenceNumber)) past = true;
        }
        ShardIterator = page.NextShardIterator;
      }
    } catch (error) {
      if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    const records: DynamoDBRecord[] = [];
    const events: ParkedEvent[] = [];
    for (const record of raw) {
      const d = record.dynamodb!;
      const item = await currentImage(dynamodb, eventsTable, d.Keys);
      const messageId = String(d.Keys?.messageId?.S ?? '');
      const stored = item !== undefined;
      const event = stored ? unmarshall(item) : undefined;
      const about = event ? [event.leadId, event.email, event.anonymousId].find((v) => typeof v === 'string' && v !== '') : undefined;
      events.push({ sequenceNumber: d.SequenceNumber!, messageId, stored, ...(event && { type: [event.kind, event.type].filter(Boolean).join('/') }), ...(typeof about === 'string' && { about: about.length > 80 ? `${about.slice(0, 77)}…` : about }) });
      if (!item) continue;
      records.push({
        eventID: record.eventID!,
        eventName: 'INSERT',
        eventVersion: record.eventVersion ?? '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        eventSourceARN: streamArn,
        dynamodb: {
          ...(d.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }),
          Keys: d.Keys as never,
          NewImage: item as never,
          SequenceNumber: d.SequenceNumber!,
          SizeBytes: d.SizeBytes ?? 0,
          StreamViewType: 'NEW_IMAGE',
        },
      });
    }
    return { records, events };
  };
}

/** Invokes the scoring function with records as the stream's mapping does; answers the sequence numbers it reported failed (all, when it threw). */
export function scoringInvoker({ lambda, functionName }: { lambda: LambdaClient; functionName: string }) {
  return async (records: DynamoDBRecord[]): Promise<string[]> => {
    const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify({ Records: records })) }));
    if (response.FunctionError) return records.map((r) => r.dynamodb?.SequenceNumber ?? '');
    const text = response.Payload ? new TextDecoder().decode(response.Payload) : 'null';
    const answer = JSON.parse(text) as Partial<DynamoDBBatchResponse> | null;
    return (answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
  };
}
