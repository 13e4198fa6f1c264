/**
 * Stream records scoring set aside: what the event source mapping sends to
 * its on-failure destination (the records' shard and sequence-number range,
 * not the records), described for a person, and what a replay of them means.
 * Pure.
 */

/** Lambda's on-failure message for a stream batch (the SQS message body on AWS; the local runtime keeps the same). */
export interface StreamFailure {
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

/** One parked batch: its failure message, and how its holder takes it back (an SQS receipt handle; locally its id). */
export interface ParkedBatch {
  id: string;
  failure: StreamFailure;
  handle: string;
}

/** An event a parked batch holds, as far as the list shows it. */
export interface ParkedEvent {
  sequenceNumber: string;
  messageId: string;
  /** the event's kind and type (`tracking/identify`, `outcome`), when its item is still there */
  type?: string;
  /** who it is about: the lead, the email, or the anonymous id, when the item says */
  about?: string;
  /** false when the event's item is gone from the events table (erased): nothing to replay */
  stored: boolean;
}

/** Why the stream gave up, in words. */
export function whyParked(failure: StreamFailure): string {
  const { condition, approximateInvokeCount } = failure.requestContext;
  const threw = failure.responseContext.functionError !== undefined ? 'the function threw' : 'the function reported the records failed';
  const tries = `${approximateInvokeCount} invocation${approximateInvokeCount === 1 ? '' : 's'}`;
  if (condition === 'RecordAgeExceeded') return `too old to retry (the mapping's maximum record age) after ${tries}; ${threw}`;
  return `retries exhausted after ${tries}; ${threw}`;
}

/** Whether a stream sequence number is within a parked batch's range (numbers of any length, compared as integers). */
export function inParkedRange(sequenceNumber: string, failure: Pick<StreamFailure, 'DDBStreamBatchInfo'>): boolean {
  const n = BigInt(sequenceNumber);
  return n >= BigInt(failure.DDBStreamBatchInfo.startSequenceNumber) && n <= BigInt(failure.DDBStreamBatchInfo.endSequenceNumber);
}

/** A parked batch in one line: when, how many, where, why. */
export function describeParked(batch: ParkedBatch): string {
  const info = batch.failure.DDBStreamBatchInfo;
  const range = info.startSequenceNumber === info.endSequenceNumber ? info.startSequenceNumber : `${info.startSequenceNumber}–${info.endSequenceNumber}`;
  return `${batch.id}  parked ${batch.failure.timestamp}  ${info.batchSize} record(s), shard ${info.shardId}, sequence ${range}  (${whyParked(batch.failure)})`;
}

/** What one replay of a parked batch came to. */
export type ReplayOutcome =
  /** every record was applied (or had been): the batch leaves the parking */
  | { outcome: 'replayed'; applied: number }
  /** some record failed again: the batch stays parked */
  | { outcome: 'failed-again'; failed: string[] }
  /** the stream no longer holds the records (kept 24 hours): the batch stays parked; `leadloop rescore` applies every stored event */
  | { outcome: 'expired' };

/** The verdict on a replay: the sequence numbers scoring reported failed (all of them when it threw). */
export function replayOutcome(replayed: readonly string[], failed: readonly string[]): ReplayOutcome {
  const failedHere = failed.filter((seq) => replayed.includes(seq));
  return failedHere.length > 0 ? { outcome: 'failed-again', failed: failedHere } : { outcome: 'replayed', applied: replayed.length };
}
