import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationStepName } from '../../functions/core/journey-contract.ts';
import { createClock } from '../../local/clock.ts';
import { LocalStepFunctions, stateTransitions, type Execution } from '../../local/step-functions.ts';
import { describeApp, readTemplate, type LocalStateMachine } from '../../local/template.ts';

/**
 * What the journey costs per handed-off lead: Standard workflows bill state
 * transitions (every state entered, every retry). The synthesized journey
 * (cdk.out, as deployed) runs in the local Step Functions runtime; its
 * functions answer as a scenario says (the rep accepts, a deadline passes,
 * the follow-up is done), so each path is exact, and the history is compared
 * with the path read off the definition for that scenario. The figures are
 * recorded in bench/RESULTS.md ("journey state transitions").
 *
 * The functions' own behaviour is tested elsewhere (test/unit/handlers,
 * test/integration/loop.test.ts); here they only steer the path.
 */

/** One real second is an hour: a deadline of an hour passes in a second. */
const CLOCK_SPEED = 3600;
const HOUR = 3600;

const root = path.resolve(import.meta.dirname, '../..');

/** What the journey's functions answer, per scenario. */
interface Scenario {
  /** the rep's answer to each wait for acceptance, in order: a decision, or let the deadline pass */
  acceptance: ('accepted' | 'rejected' | 'deadline')[];
  /** the escalation ladder's step for each missed deadline, in order */
  escalations?: (typeof EscalationStepName)[keyof typeof EscalationStepName][];
  /** how many times the follow-up step looks at the lead before it says done */
  followUpLooks: number;
}

let machine: LocalStateMachine;
let nurtureMachine: LocalStateMachine;
/** What the nurture step answers at each step, per lead: another step follows (`wait`), the program is done, or the lead left (`exit`). */
const nurtureScenarios = new Map<string, { steps: ('wait' | 'done' | 'exit')[] }>();
let functionOf: (arn: string) => string;
let stepFunctions: LocalStepFunctions;
const scenarios = new Map<string, Scenario & { waits: number; escalated: number; looks: number }>();

/** Answers a journey function as the execution's scenario says. */
async function invoke(functionArn: string, payload: unknown): Promise<unknown> {
  const input = payload as { leadId: string; taskToken?: string; assignment?: Record<string, unknown>; escalation?: { missed: number } };
  if (functionOf(functionArn) === 'NurtureNurtureStep') return nurtureStep(payload);
  const scenario = scenarios.get(input.leadId);
  if (!scenario) throw new Error(`no scenario for ${input.leadId}`);
  const assignment = (repId: string) => ({ repId, teamId: 'emea', previousReps: [], acceptBy: '2026-12-01T13:00:00.000Z', acceptWithinSeconds: HOUR, remindAt: '2026-12-01T12:00:00.000Z', remindWithinSeconds: HOUR });
  switch (functionOf(functionArn)) {
    case 'AssignRep':
      return assignment('rep-1');
    case 'SendHandoff':
      return { handoff: 'sent' };
    case 'AwaitAcceptance': {
      const answer = scenario.acceptance[scenario.waits++];
      if (answer === undefined) throw new Error(`${input.leadId}: the scenario has no answer for wait ${scenario.waits}`);
      if (answer !== 'deadline') setImmediate(() => stepFunctions.sendTaskSuccess({ taskToken: input.taskToken!, output: JSON.stringify({ outcome: answer, repId: 'rep-1' }) }));
      return { waiting: true };
    }
    case 'RemindRep':
      // the reminder sent; the rest of the window is the second wait's timeout
      return { reminder: 'sent', acceptWithinSeconds: HOUR };
    case 'Escalate': {
      const step = scenario.escalations?.[scenario.escalated++];
      if (step === undefined) throw new Error(`${input.leadId}: the scenario has no escalation ${scenario.escalated}`);
      const missed = (input.escalation?.missed ?? 0) + 1;
      return { leadId: input.leadId, cycle: 1, assignment: { ...input.assignment, ...(step === EscalationStepName.reassign && { repId: 'rep-2', previousReps: ['rep-1'] }) }, escalation: { missed, step } };
    }
    case 'FollowUp': {
      scenario.looks += 1;
      return { done: scenario.looks >= scenario.followUpLooks, waitSeconds: HOUR, stage: 'sal' };
    }
    case 'AwaitFollowUp':
      // the stream path wakes the wait when the lead's stage moves (the CRM closes it)
      setImmediate(() => stepFunctions.sendTaskSuccess({ taskToken: input.taskToken!, output: JSON.stringify({ wake: 'won' }) }));
      return { waiting: true };
    default:
      throw new Error(`the journey calls ${functionArn}, which this test does not script: add it, and derive the paths again`);
  }
}

/** Answers the nurture step as the execution's scenario says: the next step after its wait, the program done, or the lead gone. */
function nurtureStep(payload: unknown): unknown {
  const state = payload as { leadId: string; step: number };
  const scenario = nurtureScenarios.get(state.leadId);
  if (!scenario) throw new Error(`no nurture scenario for ${state.leadId}`);
  const answer = scenario.steps[state.step];
  if (answer === undefined) throw new Error(`${state.leadId}: the nurture scenario has no answer for step ${state.step}`);
  return { ...state, step: state.step + 1, waitSeconds: HOUR, action: answer };
}

/** Runs one lead's journey under a scenario to its end; the execution with its history. */
async function journeyOf(leadId: string, scenario: Scenario): Promise<Execution> {
  scenarios.set(leadId, { ...scenario, waits: 0, escalated: 0, looks: 0 });
  const { executionArn } = stepFunctions.startExecution({ stateMachineArn: machine.arn, name: `${leadId}-cycle-1`, input: JSON.stringify({ leadId, cycle: 1 }) });
  const execution = stepFunctions.executions.get(executionArn)!;
  const terminal = (name: string | undefined) => name !== undefined && ['Succeed', 'Fail'].includes(String((machine.definition.States as Record<string, { Type: string }>)[name]?.Type));
  // the history is read from the interpreter's event log, which may trail the result by a moment
  for (let i = 0; i < 600 && (execution.status === 'RUNNING' || !terminal(execution.states.at(-1))); i++) await new Promise((r) => setTimeout(r, 50));
  return execution;
}

beforeAll(() => {
  const cdkOut = path.join(root, 'cdk.out');
  const app = describeApp(readTemplate(cdkOut), cdkOut, { apiUrl: 'http://127.0.0.1:1/', streamArns: new Map() });
  const journey = app.stateMachines.find((m) => m.logicalId.startsWith('JourneyStateMachine'));
  if (!journey) throw new Error('no journey state machine in the template');
  machine = journey;
  const nurture = app.stateMachines.find((m) => m.logicalId.startsWith('NurtureStateMachine'));
  if (!nurture) throw new Error('no nurture state machine in the template');
  nurtureMachine = nurture;
  const names = new Map([...app.functions.values()].map((f) => [f.arn, f.logicalId.replace(/^Journey/, '').replace(/Function[0-9A-F]{8}$/, '')]));
  functionOf = (arn) => names.get(arn) ?? arn;
  stepFunctions = new LocalStepFunctions([machine, nurtureMachine], invoke, createClock(CLOCK_SPEED), () => undefined);
});

afterAll(() => stepFunctions?.stop());

/*
 * The paths, read off the definition (lib/constructs/journey.ts):
 *   Assign rep → Rep found? ─(a rep)→ Send hand-off → Await acceptance ─(decision)→ Follow up → Followed up? ─(done)→ Follow-up done
 *   Await acceptance ─(timeout: the reminder)→ Remind rep → Await acceptance after reminder ─(decision)→ Follow up …
 *   Await acceptance after reminder ─(timeout: the deadline)→ Escalate → Next escalation step ─(notify-manager)→ Await acceptance
 *                                                                                              ├(reassign)→ Send hand-off
 *                                                                                              └(recycle)→ Recycled to marketing
 *   Followed up? ─(not done)→ Await follow-up → Follow up → Followed up? …
 * So: a decision before the reminder and one look is 7 transitions; a decision after it, 2 more (Remind rep, the second
 * wait); each further look adds 3 (Await follow-up, Follow up, Followed up?); each missed deadline adds 5 (Remind rep,
 * the second wait, Escalate, Next escalation step, and the wait or hand-off it leads to).
 */
const DECIDED = ['Assign rep', 'Rep found?', 'Send hand-off', 'Await acceptance'];
const REMINDED = ['Remind rep', 'Await acceptance after reminder'];
const LOOK = ['Follow up', 'Followed up?'];
const ANOTHER_LOOK = ['Await follow-up', ...LOOK];

describe('state transitions per handed-off lead', () => {
  it('accepted before the reminder, followed up to done: 7 with one look, 3 more per further look', async () => {
    const oneLook = await journeyOf('lead-accepted-1', { acceptance: ['accepted'], followUpLooks: 1 });
    const twoLooks = await journeyOf('lead-accepted-2', { acceptance: ['accepted'], followUpLooks: 2 });

    expect(oneLook.status).toBe('SUCCEEDED');
    expect(oneLook.states).toEqual([...DECIDED, ...LOOK, 'Follow-up done']);
    expect(stateTransitions(oneLook)).toBe(7);
    expect(twoLooks.states).toEqual([...DECIDED, ...LOOK, ...ANOTHER_LOOK, 'Follow-up done']);
    expect(stateTransitions(twoLooks)).toBe(10);
  }, 60_000);

  it('accepted after the reminder: 2 more than before it', async () => {
    const execution = await journeyOf('lead-reminded', { acceptance: ['deadline', 'accepted'], followUpLooks: 1 });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual([...DECIDED, ...REMINDED, ...LOOK, 'Follow-up done']);
    expect(stateTransitions(execution)).toBe(9);
  }, 60_000);

  it('accepted after one missed deadline (reminded, then the manager told): 5 more than before the reminder', async () => {
    const execution = await journeyOf('lead-escalated', { acceptance: ['deadline', 'deadline', 'accepted'], escalations: [EscalationStepName.notifyManager], followUpLooks: 1 });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual([...DECIDED, ...REMINDED, 'Escalate', 'Next escalation step', 'Await acceptance', ...LOOK, 'Follow-up done']);
    expect(stateTransitions(execution)).toBe(12);
  }, 60_000);

  it('never answered, the whole ladder to recycling: 20', async () => {
    const execution = await journeyOf('lead-unanswered', {
      acceptance: ['deadline', 'deadline', 'deadline', 'deadline', 'deadline', 'deadline'],
      escalations: [EscalationStepName.notifyManager, EscalationStepName.reassign, EscalationStepName.recycle],
      followUpLooks: 1,
    });

    expect(execution.status).toBe('SUCCEEDED');
    const escalation = [...REMINDED, 'Escalate', 'Next escalation step'];
    expect(execution.states).toEqual([
      ...DECIDED,
      ...escalation,
      'Await acceptance',
      ...escalation,
      'Send hand-off',
      'Await acceptance',
      ...escalation,
      'Recycled to marketing',
    ]);
    expect(stateTransitions(execution)).toBe(20);
  }, 60_000);
});

/** Runs one lead's nurture program under a scenario; `stopAtWait`: stopped (the global exit) once that many waits were entered. */
async function nurtureOf(leadId: string, steps: ('wait' | 'done' | 'exit')[], stopAtWait?: number): Promise<Execution> {
  nurtureScenarios.set(leadId, { steps });
  const { executionArn } = stepFunctions.startExecution({
    stateMachineArn: nurtureMachine.arn,
    name: `${leadId}-nurture-program-1`,
    input: JSON.stringify({ leadId, programId: 'program', cycle: 1, step: 0, waitSeconds: HOUR }),
  });
  const execution = stepFunctions.executions.get(executionArn)!;
  const waits = () => execution.states.filter((s) => s === NURTURE_WAIT).length;
  for (let i = 0; i < 600 && execution.status === 'RUNNING' && (stopAtWait === undefined || waits() < stopAtWait); i++) await new Promise((r) => setTimeout(r, 50));
  if (stopAtWait !== undefined) stepFunctions.stopExecution({ executionArn, cause: 'became an MQL' });
  // the history may trail the result by a moment
  for (let i = 0; i < 100 && execution.status !== 'ABORTED' && execution.states.at(-1) !== 'Out of nurture'; i++) await new Promise((r) => setTimeout(r, 50));
  return execution;
}

/*
 * The nurture program's path, read off the definition (lib/constructs/nurture.ts):
 *   Wait for the next step → Nurture step → Another step? ─(wait)→ Wait for the next step …
 *                                                        └(done or exit)→ Out of nurture
 * So a program of n steps taken to the end is 3n + 1; a lead leaving at step k (the step finds the exit) is 3k + 1;
 * a lead whose execution is stopped while it waits for step k has spent 3(k − 1) + 1.
 */
const NURTURE_WAIT = 'Wait for the next step';
const NURTURE_STEP = [NURTURE_WAIT, 'Nurture step', 'Another step?'];

describe('state transitions of a nurture program', () => {
  it('one step (the program for recycled leads): 4; three steps to the end (the welcome program): 10', async () => {
    const one = await nurtureOf('lead-nurture-1', ['done']);
    const three = await nurtureOf('lead-nurture-3', ['wait', 'wait', 'done']);

    expect(one.status).toBe('SUCCEEDED');
    expect(one.states).toEqual([...NURTURE_STEP, 'Out of nurture']);
    expect(stateTransitions(one)).toBe(4);
    expect(three.states).toEqual([...NURTURE_STEP, ...NURTURE_STEP, ...NURTURE_STEP, 'Out of nurture']);
    expect(stateTransitions(three)).toBe(10);
  }, 60_000);

  it('the lead leaves at the second step (the step finds the exit): 7; stopped while waiting for it (the global exit): 4', async () => {
    const left = await nurtureOf('lead-nurture-left', ['wait', 'exit']);
    const stopped = await nurtureOf('lead-nurture-stopped', ['wait', 'wait', 'done'], 2);

    expect(left.status).toBe('SUCCEEDED');
    expect(left.states).toEqual([...NURTURE_STEP, ...NURTURE_STEP, 'Out of nurture']);
    expect(stateTransitions(left)).toBe(7);
    expect(stopped.status).toBe('ABORTED');
    expect(stopped.states).toEqual([...NURTURE_STEP, NURTURE_WAIT]);
    expect(stateTransitions(stopped)).toBe(4);
  }, 60_000);
});
