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
 * A failure reports the first failed record, so the stream retries from there;
 * records before it are not applied twice because each event leaves a marker.
 */
async function scoreStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const inserted = event.Records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage);
  const records = inserted.map((r) => unmarshall(r.dynamodb!.NewImage as Record<string, AttributeValue>) as EventRecord);
  const { failedMessageIds } = await applyEventRecords(records, ports);
  const firstFailed = inserted.find((r, i) => failedMessageIds.has(records[i]!.messageId));
  return { batchItemFailures: firstFailed ? [{ itemIdentifier: firstFailed.dynamodb!.SequenceNumber! }] : [] };
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(scoreStream);
