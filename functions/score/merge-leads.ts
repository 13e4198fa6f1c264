import { ConcurrentUpdateError } from '#commons/errors.ts';
import { retryOnConflict } from '#commons/retry.ts';
import type { Cycle, CycleRef } from '#core/cycle.ts';
import type { AppliedEvents, Lead } from '#core/lead.ts';
import type { IdentityKey } from '#core/identity.ts';
import { acceptedStillOpen, continuedCycle, followMerges, handOffMove, mergeLeads, retiredInto, survivorOf, takeOverHandOff } from '#core/merge.ts';
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
  /**
   * stops, now, whatever still acts for a lead a merge absorbs: the lead
   * journeys of its cycles 1 to `lastCycle` (and any other program that
   * writes to the lead or its rep); stopping what has ended is a no-op
   */
  stopJourneys: (leadId: string, lastCycle: number) => Promise<void>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** closes a hand-off the merge moves, only while still open (or closed into `into` already); the cycle as it is now */
  closeCycleForMerge: (leadId: string, cycle: number, into: CycleRef) => Promise<{ closed: boolean; cycle: Cycle | undefined }>;
  /** writes a new cycle, never over one that exists (ConcurrentUpdateError) */
  putCycle: (cycle: Cycle) => Promise<void>;
  /** ends the open lead a cycle counts for its rep, once (rep-store.ts) */
  releaseOpen: (leadId: string, cycle: number, repId: string) => Promise<boolean>;
  /**
   * removes the lead's items of that cycle from every team's queue, each
   * only while no drain has taken it; removing what is gone is a no-op.
   * Returns the teams whose item this call removed.
   */
  dropQueued: (leadId: string, cycle: number) => Promise<string[]>;
  log: (message: string, details: Record<string, unknown>) => void;
}

const MAX_ATTEMPTS = 5;

/**
 * The absorbed lead's open hand-off, moved (see core/merge.ts handOffMove):
 * its cycle is closed first, so no decision or escalation lands on it after
 * what is copied; a continued cycle is then written for the survivor. Returns
 * the survivor to save: taking the hand-off over, or as merged.
 */
async function moveHandOff(merged: AppliedEvents, absorbed: Lead, ports: MergePorts, now: string): Promise<AppliedEvents> {
  const survivor = merged.lead;
  const [survivorCycle, absorbedCycle] = await Promise.all([
    survivor.cycle > 0 ? ports.getCycle(survivor.leadId, survivor.cycle) : undefined,
    absorbed.cycle > 0 ? ports.getCycle(absorbed.leadId, absorbed.cycle) : undefined,
  ]);
  const move = handOffMove(survivor, survivorCycle, absorbed, absorbedCycle);
  if (move.kind === 'none') {
    await releaseAccepted(absorbed, absorbedCycle, ports);
    return merged;
  }
  const closing = await ports.closeCycleForMerge(absorbed.leadId, absorbed.cycle, move.into);
  if (!closing.closed || !closing.cycle) {
    // decided, recycled (or moved by another merge) since read: nothing open to move
    ports.log('hand-off not moved: no longer open', { leadId: absorbed.leadId, cycle: absorbed.cycle });
    await releaseAccepted(absorbed, closing.cycle, ports);
    return merged;
  }
  if (move.kind === 'close') {
    // the survivor's own hand-off stands: the absorbed one no longer counts as its rep's open lead
    if (closing.cycle.openFor !== undefined) await ports.releaseOpen(absorbed.leadId, absorbed.cycle, closing.cycle.openFor);
    ports.log('hand-off closed by a merge: the survivor holds the hand-off', { absorbed: absorbed.leadId, cycle: absorbed.cycle, into: move.into });
    return merged;
  }
  const continued = continuedCycle(closing.cycle, move.into, now);
  if (survivorCycle?.continues === undefined || survivorCycle.cycle !== move.into.cycle) {
    try {
      await ports.putCycle(continued);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      const written = await ports.getCycle(move.into.leadId, move.into.cycle);
      // the survivor's own journey routed this cycle first: the merge is planned again, and closes instead
      if (written?.continues?.leadId !== absorbed.leadId) throw error;
    }
  }
  ports.log('hand-off moved by a merge', { absorbed: absorbed.leadId, cycle: absorbed.cycle, into: move.into, repId: continued.owner.repId });
  return takeOverHandOff(merged, continued, absorbed.leadId, now);
}

/**
 * A decided hand-off is not carried over (decisions.md): the absorbed
 * lead's cycle accepted but not yet contacted no longer counts as its rep's
 * open lead, ended once (releaseOpen's condition on `openFor`).
 */
async function releaseAccepted(absorbed: Lead, cycle: Cycle | undefined, ports: MergePorts): Promise<void> {
  const counted = acceptedStillOpen(absorbed, cycle);
  if (counted !== undefined && (await ports.releaseOpen(absorbed.leadId, absorbed.cycle, counted))) {
    ports.log('accepted hand-off released by a merge', { absorbed: absorbed.leadId, cycle: absorbed.cycle, repId: counted });
  }
}

/**
 * Merges one lead into another, in steps that are each safe to repeat:
 *  1. whatever still acts for the other lead (its journeys) is stopped, and
 *     its cycle's items in the teams' queues (if it waited for a rep) removed;
 *  2. its open hand-off, if any, is closed and moved to the survivor, or
 *     left to the survivor's own (see moveHandOff);
 *  3. the survivor is recomputed from the events of both (version-checked)
 *     and saved with a marker for each, the other's included, so no replay
 *     applies them to it twice;
 *  4. the other's identities are linked to the survivor;
 *  5. the other is retired, pointing at the survivor (version-checked: if an
 *     event reached it meanwhile, the merge runs again and takes that event too).
 * A crash between steps leaves an identity still linked to the other lead,
 * so the next event of this person (or the stream's retry) merges again.
 */
async function mergeOnce(survivor: VersionedLead, absorbed: VersionedLead, ports: MergePorts): Promise<void> {
  const survivorId = survivor.lead.leadId;
  const absorbedId = absorbed.lead.leadId;
  await ports.stopJourneys(absorbedId, absorbed.lead.cycle);
  // A queued cycle has no journey left to wait for a rep: its queue items go, so no drain hands it out (a drain that
  // took one already wrote the cycle, which the hand-off move below finds and closes or moves).
  if (absorbed.lead.cycle > 0) {
    const dropped = await ports.dropQueued(absorbedId, absorbed.lead.cycle);
    if (dropped.length > 0) ports.log('queued lead dropped by a merge', { absorbed: absorbedId, cycle: absorbed.lead.cycle, teams: dropped });
  }
  const [own, absorbedRefs] = await Promise.all([ports.leadEvents(survivorId), ports.leadEvents(absorbedId)]);
  const ownIds = new Set(own.map((ref) => ref.messageId));
  const refs = [...own, ...absorbedRefs.filter((ref) => !ownIds.has(ref.messageId))];
  const events = await ports.trackingEvents(refs.map((ref) => ref.messageId));
  const now = ports.now();
  const merged = await moveHandOff(mergeLeads(survivor.lead, absorbed.lead, events, ports.model, now), absorbed.lead, ports, now);
  await saveRecomputed(survivor, refs, events, ports, () => merged);
  await ports.linkIdentities(survivorId, absorbed.lead.identities as IdentityKey[]);
  await ports.retireLead(retiredInto(absorbed.lead, survivorId), absorbed);
  ports.log('leads merged', { survivor: survivorId, absorbed: absorbedId, events: events.length });
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
