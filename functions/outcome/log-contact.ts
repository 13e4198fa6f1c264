import { NotFoundError } from '#commons/errors.ts';
import { validate } from '#commons/http.ts';
import { requireValidLink } from '#commons/signed-link.ts';
import { activityKinds } from '#core/activities.ts';
import type { ContactPageView } from '#core/contact-page.ts';
import type { Cycle } from '#core/cycle.ts';
import { contactedActivityId, contactRefusal } from '#core/link-rules.ts';
import type { HandoffLink } from '#core/links.ts';
import type { ActivityRecord, VersionedLead } from '#core/records.ts';
import * as z from '#core/zod.ts';

export interface LogContactPorts {
  now: () => Date;
  /** the secret that signs reps' links */
  linkSigningKey: () => Promise<string>;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** stores the activity once per activityId ('duplicate': nothing changed) */
  recordActivity: (record: ActivityRecord) => Promise<'recorded' | 'duplicate'>;
}

export interface ContactRequest {
  link: HandoffLink & { action: 'contacted' };
  signature: string;
  /** the form as posted; absent when the link was only opened */
  form?: URLSearchParams;
}

const contactSchema = z.object({
  kind: z.optional(z.enum(activityKinds, `one of ${activityKinds.join(', ')}`)),
});

/**
 * The rep's one-click "I contacted them": opening the link shows the button;
 * posting records an activity (via 'link') for the cycle's current owner,
 * while the lead is accepted and open, at most once per rep, cycle and day.
 */
export async function logContact(input: ContactRequest, ports: LogContactPorts): Promise<ContactPageView> {
  const { link, form } = input;
  requireValidLink(link, input.signature, await ports.linkSigningKey(), ports.now());
  const kind = form ? (validate(contactSchema, { kind: form.get('kind') || undefined }).kind ?? 'call') : undefined;
  const found = await ports.getLead(link.leadId);
  if (!found) throw new NotFoundError('this lead does not exist');
  const refusal = contactRefusal(found.lead, await ports.getCycle(link.leadId, link.cycle), link);
  if (refusal) return { kind: 'refused', reason: refusal };
  if (!kind) return { kind: 'form' };

  const now = ports.now();
  const activity: ActivityRecord = {
    leadId: link.leadId,
    cycle: link.cycle,
    activityId: contactedActivityId(link.leadId, link.cycle, link.repId, now),
    kind,
    at: now.toISOString(),
    repId: link.repId,
    via: 'link',
  };
  const stored = await ports.recordActivity(activity);
  return stored === 'recorded' ? { kind: 'recorded', activity } : { kind: 'duplicate' };
}
