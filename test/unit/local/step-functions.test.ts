import { afterAll, describe, expect, it, vi } from 'vitest';
import { createClock } from '../../../local/clock.ts';
import { LambdaError } from '../../../local/lambdas.ts';
import { LocalStepFunctions } from '../../../local/step-functions.ts';

/**
 * The local execution history counts what a Standard workflow bills as state
 * transitions: every state entered, and every retry of a state.
 */

const flakyArn = 'arn:aws:lambda:us-east-1:000000000000:function:Flaky';
const machineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Retrying';
const definition = {
  StartAt: 'Call',
  States: {
    Call: { Type: 'Task', Resource: flakyArn, Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }], Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

let failuresLeft = 2;
const stepFunctions = new LocalStepFunctions(
  [{ logicalId: 'Retrying', name: 'Retrying', arn: machineArn, definition }],
  async () => {
    if (failuresLeft-- > 0) throw new LambdaError('Flaky', 'not this time');
    return { ok: true };
  },
  createClock(1),
  () => undefined,
);

afterAll(() => stepFunctions.stop());

describe('the local execution history', () => {
  it('keeps the states entered and counts the retries apart', async () => {
    const { executionArn } = stepFunctions.startExecution({ stateMachineArn: machineArn, name: 'two-retries', input: '{}' });

    const execution = stepFunctions.executions.get(executionArn)!;
    // two retries of one second each, in real time (clock speed 1): a busy machine may take a while longer
    for (let i = 0; i < 300 && execution.status === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual(['Call', 'Done']);
    expect(execution.retries).toBe(2);
  }, 20_000);
});

describe('stopping an execution', () => {
  const waitArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Waiting';
  const parkArn = 'arn:aws:lambda:us-east-1:000000000000:function:Park';
  const after = 'arn:aws:lambda:us-east-1:000000000000:function:After';
  const calls: string[] = [];
  const machine = new LocalStepFunctions(
    [
      {
        logicalId: 'Waiting',
        name: 'Waiting',
        arn: waitArn,
        definition: {
          StartAt: 'Park',
          States: {
            Park: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: parkArn, Payload: { 'token.$': '$$.Task.Token' } }, TimeoutSeconds: 3600, Next: 'After' },
            After: { Type: 'Task', Resource: after, End: true },
          },
        },
      },
    ],
    async (arn) => {
      calls.push(arn);
      return {};
    },
    createClock(1),
    () => undefined,
  );
  afterAll(() => machine.stop());

  it('ends a waiting execution ABORTED with the error and cause given, runs nothing after, refuses its token, and stops again as a no-op', async () => {
    // Prepare: an execution parked on a callback task
    const { executionArn } = machine.startExecution({ stateMachineArn: waitArn, name: 'parked', input: '{}' });
    const execution = machine.executions.get(executionArn)!;
    for (let i = 0; i < 100 && !(calls.includes(parkArn) && execution.states.includes('Park')); i++) await new Promise((r) => setTimeout(r, 20));
    const token = Buffer.from(`${executionArn}#1`).toString('base64url');

    // Act
    machine.stopExecution({ executionArn, error: 'LeadMerged', cause: 'merged' });
    const again = machine.stopExecution({ executionArn });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause, states: [...execution.states] }).toEqual({
      status: 'ABORTED',
      error: 'LeadMerged',
      cause: 'merged',
      states: ['Park'],
    });
    expect(again.stopDate).toEqual(execution.stopDate);
    expect(() => machine.sendTaskSuccess({ taskToken: token, output: '{}' })).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).not.toContain(after);
    expect(execution.status).toBe('ABORTED');
    expect(() => machine.stopExecution({ executionArn: `${executionArn}-unknown` })).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
  });
});

describe('a callback task with a States.TaskFailed retrier', () => {
  const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:TimingOut';
  const parkArn = 'arn:aws:lambda:us-east-1:000000000000:function:ParkBriefly';
  let parked = 0;
  const machine = new LocalStepFunctions(
    [
      {
        logicalId: 'TimingOut',
        name: 'TimingOut',
        arn,
        definition: {
          StartAt: 'Park',
          States: {
            Park: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: parkArn, Payload: { 'token.$': '$$.Task.Token' } },
              TimeoutSeconds: 1,
              Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
              Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Timed out' }],
              End: true,
            },
            'Timed out': { Type: 'Succeed' },
          },
        },
      },
    ],
    async () => {
      parked++;
      return {};
    },
    createClock(1),
    () => undefined,
  );
  afterAll(() => machine.stop());

  it('goes to its States.Timeout catch when nobody resumes it, without a retry, as on AWS', async () => {
    const { executionArn } = machine.startExecution({ stateMachineArn: arn, name: 'times-out', input: '{}' });
    const execution = machine.executions.get(executionArn)!;
    for (let i = 0; i < 200 && execution.status === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.states).toEqual(['Park', 'Timed out']);
    expect([execution.retries, parked]).toEqual([0, 1]);
  }, 20_000);
});

describe('a Wait state with SecondsPath (the nurture program’s wait between steps)', () => {
  const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Nurturing';
  const nextArn = 'arn:aws:lambda:us-east-1:000000000000:function:NextStep';
  const definition = {
    StartAt: 'Wait for the next step',
    States: {
      'Wait for the next step': { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Next step' },
      'Next step': { Type: 'Task', Resource: nextArn, End: true },
    },
  };

  it('waits its whole time at clock speed 1, days past the 60 s the interpreter gives a task without a timeout', async () => {
    // Prepare: the interpreter's and the runtime's timers on a fake clock, so three days pass at once
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const calls: string[] = [];
    const machine = new LocalStepFunctions(
      [{ logicalId: 'Nurturing', name: 'Nurturing', arn, definition }],
      async (called) => {
        calls.push(called);
        return {};
      },
      createClock(1),
      () => undefined,
    );
    try {
      const waitSeconds = 72 * 3600;
      const { executionArn } = machine.startExecution({ stateMachineArn: arn, name: 'three-days', input: JSON.stringify({ waitSeconds }) });
      const execution = machine.executions.get(executionArn)!;

      // Act and assess: still waiting past a minute, and just before its end
      await vi.advanceTimersByTimeAsync(61_000);
      expect({ status: execution.status, error: execution.error }).toEqual({ status: 'RUNNING', error: undefined });
      await vi.advanceTimersByTimeAsync(waitSeconds * 1000 - 62_000);
      expect(execution.status).toBe('RUNNING');
      expect(calls).toEqual([]);
      // then the next step runs, once the wait is over
      await vi.advanceTimersByTimeAsync(2_000);
      expect(execution.status).toBe('SUCCEEDED');
      expect(calls).toEqual([nextArn]);
    } finally {
      machine.stop();
      vi.useRealTimers();
    }
  });

  it('does not skip a wait longer than one timer holds (24.8 days of real time): it ends in States.Timeout at the interpreter’s limit, said in the log', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const log: string[] = [];
    const calls: string[] = [];
    const machine = new LocalStepFunctions(
      [{ logicalId: 'Nurturing', name: 'Nurturing', arn, definition }],
      async (called) => {
        calls.push(called);
        return {};
      },
      createClock(1),
      (line) => log.push(line),
    );
    try {
      const { executionArn } = machine.startExecution({ stateMachineArn: arn, name: 'thirty-days', input: JSON.stringify({ waitSeconds: 30 * 86_400 }) });
      const execution = machine.executions.get(executionArn)!;

      await vi.advanceTimersByTimeAsync(1_000);
      expect(execution.status).toBe('RUNNING');
      expect(log.join('\n')).toContain('thirty-days: a wait of 2592000 s is 2592000 real seconds at this clock');
      await vi.advanceTimersByTimeAsync(2_000_000 * 1000);
      expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'States.Timeout' });
      expect(calls).toEqual([]);
    } finally {
      machine.stop();
      vi.useRealTimers();
    }
  });
});
