import { planOutcome, salesSourcedLead, type CrmOutcome, type CrmStage, type OutcomePlan } from './crm-outcomes.ts';
import { newLead, type Lead, type Owner } from './lead.ts';
import type { Stage, StageChange, StageMover } from './lifecycle.ts';
import type { ScoringModel } from './scoring.ts';

/**
 * What a CRM outcome does to a lead, once planned (crm-outcomes.ts): the
 * stage changes with who made them, the deal it carries, a lost lead sent
 * back to marketing, a cycle started by sales. Pure: the API's use case runs
 * it to answer (each outcome of a lead against the stage the previous one
 * left), the stream path to apply it.
 */

/** The deal a lead is in, as the CRM last reported it. */
export interface Deal {
  opportunityId?: string;
  amount?: number;
  currency?: string;
  /** the stage the CRM last reported */
  stage: CrmStage;
  /** when the CRM says it happened */
  at: string;
}

/** An outcome as stored: as sent, with who sent it (the server key's name). */
export type SentOutcome = CrmOutcome & { via: string };

/** Where a lead stands, as far as planning outcomes goes. */
export interface StageState {
  stage: Stage;
  stageHistory: StageChange[];
}

export type StageStep = { kind: 'refuse'; plan: Extract<OutcomePlan, { kind: 'refuse' }> } | { kind: 'record'; plan: Extract<OutcomePlan, { kind: 'record' }>; changes: StageChange[]; state: StageState };

/** Who made a CRM outcome's changes: the rep it names and the sender. */
export function moverOf(outcome: Pick<CrmOutcome, 'repId'>, via: string): StageMover {
  return { ...(outcome.repId !== undefined && { repId: outcome.repId }), via };
}

/**
 * The stage changes an outcome makes from `state`, with who made them; a
 * lost lead goes back to marketing at the same instant (lost, then
 * recycled: never deleted, the reason kept in the causes).
 */
export function stageStep(state: StageState, outcome: Pick<CrmOutcome, 'stage' | 'at' | 'repId' | 'reason'>, via: string): StageStep {
  const plan = planOutcome(state, outcome, via);
  if (plan.kind === 'refuse') return { kind: 'refuse', plan };
  const by = moverOf(outcome, via);
  const changes = plan.changes.map((change): StageChange => ({ ...change, by }));
  const last = changes.at(-1);
  if (last?.to === 'lost') {
    const reason = outcome.reason === undefined ? '' : `: ${outcome.reason}`;
    changes.push({ from: 'lost', to: 'recycled', at: last.at, cause: `back to marketing: ${via} reported the deal lost${reason}`, by });
  }
  const stage = changes.at(-1)?.to ?? state.stage;
  return { kind: 'record', plan, changes, state: { stage, stageHistory: [...state.stageHistory, ...changes] } };
}

/**
 * The deal after an outcome: started by the first outcome that names an
 * opportunity, an amount or a deal stage (opportunity, won, lost), updated by
 * each later one (an outcome dated before the deal's last report leaves it as
 * it is); a new cycle starts without one.
 */
export function dealAfter(deal: Deal | undefined, outcome: Pick<CrmOutcome, 'stage' | 'at' | 'amount' | 'currency' | 'opportunityId'>, startsCycle = false): Deal | undefined {
  const current = startsCycle ? undefined : deal;
  const names = outcome.amount !== undefined || outcome.opportunityId !== undefined || ['opportunity', 'won', 'lost'].includes(outcome.stage);
  if (current === undefined && !names) return undefined;
  if (current !== undefined && Date.parse(outcome.at) < Date.parse(current.at)) return current;
  return {
    ...current,
    ...(outcome.opportunityId !== undefined && { opportunityId: outcome.opportunityId }),
    ...(outcome.amount !== undefined && { amount: outcome.amount, currency: outcome.currency! }),
    stage: outcome.stage,
    at: new Date(Date.parse(outcome.at)).toISOString(),
  };
}

export type AppliedCrmOutcome =
  | { kind: 'refuse'; plan: Extract<OutcomePlan, { kind: 'refuse' }> }
  | {
      kind: 'record';
      plan: Extract<OutcomePlan, { kind: 'record' }>;
      lead: Lead;
      /** the changes made, in order (the plan's, with who made them, and a lost lead's recycling) */
      changes: StageChange[];
    };

export interface ApplyCrmOptions {
  /** the owner a rep the CRM names becomes on a cycle sales started; undefined leaves the lead without one */
  ownerOf?: (repId: string, at: string) => Owner | undefined;
}

/**
 * Applies a CRM outcome to a lead (a copy): the changes and who made them,
 * the deal, a new cycle when the changes pass `mql` (sales took the lead on
 * itself: no hand-off waits, so no journey starts), no owner once the lead
 * is back with marketing. A pending hand-off decided by the CRM is the
 * caller's to record on the cycle first (plan.handOffDecision).
 */
export function applyCrmOutcome(current: Lead, outcome: SentOutcome, options: ApplyCrmOptions = {}): AppliedCrmOutcome {
  const step = stageStep(current, outcome, outcome.via);
  if (step.kind === 'refuse') return step;
  const { plan, changes } = step;
  const lead: Lead = structuredClone(current);
  lead.stage = step.state.stage;
  lead.stageHistory.push(...changes);
  if (plan.startsCycle) {
    lead.cycle += 1;
    delete lead.owner;
    const owner = outcome.repId === undefined ? undefined : options.ownerOf?.(outcome.repId, changes[0]!.at);
    if (owner) lead.owner = owner;
  }
  if (lead.stage === 'recycled') delete lead.owner;
  const deal = dealAfter(current.deal, outcome, plan.startsCycle);
  if (deal) lead.deal = deal;
  else delete lead.deal;
  return { kind: 'record', plan, lead, changes };
}

/**
 * The lead `createIfMissing` makes of an outcome for an email LeadLoop does
 * not know (see salesSourcedLead): a new lead in the reported stage, with its
 * deal and, when the CRM names a rep LeadLoop knows, its owner. Its entry in
 * the funnel is `entry`: counted (a sales-sourced lead is pipeline too), not
 * part of its stage history.
 */
export function createSalesSourcedLead(outcome: SentOutcome, email: string, model: ScoringModel, options: ApplyCrmOptions = {}): { lead: Lead; entry: StageChange } {
  const made = salesSourcedLead(outcome, email);
  const lead: Lead = {
    ...newLead(made.leadId, made.createdAt, model),
    email: made.email,
    identities: [...made.identities],
    traits: { email: made.email },
    source: made.source,
    stage: made.stage,
  };
  const deal = dealAfter(undefined, outcome);
  if (deal) lead.deal = deal;
  const owner = made.repId === undefined ? undefined : options.ownerOf?.(made.repId, made.createdAt);
  if (owner) lead.owner = owner;
  const entry: StageChange = { from: 'visitor', to: made.stage, at: made.createdAt, cause: `created by ${outcome.via}: sales-sourced`, by: moverOf(outcome, outcome.via) };
  return { lead, entry };
}

/** A lead's outcomes in the order they are planned and applied: by `at`, then as given. */
export function inOutcomeOrder<T>(items: readonly T[], atOf: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, at: Date.parse(atOf(item)) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ item }) => item);
}
