import { ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { nurtureName, type NurtureExit, type NurtureState } from '#core/nurture.ts';
import type { OnConsumed } from './capacity.ts';
import { createNurtureStore, type EnrollmentRef } from './nurture-store.ts';

export interface NurtureRunnerSettings {
  sfn: SFNClient;
  nurtureStateMachineArn: string;
  /** the leads table, where each lead's enrollment is kept */
  client: DynamoDBDocumentClient;
  leadsTable: string;
  onConsumed?: OnConsumed;
}

export type NurtureRunner = ReturnType<typeof createNurtureRunner>;

/** An execution's ARN from its state machine's and its name (arn:…:stateMachine:M → arn:…:execution:M:name). */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Starts and stops the executions of nurture programs (Step Functions
 * Standard, one per lead, program and cycle, named by nurtureName).
 */
export function createNurtureRunner({ sfn, nurtureStateMachineArn, client, leadsTable, onConsumed }: NurtureRunnerSettings) {
  const store = createNurtureStore({ client, leadsTable, ...(onConsumed && { onConsumed }) });

  /** Stops one enrollment's execution and marks it ended; one not started, or already over, is no error. */
  async function stopEnrollment(leadId: string, enrollment: EnrollmentRef, reason: NurtureExit): Promise<void> {
    try {
      await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(nurtureStateMachineArn, nurtureName(leadId, enrollment.programId, enrollment.cycle)), cause: reason }));
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
    await store.markNurtureEnded(leadId, enrollment, reason, new Date().toISOString());
  }

  return {
    /** Starts a program's execution for a lead. The name is deterministic, so starting it twice is a no-op. */
    async startNurture(state: NurtureState): Promise<'started' | 'already-started'> {
      try {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: nurtureStateMachineArn,
            name: nurtureName(state.leadId, state.programId, state.cycle),
            input: JSON.stringify(state),
          }),
        );
        return 'started';
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return 'already-started';
        throw error;
      }
    },

    stopEnrollment,

    /**
     * Takes a lead out of nurture now, wherever it is (a merge absorbed it,
     * it unsubscribed, its address bounced): its program's execution is
     * stopped and its enrollment marked ended. A lead in no program is left as it is.
     * @returns whether a running enrollment was stopped
     */
    async stopNurture(leadId: string, reason: NurtureExit): Promise<boolean> {
      const lead = await store.getNurtureProfile(leadId);
      const enrollment = lead?.nurture;
      if (!enrollment || enrollment.ended) return false;
      await stopEnrollment(leadId, enrollment, reason);
      return true;
    },
  };
}

