import type { Lead } from './lead.ts';
import type { Stage } from './lifecycle.ts';
import { gradeSchema, type Grade } from './scoring.ts';
import * as z from './zod.ts';

/**
 * Nurture: what marketing sends a known lead that is not ready for sales
 * (config/nurture.json). A program is a list of email steps, each after a
 * wait, each with an optional condition on the lead's traits or score. A
 * known lead below MQL (or a recycled one) with consent enters the first
 * program whose entry matches, one program per lead and cycle; the lead
 * leaves it, wherever it is, when it becomes an MQL, is owned by sales,
 * unsubscribes, bounces or complains. Pure: the lead in, decisions out.
 */

const idSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'use 1 to 32 lower-case letters, digits and dashes, starting with a letter or digit'));
const nonEmpty = () => z.string().check(z.minLength(1, 'must not be empty'));
const traitValueSchema = z.union([z.string(), z.number(), z.boolean()]);
type TraitValue = z.infer<typeof traitValueSchema>;

/** The longest wait between two steps: a year (a Standard execution lives a year at most). */
const MAX_WAIT_HOURS = 24 * 300;

/**
 * A test on the lead: every part given must hold. `traits` maps a trait to a
 * value or a list of values (strings compared without case); `minScore` and
 * `maxScore` bound the engagement score as of the send; `grades` lists the fit grades that pass.
 */
export const nurtureConditionSchema = z
  .strictObject({
    traits: z.optional(z.record(nonEmpty(), z.union([traitValueSchema, z.array(traitValueSchema).check(z.minLength(1, 'list at least one value'))]))),
    minScore: z.optional(z.number()),
    maxScore: z.optional(z.number()),
    grades: z.optional(z.array(gradeSchema).check(z.minLength(1, 'list at least one grade'))),
  })
  .check(
    z.refine((c) => c.minScore === undefined || c.maxScore === undefined || c.minScore <= c.maxScore, { message: 'minScore must not be above maxScore', path: ['minScore'] }),
  );
export type NurtureCondition = z.infer<typeof nurtureConditionSchema>;

const linkSchema = z.strictObject({
  /** names the link in the click event and its URL; unique within the step */
  id: idSchema,
  label: nonEmpty(),
  url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }),
});

const stepSchema = z.strictObject({
  /** names the step in the once-only send record and the click events: do not rename one in use */
  id: idSchema,
  /** hours after the previous step (for the first, after entering the program) */
  waitHours: z.number().check(z.nonnegative(), z.lte(MAX_WAIT_HOURS, `at most ${MAX_WAIT_HOURS} hours`)),
  subject: nonEmpty(),
  /** plain text, paragraphs split by blank lines; `{{trait}}` or `{{trait|fallback}}` is replaced by the lead's trait */
  body: nonEmpty(),
  links: z.array(linkSchema).check(z.minLength(1, 'give at least one link: what the email is for')),
  /** the step is sent only when this holds as it is due; otherwise skipped, and the program goes on */
  condition: z.optional(nurtureConditionSchema),
});

/** How a lead comes to nurture: as a known lead below MQL, or recycled back to marketing after a hand-off. */
export const nurtureEntries = ['known', 'recycled'] as const;
export type NurtureEntry = (typeof nurtureEntries)[number];

const programSchema = z
  .strictObject({
    /** names the program in execution names and send records: do not rename one in use */
    id: idSchema,
    name: nonEmpty(),
    enter: z.strictObject({ from: z.enum(nurtureEntries), condition: z.optional(nurtureConditionSchema) }),
    steps: z.array(stepSchema).check(z.minLength(1, 'give at least one step')),
  })
  .check(
    z.superRefine((program, ctx) => {
      duplicates(program.steps.map((s) => s.id)).forEach((index) => ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: 'another step of this program has this id' }));
      program.steps.forEach((step, s) =>
        duplicates(step.links.map((l) => l.id)).forEach((index) => ctx.addIssue({ code: 'custom', path: ['steps', s, 'links', index, 'id'], message: 'another link of this step has this id' })),
      );
    }),
  );

export const nurtureConfigSchema = z
  .strictObject({
    /** a lead is emailed only when one of these traits holds one of these values (an identify call's traits, as the lead keeps them) */
    consent: z.strictObject({
      traits: z.array(nonEmpty()).check(z.minLength(1, 'name at least one trait')),
      grantedValues: z.array(traitValueSchema).check(z.minLength(1, 'list at least one value')),
    }),
    /** how long the links in a nurture email work (clicks are recorded, unsubscribe works) */
    linkDays: z.number().check(z.int(), z.positive(), z.lte(3650)),
    /** the first program whose entry matches a lead is the one it enters */
    programs: z.array(programSchema),
  })
  .check(
    z.superRefine((config, ctx) => {
      duplicates(config.programs.map((p) => p.id)).forEach((index) => ctx.addIssue({ code: 'custom', path: ['programs', index, 'id'], message: 'another program has this id' }));
    }),
  );
export type NurtureConfig = z.infer<typeof nurtureConfigSchema>;
export type NurtureProgram = NurtureConfig['programs'][number];
export type NurtureStep = NurtureProgram['steps'][number];

/** The indexes of the entries that repeat an earlier one. */
function duplicates(ids: readonly string[]): number[] {
  return ids.flatMap((id, index) => (ids.indexOf(id) < index ? [index] : []));
}

/** Which program a lead is in for which cycle (0 before its first hand-off), as the lead keeps it. */
export interface NurtureEnrollment {
  programId: string;
  cycle: number;
  enteredAt: string;
  /** set until the program's execution is known to exist (the stream path starts it, then clears this) */
  pending?: true;
  /** set once the lead left the program (or finished it): why, and when */
  ended?: { reason: NurtureExit | 'completed'; at: string };
}

/** What the program's execution is started with, and carries from step to step. */
export interface NurtureState {
  leadId: string;
  programId: string;
  cycle: number;
  /** the index of the step due after the wait */
  step: number;
  waitSeconds: number;
}

/** The execution of a lead's program for a cycle: deterministic, so starting it twice is a no-op. */
export function nurtureName(leadId: string, programId: string, cycle: number): string {
  return `${leadId}-nurture-${programId}-${cycle}`;
}

/** Why a lead leaves nurture. */
export type NurtureExit =
  | 'became an MQL'
  | 'owned by sales'
  | 'disqualified'
  | 'merged into another lead'
  | 'no email address'
  | 'no consent'
  | 'unsubscribed'
  | 'bounced'
  | 'complained'
  | 'entered another program'
  | 'program no longer configured'
  | 'lead not found'
  | 'erased';

/** What the suppression list holds an address for: each one stops every email to a lead at that address. */
export type SuppressionReason = Extract<NurtureExit, 'unsubscribed' | 'bounced' | 'complained'>;

/** What a lead is, as far as nurture cares. */
export type NurtureLead = Pick<Lead, 'stage' | 'traits' | 'email' | 'owner' | 'cycle' | 'mergedInto' | 'nurture'> & { grade: Grade };

/** Stages nurture holds a lead in: below MQL, or back with marketing after a hand-off. */
const NURTURED_STAGES: readonly Stage[] = ['known', 'engaged', 'recycled'];

/**
 * Why the lead must leave nurture whatever its program, or undefined while
 * it may stay: sales has it (an MQL or beyond, or an owner), it was
 * disqualified or merged, it has no address or no consent.
 */
export function nurtureExit(lead: NurtureLead, config: Pick<NurtureConfig, 'consent'>): NurtureExit | undefined {
  if (lead.mergedInto !== undefined) return 'merged into another lead';
  if (lead.stage === 'disqualified') return 'disqualified';
  if (lead.stage === 'mql') return 'became an MQL';
  if (lead.stage === 'visitor') return 'no email address';
  // past MQL (sal … won, lost) or given an owner: the lead is sales'
  if (!NURTURED_STAGES.includes(lead.stage) || lead.owner !== undefined) return 'owned by sales';
  if (lead.email === undefined) return 'no email address';
  if (!hasConsent(lead.traits, config.consent)) return 'no consent';
  return undefined;
}

function same(a: unknown, b: TraitValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  return a === b;
}

/** Whether the traits carry consent: one of the consent traits holds one of the granted values. */
export function hasConsent(traits: Record<string, unknown>, consent: NurtureConfig['consent']): boolean {
  return consent.traits.some((trait) => consent.grantedValues.some((value) => same(traits[trait], value)));
}

/** Whether a condition holds for a lead with this engagement score; no condition always holds. */
export function conditionHolds(condition: NurtureCondition | undefined, lead: Pick<NurtureLead, 'traits' | 'grade'>, engagement: number): boolean {
  if (condition === undefined) return true;
  for (const [trait, wanted] of Object.entries(condition.traits ?? {})) {
    const values = Array.isArray(wanted) ? wanted : [wanted];
    if (!values.some((value) => same(lead.traits[trait], value))) return false;
  }
  if (condition.minScore !== undefined && engagement < condition.minScore) return false;
  if (condition.maxScore !== undefined && engagement > condition.maxScore) return false;
  if (condition.grades !== undefined && !condition.grades.includes(lead.grade)) return false;
  return true;
}

/** The way in a lead's stage gives it: known (or engaged) below MQL, or recycled. */
function entryOf(stage: Stage): NurtureEntry {
  return stage === 'recycled' ? 'recycled' : 'known';
}

/** The program a lead enters: the first whose entry is the lead's way in and whose condition holds. */
export function programFor(config: NurtureConfig, lead: NurtureLead, engagement: number): NurtureProgram | undefined {
  const entry = entryOf(lead.stage);
  return config.programs.find((program) => program.enter.from === entry && conditionHolds(program.enter.condition, lead, engagement));
}

/**
 * The enrollment a lead takes now, or undefined: a lead nurture may hold
 * enters once per cycle (a known lead in cycle 0, a recycled one in the cycle
 * it came back from), so one program runs at a time and a finished program is
 * not started again. The enrollment is pending until its execution is started.
 */
export function nurtureEntry(config: NurtureConfig, lead: NurtureLead, engagement: number, now: string): NurtureEnrollment | undefined {
  if (nurtureExit(lead, config) !== undefined) return undefined;
  if (lead.nurture !== undefined && lead.nurture.cycle === lead.cycle) return undefined;
  const program = programFor(config, lead, engagement);
  if (!program) return undefined;
  return { programId: program.id, cycle: lead.cycle, enteredAt: now, pending: true };
}

/** The state a program's execution starts with: the first step, after its wait. */
export function nurtureStart(config: NurtureConfig, leadId: string, enrollment: Pick<NurtureEnrollment, 'programId' | 'cycle'>): NurtureState {
  const program = config.programs.find((p) => p.id === enrollment.programId);
  const first = program?.steps[0];
  return { leadId, programId: enrollment.programId, cycle: enrollment.cycle, step: 0, waitSeconds: first ? secondsOf(first.waitHours) : 0 };
}

const secondsOf = (hours: number) => Math.round(hours * 3600);

/** What the step due now does. */
export type NurtureStepDecision =
  | { kind: 'exit'; reason: NurtureExit }
  | { kind: 'send' | 'skip'; step: NurtureStep; next?: { step: number; waitSeconds: number } }
  | { kind: 'done' };

/** What the step checks, as read just before the send. */
export interface NurtureStepFacts {
  /** the lead as stored now; undefined when it does not exist */
  lead: NurtureLead | undefined;
  /** its engagement score as of now */
  engagement: number;
  /** why its address is on the suppression list, if it is */
  suppressed?: SuppressionReason;
}

/**
 * The decision of the step due in a program's execution, taken before every
 * send (the exit's guarantee): the lead leaves if it must (see nurtureExit),
 * if its address is suppressed, or if it is no longer in this program for this
 * cycle; otherwise the step is sent when its condition holds, else skipped,
 * and the next step follows after its wait.
 */
export function nurtureStep(config: NurtureConfig, state: NurtureState, facts: NurtureStepFacts): NurtureStepDecision {
  const { lead } = facts;
  if (!lead) return { kind: 'exit', reason: 'lead not found' };
  const exit = nurtureExit(lead, config);
  if (exit) return { kind: 'exit', reason: exit };
  if (facts.suppressed) return { kind: 'exit', reason: facts.suppressed };
  const enrolled = lead.nurture;
  if (!enrolled || enrolled.programId !== state.programId || enrolled.cycle !== state.cycle || lead.cycle !== state.cycle) return { kind: 'exit', reason: 'entered another program' };
  if (enrolled.ended) return { kind: 'exit', reason: enrolled.ended.reason === 'completed' ? 'entered another program' : enrolled.ended.reason };
  const program = config.programs.find((p) => p.id === state.programId);
  if (!program) return { kind: 'exit', reason: 'program no longer configured' };
  const step = program.steps[state.step];
  if (!step) return { kind: 'done' };
  const following = program.steps[state.step + 1];
  const next = following && { step: state.step + 1, waitSeconds: secondsOf(following.waitHours) };
  return { kind: conditionHolds(step.condition, lead, facts.engagement) ? 'send' : 'skip', step, ...(next && { next }) };
}

/** The key that lets a step's email go out at most once per lead, program and cycle. */
export function nurtureEmailKey(state: Pick<NurtureState, 'leadId' | 'programId' | 'cycle'>, stepId: string): string {
  return `nurture:${state.leadId}:${state.programId}:${state.cycle}:${stepId}`;
}

/**
 * A lead's nurture program as the lead view shows it: which program, the
 * step reached and when the next is due (by the program's waits from the
 * moment the lead entered: the execution waits exactly these), and whether it
 * runs or ended, and why.
 */
export interface NurtureView {
  programId: string;
  /** the program's name; null when config/nurture.json no longer has it */
  programName: string | null;
  cycle: number;
  enteredAt: string;
  /** starting: entered, its execution not yet known to run; running; completed (every step due was taken); exited (it left, see `reason`) */
  status: 'starting' | 'running' | 'completed' | 'exited';
  /** why it left (exited), else null */
  reason: NurtureExit | null;
  endedAt: string | null;
  /** the last step due by now (or by the end), 1-based `number` of `of`; null before the first */
  step: { id: string; number: number; of: number } | null;
  /** the next step and when it is due (sent then if its condition holds), while the program runs; null otherwise */
  next: { id: string; at: string } | null;
}

/** Each step's due instant: the program's waits added up from the moment the lead entered. */
function dueTimes(program: NurtureProgram, enteredAt: string): { step: NurtureStep; at: number }[] {
  let at = Date.parse(enteredAt);
  return program.steps.map((step) => ({ step, at: (at += step.waitHours * 3_600_000) }));
}

export function nurtureView(config: NurtureConfig, enrollment: NurtureEnrollment, now: Date): NurtureView {
  const program = config.programs.find((p) => p.id === enrollment.programId);
  const ended = enrollment.ended;
  const status: NurtureView['status'] = ended ? (ended.reason === 'completed' ? 'completed' : 'exited') : enrollment.pending ? 'starting' : 'running';
  const until = ended ? Date.parse(ended.at) : now.getTime();
  const due = program ? dueTimes(program, enrollment.enteredAt) : [];
  const reached = due.filter((d) => d.at <= until).length;
  const last = due[reached - 1];
  const next = ended ? undefined : due[reached];
  return {
    programId: enrollment.programId,
    programName: program?.name ?? null,
    cycle: enrollment.cycle,
    enteredAt: enrollment.enteredAt,
    status,
    reason: ended && ended.reason !== 'completed' ? ended.reason : null,
    endedAt: ended?.at ?? null,
    step: last ? { id: last.step.id, number: reached, of: due.length } : null,
    next: next ? { id: next.step.id, at: new Date(next.at).toISOString() } : null,
  };
}
