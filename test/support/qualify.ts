import { expect } from 'vitest';
import { sendEvent } from './local.ts';

/** A visitor the tests make qualify, with what varies between tests. */
export interface QualifyingVisitor {
  anonymousId: string;
  email: string;
  name: string;
  /** Segment's context.campaign on the first page view (the lead's first touch) */
  campaign?: { source: string; medium: string; name: string };
  /** traits added to (or replacing) the identify's */
  traits?: Record<string, unknown>;
}

/**
 * Events that qualify a person under the default model: fit A (phone, business
 * email, 250 employees, VP title = 50 fit points ≥ 40) and engagement 40 (demo)
 * + 2 × (3 page view + 10 pricing) = 66 ≥ 60. The one sequence every test that
 * needs an MQL sends.
 */
export function qualifyingEvents({ anonymousId, email, name, campaign, traits = {} }: QualifyingVisitor) {
  return [
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' }, ...(campaign && { campaign }) } }],
    ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Acme', employees: 250, ...traits } }],
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
    ['/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
  ] as const;
}

/** Sends a visitor's qualifying events in order, each accepted (200). */
export async function qualify(runtime: { apiUrl: string; writeKey: string }, visitor: QualifyingVisitor): Promise<void> {
  for (const [path, body] of qualifyingEvents(visitor)) expect((await sendEvent(runtime, path, body)).status).toBe(200);
}
