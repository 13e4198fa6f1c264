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
import { streamHandler } from '#commons/stream.ts';
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

/** What the stream's consumer relies on: an item the event store wrote has its messageId and kind. */
function isStoredEvent(item: Record<string, unknown>): item is Record<string, unknown> & EventRecord {
  return typeof item.messageId === 'string' && (item.kind === 'tracking' || item.kind === 'outcome');
}

/**
 * Consumes the events table's stream: new events are applied to their leads.
 * Every record that could not be applied is reported, and only those (see
 * streamHandler). The event source mapping retries from the first reported
 * record; records applied before are not applied twice because each event
 * leaves a marker.
 */
export const handler = streamHandler<EventRecord>({
  read: (item) => {
    if (!isStoredEvent(item)) throw new Error('not a stored event: it needs a messageId and a kind (tracking or outcome)');
    return item;
  },
  apply: async (records) => {
    const { failedMessageIds } = await applyEventRecords(records, ports);
    return records.filter((record) => failedMessageIds.has(record.messageId));
  },
});
