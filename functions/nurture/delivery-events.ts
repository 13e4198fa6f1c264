import { suppressionsOf, type Suppression } from '#core/delivery-events.ts';
import type { IdentityKey } from '#core/identity.ts';
import type { NurtureExit, SuppressionReason } from '#core/nurture.ts';

export interface DeliveryEventPorts {
  suppress: (email: string, reason: SuppressionReason, at: string, detail?: string) => Promise<void>;
  leadIdOf: (identity: IdentityKey) => Promise<string | undefined>;
  stopNurture: (leadId: string, reason: NurtureExit) => Promise<unknown>;
}

/**
 * One SES delivery event (a bounce, a complaint): each address it calls to
 * suppress is put on the suppression list (every nurture send checks it),
 * then the lead at that address leaves nurture at once. Both steps are safe
 * to repeat, so a redelivered event changes nothing.
 */
export async function applyDeliveryEvent(message: unknown, ports: DeliveryEventPorts): Promise<Suppression[]> {
  const suppressions = suppressionsOf(message);
  for (const { email, reason, at, detail } of suppressions) {
    await ports.suppress(email, reason, at, detail);
    const leadId = await ports.leadIdOf(`email:${email}`);
    if (leadId !== undefined) await ports.stopNurture(leadId, reason);
  }
  return suppressions;
}
