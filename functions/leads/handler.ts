import { createFeedbackStore } from '#adapters/feedback-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadHistory, readingHistory } from '#adapters/lead-history.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { serverKeyCheck, type KeyLookup } from '#commons/auth.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { httpHandler, json, validate } from '#commons/http.ts';
import { readSettings } from '#commons/settings.ts';
import { campaigns, feedback, scoringModel, teams } from '#config/index.ts';
import { nurture } from '#config/nurture.ts';
import { normalizeEmail } from '#core/identity.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import { MAX_EMAIL_LENGTH } from '#core/tracking-event.ts';
import * as z from '#core/zod.ts';
import { findLead, type FindLeadPorts, type LeadQuery } from './find-lead.ts';

/** What reading a lead needs: the use case's ports, and the keys to check the caller's. */
export interface LeadsHandlerPorts extends FindLeadPorts, KeyLookup {}

const byIdSchema = z.object({
  leadId: leadIdSchema,
});

const byEmailSchema = z.object({
  email: z.pipe(
    z.string({ error: (issue) => (issue.input === undefined ? 'an email is required: GET /v1/leads?email=…' : 'must be a single email') }),
    z.transform((value: string, ctx) => {
      // An email is part of a key (IDENTITY#email:…): past the longest address it cannot be looked up.
      if (value.trim().length > MAX_EMAIL_LENGTH) {
        ctx.issues.push({ code: 'custom', input: value, message: `an email address must be at most ${MAX_EMAIL_LENGTH} characters` });
        return z.NEVER;
      }
      const email = normalizeEmail(value);
      if (email === undefined) {
        ctx.issues.push({ code: 'custom', input: value, message: 'not a valid email address' });
        return z.NEVER;
      }
      return email;
    }),
  ),
});

/**
 * Reads one lead back, by id (GET /v1/leads/{leadId}) or by email
 * (GET /v1/leads?email=…), with its score explained as of now. Server key only.
 */
export function leadsHandler(ports: LeadsHandlerPorts) {
  const requireServerKey = serverKeyCheck(ports);
  return httpHandler(async (event) => {
    await requireServerKey(event);
    const query: LeadQuery =
      event.pathParameters?.leadId !== undefined
        ? validate(byIdSchema, event.pathParameters)
        : validate(byEmailSchema, event.queryStringParameters ?? {});
    // personal data, and a score that is only right at the instant it was read
    return json(200, await findLead(query, ports), { 'cache-control': 'no-store' });
  });
}

// Wiring, once per cold start: settings → adapters → ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { getLead, leadIdOf } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { routingOf } = createRepStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { recentHistory } = createLeadHistory({ client: dynamodb, leadsTable, eventsTable, onConsumed: meter.onConsumed, campaigns });
const { findKey } = createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { feedbackOf } = createFeedbackStore({ client: dynamodb, leadsTable, eventsTable, onConsumed: meter.onConsumed });
export const handler = leadsHandler({
  model: scoringModel,
  getLead: readingHistory(getLead, recentHistory),
  leadIdOf,
  findKey,
  now: () => new Date(),
  feedbackConfig: feedback,
  feedbackOf: (leadId) => feedbackOf(leadId),
  teams,
  routingOf: (leadId, cycle) => routingOf(leadId, cycle, teams.teams.map((t) => t.id)),
  nurtureConfig: nurture,
});

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
