import type { Cycle } from './cycle.ts';
import type { IdentityKey } from './identity.ts';
import type { Lead } from './lead.ts';
import type { Outcome } from './outcomes.ts';
import type { StageChange } from './lifecycle.ts';
import type { StoredEvent } from './tracking-event.ts';

/**
 * What the use cases and their ports exchange about stored things: events as
 * stored, a lead with the version it was read at, an update to save, a
 * rescore's progress. Shapes only; the adapters decide how they are stored.
 */

/** An outcome reported by a rep or the CRM; stored and applied like any other event. */
export interface OutcomeEvent {
  messageId: string;
  kind: 'outcome';
  leadId: string;
  outcome: Outcome;
  receivedAt: string;
}

/** An event as the events table holds it: a tracking event or an outcome. */
export type EventRecord = (StoredEvent & { kind: 'tracking' }) | OutcomeEvent;

export interface VersionedLead {
  lead: Lead;
  /** 0 for a lead not yet stored */
  version: number;
}

export interface LeadUpdate {
  lead: Lead;
  /** the version read; 0 when the lead is new */
  version: number;
  changes: readonly StageChange[];
  /** events this update applies; each gets a marker so a replay is refused */
  appliedMessageIds?: readonly string[];
  /** identity keys to point at this lead */
  identities?: readonly IdentityKey[];
}

/** What a lead's journey is started with. */
export interface JourneyInput {
  leadId: string;
  cycle: number;
}

/** A position in a scan of the leads: opaque to everyone but the store that returned it. */
export type ScanPosition = Record<string, unknown>;

export interface LeadPage {
  leadIds: string[];
  /** where the next page starts; undefined at the end of the segment */
  nextKey?: ScanPosition;
}

/** Where a rescore stands: per scan segment, the key to resume from, or 'done'. */
export interface RescoreProgress {
  modelVersion: string;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  segments: (ScanPosition | 'start' | 'done')[];
  leads: number;
  events: number;
  /** leads whose stage moved forward under the model (new MQLs among them) */
  advanced: number;
}

/** A rep's decision written on its cycle, or refused with the cycle as it is now. */
export type DecisionWrite = { recorded: true } | { recorded: false; cycle: Cycle | undefined };
