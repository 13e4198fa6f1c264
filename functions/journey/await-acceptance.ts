import type { Cycle } from '#core/cycle.ts';

export interface AwaitAcceptancePorts {
  /** keeps the token on the cycle; returns the cycle as it is now */
  recordTaskToken: (leadId: string, cycle: number, taskToken: string) => Promise<Cycle>;
  /** resumes the journey waiting on the token; false when that task is gone */
  resumeJourney: (taskToken: string, output: unknown) => Promise<boolean>;
}

export interface AwaitInput {
  leadId: string;
  cycle: number;
  taskToken: string;
}

/**
 * Parks the journey until the rep acts: the task token is kept on the cycle,
 * where the outcome path finds it. An outcome that arrived first resumes it now.
 */
export async function awaitAcceptance({ leadId, cycle, taskToken }: AwaitInput, ports: AwaitAcceptancePorts): Promise<{ waiting: boolean }> {
  const current = await ports.recordTaskToken(leadId, cycle, taskToken);
  if (current.outcome) {
    await ports.resumeJourney(taskToken, { outcome: current.outcome.kind, repId: current.outcome.repId });
  }
  return { waiting: current.outcome === undefined };
}
