import { createEventStore } from '#adapters/event-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { httpHandler, validate } from '#commons/http.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { nurture } from '#config/nurture.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import * as z from '#core/zod.ts';
import { recordClick, type ClickPorts } from './links.ts';

const id = () => z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'not an id of the nurture config'));
const linkSchema = z.object({
  leadId: leadIdSchema,
  programId: id(),
  cycle: z.coerce.number().check(z.int(), z.nonnegative()),
  stepId: id(),
  linkId: id(),
  exp: z.coerce.number().check(z.int(), z.nonnegative()),
  sig: z.string().check(z.minLength(1), z.maxLength(128)),
});

/** GET /v1/nurture/{leadId}/{programId}/{cycle}/{stepId}/{linkId}: the click is recorded, the reader redirected. */
export function clickHandler(ports: ClickPorts) {
  return httpHandler(async (event) => {
    const { sig, ...link } = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
    const url = await recordClick(link, sig, ports);
    return { statusCode: 302, headers: { location: url, 'cache-control': 'no-store' }, body: '' };
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { getNurtureProfile } = createNurtureStore({ client: dynamodb, leadsTable, onConsumed });
const { putEventOnce } = createEventStore({ client: dynamodb, eventsTable, onConsumed });

export const handler = clickHandler({ now: () => new Date(), linkSigningKey: getLinkSigningKey, config: nurture, getNurtureProfile, putEventOnce });

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
