import { createHash } from 'node:crypto';
import { activityMessageId, salesSteps } from './activities.ts';
import type { Cycle } from './cycle.ts';
import { feedbackMessageIdOf } from './feedback.ts';
import { identityKeys } from './identity.ts';
import type { Lead } from './lead.ts';
import { handOffEmailKey } from './journey.ts';
import { nurtureEmailKey, type NurtureConfig } from './nurture.ts';
import type { EventRecord } from './records.ts';
import {
  activitiesOf,
  commentKey,
  cycleKey,
  emailKey,
  erasedKey,
  feedbackOf,
  identityKey,
  leadPartition,
  MARKER_PREFIX,
  messageIdOfMarker,
  PROFILE_SK,
  queueKey,
  suppressionKey,
  type ItemKey,
} from './table-layout.ts';

/**
 * What erasing a person (GDPR, `DELETE /v1/leads/{id}`, `leadloop forget`)
 * removes, read from the table layout (table-layout.ts), and the tombstone
 * that keeps the person's next events from being linked again. Pure: items
 * in, keys out; the use case (functions/leads/forget-lead.ts) reads and deletes.
 *
 * A person is a lead and every lead merged into it. Each lead's partition
 * (`LEAD#id`: profile, score, markers, cycles, activities, feedback) is
 * deleted item by item, and with each item what it names elsewhere:
 * - a marker: its event (events table);
 * - an activity, a feedback: its event; a feedback its comment (`COMMENTS#day`);
 * - a cycle: its emails' once-records (`EMAIL#…`, keyed by lead and cycle)
 *   and its entries in the teams' queues.
 * The profile goes last (it names the merged leads, the identities and the
 * email), with the identity links, the email's suppression and the lead's
 * nurture emails' once-records. Report items hold counts only and stay.
 */

/** An identity a tombstone stands for: an identity key (`email:…`, `user:…`, `anon:…`), or `lead:<leadId>`. */
export type ErasedIdentity = string;

/** The identity a lead id is tombstoned under (outcomes, activities, feedback name a lead, not a person). */
export const leadIdentity = (leadId: string): ErasedIdentity => `lead:${leadId}`;

/**
 * What a tombstone's hash is taken over before the identity: a fixed prefix
 * of its own. A lead id is `lead-` and the first 20 hex digits of the SHA-256
 * of its first identity (lead-id.ts), so a tombstone keyed by that same hash
 * began with the lead id: the erased lead's id, which logs keep, pointed at its
 * tombstone. With the prefix no tombstone holds a lead id, an email or an id.
 * Unsalted: anyone holding the table and a guessed address can still test
 * whether it was erased (docs/decisions.md, "Erasure and export").
 */
const TOMBSTONE_DOMAIN = 'leadloop-erasure-tombstone/1\n';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The tombstone's key part: the SHA-256 (hex) of the tombstone prefix and the identity, so no tombstone holds an email, an id or a lead id. */
export function erasureHash(identity: ErasedIdentity): string {
  return sha256(TOMBSTONE_DOMAIN + identity);
}

/**
 * The key part tombstones were written under before the prefix: the identity's
 * bare SHA-256. Read, never written, so a person erased before still has their
 * next events deleted (tombstoneLookup); such a tombstone keeps its old key
 * (it cannot be rewritten: the hash does not give the identity back).
 */
export function legacyErasureHash(identity: ErasedIdentity): string {
  return sha256(identity);
}

/** The tombstones of a person: one per identity of each of its leads, and one per lead id. */
export function tombstoneKeysOf(leads: readonly Pick<Lead, 'leadId' | 'identities'>[]): ItemKey[] {
  const identities = new Set(leads.flatMap((lead) => [...lead.identities, leadIdentity(lead.leadId)]));
  return [...identities].map((identity) => erasedKey(erasureHash(identity)));
}

/**
 * The keys to read to learn which of these identities were erased: each
 * identity's tombstone, as written now and as written before the prefix, by
 * partition key (`ERASED#…`) with the identity it stands for. A found item of
 * either kind means the identity was erased.
 */
export function tombstoneLookup(identities: readonly ErasedIdentity[]): Map<string, { key: ItemKey; identity: ErasedIdentity }> {
  const byPartition = new Map<string, { key: ItemKey; identity: ErasedIdentity }>();
  for (const identity of new Set(identities)) {
    for (const key of [erasedKey(erasureHash(identity)), erasedKey(legacyErasureHash(identity))]) byPartition.set(key.pk, { key, identity });
  }
  return byPartition;
}

/**
 * The identities an event record carries, as tombstones are keyed: a
 * tracking event's identity keys; an outcome, activity or feedback its lead.
 */
export function identitiesOfRecord(record: EventRecord): ErasedIdentity[] {
  return record.kind === 'tracking' ? identityKeys(record) : [leadIdentity(record.leadId)];
}

/** What erasing one item of a lead's partition takes with it: events (by messageId) and other items of the leads table. */
export interface ItemTraces {
  events: string[];
  items: ItemKey[];
}

/** What the erasure needs to know of the configuration: the teams a cycle may be queued in, the nurture programs. */
export interface ErasureContext {
  teamIds: readonly string[];
  nurture: Pick<NurtureConfig, 'programs'>;
}

/**
 * The idempotency keys a cycle's emails may have been sent under (the
 * journey's: hand-off per rep, reminders, escalations, queued, follow-up
 * steps): every rep that held the cycle, every missed deadline so far and one
 * more, every follow-up step taken or that could be. A key never used names
 * no item; deleting it is a no-op.
 */
export function cycleEmailKeys(cycle: Pick<Cycle, 'leadId' | 'cycle' | 'owner' | 'previousReps' | 'missed' | 'followUpSent' | 'continues'>): string[] {
  const { leadId, cycle: n } = cycle;
  const reps = [...new Set([cycle.owner.repId, ...cycle.previousReps])];
  const misses = Array.from({ length: cycle.missed + 2 }, (_, missed) => missed);
  const steps = new Set<string>([...salesSteps, ...(cycle.followUpSent ?? [])]);
  const continues = cycle.continues && { continues: cycle.continues };
  return [
    ...new Set([
      ...reps.flatMap((repId) => [handOffEmailKey({ leadId, cycle: n, assignment: {} }, repId), ...(continues ? [handOffEmailKey({ leadId, cycle: n, assignment: continues }, repId)] : [])]),
      ...misses.flatMap((missed) => [`${leadId}#${n}#escalation#${missed}`, ...reps.map((repId) => `${leadId}#${n}#reminder#${missed}#${repId}`)]),
      `${leadId}#${n}#queued`,
      ...[...steps].map((step) => `${leadId}#${n}#follow-up#${step}`),
    ]),
  ];
}

/** The idempotency keys of a lead's nurture emails: every program's every step, in each cycle up to the lead's. */
export function nurtureEmailKeys(leadId: string, lastCycle: number, nurture: ErasureContext['nurture']): string[] {
  return nurture.programs.flatMap((program) =>
    program.steps.flatMap((step) => Array.from({ length: lastCycle + 1 }, (_, cycle) => nurtureEmailKey({ leadId, programId: program.id, cycle }, step.id))),
  );
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * What one item of a lead's partition names elsewhere, by its sort key (and,
 * for activities, feedback and cycles, its attributes); the item itself
 * included. The profile names nothing here: it is erased last (profileTraces).
 */
export function itemTraces(leadId: string, item: Record<string, unknown> & { sk: string }, context: ErasureContext): ItemTraces {
  const self: ItemKey = { pk: leadPartition(leadId), sk: item.sk };
  const { sk } = item;
  if (sk.startsWith(MARKER_PREFIX)) return { events: [messageIdOfMarker(sk)], items: [self] };
  if (sk.startsWith(activitiesOf()) && isString(item.activityId)) return { events: [activityMessageId(item.activityId)], items: [self] };
  if (sk.startsWith(feedbackOf()) && typeof item.cycle === 'number' && isString(item.occasion)) {
    const messageId = feedbackMessageIdOf({ leadId, cycle: item.cycle, occasion: item.occasion });
    return { events: [messageId], items: [...(isString(item.at) ? [commentKey(item.at, messageId)] : []), self] };
  }
  if (sk === cycleKey(leadId, Number(item.cycle)).sk && item.owner !== undefined) {
    const cycle = item as unknown as Cycle;
    const queued = context.teamIds.map((teamId) => queueKey(teamId, leadId, cycle.cycle));
    return { events: [], items: [...cycleEmailKeys({ ...cycle, leadId }).map(emailKey), ...queued, self] };
  }
  return { events: [], items: [self] };
}

/**
 * What goes with a lead's profile, once the rest of its partition is gone:
 * its identity links, its email's suppression (the tombstone now keeps the
 * address from being written to), its nurture emails' once-records, and the
 * profile itself, last.
 */
export function profileTraces(lead: Pick<Lead, 'leadId' | 'identities' | 'email' | 'cycle'>, context: ErasureContext): ItemKey[] {
  return [
    ...lead.identities.map((identity) => identityKey(identity)),
    ...(lead.email !== undefined ? [suppressionKey(lead.email)] : []),
    ...nurtureEmailKeys(lead.leadId, lead.cycle, context.nurture).map(emailKey),
    { pk: leadPartition(lead.leadId), sk: PROFILE_SK },
  ];
}

/** The leads of one person, as an erasure takes them: those merged in first, the one they became last (its profile names them). */
export function leadsOfPerson(lead: Pick<Lead, 'leadId' | 'mergedLeadIds'>): string[] {
  return [...new Set([...(lead.mergedLeadIds ?? []).filter((id) => id !== lead.leadId), lead.leadId])];
}
