import { inOutcomeOrder, stageStep, type StageState } from '#core/crm-apply.ts';
import { salesSourcedLead, type CrmOutcome, type CrmStage } from '#core/crm-outcomes.ts';
import { futureIssue, leadRefOf, type LeadRef } from '#core/lead-ref.ts';
import { ValidationError } from '#commons/errors.ts';
import type { Stage } from '#core/lifecycle.ts';
import type { CrmOutcomeEvent, VersionedLead } from '#core/records.ts';

/**
 * Records what the CRM reports about leads (`POST /v1/outcomes`, `leadloop
 * outcomes import`): each outcome is checked against its lead as read (an
 * unknown lead is refused, or created with `createIfMissing`; a move the
 * lifecycle does not allow is refused), the outcomes of one lead in time
 * order, each against the stage the previous one left. All or nothing: one
 * refusal and nothing is stored. Stored outcomes are events; the stream
 * path applies them to their leads (and resumes the journey).
 * `stored` is true when nothing was refused and it was not a dry run (each
 * result then says recorded or duplicate).
 */

export interface RecordOutcomesPorts {
  now(): Date;
  /** the lead named by id (following merges) or by the email it is known by */
  findLead(ref: LeadRef): Promise<VersionedLead | undefined>;
  /** stores the events, each at most once; returns the messageIds that were stored already */
  storeOutcomes(events: CrmOutcomeEvent[]): Promise<{ duplicates: Set<string> }>;
  /**
   * Of these messageIds, those already stored. Optional: with it, an outcome
   * sent again after its lead moved on answers `duplicate`, not a 409 (a CRM
   * retrying, an import run again).
   */
  storedOutcomes?(messageIds: string[]): Promise<Set<string>>;
}

export type OutcomeResult =
  | { index: number; outcomeId: string; leadId: string; status: 'recorded' | 'duplicate' | 'would-record'; stage: Stage }
  | { index: number; outcomeId: string; status: 'refused'; code: 404 | 409; path: string; message: string; leadStage?: Stage; allowed?: CrmStage[] };

export interface RecordOutcomesOptions {
  /** who sent them (the server key's name), kept with each outcome */
  via: string;
  /** answer what would happen; store nothing */
  dryRun: boolean;
  /**
   * the outcomes came as a batch: refusals name their field `batch[i].leadId`
   * @default outcomes.length > 1
   */
  batch?: boolean;
}

/** The id of a CRM outcome's event: the sender's id, so a repeat stores nothing. */
export function crmMessageId(outcomeId: string): string {
  return `crm-${outcomeId}`;
}

interface Item {
  index: number;
  outcome: CrmOutcome;
  ref: LeadRef;
}

function refKey(ref: LeadRef): string {
  return 'leadId' in ref ? `id:${ref.leadId}` : `email:${ref.email}`;
}

export async function recordOutcomes(
  outcomes: CrmOutcome[],
  options: RecordOutcomesOptions,
  ports: RecordOutcomesPorts,
): Promise<{ stored: boolean; results: OutcomeResult[] }> {
  const { via, dryRun } = options;
  const pathOf = (index: number, field: string) => ((options.batch ?? outcomes.length > 1) ? `batch[${index}].${field}` : field);
  const items: Item[] = outcomes.map((outcome, index) => ({ index, outcome, ref: leadRefOf(outcome) }));
  const receivedAt = ports.now().toISOString();
  const future = items.flatMap(({ index, outcome }) => futureIssue(outcome.at, ports.now(), pathOf(index, 'at')) ?? []);
  if (future.length > 0) throw new ValidationError(future);

  // Each lead named is read once.
  const refs = new Map(items.map((item) => [refKey(item.ref), item.ref]));
  const found = new Map<string, VersionedLead | undefined>();
  await Promise.all([...refs].map(async ([key, ref]) => found.set(key, await ports.findLead(ref))));
  const alreadyStored = ports.storedOutcomes ? await ports.storedOutcomes(items.map((item) => crmMessageId(item.outcome.outcomeId))) : new Set<string>();

  // Outcomes grouped by the lead they reach: by its id when it exists, by the id createIfMissing gives it when not.
  const results: OutcomeResult[] = new Array(items.length);
  const groups = new Map<string, { lead: VersionedLead | undefined; items: Item[] }>();
  for (const item of items) {
    const lead = found.get(refKey(item.ref));
    const leadId = lead?.lead.leadId ?? ('email' in item.ref ? salesSourcedLead(item.outcome, item.ref.email).leadId : item.ref.leadId);
    const group = groups.get(leadId) ?? { lead, items: [] };
    group.items.push(item);
    groups.set(leadId, group);
  }

  const events: CrmOutcomeEvent[] = [];
  for (const [leadId, group] of groups) {
    let state: StageState | undefined = group.lead && { stage: group.lead.lead.stage, stageHistory: group.lead.lead.stageHistory };
    for (const { index, outcome, ref } of inOutcomeOrder(group.items, (item) => item.outcome.at)) {
      const messageId = crmMessageId(outcome.outcomeId);
      const base = { index, outcomeId: outcome.outcomeId };
      // stored already, or given twice in this call (the API refuses that; a caller of its own may not): a repeat
      if (alreadyStored.has(messageId) || events.some((e) => e.messageId === messageId)) {
        results[index] = { ...base, leadId, status: 'duplicate', stage: state?.stage ?? outcome.stage };
        continue;
      }
      if (state === undefined) {
        if (!outcome.createIfMissing) {
          const field = 'leadId' in ref ? 'leadId' : 'email';
          const message = 'leadId' in ref ? `no lead ${ref.leadId}` : `no lead with the email ${ref.email} (send createIfMissing: true to create a sales-sourced lead)`;
          results[index] = { ...base, status: 'refused', code: 404, path: pathOf(index, field), message };
          continue;
        }
        // A sales-sourced lead enters in the reported stage (see salesSourcedLead).
        state = { stage: outcome.stage, stageHistory: [] };
        events.push({ messageId, kind: 'crm-outcome', leadId, outcome: { ...outcome, via }, receivedAt });
        results[index] = { ...base, leadId, status: 'would-record', stage: state.stage };
        continue;
      }
      const step = stageStep(state, outcome, via);
      if (step.kind === 'refuse') {
        const { plan } = step;
        results[index] = { ...base, status: 'refused', code: 409, path: pathOf(index, 'stage'), message: plan.message, leadStage: plan.stage, allowed: plan.allowed };
        continue;
      }
      state = step.state;
      events.push({ messageId, kind: 'crm-outcome', leadId, outcome: { ...outcome, via }, receivedAt });
      results[index] = { ...base, leadId, status: 'would-record', stage: state.stage };
    }
  }

  const refused = results.some((result) => result.status === 'refused');
  if (refused || dryRun) return { stored: false, results };
  const { duplicates } = events.length === 0 ? { duplicates: new Set<string>() } : await ports.storeOutcomes(events);
  for (const result of results) {
    if (result.status === 'would-record') result.status = duplicates.has(crmMessageId(result.outcomeId)) ? 'duplicate' : 'recorded';
  }
  return { stored: true, results };
}
