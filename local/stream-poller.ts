import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { localCredentials } from './dynamodb.ts';
import { LOCAL_REGION, type LocalStreamMapping } from './template.ts';

/**
 * Stands in for Lambda's event source mapping on a DynamoDB stream: reads each
 * shard in order, calls the function with the same DynamoDBStreamEvent shape
 * and batch size, and on failure retries from the first failed record (or the
 * whole batch) until it succeeds: records are never skipped.
 */

export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

const IDLE_POLL_MS = 100;
const MAX_BACKOFF_MS = 5_000;

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }),
      Keys: d.Keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      ...(d.NewImage && { NewImage: d.NewImage as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] }),
      ...(d.OldImage && { OldImage: d.OldImage as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'] }),
      SequenceNumber: d.SequenceNumber!,
      SizeBytes: d.SizeBytes!,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  /** last sequence number the function processed successfully */
  checkpoint?: string;
  iterator?: string;
  closed: boolean;
}

export class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop?: Promise<void>;
  private readonly mapping: LocalStreamMapping;
  private readonly streamArn: string;
  private readonly invoke: Invoke;
  private readonly onError: (error: unknown) => void;
  /** records handed to the function so far (including retries); for diagnostics */
  delivered = 0;
  private held = false;
  private parked: (() => void) | undefined;

  constructor(endpoint: string, mapping: LocalStreamMapping, streamArn: string, invoke: Invoke, onError: (error: unknown) => void) {
    this.client = new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
    this.mapping = mapping;
    this.streamArn = streamArn;
    this.invoke = invoke;
    this.onError = onError;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops handing records to the function once the batch in flight is done,
   * as a slow or throttled event source mapping would; records written
   * meanwhile wait in the stream until release(). For tests of races.
   */
  async hold(): Promise<void> {
    if (!this.running) return;
    this.held = true;
    await new Promise<void>((resolve) => (this.parked = resolve));
  }

  release(): void {
    this.held = false;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.parked?.();
    await this.loop;
    this.client.destroy();
  }

  private async discoverShards(): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.client.send(
        new DescribeStreamCommand({ StreamArn: this.streamArn, ...(exclusiveStartShardId && { ExclusiveStartShardId: exclusiveStartShardId }) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          ...(shard.ParentShardId && { parentShardId: shard.ParentShardId }),
          closed: false,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    const { ShardIterator } = await this.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.shardId,
        ...(shard.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.checkpoint }
          : { ShardIteratorType: this.mapping.startingPosition }),
      }),
    );
    return ShardIterator;
  }

  /** A child shard is read only after its parent is finished, as Lambda does. */
  private readable(shard: ShardState): boolean {
    if (shard.closed) return false;
    const parent = shard.parentShardId ? this.shards.get(shard.parentShardId) : undefined;
    return !parent || parent.closed;
  }

  private async readBatch(shard: ShardState): Promise<_Record[]> {
    const records: _Record[] = [];
    const windowEnds = Date.now() + this.mapping.maxBatchingWindowSeconds * 1000;
    for (;;) {
      shard.iterator ??= await this.iteratorFor(shard);
      if (!shard.iterator) {
        shard.closed = true;
        break;
      }
      let response;
      try {
        response = await this.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.mapping.batchSize - records.length }));
      } catch (error) {
        // DynamoDB Local answers TrimmedDataAccessException for an iterator taken on a
        // still-empty shard (aws/aws-sdk-java#2923): take a new one from the checkpoint.
        if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
          delete shard.iterator;
          if (records.length > 0) break;
          await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
          continue;
        }
        throw error;
      }
      records.push(...(response.Records ?? []));
      if (response.NextShardIterator) shard.iterator = response.NextShardIterator;
      else {
        delete shard.iterator;
        shard.closed = true;
        break;
      }
      // Like the batching window: gather until the batch is full or the window ends.
      if (records.length === 0 || records.length >= this.mapping.batchSize || Date.now() >= windowEnds) break;
      await new Promise((r) => setTimeout(r, Math.min(IDLE_POLL_MS, Math.max(0, windowEnds - Date.now()))));
    }
    return records;
  }

  private async deliver(shard: ShardState, records: _Record[]): Promise<void> {
    let backoff = 100;
    let pending = records;
    while (this.running && pending.length > 0) {
      this.delivered += pending.length;
      let failedFrom: number | undefined;
      try {
        const response = (await this.invoke(this.mapping.functionLogicalId, {
          Records: pending.map((r) => toLambdaRecord(r, this.streamArn)),
        })) as DynamoDBBatchResponse | null;
        const failures = this.mapping.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
        if (failures.length > 0) {
          const failedSequences = new Set(failures.map((f) => f.itemIdentifier));
          const index = pending.findIndex((r) => failedSequences.has(r.dynamodb?.SequenceNumber ?? ''));
          failedFrom = index === -1 ? 0 : index;
        }
      } catch (error) {
        this.onError(error);
        failedFrom = 0;
      }
      const succeeded = failedFrom === undefined ? pending : pending.slice(0, failedFrom);
      const last = succeeded.at(-1)?.dynamodb?.SequenceNumber;
      if (last) shard.checkpoint = last;
      if (failedFrom === undefined) return;
      pending = pending.slice(failedFrom);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async run(): Promise<void> {
    let lastDiscovery = 0;
    while (this.running) {
      if (this.held) {
        this.parked?.();
        this.parked = undefined;
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
        continue;
      }
      try {
        if (Date.now() - lastDiscovery > 5_000 || [...this.shards.values()].every((s) => s.closed)) {
          await this.discoverShards();
          lastDiscovery = Date.now();
        }
        let sawRecords = false;
        for (const shard of this.shards.values()) {
          if (!this.running || !this.readable(shard)) continue;
          const records = await this.readBatch(shard);
          if (records.length === 0) continue;
          sawRecords = true;
          await this.deliver(shard, records);
        }
        if (!sawRecords) await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      } catch (error) {
        this.onError(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
