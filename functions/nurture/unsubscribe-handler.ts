import { createKeys } from '#adapters/keys.ts';
import { createNurtureRunner } from '#adapters/nurture-runner.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { html, httpHandler, validate } from '#commons/http.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import * as z from '#core/zod.ts';
import { unsubscribe, type UnsubscribePorts } from './links.ts';

const linkSchema = z.object({
  leadId: leadIdSchema,
  exp: z.coerce.number().check(z.int(), z.nonnegative()),
  sig: z.string().check(z.minLength(1), z.maxLength(128)),
});

/**
 * GET /v1/unsubscribe/{leadId}: the confirmation page; POST: unsubscribe,
 * from the page's button or a mail client's one-click (List-Unsubscribe-Post).
 */
export function unsubscribeHandler(ports: UnsubscribePorts) {
  return httpHandler(async (event) => {
    const params = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
    const posted = event.requestContext.http.method === 'POST';
    const page = await unsubscribe({ leadId: params.leadId, exp: params.exp }, params.sig, posted, ports);
    return html(page.statusCode, page.html);
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, nurtureStateMachineArn } = readSettings(['leadsTable', 'nurtureStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const store = createNurtureStore({ client: dynamodb, leadsTable, onConsumed });
const { stopNurture } = createNurtureRunner({ sfn, nurtureStateMachineArn, client: dynamodb, leadsTable, onConsumed });

export const handler = unsubscribeHandler({
  now: () => new Date(),
  linkSigningKey: getLinkSigningKey,
  getNurtureProfile: store.getNurtureProfile,
  suppress: store.suppress,
  suppressionOf: store.suppressionOf,
  stopNurture,
});

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
