import { normalizeEmail } from './identity.ts';
import type { SuppressionReason } from './nurture.ts';

/**
 * What SES reports about delivery (a configuration set's event destination,
 * or the identity's notifications: the same message with `notificationType`),
 * turned into the addresses to suppress: each recipient of a permanent bounce,
 * and each recipient who complained. A transient bounce (a full mailbox, a
 * server down) suppresses nothing: SES retries those itself.
 */

export interface Suppression {
  email: string;
  reason: Extract<SuppressionReason, 'bounced' | 'complained'>;
  at: string;
  /** SES's words: the bounce's type and subtype, or the complaint's feedback type */
  detail: string;
}

interface Recipient {
  emailAddress?: unknown;
}

interface SesDeliveryEvent {
  eventType?: unknown;
  notificationType?: unknown;
  bounce?: { bounceType?: unknown; bounceSubType?: unknown; bouncedRecipients?: Recipient[]; timestamp?: unknown };
  complaint?: { complainedRecipients?: Recipient[]; complaintFeedbackType?: unknown; timestamp?: unknown };
  mail?: { timestamp?: unknown };
}

function addresses(recipients: readonly Recipient[] | undefined): string[] {
  return (Array.isArray(recipients) ? recipients : []).flatMap((r) => normalizeEmail(r?.emailAddress) ?? []);
}

function instant(...candidates: unknown[]): string {
  for (const value of candidates) if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return new Date().toISOString();
}

/** The suppressions one SES event calls for; none for any other event (a delivery, an open, …) or a shape it does not know. */
export function suppressionsOf(message: unknown): Suppression[] {
  if (typeof message !== 'object' || message === null) return [];
  const event = message as SesDeliveryEvent;
  const type = event.eventType ?? event.notificationType;
  if (type === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
    const at = instant(event.bounce.timestamp, event.mail?.timestamp);
    const detail = `${String(event.bounce.bounceType)} bounce (${String(event.bounce.bounceSubType ?? 'General')})`;
    return addresses(event.bounce.bouncedRecipients).map((email) => ({ email, reason: 'bounced', at, detail }));
  }
  if (type === 'Complaint' && event.complaint) {
    const at = instant(event.complaint.timestamp, event.mail?.timestamp);
    const detail = `complaint (${String(event.complaint.complaintFeedbackType ?? 'unspecified')})`;
    return addresses(event.complaint.complainedRecipients).map((email) => ({ email, reason: 'complained', at, detail }));
  }
  return [];
}
