import type { Cycle, CycleRef } from './cycle.ts';
import { canTransition, stages } from './lifecycle.ts';
import { moveTo, rescoreLead, type AppliedEvents, type Lead } from './lead.ts';
import type { ScoringModel } from './scoring.ts';
import type { StoredEvent } from './tracking-event.ts';

/**
 * Two leads found to be one person: which one lives on, how the survivor
 * takes the other in, and how a read of the retired one reaches the survivor.
 */

/** How far along a lead is: sales' cycles first, then the stage. */
function progressRank(lead: Lead): [number, number] {
  return [lead.cycle, stages.indexOf(lead.stage)];
}

/**
 * Of two leads found to be one person, the one that lives on: the one sales
 * has already worked (more cycles, then further along), else the older one.
 * Ties go to the smaller id, so every path picks the same survivor; a lead
 * that already took the other in (a merge cut short and run again) stays the survivor.
 */
export function survivorOf(a: Lead, b: Lead): Lead {
  if (a.mergedLeadIds?.includes(b.leadId)) return a;
  if (b.mergedLeadIds?.includes(a.leadId)) return b;
  const [ra, rb] = [progressRank(a), progressRank(b)];
  if (ra[0] !== rb[0]) return ra[0] > rb[0] ? a : b;
  if (ra[1] !== rb[1]) return ra[1] > rb[1] ? a : b;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? a : b;
  return a.leadId <= b.leadId ? a : b;
}

/**
 * Two leads turned out to be one person (an identify or alias linked their
 * identities): the survivor is recomputed from the events of both, keeps its
 * own lifecycle, and takes the other's identities. The absorbed lead is
 * retired (see `retiredInto`).
 */
export function mergeLeads(
  survivor: Lead,
  absorbed: Lead,
  events: readonly StoredEvent[],
  model: ScoringModel,
  now: string,
): AppliedEvents {
  const { lead, changes } = rescoreLead(survivor, events, model, now, `merged with ${absorbed.leadId}`);
  for (const key of absorbed.identities) if (!lead.identities.includes(key)) lead.identities.push(key);
  lead.mergedLeadIds = [...new Set([...(survivor.mergedLeadIds ?? []), absorbed.leadId, ...(absorbed.mergedLeadIds ?? [])])].filter(
    (id) => id !== survivor.leadId,
  );
  return { lead, changes };
}

/**
 * The lead a read found, or the one it was merged into (following a chain
 * of merges for a few hops): whoever holds an old lead id reaches the person.
 */
export async function followMerges<T extends { lead: Lead }>(found: T | undefined, read: (leadId: string) => Promise<T | undefined>): Promise<T | undefined> {
  let current = found;
  for (let hops = 0; current?.lead.mergedInto !== undefined && hops < 10; hops++) current = await read(current.lead.mergedInto);
  return current;
}

/** The absorbed lead after a merge: it points at the survivor, and is no longer a lead in its own right. */
export function retiredInto(absorbed: Lead, survivorId: string): Lead {
  const lead = structuredClone(absorbed);
  lead.mergedInto = survivorId;
  delete lead.journeyPending;
  return lead;
}

/**
 * What a merge does with the absorbed lead's hand-off, when it has one open
 * (its current cycle handed off to a rep, not decided, not recycled): the
 * person ends up with exactly one open hand-off, on the survivor.
 *  - The survivor's own hand-off, if it has one (an owner assigned on its
 *    current MQL cycle), wins: the absorbed one is closed, pointing at it.
 *  - A survivor that may still be handed off (known, engaged, recycled, or an
 *    MQL whose journey has not assigned a rep yet) takes the absorbed one
 *    over: a cycle of its own with the same owner and the same deadline,
 *    whose hand-off email is the one already sent (see continuedCycle).
 *  - A survivor past the hand-off (with sales, won, lost, disqualified) keeps
 *    its course: the absorbed hand-off is closed, pointing at its cycle.
 * Either way the absorbed cycle records where it went (mergedInto), and its
 * links lead there.
 */
export type HandOffMove =
  /** the absorbed lead had no open hand-off: nothing moves */
  | { kind: 'none' }
  /** the absorbed hand-off is closed; the survivor's cycle `into` holds the person's hand-off (or they are past it) */
  | { kind: 'close'; into: CycleRef }
  /** the survivor takes the absorbed hand-off over as its cycle `into` */
  | { kind: 'continue'; into: CycleRef };

/** Whether a lead's cycle record is a hand-off still waiting for the rep's decision, and not yet moved elsewhere than `survivorId`. */
export function isOpenHandOff(lead: Pick<Lead, 'stage' | 'cycle'>, cycle: Cycle | undefined, survivorId: string): cycle is Cycle {
  if (!cycle || cycle.cycle !== lead.cycle || lead.stage !== 'mql') return false;
  if (cycle.outcome || cycle.recycled) return false;
  return cycle.mergedInto === undefined || cycle.mergedInto.leadId === survivorId;
}

/**
 * The rep whose open-lead count still holds the absorbed lead's current
 * cycle when that cycle was accepted but has no contact logged yet (its
 * `openFor`), or undefined. A merge does not carry a decided hand-off over,
 * so it ends that count (once: rep-store.ts releaseOpen).
 */
export function acceptedStillOpen(absorbed: Pick<Lead, 'cycle'>, cycle: Cycle | undefined): string | undefined {
  if (!cycle || cycle.cycle !== absorbed.cycle || cycle.outcome?.kind !== 'accepted' || cycle.mergedInto !== undefined) return undefined;
  return cycle.openFor;
}

/**
 * Where the absorbed lead's open hand-off goes (see HandOffMove), given the
 * survivor as the merge recomputed it and the record of its current cycle.
 */
export function handOffMove(
  survivor: Pick<Lead, 'leadId' | 'stage' | 'cycle'>,
  survivorCycle: Cycle | undefined,
  absorbed: Pick<Lead, 'leadId' | 'stage' | 'cycle'>,
  absorbedCycle: Cycle | undefined,
): HandOffMove {
  if (!isOpenHandOff(absorbed, absorbedCycle, survivor.leadId)) return { kind: 'none' };
  const current = { leadId: survivor.leadId, cycle: survivor.cycle };
  const continuesThis = survivorCycle?.continues?.leadId === absorbed.leadId && survivorCycle.continues.cycle === absorbedCycle.cycle;
  if (survivor.stage === 'mql') {
    // a cycle already taken over (a merge run again), or one whose journey has not routed it yet
    if (!survivorCycle || continuesThis) return { kind: 'continue', into: current };
    return { kind: 'close', into: current };
  }
  if (canTransition(survivor.stage, 'mql')) return { kind: 'continue', into: { leadId: survivor.leadId, cycle: survivor.cycle + 1 } };
  return { kind: 'close', into: current };
}

/**
 * The survivor's cycle that continues the absorbed hand-off: the same owner,
 * the reps who held it before, and the same deadline (the journey's wait
 * times out at it: at least a second from now). The escalation ladder
 * starts afresh in the survivor's journey, which counts its own misses.
 */
export function continuedCycle(from: Cycle, into: CycleRef, now: string): Cycle {
  const secondsLeft = Math.ceil((Date.parse(from.acceptBy) - Date.parse(now)) / 1000);
  return {
    leadId: into.leadId,
    cycle: into.cycle,
    owner: structuredClone(from.owner),
    previousReps: [...from.previousReps],
    ...(from.reassignments && { reassignments: structuredClone(from.reassignments) }),
    acceptBy: from.acceptBy,
    acceptWithinSeconds: Math.max(1, secondsLeft),
    missed: 0,
    continues: { leadId: from.leadId, cycle: from.cycle },
    // the rep's open lead moves with the hand-off: the closed cycle's count ends where this one's does (rep-store.ts)
    ...(from.openFor !== undefined && { openFor: from.openFor }),
  };
}

/**
 * The survivor (as the merge recomputed it) holding the continued hand-off:
 * an MQL in the cycle `continued` names, owned by its owner, with that
 * cycle's journey pending (its rep and deadline already recorded, its
 * hand-off email already sent).
 */
export function takeOverHandOff(merged: AppliedEvents, continued: Cycle, absorbedId: string, now: string): AppliedEvents {
  const lead = structuredClone(merged.lead);
  const changes = [...merged.changes];
  if (lead.stage !== 'mql') {
    moveTo(lead, 'mql', now, `merged with ${absorbedId}: its hand-off to ${continued.owner.repId} continues here`, changes);
    lead.cycle = continued.cycle;
    lead.journeyPending = continued.cycle;
  }
  lead.owner = structuredClone(continued.owner);
  return { lead, changes };
}
