import type { DynamoDBRecord } from 'aws-lambda';
import { replayOutcome, type ParkedBatch, type ParkedEvent, type ReplayOutcome } from '#core/failed-records.ts';

export interface FailedRecordsPorts {
  /** the batches the stream set aside (the on-failure queue) */
  parked: () => Promise<ParkedBatch[]>;
  /**
   * the stream records of a parked batch, each with its event as the events
   * table holds it now (an event fixed since is replayed as fixed; one erased
   * is left out); undefined when the stream no longer has them
   */
  records: (batch: ParkedBatch) => Promise<{ records: DynamoDBRecord[]; events: ParkedEvent[] } | undefined>;
  /** runs the scoring function on records, as the stream does; answers the sequence numbers that failed (all, when it threw) */
  score: (records: DynamoDBRecord[]) => Promise<string[]>;
  /** takes a batch out of the parking: it was applied */
  unpark: (batch: ParkedBatch) => Promise<void>;
  /** puts a batch back as it was (another replay may try it) */
  keep: (batch: ParkedBatch) => Promise<void>;
}

export interface ParkedListing {
  batch: ParkedBatch;
  /** undefined when the stream no longer has the records */
  events: ParkedEvent[] | undefined;
}

/** Every parked batch, with the events it holds. */
export async function listParked(ports: Pick<FailedRecordsPorts, 'parked' | 'records'>): Promise<ParkedListing[]> {
  const listed: ParkedListing[] = [];
  for (const batch of await ports.parked()) listed.push({ batch, events: (await ports.records(batch))?.events });
  return listed;
}

/**
 * Replays parked batches (all, or the one with `id`) through scoring, each
 * once: its records are read again from the stream, with their events as
 * stored now, and given to the scoring function in one invocation. A batch
 * whose every record is applied leaves the parking; one with a record that
 * fails again stays. Scoring applies an event once (its marker), so a replay
 * of what was applied meanwhile, or a second replay, changes nothing.
 */
export async function replayParked(ports: FailedRecordsPorts, id?: string): Promise<{ batch: ParkedBatch; result: ReplayOutcome }[]> {
  const results: { batch: ParkedBatch; result: ReplayOutcome }[] = [];
  for (const batch of await ports.parked()) {
    if (id !== undefined && batch.id !== id) {
      await ports.keep(batch);
      continue;
    }
    const read = await ports.records(batch);
    if (!read) {
      await ports.keep(batch);
      results.push({ batch, result: { outcome: 'expired' } });
      continue;
    }
    const failed = read.records.length === 0 ? [] : await ports.score(read.records);
    const result = replayOutcome(
      read.records.map((r) => r.dynamodb?.SequenceNumber ?? ''),
      failed,
    );
    if (result.outcome === 'replayed') await ports.unpark(batch);
    else await ports.keep(batch);
    results.push({ batch, result });
  }
  return results;
}
