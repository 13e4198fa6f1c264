import type { QueueItem } from '#adapters/rep-store.ts';
import type { Cycle } from '#core/cycle.ts';
import { assignmentOf } from '#core/journey.ts';

export interface AwaitRepPorts {
  /** keeps the token on the lead's queue item; the item as it is now, undefined when gone */
  recordQueueToken: (teamId: string, leadId: string, cycle: number, taskToken: string) => Promise<QueueItem | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** resumes the journey waiting on the token; false when that task is gone */
  resumeJourney: (taskToken: string, output: unknown) => Promise<boolean>;
}

export interface AwaitRepInput {
  leadId: string;
  cycle: number;
  teamId: string;
  taskToken: string;
}

/**
 * Parks a queued lead's journey until a drain gives it a rep: the token is
 * kept on the lead's queue item, where the drain finds it. A drain that took
 * the lead before the token landed is answered here: the journey resumes now
 * with the cycle's assignment.
 */
export async function awaitRep({ leadId, cycle, teamId, taskToken }: AwaitRepInput, ports: AwaitRepPorts): Promise<{ waiting: boolean }> {
  const item = await ports.recordQueueToken(teamId, leadId, cycle, taskToken);
  if (item && item.takenBy === undefined) return { waiting: true };
  const assigned = await ports.getCycle(leadId, cycle);
  // No item and no cycle: nothing to resume with; the wait's timeout routes the lead again.
  if (!assigned) return { waiting: true };
  await ports.resumeJourney(taskToken, assignmentOf(assigned));
  return { waiting: false };
}
