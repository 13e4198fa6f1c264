import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { journeyName } from '#core/journey.ts';
import type { JourneyInput } from '#core/records.ts';

export interface JourneyRunnerSettings {
  sfn: SFNClient;
  journeyStateMachineArn: string;
}

export type JourneyRunner = ReturnType<typeof createJourneyRunner>;

export function createJourneyRunner({ sfn, journeyStateMachineArn }: JourneyRunnerSettings) {
  return {
    /** Starts the journey of a lead's cycle. The name is deterministic, so starting it twice is a no-op. */
    async startJourney(input: JourneyInput): Promise<'started' | 'already-started'> {
      try {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: journeyStateMachineArn,
            name: journeyName(input.leadId, input.cycle),
            input: JSON.stringify(input),
          }),
        );
        return 'started';
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return 'already-started';
        throw error;
      }
    },
  };
}
