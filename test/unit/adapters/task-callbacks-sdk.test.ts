import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTaskCallbacks } from '../../../functions/adapters/task-callbacks.ts';

const { resumeJourney } = createTaskCallbacks({ sfn: new SFNClient({ region: 'eu-west-1' }) });

const sfn = mockClient(SFNClient);

describe('task callbacks: resumeJourney', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('resumes the waiting task with its output as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});

    expect(await resumeJourney('token-2', { outcome: 'accepted', repId: 'rep-sam' })).toBe(true);

    expect(sfn).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, { taskToken: 'token-2', output: expect.any(String) });
    const output = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!;
    expect(JSON.parse(output)).toEqual({ outcome: 'accepted', repId: 'rep-sam' });
  });

  it('does not fail when the task is already gone', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    expect(await resumeJourney('token-3', { outcome: 'rejected', repId: 'rep-sam' })).toBe(false);

    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-3' });
  });
});
