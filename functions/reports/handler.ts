import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { serverKeyCheck } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { httpHandler, json } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { funnelReport } from '#core/funnel.ts';

const { leadsTable } = readSettings(['leadsTable']);
const { getFunnelCounters } = createLeadStore({ client: dynamodb, leadsTable });
const requireServerKey = serverKeyCheck(createKeys({ client: dynamodb, leadsTable }));

/** The funnel: how many leads reached each stage and are in it now, read from counters, never a scan. */
export const handler = httpHandler(async (event) => {
  await requireServerKey(event);
  return json(200, funnelReport(await getFunnelCounters()));
});
