import type { Cycle } from './cycle.ts';
import type { Stage } from './lifecycle.ts';

/**
 * Whether a lead waiting in a team's queue still waits for a rep: only an
 * MQL in the queued cycle, not merged into another lead, with no closed
 * record of that cycle, may be handed out by a drain. Anything else (merged,
 * recycled or moved on by the CRM, decided) is a stale item: assigning it
 * would count an open lead for a rep that no journey will ever release.
 */

/** What the lead's profile says of it, as a drain reads it. */
export interface QueuedLeadFacts {
  stage: Stage;
  cycle: number;
  /** the lead a merge retired this one into */
  mergedInto?: string;
}

export type QueueItemFate =
  /** the lead still waits: a drain may hand it to a rep */
  | { kind: 'assign' }
  /** the item is stale: removed (if no drain took it meanwhile), never counted */
  | { kind: 'drop'; reason: string }
  /** left as it is for now: not handed out, not removed (see queuedLeadFate) */
  | { kind: 'skip'; reason: string };

/**
 * The fate of a queued item of cycle `cycle`, given the lead's profile
 * (undefined: erased or never stored), the record of that cycle if one was
 * written, and whether the journey's wait is still open (`journeyWaiting`:
 * undefined while no token was recorded). A lead that still waits but whose
 * journey's wait is gone is skipped, not dropped: a journey that timed out
 * of its wait records a new token on the same item, and a failed one is the
 * reconciler's to resume; either way nothing is counted for it now.
 */
export function queuedLeadFate(
  cycle: number,
  lead: QueuedLeadFacts | undefined,
  record: Pick<Cycle, 'outcome' | 'recycled' | 'mergedInto'> | undefined,
  journeyWaiting: boolean | undefined,
): QueueItemFate {
  if (lead === undefined) return { kind: 'drop', reason: 'the lead is gone' };
  if (lead.mergedInto !== undefined) return { kind: 'drop', reason: `merged into ${lead.mergedInto}` };
  if (lead.cycle !== cycle) return { kind: 'drop', reason: `the lead is in cycle ${lead.cycle} now` };
  if (lead.stage !== 'mql') return { kind: 'drop', reason: `the lead is ${lead.stage} now, no longer an MQL awaiting a rep` };
  if (record?.outcome) return { kind: 'drop', reason: `the cycle was ${record.outcome.kind}` };
  if (record?.recycled) return { kind: 'drop', reason: 'the cycle was recycled' };
  if (record?.mergedInto) return { kind: 'drop', reason: `the cycle was merged into ${record.mergedInto.leadId}` };
  if (journeyWaiting === false) return { kind: 'skip', reason: 'its journey no longer waits for a rep' };
  return { kind: 'assign' };
}
