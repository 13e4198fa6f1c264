import { z } from 'zod';
import { getLead, leadIdOf } from '#adapters/lead-store.ts';
import { requireServerKey } from '#commons/auth.ts';
import { httpHandler, json, validate } from '#commons/http.ts';
import { scoringModel } from '#config/index.ts';
import { leadIdSchema } from '#core/lead-id.ts';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '#core/tracking-event.ts';
import { findLead, type LeadQuery } from './find-lead.ts';

const ports = { model: scoringModel, getLead, leadIdOf, now: () => new Date() };

const byIdSchema = z.object({
  leadId: leadIdSchema,
});

const byEmailSchema = z.object({
  email: z
    .string({ error: (issue) => (issue.input === undefined ? 'an email is required: GET /v1/leads?email=…' : 'must be a single email') })
    .transform((value, ctx) => {
      // An email is part of a key (IDENTITY#email:…): past the longest address it cannot be looked up.
      if (value.trim().length > MAX_EMAIL_LENGTH) {
        ctx.addIssue({ code: 'custom', message: `an email address must be at most ${MAX_EMAIL_LENGTH} characters` });
        return z.NEVER;
      }
      const email = normalizeEmail(value);
      if (email === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a valid email address' });
        return z.NEVER;
      }
      return email;
    }),
});

/**
 * Reads one lead back, by id (GET /v1/leads/{leadId}) or by email
 * (GET /v1/leads?email=…), with its score explained as of now. Server key only.
 */
export const handler = httpHandler(async (event) => {
  await requireServerKey(event);
  const query: LeadQuery =
    event.pathParameters?.leadId !== undefined
      ? validate(byIdSchema, event.pathParameters)
      : validate(byEmailSchema, event.queryStringParameters ?? {});
  // personal data, and a score that is only right at the instant it was read
  return json(200, await findLead(query, ports), { 'cache-control': 'no-store' });
});
