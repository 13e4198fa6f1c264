import { SendTaskHeartbeatCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { logger } from '#commons/logger.ts';

const goneTask = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export type TaskCallbacks = ReturnType<typeof createTaskCallbacks>;

export function createTaskCallbacks({ sfn }: { sfn: SFNClient }) {
  return {
    /** Resumes a journey waiting for a rep. A task that is gone (timed out, already resumed) is not an error. */
    async resumeJourney(taskToken: string, output: unknown): Promise<boolean> {
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
    },

    /**
     * Whether the task of this token still waits (a heartbeat, which changes
     * nothing for a wait without HeartbeatSeconds): false when it is gone
     * (its execution stopped or ended, or the wait timed out).
     */
    async taskWaiting(taskToken: string): Promise<boolean> {
      try {
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
        return true;
      } catch (error) {
        if (error instanceof Error && goneTask.has(error.name)) return false;
        throw error;
      }
    },
  };
}
