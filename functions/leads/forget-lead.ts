import { NotFoundError } from '#commons/errors.ts';
import {
  itemTraces,
  leadIdentity,
  leadsOfPerson,
  profileTraces,
  tombstoneKeysOf,
  type ErasedIdentity,
  type ErasureContext,
} from '#core/erasure.ts';
import type { Lead } from '#core/lead.ts';
import { PROFILE_SK, type ItemKey } from '#core/table-layout.ts';
import type { LeadQuery } from './find-lead.ts';

/** The parts of a stored profile an erasure reads. */
export type ErasedProfile = Pick<Lead, 'leadId' | 'identities' | 'cycle'> & Partial<Pick<Lead, 'email' | 'mergedLeadIds' | 'mergedInto'>>;

export interface ForgetPorts {
  context: ErasureContext;
  leadIdOf: (identity: `email:${string}`) => Promise<string | undefined>;
  getProfile: (leadId: string) => Promise<ErasedProfile | undefined>;
  /** up to `limit` (at least 2, so a page that starts at the profile holds what sorts after it) items of a lead's partition, from its start */
  leadItems: (leadId: string, limit: number) => Promise<{ items: (Record<string, unknown> & { sk: string })[] }>;
  deleteItems: (keys: readonly ItemKey[]) => Promise<void>;
  deleteEvents: (messageIds: readonly string[]) => Promise<void>;
  putTombstones: (keys: readonly ItemKey[], at: string) => Promise<void>;
  erasedAmong: (identities: readonly ErasedIdentity[]) => Promise<Set<ErasedIdentity>>;
  /** stops the lead's journeys (cycles 1 to `lastCycle`) and its nurture program; stopping what has ended is a no-op */
  stopPrograms: (leadId: string, lastCycle: number) => Promise<void>;
  now: () => Date;
}

export interface ForgetResult {
  /** `erased`: nothing of the person is left; `in-progress`: ask again (the same request) to go on */
  status: 'erased' | 'in-progress';
  /** the lead asked for (by id), or the one the email was linked to; absent when an email was already erased */
  leadId?: string;
  /** what this call deleted */
  deleted: { items: number; events: number };
}

/** Items of a lead's partition one call erases at most (with the events and items they name). */
export const ERASE_BUDGET = 400;
/** Items read per Query of a partition. */
const PAGE = 100;
/** Merged-into links followed at most (a chain longer is a corrupt profile). */
const MAX_HOPS = 10;

/**
 * Erases a person (GDPR): the lead a query names, the one it was merged
 * into, and every lead merged into that one, with everything they name
 * (core/erasure.ts). Bounded: one call erases at most `budget` items and
 * says whether it is done; the next call (a retried DELETE, the CLI's next
 * round) goes on from what is left, since each step deletes only what it
 * has read and a deleted item is simply not read again. Order:
 *  1. tombstones for every identity and lead id of the person, first, so no
 *     event of theirs is applied (or re-linked) meanwhile or after;
 *  2. their journeys and nurture programs are stopped;
 *  3. each lead's partition but its profile, merged leads first: a page of
 *     items, then what they name (events, comments, email records, queue
 *     entries), then the items;
 *  4. the identity links, suppression and nurture email records the profiles
 *     name, then the profiles, in one request.
 * A lead already erased answers `erased` (its tombstone says so); a lead never known, 404.
 */
export async function forgetLead(query: LeadQuery, ports: ForgetPorts, budget = ERASE_BUDGET): Promise<ForgetResult> {
  const none = { items: 0, events: 0 };
  const asked = 'leadId' in query ? query.leadId : await ports.leadIdOf(`email:${query.email}`);
  const identity: ErasedIdentity = asked !== undefined ? leadIdentity(asked) : `email:${'email' in query ? query.email : ''}`;
  let profile = asked === undefined ? undefined : await ports.getProfile(asked);
  if (!profile) {
    if ((await ports.erasedAmong([identity])).size > 0) return { status: 'erased', ...(asked !== undefined && { leadId: asked }), deleted: none };
    throw new NotFoundError('leadId' in query ? `no lead ${query.leadId}` : `no lead with the email ${query.email}`);
  }
  for (let hops = 0; profile.mergedInto !== undefined && hops < MAX_HOPS; hops++) {
    const survivor: ErasedProfile | undefined = await ports.getProfile(profile.mergedInto);
    if (!survivor) break;
    profile = survivor;
  }

  const leadIds = leadsOfPerson(profile);
  const profiles = new Map<string, ErasedProfile>([[profile.leadId, profile]]);
  for (const leadId of leadIds) {
    if (profiles.has(leadId)) continue;
    const found = await ports.getProfile(leadId);
    if (found) profiles.set(leadId, found);
  }
  await ports.putTombstones(tombstoneKeysOf([...profiles.values()].map((p) => ({ leadId: p.leadId, identities: p.identities }))), ports.now().toISOString());
  for (const p of profiles.values()) await ports.stopPrograms(p.leadId, p.cycle);

  const deleted = { items: 0, events: 0 };
  for (const leadId of leadIds) {
    for (;;) {
      if (deleted.items >= budget) return { status: 'in-progress', leadId: asked!, deleted };
      const { items } = await ports.leadItems(leadId, Math.max(2, Math.min(PAGE, budget - deleted.items)));
      const rest = items.filter((item) => item.sk !== PROFILE_SK);
      if (rest.length === 0) break;
      const traces = rest.map((item) => itemTraces(leadId, item, ports.context));
      const events = traces.flatMap((t) => t.events);
      // what the items name goes first, the items last: an interrupted call finds them again, and with them what they name
      await ports.deleteEvents(events);
      await ports.deleteItems(traces.flatMap((t) => t.items));
      deleted.events += events.length;
      deleted.items += rest.length;
    }
  }
  // The profiles last, all in one request: until then each names the rest of the person, so a call
  // that stops before them (or a retry by any of the person's lead ids) still finds everything.
  const traces = [...profiles.values()].map((p) => profileTraces(p, ports.context));
  await ports.deleteItems(traces.flatMap((keys) => keys.slice(0, -1)));
  await ports.deleteItems(traces.map((keys) => keys.at(-1)!));
  deleted.items += profiles.size;
  return { status: 'erased', leadId: asked!, deleted };
}
