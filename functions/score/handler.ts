import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventRecord } from '#adapters/event-store.ts';
import { startJourney } from '#adapters/journey-runner.ts';
import { resumeJourney } from '#adapters/task-callbacks.ts';
import { leadEventIds, trackingEvents } from '#adapters/lead-history.ts';
import {
  addMarkersAndLinks,
  appliedMessageIds,
  clearJourneyPending,
  getLead,
  recordOutcome,
  resolveIdentities,
  retireLead,
  saveLead,
} from '#adapters/lead-store.ts';
import { logger } from '#commons/logger.ts';
import { scoringModel } from '#config/index.ts';
import { applyEventRecords } from './apply-events.ts';

const ports = {
  model: scoringModel,
  getLead,
  resolveIdentities,
  appliedMessageIds,
  saveLead,
  clearJourneyPending,
  startJourney,
  recordOutcome,
  resumeJourney,
  now: () => new Date().toISOString(),
  leadEventIds,
  trackingEvents,
  addMarkersAndLinks,
  retireLead,
  log: (message: string, details: Record<string, unknown>) => logger.warn(message, details),
};

/**
 * Consumes the events table's stream: new events are applied to their leads.
 * Every record that could not be applied is reported (by its sequence number),
 * and only those: a record whose image cannot be read is reported on its own
 * while the others are applied. The event source mapping retries from the
 * first reported record; records applied before are not applied twice because
 * each event leaves a marker. A failure that belongs to no one record is
 * thrown, so the mapping bisects the batch until the record causing it stands
 * alone (docs/decisions.md, "The stream isolates a failing record").
 */
async function scoreStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const failed = new Set<string>();
  const parsed: { sequenceNumber: string; record: EventRecord }[] = [];
  for (const r of event.Records) {
    if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) continue;
    const sequenceNumber = r.dynamodb.SequenceNumber!;
    try {
      const record = unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>) as EventRecord;
      if (typeof record.messageId !== 'string' || (record.kind !== 'tracking' && record.kind !== 'outcome')) {
        throw new Error('not a stored event: it needs a messageId and a kind (tracking or outcome)');
      }
      parsed.push({ sequenceNumber, record });
    } catch (error) {
      logger.error('a stream record could not be read', { sequenceNumber, eventID: r.eventID, error: String(error) });
      failed.add(sequenceNumber);
    }
  }
  const { failedMessageIds } = await applyEventRecords(
    parsed.map((p) => p.record),
    ports,
  );
  for (const { sequenceNumber, record } of parsed) if (failedMessageIds.has(record.messageId)) failed.add(sequenceNumber);
  // in stream order; the mapping takes the lowest as its checkpoint
  const batchItemFailures = event.Records.flatMap((r) => (failed.has(r.dynamodb?.SequenceNumber ?? '') ? [{ itemIdentifier: r.dynamodb!.SequenceNumber! }] : []));
  return { batchItemFailures };
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(scoreStream);
