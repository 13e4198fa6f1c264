import { createFeedbackStore } from '#adapters/feedback-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { html, httpHandler, rawBody, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { feedback } from '#config/index.ts';
import { feedbackOccasions } from '#core/feedback.ts';
import { renderFeedbackPage } from '#core/feedback-page.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import * as z from '#core/zod.ts';
import { giveFeedback, type GiveFeedbackPorts } from './give-feedback.ts';

const linkSchema = z.object({
  leadId: leadIdSchema,
  cycle: z.coerce.number().check(z.int(), z.positive()),
  occasion: z.enum(feedbackOccasions),
  rep: z.string().check(z.minLength(1), z.maxLength(64)),
  exp: z.coerce.number().check(z.int(), z.nonnegative()),
  sig: z.string().check(z.minLength(1), z.maxLength(128)),
});

/**
 * The feedback page of a signed link: GET /v1/feedback/{leadId}/{cycle}/{occasion}
 * shows the form (or the feedback already given), the form POSTs back to it.
 */
export function feedbackHandler(ports: GiveFeedbackPorts) {
  return httpHandler(async (event) => {
    const params = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
    const posted = event.requestContext.http.method === 'POST';
    const view = await giveFeedback(
      {
        link: { leadId: params.leadId, cycle: params.cycle, repId: params.rep, occasion: params.occasion, exp: params.exp },
        signature: params.sig,
        ...(posted && { form: new URLSearchParams(rawBody(event)) }),
      },
      ports,
    );
    const page = renderFeedbackPage(view, ports.feedbackConfig);
    return html(page.statusCode, page.html);
  });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { getCycle, getLead } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { getFeedback, storeFeedback } = createFeedbackStore({ client: dynamodb, leadsTable, eventsTable, onConsumed });
const ports: GiveFeedbackPorts = {
  now: () => new Date(),
  linkSigningKey: getLinkSigningKey,
  feedbackConfig: feedback,
  getLead,
  getCycle,
  getFeedback,
  storeFeedback,
};

export const handler = feedbackHandler(ports);

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
