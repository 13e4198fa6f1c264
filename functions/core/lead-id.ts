import { createHash } from 'node:crypto';
import * as z from './zod.ts';

/**
 * The lead id: `lead-` and 20 hex digits of the SHA-256 of the first identity
 * a person was seen with. One module for its format, its validation and its
 * making, so the API's checks and the ids it makes cannot drift apart.
 */

const HEX_DIGITS = 20;
export const LEAD_ID_PATTERN = new RegExp(`^lead-[a-f0-9]{${HEX_DIGITS}}$`);

/** Validates a lead id at the edge (path parameters, links), naming the expected form. */
export const leadIdSchema = z.string().check(z.regex(LEAD_ID_PATTERN, `not a lead id (lead- and ${HEX_DIGITS} hex digits)`));

export function isLeadId(value: string): boolean {
  return LEAD_ID_PATTERN.test(value);
}

/**
 * A lead's id follows from the first identity it was seen with (an identity
 * key: `email:…`, `user:…`, `anon:…`), so a replay finds the same lead.
 */
export function leadIdFor(identity: string): string {
  return 'lead-' + createHash('sha256').update(identity).digest('hex').slice(0, HEX_DIGITS);
}
