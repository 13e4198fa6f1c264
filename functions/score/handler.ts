import { createActivityStore } from '#adapters/activity-store.ts';
import { createErasureStore } from '#adapters/erasure-store.ts';
import { createJourneyRunner } from '#adapters/journey-runner.ts';
import { createLeadHistory } from '#adapters/lead-history.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createNurtureRunner } from '#adapters/nurture-runner.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, METRIC, publishMetrics } from '#commons/metrics.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { readSettings } from '#commons/settings.ts';
import { streamHandler } from '#commons/stream.ts';
import { campaigns, repCalendars, reportSlicing, scoringModel, serviceAgreement, teams } from '#config/index.ts';
import { nurture } from '#config/nurture.ts';
import { ownerOfRep } from '#core/crm-apply.ts';
import { eventRecordKinds, type EventRecord } from '#core/records.ts';
import { applyEventRecords, type ApplyEventsPorts } from './apply-events.ts';

/** What the stream's consumer relies on: an item the event store wrote has its messageId and kind. */
function isStoredEvent(item: Record<string, unknown>): item is Record<string, unknown> & EventRecord {
  return typeof item.messageId === 'string' && (eventRecordKinds as readonly unknown[]).includes(item.kind);
}

/**
 * Consumes the events table's stream: new events are applied to their leads.
 * Every record that could not be applied is reported, and only those (see
 * streamHandler). The event source mapping retries from the first reported
 * record; records applied before are not applied twice because each event
 * leaves a marker.
 */
export function scoreHandler(ports: ApplyEventsPorts) {
  return streamHandler<EventRecord>({
    read: (item) => {
      if (!isStoredEvent(item)) throw new Error(`not a stored event: it needs a messageId and a kind (${eventRecordKinds.join(', ')})`);
      return item;
    },
    apply: async (records) => {
      const { failedMessageIds } = await applyEventRecords(records, ports);
      return records.filter((record) => failedMessageIds.has(record.messageId));
    },
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable, journeyStateMachineArn, nurtureStateMachineArn } = readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn', 'nurtureStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const leads = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed, slicing: reportSlicing });
const reps = createRepStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const history = createLeadHistory({ client: dynamodb, leadsTable, eventsTable, onConsumed: meter.onConsumed, campaigns });
const activities = createActivityStore({ client: dynamodb, leadsTable, eventsTable, sales: serviceAgreement.sales, calendars: repCalendars, onConsumed: meter.onConsumed });
const { startJourney, stopJourneys } = createJourneyRunner({ sfn, journeyStateMachineArn });
const { resumeJourney } = createTaskCallbacks({ sfn });
const nurtureRunner = createNurtureRunner({ sfn, nurtureStateMachineArn, client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { clearNurturePending } = createNurtureStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const erasure = createErasureStore({ client: dynamodb, leadsTable, eventsTable, onConsumed: meter.onConsumed });

const ports: ApplyEventsPorts = {
  model: scoringModel,
  getLead: leads.getLead,
  resolveIdentities: leads.resolveIdentities,
  appliedMessageIds: leads.appliedMessageIds,
  saveLead: async (update) => {
    const version = await leads.saveLead(update);
    meter.countEvents(update.applied ?? 0);
    return version;
  },
  clearJourneyPending: leads.clearJourneyPending,
  startJourney: async (input) => {
    await startJourney(input);
    metrics.addMetric(METRIC.journeysStarted, MetricUnit.Count, 1);
  },
  recordOutcome: leads.recordOutcome,
  getCycle: leads.getCycle,
  resumeJourney,
  ownerOf: (repId, at) => ownerOfRep(teams, repId, at),
  attribution: { campaigns, touchesOf: async (leadId) => (await history.recentHistory(leadId)).touches, activitiesOf: activities.activitiesOfLead },
  now: () => new Date().toISOString(),
  leadEvents: history.leadEvents,
  trackingEvents: history.trackingEvents,
  linkIdentities: leads.linkIdentities,
  retireLead: leads.retireLead,
  // the absorbed lead's journeys, and its nurture program (a no-op when it is in none)
  stopJourneys: async (leadId, lastCycle) => {
    await stopJourneys(leadId, lastCycle, 'the lead was merged into another lead of the same person');
    await nurtureRunner.stopNurture(leadId, 'merged into another lead');
  },
  closeCycleForMerge: leads.closeCycleForMerge,
  releaseOpen: reps.releaseOpen,
  dropQueued: (leadId, cycle) => reps.dropQueued(teams.teams.map((team) => team.id), leadId, cycle),
  putCycle: leads.putCycle,
  log: (message: string, details: Record<string, unknown>) => logger.warn(message, details),
  nurture: { config: nurture, startNurture: nurtureRunner.startNurture, clearNurturePending, stopEnrollment: nurtureRunner.stopEnrollment },
  erasure: { erasedAmong: erasure.erasedAmong, dropEvents: erasure.deleteEvents },
};

export const handler = scoreHandler(ports);

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
