import { getFunnelCounters } from '#adapters/lead-store.ts';
import { requireServerKey } from '#commons/auth.ts';
import { httpHandler, json } from '#commons/http.ts';
import { funnelReport } from '#core/funnel.ts';

/** The funnel: how many leads reached each stage and are in it now, read from counters, never a scan. */
export const handler = httpHandler(async (event) => {
  await requireServerKey(event);
  return json(200, funnelReport(await getFunnelCounters()));
});
