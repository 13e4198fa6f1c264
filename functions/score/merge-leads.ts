import { retryOnConflict } from '#commons/retry.ts';
import type { Lead } from '#core/lead.ts';
import type { IdentityKey } from '#core/identity.ts';
import { followMerges, mergeLeads, retiredInto, survivorOf } from '#core/merge.ts';
import type { VersionedLead } from '#core/records.ts';
import { saveRecomputed, type RecomputePorts } from './recompute.ts';

export interface MergePorts extends RecomputePorts {
  /**
   * the lead as stored; `wholeLedger` reads every marker, not only those
   * since its ledger was folded; `heal` writes the markers its last save left pending
   */
  getLead: (leadId: string, options?: { wholeLedger?: boolean; heal?: boolean }) => Promise<VersionedLead | undefined>;
  linkIdentities: (leadId: string, identities: readonly IdentityKey[]) => Promise<void>;
  retireLead: (lead: Lead, read: Pick<VersionedLead, 'version' | 'profileVersion' | 'pendingCounts'>) => Promise<void>;
  log: (message: string, details: Record<string, unknown>) => void;
}

const MAX_ATTEMPTS = 5;

/**
 * Merges one lead into another, in steps that are each safe to repeat:
 *  1. the survivor is recomputed from the events of both (version-checked)
 *     and saved with a marker for each, the other's included, so no replay
 *     applies them to it twice;
 *  2. the other's identities are linked to the survivor;
 *  3. the other is retired, pointing at the survivor (version-checked: if an
 *     event reached it meanwhile, the merge runs again and takes that event too).
 * A crash between steps leaves an identity still linked to the other lead,
 * so the next event of this person (or the stream's retry) merges again.
 */
async function mergeOnce(survivor: VersionedLead, absorbed: VersionedLead, ports: MergePorts): Promise<void> {
  const survivorId = survivor.lead.leadId;
  const [own, absorbedRefs] = await Promise.all([ports.leadEvents(survivorId), ports.leadEvents(absorbed.lead.leadId)]);
  const ownIds = new Set(own.map((ref) => ref.messageId));
  const refs = [...own, ...absorbedRefs.filter((ref) => !ownIds.has(ref.messageId))];
  const events = await ports.trackingEvents(refs.map((ref) => ref.messageId));
  const now = ports.now();
  await saveRecomputed(survivor, refs, events, ports, (all) => mergeLeads(survivor.lead, absorbed.lead, all, ports.model, now));
  await ports.linkIdentities(survivorId, absorbed.lead.identities as IdentityKey[]);
  await ports.retireLead(retiredInto(absorbed.lead, survivorId), absorbed);
  ports.log('leads merged', { survivor: survivorId, absorbed: absorbed.lead.leadId, events: events.length });
}

/**
 * The leads `leadIds` turned out to be one person: all but one are merged
 * into the survivor (the one sales worked, else the oldest). Returns the
 * survivor's id. A survivor the merge qualifies has its journey pending,
 * started when the events of the batch are applied to it.
 */
export async function mergeIntoOne(leadIds: readonly string[], ports: MergePorts): Promise<string> {
  return retryOnConflict(MAX_ATTEMPTS, async () => {
    const found = (await Promise.all(leadIds.map(async (id) => followMerges(await ports.getLead(id, { heal: true }), (next) => ports.getLead(next, { heal: true }))))).filter((l): l is VersionedLead => l !== undefined);
    const distinct = [...new Map(found.map((l) => [l.lead.leadId, l])).values()];
    if (distinct.length === 0) return leadIds[0]!;
    let survivor = distinct.reduce((a, b) => (survivorOf(a.lead, b.lead) === a.lead ? a : b));
    const survivorId = survivor.lead.leadId;
    for (const absorbed of distinct) {
      if (absorbed.lead.leadId === survivorId) continue;
      await mergeOnce(survivor, absorbed, ports);
      // the next merge builds on the survivor as just saved
      const saved = await ports.getLead(survivorId, { heal: true });
      if (!saved) throw new Error(`lead ${survivorId} vanished during a merge`);
      survivor = saved;
    }
    return survivorId;
  });
}
