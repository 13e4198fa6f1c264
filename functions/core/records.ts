import type { ActivityKind } from './activities.ts';
import type { CrmOutcome } from './crm-outcomes.ts';
import type { Cycle } from './cycle.ts';
import type { FeedbackOccasion } from './feedback.ts';
import type { IdentityKey } from './identity.ts';
import type { Lead } from './lead.ts';
import type { Outcome, ReturnToSales } from './outcomes.ts';
import type { ReportCount } from './report-counts.ts';
import type { StageChange } from './lifecycle.ts';
import type { EventMarker, EventRef } from './score-items.ts';
import type { StoredEvent } from './tracking-event.ts';

/**
 * What the use cases and their ports exchange about stored things: events as
 * stored, a lead with the version it was read at, an update to save, a
 * rescore's progress. Shapes only; the adapters decide how they are stored.
 */

/** A rep's decision on a hand-off, or the return to sales a rep asked for; stored and applied like any other event. */
export interface OutcomeEvent {
  messageId: string;
  kind: 'outcome';
  leadId: string;
  outcome: Outcome | ReturnToSales;
  receivedAt: string;
}

/** An outcome the CRM reported (`POST /v1/outcomes`, `leadloop outcomes import`); applied to the lead by the stream path. */
export interface CrmOutcomeEvent {
  /** `crm-<outcomeId>`: the sender's id, so sending it again stores nothing */
  messageId: string;
  kind: 'crm-outcome';
  leadId: string;
  /** as sent, with who sent it (the server key's name) */
  outcome: CrmOutcome & { via: string };
  receivedAt: string;
}

/** What a rep did for a lead, as stored: the sales clocks of the lead's cycle count it. */
export interface ActivityRecord {
  leadId: string;
  /** the lead's cycle when the activity was recorded (0 for a lead never handed off) */
  cycle: number;
  activityId: string;
  kind: ActivityKind;
  at: string;
  repId: string;
  result?: string;
  /** how it arrived: the API, or the rep's "I contacted them" link */
  via: 'api' | 'link';
}

/** An activity in the events table (the raw history); its item under the lead is what the clocks read. */
export interface ActivityEvent {
  /** `activity-<activityId>` */
  messageId: string;
  kind: 'activity';
  leadId: string;
  activity: ActivityRecord;
  receivedAt: string;
}

/** A rep's feedback on one hand-off (one per cycle and occasion), as stored. */
export interface FeedbackEntry {
  leadId: string;
  cycle: number;
  occasion: FeedbackOccasion;
  repId: string;
  rating: number;
  reasons: string[];
  comment?: string;
  at: string;
}

/** Feedback in the events table (the raw history); its item under the lead is what the lead view and the clocks read. */
export interface FeedbackEvent {
  /** `feedback-<leadId>-<cycle>-<occasion>`: the first feedback per occasion stands */
  messageId: string;
  kind: 'feedback';
  leadId: string;
  feedback: FeedbackEntry;
  receivedAt: string;
}

/** Events the stream path passes over: they were stored with their effects (the items the clocks and views read). */
export type SalesRecord = ActivityEvent | FeedbackEvent;

/** A rep's decision as an event: what the hand-off link stores with the decision on the cycle. */
export type DecisionEvent = OutcomeEvent & { outcome: Outcome };

/** An event as the events table holds it: a tracking event, a rep's decision, a CRM outcome, an activity, feedback. */
export type EventRecord = (StoredEvent & { kind: 'tracking' }) | OutcomeEvent | CrmOutcomeEvent | SalesRecord;

/** Every kind of item the events table holds. */
export const eventRecordKinds = ['tracking', 'outcome', 'crm-outcome', 'activity', 'feedback'] as const satisfies readonly EventRecord['kind'][];

export interface VersionedLead {
  lead: Lead;
  /** the version of the lead's score, which every update moves; 0 for a lead not yet stored */
  version: number;
  /** the version of the lead's profile, which only updates that change it move (and the journey's writes) */
  profileVersion?: number;
  /**
   * the markers of the events are being rewritten (a rescore or merge saved
   * the lead and has not finished writing them): the ledger read is not to
   * be trusted; recompute the lead from its events
   */
  rebuilding?: true;
  /**
   * the events whose markers this read found from the lead's `ledgerFrom` on
   * (earlier ones are in its folded ledger): what a view of its history may
   * show, so it never lists an event its score does not count yet
   */
  readEvents?: ReadonlySet<string>;
  /** among them, those whose markers the lead's last save was still to write (read from its score item) */
  pendingEvents?: readonly string[];
  /** funnel counts saves left on the profile, not yet added to the funnel (the store's; an update carries them on) */
  pendingCounts?: readonly PendingCount[];
}

/** Funnel counts a save left on the lead's profile until they are added to the funnel once (see the lead store). */
export interface PendingCount {
  /** unique per save */
  id: string;
  /** when the save (or the writer settling it) wrote it */
  at: string;
  counts: Record<string, number>;
  /** the report counts of the same save (report-counts.ts), added to their report items the same way */
  reports?: ReportCount[];
}

export interface LeadUpdate {
  lead: Lead;
  /** the version read; 0 when the lead is new */
  version: number;
  /** the profile's version read (VersionedLead.profileVersion) */
  profileVersion?: number;
  /** the funnel counts pending on the profile read (VersionedLead.pendingCounts), kept on the profile this update writes */
  pendingCounts?: readonly PendingCount[];
  /** the lead as read: its profile is written only when it changed; absent, it is written */
  before?: Lead;
  changes: readonly StageChange[];
  /** the markers to write: one per event this update applies, and any an applied event's cap changed */
  markers?: readonly EventMarker[];
  /** how many events (tracking events and outcomes) this update applies for the first time */
  applied?: number;
  /** identity keys to point at this lead */
  identities?: readonly IdentityKey[];
  /** report counts beside those the store derives from the changes (attribution), added with them exactly once */
  reports?: readonly ReportCount[];
  /**
   * the open lead this update's move ends (cycle.ts acceptedOpenEnded): the
   * cycle's `openFor` removed on condition it is still that rep, with the
   * rep's −1, in the same transaction (a condition that fails makes the
   * update retry, as a concurrent writer does)
   */
  releaseOpen?: { cycle: number; repId: string };
}

/** What an update is based on: the versions read and the lead as read. */
export function basedOn(read: VersionedLead): Pick<LeadUpdate, 'version' | 'profileVersion' | 'pendingCounts' | 'before'> {
  return {
    version: read.version,
    ...(read.profileVersion !== undefined && { profileVersion: read.profileVersion }),
    ...(read.pendingCounts !== undefined && read.pendingCounts.length > 0 && { pendingCounts: read.pendingCounts }),
    before: read.lead,
  };
}

export type { EventMarker, EventRef };

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
