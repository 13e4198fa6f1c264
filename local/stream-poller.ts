import { randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { localCredentials } from './dynamodb.ts';
import { anyFilter, type RecordFilter } from './event-filter.ts';
import { functionArn, LOCAL_REGION, type LocalStreamMapping } from './template.ts';

/**
 * Stands in for Lambda's event source mapping on a DynamoDB stream: reads each
 * shard in order and calls the function with the same DynamoDBStreamEvent
 * shape, batch size and batching window. A failing batch is handled the way
 * the mapping in the template says: partial batch responses, bisection on
 * error, bounded retries, a maximum record age, then the batch's failure
 * metadata goes to the on-failure destination and the shard moves on.
 */

export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

const IDLE_POLL_MS = 100;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/**
 * DynamoDB Local's stream hands an empty map back without its type: `{}`
 * where AWS sends `{"M":{}}`, at any depth (seen on the wire, not a client
 * quirk). An attribute value always has exactly one member, so `{}` can only
 * be that empty map. Everything else comes back typed (empty lists included)
 * and is left as it is.
 */
export function repairAttributeValue(value: AttributeValue): AttributeValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) return value;
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M !== undefined) return { M: repairImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(repairAttributeValue) };
  return value;
}

/** An item image (Keys, NewImage, OldImage) with every untyped empty map typed again. */
export function repairImage(image: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repairAttributeValue(value)]));
}

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const image = (i: Record<string, AttributeValue>) => repairImage(i) as StreamImage;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(d.ApproximateCreationDateTime && { ApproximateCreationDateTime: Math.floor(d.ApproximateCreationDateTime.getTime() / 1000) }),
      ...(d.Keys && { Keys: image(d.Keys) }),
      ...(d.NewImage && { NewImage: image(d.NewImage) }),
      ...(d.OldImage && { OldImage: image(d.OldImage) }),
      SequenceNumber: d.SequenceNumber!,
      SizeBytes: d.SizeBytes!,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  };
}

/**
 * What Lambda sends to a stream mapping's on-failure destination: metadata
 * about the records given up on (shard, sequence-number range), not the records.
 */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord?: string;
    approximateArrivalOfLastRecord?: string;
    batchSize: number;
    streamArn: string;
  };
}

/** How one invocation went: undefined when every record succeeded. */
export interface InvocationFailure {
  /** index of the first record to retry (the lowest reported, or 0) */
  failedFrom: number;
  /** the function threw (a function error), rather than reporting failed items */
  functionError: boolean;
}

export interface DeliveryPolicy {
  bisectOnError: boolean;
  /** -1: no limit */
  maxRetryAttempts: number;
  /** -1: no limit */
  maxRecordAgeSeconds: number;
}

export interface SetAside<R> {
  records: R[];
  condition: StreamFailureRecord['requestContext']['condition'];
  invocations: number;
  functionError: boolean;
}

export interface DeliveryHooks<R> {
  /** the function is done with every record up to and including this one */
  checkpoint: (record: R) => void;
  /** these records are given up on, after this many invocations */
  setAside: (batch: SetAside<R>) => void | Promise<void>;
  /** when the record was written (ms since the epoch), for the maximum record age */
  writtenAt: (record: R) => number | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  running: () => boolean;
}

/**
 * The retry logic of a stream event source mapping, for one batch read from
 * a shard, in shard order. A failed invocation checkpoints the records before
 * the first failure; the rest is:
 * - with bisection, and more than one record left: split in two halves, each
 *   delivered in turn (a split is not a retry); a partial response that
 *   narrows the batch counts as such a split;
 * - otherwise retried, after a short backoff, until `maxRetryAttempts` retries
 *   have failed, or until its first record is older than `maxRecordAgeSeconds`:
 *   then it is set aside and the shard moves on.
 * With no limits at all a failing record is retried for as long as it fails,
 * as Lambda would until the stream trims it.
 */
export async function deliverBatch<R>(
  records: readonly R[],
  policy: DeliveryPolicy,
  call: (records: readonly R[]) => Promise<InvocationFailure | undefined>,
  hooks: DeliveryHooks<R>,
): Promise<void> {
  const pending: { records: readonly R[]; invocations: number }[] = [{ records, invocations: 0 }];
  while (pending.length > 0 && hooks.running()) {
    const batch = pending.shift()!;
    const failure = await call(batch.records);
    const invocations = batch.invocations + 1;
    if (!failure) {
      hooks.checkpoint(batch.records.at(-1)!);
      continue;
    }
    const failedFrom = Math.min(Math.max(failure.failedFrom, 0), batch.records.length - 1);
    if (failedFrom > 0) hooks.checkpoint(batch.records[failedFrom - 1]!);
    const rest = batch.records.slice(failedFrom);
    if (policy.bisectOnError && failedFrom > 0) {
      pending.unshift({ records: rest, invocations: 0 });
      continue;
    }
    if (policy.bisectOnError && rest.length > 1) {
      const half = Math.ceil(rest.length / 2);
      pending.unshift({ records: rest.slice(0, half), invocations: 0 }, { records: rest.slice(half), invocations: 0 });
      continue;
    }
    const retries = invocations - 1;
    const writtenAt = hooks.writtenAt(rest[0]!);
    const tooOld = policy.maxRecordAgeSeconds >= 0 && writtenAt !== undefined && hooks.now() - writtenAt > policy.maxRecordAgeSeconds * 1000;
    if (tooOld || (policy.maxRetryAttempts >= 0 && retries >= policy.maxRetryAttempts)) {
      await hooks.setAside({ records: rest, condition: tooOld ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted', invocations, functionError: failure.functionError });
      hooks.checkpoint(rest.at(-1)!);
      continue;
    }
    await hooks.sleep(Math.min(FIRST_BACKOFF_MS * 2 ** retries, MAX_BACKOFF_MS));
    pending.unshift({ records: rest, invocations });
  }
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  /** last sequence number the function processed successfully */
  checkpoint?: string;
  iterator?: string;
  closed: boolean;
}

/** Where failure records go: the on-failure destination's logical id and the message. */
export type FailureDestination = (destination: string, message: StreamFailureRecord) => void;

/** Told of each GetRecords call that answered (a streams read request on AWS), with how many records it returned. */
export type StreamReadObserver = (records: number) => void;

export class StreamPoller {
  private readonly client: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop?: Promise<void>;
  private readonly mapping: LocalStreamMapping;
  private readonly streamArn: string;
  private readonly invoke: Invoke;
  private readonly onError: (error: unknown) => void;
  private readonly onFailure: FailureDestination;
  private readonly onRead: StreamReadObserver | undefined;
  /** the mapping's FilterCriteria: records none matches never reach the function */
  private readonly accepts: RecordFilter;
  /** records handed to the function so far (including retries); for diagnostics */
  delivered = 0;
  private held = false;
  private parked: (() => void) | undefined;

  constructor(
    endpoint: string,
    mapping: LocalStreamMapping,
    streamArn: string,
    invoke: Invoke,
    onError: (error: unknown) => void,
    onFailure: FailureDestination,
    onRead?: StreamReadObserver,
  ) {
    this.client = new DynamoDBStreamsClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials });
    this.mapping = mapping;
    this.streamArn = streamArn;
    this.invoke = invoke;
    this.onError = onError;
    this.onFailure = onFailure;
    this.onRead = onRead;
    this.accepts = anyFilter(mapping.filterPatterns);
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
      this.onRead?.(response.Records?.length ?? 0);
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

  /** One invocation; a thrown error or reported items are a failure from the first failed record. */
  private async call(records: readonly _Record[]): Promise<InvocationFailure | undefined> {
    this.delivered += records.length;
    let response: DynamoDBBatchResponse | null;
    try {
      response = (await this.invoke(this.mapping.functionLogicalId, {
        Records: records.map((r) => toLambdaRecord(r, this.streamArn)),
      })) as DynamoDBBatchResponse | null;
    } catch (error) {
      this.onError(error);
      return { failedFrom: 0, functionError: true };
    }
    const failures = this.mapping.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    if (failures.length === 0) return undefined;
    // The lowest reported sequence number is the checkpoint; an identifier that names no record fails the whole batch.
    const failedSequences = new Set(failures.map((f) => f.itemIdentifier));
    const indexes = records.flatMap((r, i) => (failedSequences.has(r.dynamodb?.SequenceNumber ?? '') ? [i] : []));
    const failedFrom = indexes.length === failedSequences.size ? Math.min(...indexes) : 0;
    return { failedFrom, functionError: false };
  }

  private failureRecord(shard: ShardState, batch: SetAside<_Record>): StreamFailureRecord {
    const first = batch.records[0]?.dynamodb;
    const last = batch.records.at(-1)?.dynamodb;
    return {
      requestContext: {
        requestId: randomUUID(),
        functionArn: functionArn(this.mapping.functionLogicalId),
        condition: batch.condition,
        approximateInvokeCount: batch.invocations,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(batch.functionError && { functionError: 'Unhandled' }) },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: shard.shardId,
        startSequenceNumber: first?.SequenceNumber ?? '',
        endSequenceNumber: last?.SequenceNumber ?? '',
        ...(first?.ApproximateCreationDateTime && { approximateArrivalOfFirstRecord: first.ApproximateCreationDateTime.toISOString() }),
        ...(last?.ApproximateCreationDateTime && { approximateArrivalOfLastRecord: last.ApproximateCreationDateTime.toISOString() }),
        batchSize: batch.records.length,
        streamArn: this.streamArn,
      },
    };
  }

  private deliver(shard: ShardState, records: _Record[]): Promise<void> {
    return deliverBatch(records, this.mapping, (batch) => this.call(batch), {
      checkpoint: (record) => {
        if (record.dynamodb?.SequenceNumber) shard.checkpoint = record.dynamodb.SequenceNumber;
      },
      setAside: (batch) => {
        // Without a destination, Lambda discards the records: the runtime still hears of it.
        this.onFailure(this.mapping.onFailureDestination ?? '', this.failureRecord(shard, batch));
      },
      writtenAt: (record) => record.dynamodb?.ApproximateCreationDateTime?.getTime(),
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      running: () => this.running,
    });
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
          // Lambda's event filtering: a record no filter matches is dropped, neither delivered nor retried
          const kept = records.filter((record) => this.accepts(toLambdaRecord(record, this.streamArn)));
          if (kept.length > 0) await this.deliver(shard, kept);
          if (this.running && records.at(-1)!.dynamodb?.SequenceNumber) shard.checkpoint = records.at(-1)!.dynamodb!.SequenceNumber;
        }
        if (!sawRecords) await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      } catch (error) {
        this.onError(error);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
