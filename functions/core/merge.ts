import { stages } from './lifecycle.ts';
import { rescoreLead, type AppliedEvents, type Lead } from './lead.ts';
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
