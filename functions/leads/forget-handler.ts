import { createKeys } from '#adapters/keys.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { httpHandler, json, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { teams } from '#config/index.ts';
import { nurture } from '#config/nurture.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import * as z from '#core/zod.ts';
import { forgetLead, type ForgetPorts } from './forget-lead.ts';
import { forgetPorts } from './forget-ports.ts';

export interface ForgetHandlerPorts extends ForgetPorts, KeyLookup {}

const byIdSchema = z.object({ leadId: leadIdSchema });

/**
 * Erases a person (DELETE /v1/leads/{leadId}, server key): 200 once nothing
 * of them is left, 202 while more is left than one call erases (send the
 * same DELETE again to go on), 404 for a lead never known.
 */
export function forgetHandler(ports: ForgetHandlerPorts) {
  const requireServerKey = serverKeyCheck(ports);
  return httpHandler(async (event) => {
    const key = await requireServerKey(event);
    const { leadId } = validate(byIdSchema, event.pathParameters ?? {});
    const result = await forgetLead({ leadId }, ports);
    // who erased whom is kept in the logs, never what was erased
    logger.info('lead erased', { leadId, status: result.status, deleted: result.deleted, keySource: key.sourceId });
    return json(result.status === 'erased' ? 200 : 202, result, { 'cache-control': 'no-store' });
  });
}

// Wiring, once per cold start: settings → adapters → ports.
const settings = readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn', 'nurtureStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { findKey } = createKeys({ client: dynamodb, leadsTable: settings.leadsTable, onConsumed: meter.onConsumed });
export const handler = forgetHandler({
  ...forgetPorts({ ...settings, client: dynamodb, sfn, context: { teamIds: teams.teams.map((team) => team.id), nurture }, onConsumed: meter.onConsumed }),
  findKey,
});

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
