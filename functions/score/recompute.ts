import { rescoreLead, type AppliedEvents, type Lead } from '#core/lead.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { basedOn, type EventRef, type LeadUpdate, type VersionedLead } from '#core/records.ts';
import { allMarkers, foldForSave } from '#core/score-items.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

/** What recomputing a lead from its stored events needs. */
export interface RecomputePorts {
  model: ScoringModel;
  now: () => string;
  /** every event applied to a lead: its id and when it happened */
  leadEvents: (leadId: string) => Promise<EventRef[]>;
  trackingEvents: (messageIds: readonly string[]) => Promise<StoredEvent[]>;
  saveLead: (update: LeadUpdate) => Promise<number>;
}

export interface Recomputed {
  lead: Lead;
  /** tracking events it was recomputed from */
  events: number;
  changes: readonly StageChange[];
}

/**
 * Recomputes a lead from all its stored events under the model and saves it
 * with every event's marker (a rescore, a merge's survivor, a lead whose
 * markers a cut-short save left half rewritten). Returns the lead saved.
 */
export async function recomputeFromEvents(
  read: VersionedLead,
  ports: RecomputePorts,
  reason: string,
  recompute: (events: readonly StoredEvent[]) => AppliedEvents = (events) => rescoreLead(read.lead, events, ports.model, ports.now(), reason),
): Promise<Recomputed> {
  const refs = await ports.leadEvents(read.lead.leadId);
  return saveRecomputed(read, refs, await ports.trackingEvents(refs.map((ref) => ref.messageId)), ports, recompute);
}

/** Saves a lead recomputed from `events`, with the markers of every event in `refs`. */
export async function saveRecomputed(
  read: VersionedLead,
  refs: readonly EventRef[],
  events: readonly StoredEvent[],
  ports: Pick<RecomputePorts, 'model' | 'saveLead'>,
  recompute: (events: readonly StoredEvent[]) => AppliedEvents,
): Promise<Recomputed> {
  const { lead, changes } = recompute(events);
  const saved = foldForSave(lead, ports.model);
  await ports.saveLead({ lead: saved, ...basedOn(read), changes, markers: allMarkers(lead.ledger, refs) });
  return { lead: saved, events: events.length, changes };
}

