import { createActivityStore } from '#adapters/activity-store.ts';
import { createDecisions } from '#adapters/decisions.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { html, httpHandler, rawBody, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { feedback, repCalendars, serviceAgreement } from '#config/index.ts';
import { renderContactPage } from '#core/contact-page.ts';
import { decisionForm, renderDecisionPage } from '#core/emails.ts';
import type { FeedbackConfig } from '#core/feedback.ts';
import { feedbackForm } from '#core/feedback-page.ts';
import { escapeHtml } from '#core/html.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import { handoffActions } from '#core/links.ts';
import * as z from '#core/zod.ts';
import { answerHandoff, type AnswerHandoffPorts, type HandoffAnswer } from './answer-handoff.ts';
import { logContact, type LogContactPorts } from './log-contact.ts';

/** What the hand-off links need: deciding, logging contact, and the reason boxes of the feedback asked for next. */
export interface HandoffLinkPorts extends AnswerHandoffPorts, LogContactPorts {
  feedbackConfig: FeedbackConfig;
}

const linkSchema = z.object({
  leadId: leadIdSchema,
  cycle: z.coerce.number().check(z.int(), z.positive()),
  action: z.enum(handoffActions),
  rep: z.string().check(z.minLength(1), z.maxLength(64)),
  exp: z.coerce.number().check(z.int(), z.nonnegative()),
  sig: z.string().check(z.minLength(1), z.maxLength(128)),
});

/**
 * After a decision that stands: the feedback on it, asked for at once. Just
 * recorded, the form itself (posting to its own signed link); seen again, a
 * link to the feedback page (which shows the feedback if it was given).
 */
function feedbackAfter(answer: HandoffAnswer, config: FeedbackConfig): string {
  if (!answer.feedbackUrl) return '';
  const occasion = answer.request.kind;
  if (answer.verdict.kind === 'recorded') {
    return `<h2>Your feedback on this lead</h2>${feedbackForm(occasion, config, answer.feedbackUrl)}`;
  }
  return `<p><a href="${escapeHtml(answer.feedbackUrl)}">Your feedback on this lead</a></p>`;
}

/**
 * Links from the hand-off email (GET shows what the link will do, the page's
 * button POSTs it); every page reports what is stored. Accept and reject
 * decide the hand-off; "contacted" logs the rep's first contact.
 */
export function handoffLinkHandler(ports: HandoffLinkPorts) {
  return httpHandler(async (event) => {
    const params = validate(linkSchema, { ...event.pathParameters, ...event.queryStringParameters });
    const posted = event.requestContext.http.method === 'POST';
    const form = posted ? new URLSearchParams(rawBody(event)) : undefined;
    const target = { leadId: params.leadId, cycle: params.cycle, repId: params.rep, exp: params.exp };
    if (params.action === 'contacted') {
      const view = await logContact({ link: { ...target, action: 'contacted' }, signature: params.sig, ...(form && { form }) }, ports);
      const page = renderContactPage(view);
      return html(page.statusCode, page.html);
    }
    const answer = await answerHandoff(
      {
        link: { ...target, action: params.action },
        signature: params.sig,
        posted,
        reason: form?.get('reason') ?? undefined,
        recontact: form?.get('recontact') ?? undefined,
      },
      ports,
    );
    const page = renderDecisionPage(answer.verdict, answer.request, decisionForm(answer.request.kind), feedbackAfter(answer, ports.feedbackConfig));
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
const { recordActivity } = createActivityStore({ client: dynamodb, leadsTable, eventsTable, sales: serviceAgreement.sales, calendars: repCalendars, onConsumed });
const ports: HandoffLinkPorts = {
  now: () => new Date(),
  linkSigningKey: getLinkSigningKey,
  getLead,
  getCycle,
  recordDecision,
  recordActivity: (record) => recordActivity(record),
  feedbackConfig: feedback,
};

export const handler = handoffLinkHandler(ports);

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
