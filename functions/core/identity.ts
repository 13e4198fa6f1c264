import type { StoredEvent } from './tracking-event.ts';

/**
 * Who a person is: the identity keys an event carries, how an email is
 * normalised so one person never becomes two leads, and the lead id that
 * follows from an identity is `lead-id.ts`. Grouping a batch's events into people is
 * `people.ts`.
 */

export type IdentityKey = `email:${string}` | `user:${string}` | `anon:${string}`;

/** One person never becomes two leads by letter case or whitespace. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
}

/** Identity keys an event carries, strongest first. */
export function identityKeys(event: Pick<StoredEvent, 'email' | 'userId' | 'anonymousId' | 'previousId'>): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (event.email) keys.push(`email:${event.email}`);
  if (event.userId && event.userId.toLowerCase().trim() !== event.email) keys.push(`user:${event.userId}`);
  if (event.anonymousId) keys.push(`anon:${event.anonymousId}`);
  // alias: the earlier identity (Segment's previousId is usually the anonymous id) joins this person.
  if (event.previousId && event.previousId !== event.anonymousId) {
    const email = normalizeEmail(event.previousId);
    keys.push(email ? `email:${email}` : `anon:${event.previousId}`);
  }
  return keys;
}
