import { ExecutionAlreadyExists, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from '#commons/clients.ts';
import { getStringFromEnv } from '#commons/env.ts';
import { journeyName } from '#core/lead.ts';
import { logger } from '#commons/logger.ts';

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

const goneTask = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** Resumes a journey waiting for a rep. A task that is gone (timed out, already resumed) is not an error. */
export async function resumeJourney(taskToken: string, output: unknown): Promise<boolean> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return true;
  } catch (error) {
    if (error instanceof Error && goneTask.has(error.name)) {
      logger.info('journey task no longer waiting', { error: error.name });
      return false;
    }
    throw error;
  }
}
