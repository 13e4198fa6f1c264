import { afterAll, describe, expect, it } from 'vitest';
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
