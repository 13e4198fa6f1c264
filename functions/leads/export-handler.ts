import { createErasureStore } from '#adapters/erasure-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { httpHandler, json, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { teams } from '#config/index.ts';
import { nurture } from '#config/nurture.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import * as z from '#core/zod.ts';
import type { ErasedProfile } from './forget-lead.ts';
import { exportLead, type ExportPorts } from './export-lead.ts';

export interface ExportHandlerPorts extends ExportPorts, KeyLookup {}

const byIdSchema = z.object({ leadId: leadIdSchema });
/** where a page of the export starts (its `page.next` says): a position in the person's events */
const pageSchema = z.object({
  eventsFrom: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,9}$/, 'must be a whole number from 0 (the page.next of the page before)')), z.transform(Number))),
});

/** Everything held about a person, as JSON in pages (GET /v1/leads/{leadId}/export[?eventsFrom=n], server key). */
export function exportHandler(ports: ExportHandlerPorts) {
  const requireServerKey = serverKeyCheck(ports);
  return httpHandler(async (event) => {
    await requireServerKey(event);
    const { leadId } = validate(byIdSchema, event.pathParameters ?? {});
    const { eventsFrom } = validate(pageSchema, event.queryStringParameters ?? {});
    return json(200, await exportLead(leadId, ports, eventsFrom === undefined ? {} : { eventsFrom }), { 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${leadId}.json"` });
  });
}

// Wiring, once per cold start: settings → adapters → ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const store = createErasureStore({ client: dynamodb, leadsTable, eventsTable, onConsumed: meter.onConsumed });
const { findKey } = createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
export const handler = exportHandler({
  context: { teamIds: teams.teams.map((team) => team.id), nurture },
  findKey,
  getProfile: async (leadId) => (await store.getProfile(leadId)) as ErasedProfile | undefined,
  leadItems: store.leadItems,
  getItems: store.getItems,
  getEvents: store.getEvents,
  now: () => new Date(),
});

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
