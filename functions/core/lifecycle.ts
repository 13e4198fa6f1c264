/**
 * Lifecycle stages of a lead and the transitions allowed between them.
 * visitor → known → engaged → mql → sal → sql → opportunity → won | lost,
 * plus recycled and disqualified.
 */

export const stages = [
  'visitor',
  'known',
  'engaged',
  'mql',
  'sal',
  'sql',
  'opportunity',
  'won',
  'lost',
  'recycled',
  'disqualified',
] as const;
export type Stage = (typeof stages)[number];

const allowed: Record<Stage, readonly Stage[]> = {
  visitor: ['known', 'disqualified'],
  known: ['engaged', 'mql', 'disqualified'],
  engaged: ['mql', 'known', 'disqualified'],
  mql: ['sal', 'recycled', 'disqualified'],
  sal: ['sql', 'recycled', 'disqualified'],
  sql: ['opportunity', 'recycled', 'disqualified'],
  opportunity: ['won', 'lost'],
  won: [],
  lost: ['recycled'],
  recycled: ['mql', 'disqualified'],
  disqualified: [],
};

/**
 * What sales made of a hand-off, on the stage change it caused: a rep
 * accepted or rejected the lead, or nobody accepted it within the service
 * agreement and the journey recycled it. Read by code (the backtest);
 * `cause` is the same for people.
 */
export type HandOffDecision = 'accepted' | 'rejected' | 'not-accepted';

/** Who moved a lead: the rep named, and the system that reported it (a CRM's key name). */
export interface StageMover {
  repId?: string;
  via?: string;
}

export interface StageChange {
  from: Stage;
  to: Stage;
  at: string;
  /** why, in words, for people: never parsed back (decisions have their own field) */
  cause: string;
  /** set on the change a hand-off's outcome caused (see core/outcomes.ts); absent on every other change */
  decision?: HandOffDecision;
  /** who moved the lead, for reports; absent where the cause says it (scoring, the journey) */
  by?: StageMover;
  /** on a rep's decision: whether it came before the owner's acceptance deadline (the cycle's acceptBy) */
  withinAgreement?: boolean;
  /**
   * on scoring's change into mql (the hand-off): the lead's engagement then; the hand-off's decision and its deal are
   * counted under its score band (report-counts.ts), so calibration reads the band at hand-off
   */
  engagement?: number;
}

export class InvalidTransitionError extends Error {
  readonly from: Stage;
  readonly to: Stage;
  constructor(from: Stage, to: Stage) {
    super(`a lead cannot move from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

export function canTransition(from: Stage, to: Stage): boolean {
  return allowed[from].includes(to);
}

export function transition(from: Stage, to: Stage, at: string, cause: string, decision?: HandOffDecision): StageChange {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  return { from, to, at, cause, ...(decision !== undefined && { decision }) };
}

/** Stages a lead reaches by engagement alone, in funnel order. */
export function isBefore(a: Stage, b: Stage): boolean {
  return stages.indexOf(a) < stages.indexOf(b);
}
