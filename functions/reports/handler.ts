import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { httpHandler, json } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { readFunnel, type FunnelPorts } from './funnel.ts';

/** GET /v1/reports/funnel, server key only. */
export function funnelHandler(ports: FunnelPorts, keys: KeyLookup) {
  const requireServerKey = serverKeyCheck(keys);
  return httpHandler(async (event) => {
    await requireServerKey(event);
    return json(200, await readFunnel(ports));
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { getFunnelCounters } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });

export const handler = funnelHandler({ getFunnelCounters }, createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed }));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
