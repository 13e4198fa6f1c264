import { failureCount, type Capacity, type Key, type PhaseRun, type PhaseRunner } from './phases.ts';
import { log } from './settings.ts';
import type { IngestTables } from './setup.ts';

export interface Verification {
  stored: number;
  applied: number;
  allFailures: number;
  /** every event sent is in the table exactly once, scoring applied every one, no request failed */
  ok: boolean;
}

/** Every event sent is in the table exactly once; scoring applied every one. */
export async function verify(tables: IngestTables, runner: PhaseRunner, runs: Map<Key, PhaseRun[]>, { probe }: Capacity): Promise<Verification> {
  const { eventsTable, count, appliedEvents } = tables;
  const { scoringCatchUp } = runner;
  const finalCatchUp = await scoringCatchUp([{ messageId: String(probe.messageId), anonymousId: String(probe.anonymousId) }]);
  const stored = await count(eventsTable);
  const applied = await appliedEvents();
  const allFailures = [...runs.values()].flat().reduce((sum, run) => sum + failureCount(run.failures), 0);
  log(`verification: ${runner.sent()} events sent, ${stored} items in ${eventsTable}, ${applied} applied by scoring; ${allFailures} failed requests in measured phases`);
  const ok = !(stored !== runner.sent() || applied !== runner.sent() || allFailures > 0 || finalCatchUp === undefined);
  return { stored, applied, allFailures, ok };
}
