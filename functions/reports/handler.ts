import { getFunnelCounters } from '#adapters/lead-store.ts';
import { requireServerKey } from '#commons/auth.ts';
import { httpHandler, json } from '#commons/http.ts';
import { readFunnel, type FunnelPorts } from './funnel.ts';

/** GET /v1/reports/funnel, server key only. */
export function funnelHandler(ports: FunnelPorts) {
  return httpHandler(async (event) => {
    await requireServerKey(event);
    return json(200, await readFunnel(ports));
  });
}

// wiring
const ports: FunnelPorts = { getFunnelCounters };

export const handler = funnelHandler(ports);
