import { createDecisions } from '#adapters/decisions.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { html, httpHandler, rawBody, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { decisionForm, renderDecisionPage } from '#core/emails.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import { handoffActions } from '#core/links.ts';
import * as z from '#core/zod.ts';
import { answerHandoff, type AnswerHandoffPorts } from './answer-handoff.ts';

const linkSchema = z.object({
  leadId: leadIdSchema,
  cycle: z.coerce.number().check(z.int(), z.positive()),
  action: z.enum(handoffActions),
  rep: z.string().check(z.minLength(1), z.maxLength(64)),
  sig: z.string().check(z.minLength(1), z.maxLength(128)),
});

/**
 * Links from the hand-off email (GET shows what the link will do, the page's
 * button POSTs the decision); every page reports what is stored.
 */
export function handoffLinkHandler(ports: AnswerHandoffPorts) {
  return httpHandler(async (event) => {
    const params = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
    const posted = event.requestContext.http.method === 'POST';
    const { verdict, request } = await answerHandoff(
      {
        link: { leadId: params.leadId, cycle: params.cycle, repId: params.rep, action: params.action },
        signature: params.sig,
        posted,
        reason: posted ? (new URLSearchParams(rawBody(event)).get('reason') ?? undefined) : undefined,
      },
      ports,
    );
    const page = renderDecisionPage(verdict, request, decisionForm(request.kind));
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
const { recordDecision } = createDecisions({ client: dynamodb, leadsTable, eventsTable, onConsumed });
const ports: AnswerHandoffPorts = { now: () => new Date(), linkSigningKey: getLinkSigningKey, getLead, getCycle, recordDecision };

export const handler = handoffLinkHandler(ports);

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
