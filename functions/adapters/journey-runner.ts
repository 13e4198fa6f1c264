import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import { journeyName } from '#core/journey.ts';

const journeyArn = getStringFromEnv('JOURNEY_STATE_MACHINE_ARN');

export interface JourneyInput {
  leadId: string;
  cycle: number;
}

/** Starts the journey of a lead's cycle. The name is deterministic, so starting it twice is a no-op. */
export async function startJourney(input: JourneyInput): Promise<'started' | 'already-started'> {
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: journeyArn,
        name: journeyName(input.leadId, input.cycle),
        input: JSON.stringify(input),
      }),
    );
    return 'started';
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return 'already-started';
    throw error;
  }
}
