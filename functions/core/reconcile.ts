import type { Cycle, CycleRef } from './cycle.ts';
import { assignmentOf, journeyName, type JourneyAssignment, type JourneyState } from './journey.ts';
import { EscalationStepName } from './journey-contract.ts';
import { funnelShardOf, OPEN_STAGE, openStageKey, STAGE_SINCE, STALLED_SHARDS } from './table-layout.ts';

/**
 * The journey reconciler: every open cycle whose journey execution is not
 * running (a local restart forgot it, an operator stopped it, it failed) is
 * resumed once, from where its cycle record stands. Pure: what to do with one
 * cycle, given its record, its execution's status and the time.
 */

/** The construct id of the reconciler in the stack: the local runtime also runs its schedule at start. */
export const JOURNEY_RECONCILER_ID = 'JourneyReconciler';

/**
 * A cycle is kept in the stalled index (table-layout.ts) under this "stage"
 * while its journey may be running: from its first write (the assignment, or
 * the hand-off a merge moved) until the reconciler sees it ended. The
 * stalled-leads report never reads these partitions (it reads lifecycle
 * stages); the reconciler reads only these.
 */
export const OPEN_JOURNEY = 'journey';

/** The index partitions of open cycles, one per shard. */
export const openJourneyPartitions = (): string[] => Array.from({ length: STALLED_SHARDS }, (_, shard) => openStageKey(OPEN_JOURNEY, shard));

/** The index attributes a cycle is written with: its shard's partition, and since when its journey runs (sorted by age). */
export function openJourneyAttributes(cycle: Pick<Cycle, 'leadId' | 'owner'>): Record<string, string> {
  return { [OPEN_STAGE]: openStageKey(OPEN_JOURNEY, funnelShardOf(cycle.leadId, STALLED_SHARDS)), [STAGE_SINCE]: cycle.owner.assignedAt };
}

/**
 * How many times one cycle's journey is resumed at most. A journey that
 * fails each time (a hand-off that cannot be sent) is alarmed on already
 * (JourneyFailedAlarm); past this it is left for someone to look at.
 */
export const MAX_RESUMES = 3;

/**
 * The name of a cycle's journey execution after `resumes` resumptions: the
 * first is the journey's own name (journey.ts), each resumption a name of its
 * own. One name is one execution (Step Functions refuses a second), so two
 * reconcilers that agree on the count start one journey between them.
 */
export function resumedJourneyName(leadId: string, cycle: number, resumes: number): string {
  return resumes === 0 ? journeyName(leadId, cycle) : `${journeyName(leadId, cycle)}-resume-${resumes}`;
}

/** Every name a cycle's journey may have run under: what a merge stops. */
export function journeyNames(leadId: string, cycle: number): string[] {
  return Array.from({ length: MAX_RESUMES + 1 }, (_, resumes) => resumedJourneyName(leadId, cycle, resumes));
}

/** An execution's status as Step Functions reports it; `MISSING` when it has none by that name (a local restart forgets them all). */
export type JourneyStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'MISSING';

/** The attribute of a cycle's item that counts its journey's resumptions (written by the reconciler only, on condition). */
export const RESUMES = 'resumes';

/** The error a merge stops the absorbed lead's journeys with (journey-runner.ts): such a journey is not resumed. */
export const MERGE_STOP_ERROR = 'LeadMerged';

/** What else the reconciler knows of a journey that is not running: how it was stopped, and whether its lead was merged into another. */
export interface JourneySeen {
  /** the error of an execution stopped with one (StopExecution's `error`) */
  stoppedWith?: string | undefined;
  /** the lead's profile points at the lead it was merged into */
  leadMergedAway?: boolean;
}

/** A cycle record with the reconciler's own count of resumptions. */
export type ReconciledCycle = Cycle & { resumes?: number };

/** Where a resumed journey picks the cycle up. */
export type ResumePoint =
  /** a rep decided: the follow-up (its steps are each taken once) */
  | 'follow-up'
  /** the acceptance deadline passed: the next step of the escalation ladder, now */
  | 'escalate'
  /** the reminder is due (sent once), then the wait for the rest of the window */
  | 'remind'
  /** the hand-off (sent once per rep), then the wait for the rest of the window */
  | 'await';

export type Reconciliation =
  /** the journey runs: nothing to do */
  | { action: 'leave' }
  /** the cycle is over (recycled, merged away, or its journey succeeded): it leaves the index */
  | { action: 'close'; why: 'recycled' | 'merged' | 'succeeded' }
  /** resumed too often already: left alone, and said */
  | { action: 'give-up'; resumes: number }
  /**
   * start the journey under `name`; with `claim`, the count goes from
   * `resumes - 1` to `resumes` first (on condition), and only the reconciler
   * whose claim is written starts it
   */
  | { action: 'resume'; from: ResumePoint; resumes: number; claim: boolean; name: string; input: ResumeInput };

/**
 * What a resumed journey starts with: the journey's own input, with the
 * escalations the cycle took so far (the next one follows from them). The
 * journey starts at Assign rep as always: the cycle exists, so it answers the
 * cycle's owner and the time left (resumedAssignment); the hand-off and the
 * reminder are sent at most once; a decided cycle's wait is resumed at once
 * by the wait itself; a passed deadline escalates after the shortest waits.
 */
export interface ResumeInput extends JourneyState {
  resumed: { count: number; from: ResumePoint };
}

/** Where a cycle stands, from its record alone. */
export function resumePoint(cycle: Pick<Cycle, 'outcome' | 'acceptBy' | 'remindAt'>, now: Date): ResumePoint {
  if (cycle.outcome) return 'follow-up';
  if (now.getTime() >= Date.parse(cycle.acceptBy)) return 'escalate';
  if (now.getTime() >= Date.parse(cycle.remindAt ?? cycle.acceptBy)) return 'remind';
  return 'await';
}

/**
 * What to do with an open cycle whose journey (its latest name) has `status`.
 * A journey that is missing is started under the same name (a restart lost
 * it, or a claim was written and its start not yet made): the name makes
 * that start once. One that ended without succeeding is resumed under the
 * next name, claimed first.
 */
export function reconcileCycle(cycle: ReconciledCycle, status: JourneyStatus, now: Date, seen: JourneySeen = {}): Reconciliation {
  // a merge stops the absorbed lead's journeys first, then closes its open hand-off and retires the lead
  if (cycle.mergedInto || seen.leadMergedAway || seen.stoppedWith === MERGE_STOP_ERROR) return { action: 'close', why: 'merged' };
  if (cycle.recycled) return { action: 'close', why: 'recycled' };
  if (status === 'SUCCEEDED') return { action: 'close', why: 'succeeded' };
  // running, or waiting for a redrive someone started
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') return { action: 'leave' };
  const current = cycle.resumes ?? 0;
  const claim = status !== 'MISSING';
  const resumes = claim ? current + 1 : current;
  if (resumes > MAX_RESUMES) return { action: 'give-up', resumes: current };
  const from = resumePoint(cycle, now);
  const missed = cycle.missed ?? 0;
  const input: ResumeInput = {
    leadId: cycle.leadId,
    cycle: cycle.cycle,
    // the escalation the journey took last (the ladder's next step follows from `missed`)
    ...(missed > 0 && { escalation: { missed, step: EscalationStepName.notifyManager } }),
    resumed: { count: resumes, from },
  };
  return { action: 'resume', from, resumes, claim, name: resumedJourneyName(cycle.leadId, cycle.cycle, resumes), input };
}

/**
 * The assignment Assign rep answers for a cycle already written (a retry, or a
 * resumed journey): its owner, with the waits counted from now, so the
 * journey waits until the reminder and the deadline the record holds, not a
 * whole window again. A wait already over is one second (the shortest a
 * timeout may be): the reminder, then the escalation, follow at once.
 */
export function resumedAssignment(cycle: Parameters<typeof assignmentOf>[0], now: Date): JourneyAssignment {
  const assignment = assignmentOf(cycle);
  const secondsUntil = (at: string) => Math.max(1, Math.ceil((Date.parse(at) - now.getTime()) / 1000));
  return { ...assignment, remindWithinSeconds: secondsUntil(assignment.remindAt), acceptWithinSeconds: secondsUntil(assignment.acceptBy) };
}

/** What one reconciler run did: the cycles it looked at, and what it did with each that was not running. */
export interface ReconcileReport {
  checked: number;
  running: number;
  resumed: (CycleRef & { name: string; from: ResumePoint })[];
  closed: number;
  gaveUp: (CycleRef & { resumes: number })[];
}
