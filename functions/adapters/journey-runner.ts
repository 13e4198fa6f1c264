import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { journeyName } from '#core/journey.ts';
import { journeyNames, MERGE_STOP_ERROR, type JourneyStatus, type ResumeInput } from '#core/reconcile.ts';
import type { JourneyInput } from '#core/records.ts';

export interface JourneyRunnerSettings {
  sfn: SFNClient;
  journeyStateMachineArn: string;
}

export type JourneyRunner = ReturnType<typeof createJourneyRunner>;

/** The ARN of a state machine's execution by name: `…:stateMachine:<machine>` becomes `…:execution:<machine>:<name>`. */
export function executionArn(stateMachineArn: string, name: string): string {
  const marker = ':stateMachine:';
  const at = stateMachineArn.lastIndexOf(marker);
  if (at === -1) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${stateMachineArn.slice(0, at)}:execution:${stateMachineArn.slice(at + marker.length)}:${name}`;
}

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

    /**
     * Stops every journey of a lead, its cycles 1 to `lastCycle` (found by
     * their deterministic names), wherever each is: a cycle's follow-up runs
     * long after its hand-off. Stopping one that ended or never started
     * changes nothing, so stopping again is a no-op.
     */
    async stopJourneys(leadId: string, lastCycle: number, cause: string): Promise<void> {
      for (let cycle = 1; cycle <= lastCycle; cycle++) {
        // the journey's own name, and the names the reconciler may have resumed it under
        for (const name of journeyNames(leadId, cycle)) {
          try {
            await sfn.send(new StopExecutionCommand({ executionArn: executionArn(journeyStateMachineArn, name), error: MERGE_STOP_ERROR, cause }));
          } catch (error) {
            if (!(error instanceof ExecutionDoesNotExist)) throw error;
          }
        }
      }
    },

    /** The names of the journeys running now (ListExecutions, a thousand to a page; eventually consistent: one just started may be missing). */
    async runningJourneys(): Promise<Set<string>> {
      const names = new Set<string>();
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: journeyStateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, ...(nextToken && { nextToken }) }));
        for (const execution of page.executions ?? []) if (execution.name) names.add(execution.name);
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
    },

    /** The status of the journey execution of that name (MISSING when there is none), and the error it stopped with. */
    async journeyStatus(name: string): Promise<{ status: JourneyStatus; error?: string | undefined }> {
      try {
        const { status, error } = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArn(journeyStateMachineArn, name) }));
        return { status: (status ?? 'MISSING') as JourneyStatus, error };
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return { status: 'MISSING' };
        throw error;
      }
    },

    /** Starts a resumed journey under its name: a second start of the name (another reconciler's) is a no-op. */
    async resumeJourney(name: string, input: ResumeInput): Promise<'started' | 'already-started'> {
      try {
        await sfn.send(new StartExecutionCommand({ stateMachineArn: journeyStateMachineArn, name, input: JSON.stringify(input) }));
        return 'started';
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return 'already-started';
        throw error;
      }
    },
  };
}
