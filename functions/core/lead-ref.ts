import * as z from './zod.ts';
import { normalizeEmail } from './identity.ts';
import { leadIdSchema } from './lead-id.ts';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH } from './tracking-event.ts';

/**
 * How a request from another system (the CRM's outcomes, activities) names
 * a lead: by its `leadId`, or by the `email` the person is known by, exactly
 * one of the two. Ids and emails become parts of keys, so both are bounded.
 */

/** A refusal of one field, named by its path as a person reads it (`batch[3].stage`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The sender's own id of a record (`outcomeId`, `activityId`): its idempotency key, stored in a key. */
export const senderIdSchema = z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH));

/** A rep's or a CRM's id as the sender knows it. */
export const repIdSchema = z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH));

export const leadRefFields = {
  leadId: z.optional(leadIdSchema),
  email: z.optional(
    z.string().check(
      z.maxLength(MAX_EMAIL_LENGTH, `an email address must be at most ${MAX_EMAIL_LENGTH} characters`),
      z.refine((value) => normalizeEmail(value) !== undefined, 'not an email address'),
    ),
  ),
};

/** The issue a request naming no lead, or two, gets. Used in each schema's own check. */
export function leadRefIssue(value: { leadId?: string | undefined; email?: string | undefined }): { path: string[]; message: string } | undefined {
  if (value.leadId === undefined && value.email === undefined) return { path: ['leadId'], message: 'either leadId or email is required' };
  if (value.leadId !== undefined && value.email !== undefined) return { path: ['email'], message: 'give leadId or email, not both' };
  return undefined;
}

/** The lead a validated request names: its id, or its normalized email. */
export type LeadRef = { leadId: string } | { email: string };

export function leadRefOf(value: { leadId?: string | undefined; email?: string | undefined }): LeadRef {
  if (value.leadId !== undefined) return { leadId: value.leadId };
  const email = normalizeEmail(value.email);
  if (email === undefined) throw new TypeError('a lead reference needs a leadId or an email (validate the request first)');
  return { email };
}

/** Clocks disagree: an `at` up to this far ahead of ours is taken as sent; past it, refused. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/**
 * The issue of a reported time (`at`) still to come: what sales did has
 * happened. A deal's expected close date is a forecast, not an outcome.
 */
export function futureIssue(at: string, now: Date, path: string): FieldIssue | undefined {
  if (Date.parse(at) <= now.getTime() + MAX_CLOCK_SKEW_MS) return undefined;
  return { path, message: `is in the future (after ${new Date(now.getTime() + MAX_CLOCK_SKEW_MS).toISOString()}): report what has happened` };
}
