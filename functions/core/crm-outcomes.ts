import * as z from './zod.ts';
import { describeIssues } from './config-errors.ts';
import { leadIdFor } from './lead-id.ts';
import { leadRefFields, leadRefIssue, repIdSchema, senderIdSchema, type FieldIssue } from './lead-ref.ts';
import { canTransition, isBefore, type HandOffDecision, type Stage, type StageChange } from './lifecycle.ts';

/**
 * What the CRM reports about a lead after the hand-off (`POST /v1/outcomes`,
 * `leadloop outcomes import`): the stage a deal reached, when, and as it
 * applies its amount, opportunity, reason and rep. Each outcome carries the
 * sender's `outcomeId`, so a repeat changes nothing. A rep's Accept/Reject is
 * `outcomes.ts`; this is the rest of the loop.
 */

/** The stages a CRM reports. */
export const crmStages = ['sql', 'opportunity', 'won', 'lost', 'disqualified', 'recycled'] as const satisfies readonly Stage[];
export type CrmStage = (typeof crmStages)[number];

/**
 * Stages that close a lead's cycle. Nothing moves a lead out of `won` or
 * `disqualified`; a `lost` lead may only be recycled (back to marketing).
 */
export const closedStages = ['won', 'lost', 'disqualified'] as const satisfies readonly Stage[];
export type ClosedStage = (typeof closedStages)[number];

export function isClosed(stage: Stage): stage is ClosedStage {
  return (closedStages as readonly Stage[]).includes(stage);
}

export const MAX_OUTCOMES_PER_BATCH = 100;
export const MAX_REASON_LENGTH = 1000;
/** Larger than any deal, and exact as a double (2^53 > 10^15). */
export const MAX_AMOUNT = 1e15;

const currencySchema = z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code: three capital letters, e.g. EUR'));

export const crmOutcomeSchema = z
  .strictObject({
    /** the sender's id of this outcome: sending it again changes nothing */
    outcomeId: senderIdSchema,
    ...leadRefFields,
    stage: z.enum(crmStages),
    /** when it happened in the CRM */
    at: z.iso.datetime({ offset: true }),
    amount: z.optional(z.number().check(z.nonnegative('an amount is not negative'), z.lte(MAX_AMOUNT))),
    currency: z.optional(currencySchema),
    opportunityId: z.optional(senderIdSchema),
    reason: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_REASON_LENGTH))),
    repId: z.optional(repIdSchema),
    /** an unknown lead becomes a sales-sourced lead instead of a 404 (needs `email`) */
    createIfMissing: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((outcome, ctx) => {
      const lead = leadRefIssue(outcome);
      if (lead) ctx.addIssue({ code: 'custom', ...lead });
      if (outcome.amount !== undefined && outcome.currency === undefined) {
        ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency is required with an amount' });
      }
      if (outcome.currency !== undefined && outcome.amount === undefined) {
        ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency is given only with an amount' });
      }
      if (outcome.createIfMissing === true && outcome.email === undefined) {
        ctx.addIssue({ code: 'custom', path: ['createIfMissing'], message: 'a lead is created only from an email: give email, not leadId' });
      }
    }),
  );
export type CrmOutcome = z.infer<typeof crmOutcomeSchema>;

const batchEnvelopeSchema = z.strictObject({
  batch: z
    .array(z.unknown())
    .check(z.minLength(1, 'a batch needs at least one outcome'), z.maxLength(MAX_OUTCOMES_PER_BATCH, `a batch holds at most ${MAX_OUTCOMES_PER_BATCH} outcomes`)),
});

function prefixed(prefix: string, issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => ({ path: issue.path ? `${prefix}.${issue.path}` : prefix, message: issue.message }));
}

/**
 * The outcomes of a request body: one outcome, or `{"batch": [...]}`. A batch
 * is all or nothing (see docs/decisions.md, "A batch is all or nothing"): any
 * invalid outcome, or an `outcomeId` given twice, refuses all of it, and every
 * issue is named by its path (`batch[3].stage`).
 */
export function outcomesOf(body: unknown): { outcomes: CrmOutcome[] } | { issues: FieldIssue[] } {
  const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'batch' in body;
  if (!isBatch) {
    const one = z.safeParse(crmOutcomeSchema, body);
    return one.success ? { outcomes: [one.data] } : { issues: describeIssues(one.error) };
  }
  const envelope = z.safeParse(batchEnvelopeSchema, body);
  if (!envelope.success) return { issues: describeIssues(envelope.error) };
  const outcomes: CrmOutcome[] = [];
  const issues: FieldIssue[] = [];
  const firstIndexOf = new Map<string, number>();
  envelope.data.batch.forEach((item, i) => {
    const result = z.safeParse(crmOutcomeSchema, item);
    if (!result.success) {
      issues.push(...prefixed(`batch[${i}]`, describeIssues(result.error)));
      return;
    }
    const earlier = firstIndexOf.get(result.data.outcomeId);
    if (earlier !== undefined) issues.push({ path: `batch[${i}].outcomeId`, message: `the same outcomeId as batch[${earlier}]` });
    else firstIndexOf.set(result.data.outcomeId, i);
    outcomes.push(result.data);
  });
  return issues.length > 0 ? { issues } : { outcomes };
}

/** What an outcome does to the lead: the stage changes to record, or why it cannot apply. */
export type OutcomePlan =
  | {
      kind: 'record';
      /** in order; empty when the lead is already in the reported stage (the outcome is still recorded: an amount, say) */
      changes: StageChange[];
      /** the stages the CRM skipped, recorded as passed at the same instant */
      passed: Stage[];
      /** the changes pass `mql`: a new cycle starts, already decided (no hand-off journey waits for it) */
      startsCycle: boolean;
      /** the changes decide a pending hand-off (the lead was an MQL): the cycle must record it as the rep's decision would */
      handOffDecision?: Exclude<HandOffDecision, 'not-accepted'>;
      /** the lead ends in won, lost or disqualified */
      closesCycle: boolean;
    }
  | {
      kind: 'refuse';
      /** the stage the lead is in */
      stage: Stage;
      /** the stage the outcome asked for */
      to: CrmStage;
      /** the stages an outcome may move this lead to; empty once it is won or disqualified */
      allowed: CrmStage[];
      /** for the 409, in words */
      message: string;
    };

/** The stages a CRM move may pass through without reporting them (the funnel's main line). */
const passable: readonly Stage[] = ['known', 'mql', 'sal', 'sql', 'opportunity'];
/** Reported only as the move out of the current stage, never reached by passing others. */
const directOnly: readonly Stage[] = ['recycled', 'disqualified'];
const funnel: readonly Stage[] = ['visitor', 'known', 'engaged', 'mql', 'sal', 'sql', 'opportunity'];

function isForward(from: Stage, to: Stage): boolean {
  return !(funnel.includes(from) && funnel.includes(to) && isBefore(to, from));
}

/**
 * The shortest run of allowed, forward transitions from `from` to `to` whose
 * stages in between are all on the funnel's main line, or undefined. Going
 * back (opportunity → sql), out of a closed stage, or inventing a loss on the
 * way to recycled (opportunity → lost → recycled) has no path.
 */
function pathTo(from: Stage, to: Stage): Stage[] | undefined {
  if (directOnly.includes(to)) return canTransition(from, to) ? [from, to] : undefined;
  const queue: Stage[][] = [[from]];
  const seen = new Set<Stage>([from]);
  for (let path = queue.shift(); path; path = queue.shift()) {
    const last = path.at(-1)!;
    for (const next of nextStages(last)) {
      if (seen.has(next)) continue;
      seen.add(next);
      if (next === to) return [...path, next];
      if (passable.includes(next)) queue.push([...path, next]);
    }
  }
  return undefined;
}

function nextStages(from: Stage): Stage[] {
  return funnel.concat(['won', 'lost', 'recycled', 'disqualified']).filter((to) => canTransition(from, to) && isForward(from, to));
}

/** The stages an outcome may move a lead in `stage` to (reporting `stage` itself again moves nothing and is not refused). */
export function allowedOutcomeStages(stage: Stage): CrmStage[] {
  return crmStages.filter((to) => to !== stage && pathTo(stage, to) !== undefined);
}

/** Who reported the outcome, for the causes people read: the CRM (the server key's name), and as given the rep and reason. */
function causeOf(outcome: Pick<CrmOutcome, 'stage' | 'repId' | 'reason'>, via: string): string {
  const rep = outcome.repId === undefined ? '' : ` (rep ${outcome.repId})`;
  const reason = outcome.reason === undefined ? '' : `: ${outcome.reason}`;
  return `${via} reported ${outcome.stage}${rep}${reason}`;
}

/**
 * What an outcome does to a lead, purely. A forward move records every stage
 * it skipped as passed at the same instant (sal → opportunity records sal → sql
 * and sql → opportunity); a move the lifecycle does not allow is refused with
 * the stage the lead is in and the stages it may move to; the stage the lead
 * is already in records nothing but is not refused. The changes are dated
 * `outcome.at`, or the lead's last change when the CRM's date is earlier, so a
 * lead's history stays in time order (the outcome keeps its own `at`).
 * `via` names the sender (the CRM) in each change's cause.
 */
export function planOutcome(
  lead: { stage: Stage; stageHistory: readonly Pick<StageChange, 'at'>[] },
  outcome: Pick<CrmOutcome, 'stage' | 'at' | 'repId' | 'reason'>,
  via: string,
): OutcomePlan {
  const from = lead.stage;
  const to = outcome.stage;
  if (from === to) return { kind: 'record', changes: [], passed: [], startsCycle: false, closesCycle: false };
  const path = pathTo(from, to);
  if (!path) {
    const allowed = allowedOutcomeStages(from);
    const message =
      allowed.length === 0
        ? `the lead is ${from}, a closed stage: no outcome moves it`
        : `the lead is ${from}; an outcome may move it to ${allowed.join(', ')}`;
    return { kind: 'refuse', stage: from, to, allowed, message };
  }
  const lastAt = lead.stageHistory.at(-1)?.at;
  const at = lastAt !== undefined && Date.parse(lastAt) > Date.parse(outcome.at) ? lastAt : new Date(Date.parse(outcome.at)).toISOString();
  const cause = causeOf(outcome, via);
  const handOffDecision = from === 'mql' ? (path[1] === 'sal' ? 'accepted' : 'rejected') : undefined;
  const changes = path.slice(1).map((stage, i): StageChange => {
    const previous = path[i]!;
    const decided = previous === 'mql' && handOffDecision !== undefined;
    return {
      from: previous,
      to: stage,
      at,
      cause: stage === to ? cause : `passed when ${cause}`,
      ...(decided && { decision: handOffDecision }),
    };
  });
  return {
    kind: 'record',
    changes,
    passed: path.slice(1, -1),
    startsCycle: path.slice(1).includes('mql'),
    ...(handOffDecision !== undefined && { handOffDecision }),
    closesCycle: isClosed(to),
  };
}

/**
 * A lead LeadLoop first hears of from the CRM (`createIfMissing`): sales found
 * it, so it counts as sales-sourced pipeline. It enters the funnel at the
 * reported stage with no stage history of its own (it never passed marketing's
 * stages; the outcome event records its entry) and no cycle (no hand-off).
 * The handler builds the rest of the lead (score, ledger) as for any new lead.
 */
export interface SalesSourcedLead {
  leadId: string;
  email: string;
  identities: [`email:${string}`];
  source: 'sales';
  stage: CrmStage;
  stageHistory: [];
  cycle: 0;
  createdAt: string;
  /** the rep the CRM named, to be resolved to an owner by the handler */
  repId?: string;
}

/** The lead `createIfMissing` creates, given the normalized email of the outcome. */
export function salesSourcedLead(outcome: Pick<CrmOutcome, 'stage' | 'at' | 'repId'>, email: string): SalesSourcedLead {
  const identity = `email:${email}` as const;
  return {
    leadId: leadIdFor(identity),
    email,
    identities: [identity],
    source: 'sales',
    stage: outcome.stage,
    stageHistory: [],
    cycle: 0,
    createdAt: new Date(Date.parse(outcome.at)).toISOString(),
    ...(outcome.repId !== undefined && { repId: outcome.repId }),
  };
}
