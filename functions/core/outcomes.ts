import { moveTo, type AppliedEvents, type Lead } from './lead.ts';
import type { StageChange } from './lifecycle.ts';

/**
 * What sales makes of a hand-off: a rep's acceptance or rejection of an MQL,
 * and the recycle when nobody accepted it within the service agreement.
 */

export type Outcome =
  | { kind: 'accepted'; cycle: number; repId: string; at: string }
  | {
      kind: 'rejected';
      cycle: number;
      repId: string;
      at: string;
      reason: string;
      /** "not now": the rep asked for the lead back on this day (it returns to sales then) */
      recontactAt?: string;
    };

export class OutcomeRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutcomeRefusedError';
  }
}

/** Why an outcome from a rep cannot apply to the lead as it is now, or undefined when it can. */
export function outcomeRefusal(lead: Pick<Lead, 'cycle' | 'owner' | 'stage'>, outcome: Pick<Outcome, 'cycle' | 'repId'>): string | undefined {
  if (outcome.cycle !== lead.cycle) return 'this hand-off belongs to an earlier cycle of the lead';
  if (lead.owner?.repId !== outcome.repId) return 'the lead is no longer assigned to you';
  if (lead.stage !== 'mql') return `the lead was already handled (stage ${lead.stage})`;
  return undefined;
}

/** Applies a rep's acceptance or rejection: accepted → sal, rejected → recycled with the reason. */
export function applyOutcome(current: Lead, outcome: Outcome): AppliedEvents {
  const refusal = outcomeRefusal(current, outcome);
  if (refusal) throw new OutcomeRefusedError(refusal);
  const lead: Lead = structuredClone(current);
  const changes: StageChange[] = [];
  if (outcome.kind === 'accepted') moveTo(lead, 'sal', outcome.at, `accepted by ${outcome.repId}`, changes, 'accepted');
  else {
    moveTo(lead, 'recycled', outcome.at, `rejected by ${outcome.repId}: ${outcome.reason}`, changes, 'rejected');
    delete lead.owner;
  }
  return { lead, changes };
}

/** The journey ran out of escalation steps: the lead goes back to marketing. */
export function recycleUnaccepted(current: Lead, cycle: number, at: string): AppliedEvents {
  if (current.cycle !== cycle || current.stage !== 'mql') return { lead: current, changes: [] };
  const lead: Lead = structuredClone(current);
  const changes: StageChange[] = [];
  moveTo(lead, 'recycled', at, 'not accepted within the service agreement after escalation', changes, 'not-accepted');
  delete lead.owner;
  return { lead, changes };
}

/**
 * The recontact date a rep gave when rejecting ("not now") has come: the
 * journey sends this, and the lead goes back to sales as a new cycle.
 */
export interface ReturnToSales {
  kind: 'return-to-sales';
  /** the cycle the rep rejected */
  cycle: number;
  /** the rep who asked for it */
  repId: string;
  /** the recontact date */
  at: string;
}

/** The id of the event that returns a lead to sales: one per rejected cycle. */
export function returnToSalesMessageId(leadId: string, cycle: number): string {
  return `recontact-${leadId}-${cycle}`;
}

/**
 * Sends a recycled lead back to sales on the date its rep asked for: an MQL
 * again, in a new cycle whose journey is pending. Only while it is still the
 * recycled lead of that cycle; a lead that came back some other way is left.
 */
export function returnToSales(current: Lead, event: ReturnToSales): AppliedEvents {
  if (current.cycle !== event.cycle || current.stage !== 'recycled') return { lead: current, changes: [] };
  const lead: Lead = structuredClone(current);
  const changes: StageChange[] = [];
  moveTo(lead, 'mql', event.at, `back to sales: ${event.repId} asked to recontact on ${event.at.slice(0, 10)}`, changes);
  lead.cycle += 1;
  lead.journeyPending = lead.cycle;
  delete lead.owner;
  return { lead, changes };
}
