import { retryOnConflict } from '#commons/retry.ts';
import type { Lead } from '#core/lead.ts';
import type { IdentityKey } from '#core/identity.ts';
import { followMerges, mergeLeads, retiredInto, survivorOf } from '#core/merge.ts';
import type { LeadUpdate, VersionedLead } from '#core/records.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

export interface MergePorts {
  model: ScoringModel;
  now: () => string;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  leadEventIds: (leadId: string) => Promise<string[]>;
  trackingEvents: (messageIds: readonly string[]) => Promise<StoredEvent[]>;
  saveLead: (update: LeadUpdate) => Promise<number>;
  addMarkersAndLinks: (leadId: string, messageIds: readonly string[], identities: readonly IdentityKey[], at: string) => Promise<void>;
  retireLead: (lead: Lead, version: number) => Promise<void>;
  log: (message: string, details: Record<string, unknown>) => void;
}

const MAX_ATTEMPTS = 5;

/**
 * Merges one lead into another, in steps that are each safe to repeat:
 *  1. the survivor gets a marker for each of the other's events, so no replay
 *     applies them to it twice;
 *  2. the survivor is recomputed from the events of both (version-checked);
 *  3. the other's identities are linked to the survivor;
 *  4. the other is retired, pointing at the survivor (version-checked: if an
 *     event reached it meanwhile, the merge runs again and takes that event too).
 * A crash between steps leaves an identity still linked to the other lead,
 * so the next event of this person (or the stream's retry) merges again.
 */
async function mergeOnce(survivor: VersionedLead, absorbed: VersionedLead, ports: MergePorts): Promise<void> {
  const survivorId = survivor.lead.leadId;
  const [ownIds, absorbedIds] = await Promise.all([ports.leadEventIds(survivorId), ports.leadEventIds(absorbed.lead.leadId)]);
  const own = new Set(ownIds);
  const taken = absorbedIds.filter((id) => !own.has(id));
  const now = ports.now();
  await ports.addMarkersAndLinks(survivorId, taken, [], now);
  const events = await ports.trackingEvents([...ownIds, ...taken]);
  const { lead, changes } = mergeLeads(survivor.lead, absorbed.lead, events, ports.model, now);
  const version = await ports.saveLead({ lead, version: survivor.version, changes });
  await ports.addMarkersAndLinks(survivorId, [], absorbed.lead.identities as IdentityKey[], now);
  await ports.retireLead(retiredInto(absorbed.lead, survivorId), absorbed.version);
  ports.log('leads merged', { survivor: survivorId, absorbed: absorbed.lead.leadId, events: events.length, version });
}

/**
 * The leads `leadIds` turned out to be one person: all but one are merged
 * into the survivor (the one sales worked, else the oldest). Returns the
 * survivor's id. A survivor the merge qualifies has its journey pending,
 * started when the events of the batch are applied to it.
 */
export async function mergeIntoOne(leadIds: readonly string[], ports: MergePorts): Promise<string> {
  return retryOnConflict(MAX_ATTEMPTS, async () => {
    const found = (await Promise.all(leadIds.map(async (id) => followMerges(await ports.getLead(id), ports.getLead)))).filter((l): l is VersionedLead => l !== undefined);
    const distinct = [...new Map(found.map((l) => [l.lead.leadId, l])).values()];
    if (distinct.length === 0) return leadIds[0]!;
    let survivor = distinct.reduce((a, b) => (survivorOf(a.lead, b.lead) === a.lead ? a : b));
    const survivorId = survivor.lead.leadId;
    for (const absorbed of distinct) {
      if (absorbed.lead.leadId === survivorId) continue;
      await mergeOnce(survivor, absorbed, ports);
      // the next merge builds on the survivor as just saved
      const saved = await ports.getLead(survivorId);
      if (!saved) throw new Error(`lead ${survivorId} vanished during a merge`);
      survivor = saved;
    }
    return survivorId;
  });
}
