import { createLeadStore } from '#adapters/lead-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';

const { leadsTable } = readSettings(['leadsTable']);
const { recordTaskToken } = createLeadStore({ client: dynamodb, leadsTable });
const { resumeJourney } = createTaskCallbacks({ sfn });

interface AwaitInput {
  leadId: string;
  cycle: number;
  taskToken: string;
}

/**
 * Parks the journey until the rep acts: the task token is kept on the cycle,
 * where the outcome path finds it. An outcome that arrived first resumes it now.
 */
export const handler = journeyStep(async ({ leadId, cycle, taskToken }: AwaitInput) => {
  const current = await recordTaskToken(leadId, cycle, taskToken);
  if (current.outcome) {
    await resumeJourney(taskToken, { outcome: current.outcome.kind, repId: current.outcome.repId });
  }
  return { waiting: current.outcome === undefined };
});
