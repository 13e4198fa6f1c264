import type { Cycle } from '#core/cycle.ts';
import type { Stage } from '#core/lifecycle.ts';
import type { VersionedLead } from '#core/records.ts';

export interface AwaitFollowUpPorts {
  /** keeps the token on the cycle, where the stream path finds it when the lead's stage moves */
  recordTaskToken: (leadId: string, cycle: number, taskToken: string) => Promise<Cycle>;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  /** resumes the journey waiting on the token; false when that task is gone */
  resumeJourney: (taskToken: string, output: unknown) => Promise<boolean>;
}

export interface AwaitFollowUpInput {
  leadId: string;
  cycle: number;
  taskToken: string;
  /** the stage the follow-up step saw */
  stage: Stage;
}

/**
 * Parks the follow-up until its next step is due, or until the lead's stage
 * moves (the stream path resumes the token kept on the cycle). A move saved
 * between the follow-up's look and this wait would find no token to wake:
 * the stage is read again after the token is kept, and a moved lead resumes
 * the wait now.
 */
export async function awaitFollowUp({ leadId, cycle, taskToken, stage }: AwaitFollowUpInput, ports: AwaitFollowUpPorts): Promise<{ waiting: boolean }> {
  await ports.recordTaskToken(leadId, cycle, taskToken);
  const now = (await ports.getLead(leadId))?.lead.stage;
  if (now === undefined || now === stage) return { waiting: true };
  await ports.resumeJourney(taskToken, { wake: now });
  return { waiting: false };
}
