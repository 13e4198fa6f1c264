import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createJourneyRunner } from '#adapters/journey-runner.ts';
import { createLeadHistory } from '#adapters/lead-history.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { readSettings } from '#commons/settings.ts';
import { scoringModel } from '#config/index.ts';
import type { EventRecord } from '#core/records.ts';
import { applyEventRecords, type ApplyEventsPorts } from './apply-events.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable, journeyStateMachineArn } = readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn']);
const leads = createLeadStore({ client: dynamodb, leadsTable });
const history = createLeadHistory({ client: dynamodb, leadsTable, eventsTable });
const { startJourney } = createJourneyRunner({ sfn, journeyStateMachineArn });
const { resumeJourney } = createTaskCallbacks({ sfn });

const ports: ApplyEventsPorts = {
  model: scoringModel,
  getLead: leads.getLead,
  resolveIdentities: leads.resolveIdentities,
  appliedMessageIds: leads.appliedMessageIds,
  saveLead: leads.saveLead,
  clearJourneyPending: leads.clearJourneyPending,
  startJourney,
  recordOutcome: leads.recordOutcome,
  resumeJourney,
  now: () => new Date().toISOString(),
  leadEventIds: history.leadEventIds,
  trackingEvents: history.trackingEvents,
  addMarkersAndLinks: leads.addMarkersAndLinks,
  retireLead: leads.retireLead,
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
