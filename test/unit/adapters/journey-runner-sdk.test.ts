import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createJourneyRunner } from '../../../functions/adapters/journey-runner.ts';

/**
 * The journey runner's Step Functions call is its contract: the execution's
 * name, taken from the lead and the cycle, is what makes starting a journey
 * twice a no-op (there is no Step Functions stand-in that enforces names here).
 */
const sfn = mockClient(SFNClient);
const JOURNEY_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:journey';
const { startJourney } = createJourneyRunner({ sfn: new SFNClient({ region: 'eu-west-1' }), journeyStateMachineArn: JOURNEY_ARN });
const LEAD_ID = 'lead-0123456789abcdef0123';

describe('journey runner: startJourney', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('starts the journey of a lead’s cycle under a name made of both, with the lead and cycle as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution', startDate: new Date() });

    expect(await startJourney({ leadId: LEAD_ID, cycle: 1 })).toBe('started');

    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, { stateMachineArn: JOURNEY_ARN, name: `${LEAD_ID}-cycle-1`, input: expect.any(String) });
    const [start] = sfn.commandCalls(StartExecutionCommand);
    expect(JSON.parse(start!.args[0].input.input!)).toEqual({ leadId: LEAD_ID, cycle: 1 });
  });

  it('takes ExecutionAlreadyExists as the journey already started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: `Execution Already Exists: '${LEAD_ID}-cycle-1'`, $metadata: {} }));

    expect(await startJourney({ leadId: LEAD_ID, cycle: 1 })).toBe('already-started');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('lets any other failure through, so the lead’s pending flag stays and a replay starts it', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('ThrottlingException: Rate exceeded'));

    await expect(startJourney({ leadId: LEAD_ID, cycle: 2 })).rejects.toThrow('Rate exceeded');
  });
});
