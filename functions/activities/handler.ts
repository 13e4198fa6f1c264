import { createActivityStore } from '#adapters/activity-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { httpHandler, json, parseStorableJsonBody, validate } from '#commons/http.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { repCalendars, serviceAgreement } from '#config/index.ts';
import { activitySchema } from '#core/activities.ts';
import { leadByQuery } from '../leads/find-lead.ts';
import { recordActivity, type RecordActivityPorts } from './record-activity.ts';

/** An activity is a few fields: a body past this is not one. */
export const ACTIVITY_LIMIT_BYTES = 16 * 1024;

export interface ActivitiesHandlerPorts extends RecordActivityPorts, KeyLookup {}

/**
 * `POST /v1/activities` (server key): what a rep did for a lead (a call, an
 * email, a meeting). 201 when stored, 200 when this activityId was stored
 * before (nothing changes); 400 naming the field, 404 for an unknown lead.
 */
export function activitiesHandler(ports: ActivitiesHandlerPorts) {
  const requireServerKey = serverKeyCheck(ports, 'report outcomes');
  return httpHandler(async (event) => {
    await requireServerKey(event);
    const activity = validate(activitySchema, parseStorableJsonBody(event, ACTIVITY_LIMIT_BYTES));
    const { status, activity: stored } = await recordActivity(activity, ports);
    return json(status === 'recorded' ? 201 : 200, { status, ...stored });
  });
}

// Wiring, once per cold start: settings → adapters → ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLead, leadIdOf } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const activities = createActivityStore({ client: dynamodb, leadsTable, eventsTable, sales: serviceAgreement.sales, calendars: repCalendars, onConsumed });
const { findKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
export const handler = activitiesHandler({
  now: () => new Date(),
  findKey,
  findLead: (query) => leadByQuery(query, { getLead, leadIdOf }),
  recordActivity: (record) => activities.recordActivity(record),
});

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
