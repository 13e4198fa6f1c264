import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createJourneyRunner } from '#adapters/journey-runner.ts';
import { createOpenCycles } from '#adapters/open-cycles.ts';
import type { OnConsumed } from '#adapters/capacity.ts';
import type { ReconcileJourneysPorts } from './reconcile-journeys.ts';

export interface ReconcileSettings {
  client: DynamoDBDocumentClient;
  sfn: SFNClient;
  leadsTable: string;
  journeyStateMachineArn: string;
  onConsumed?: OnConsumed;
  log?: ReconcileJourneysPorts['log'];
}

/** The reconciler's ports from explicit settings: the scheduled function and `leadloop reconcile` build the same. */
export function reconcileAdapters({ client, sfn, leadsTable, journeyStateMachineArn, onConsumed, log }: ReconcileSettings): ReconcileJourneysPorts {
  const cycles = createOpenCycles({ client, leadsTable, ...(onConsumed && { onConsumed }) });
  const runner = createJourneyRunner({ sfn, journeyStateMachineArn });
  return {
    now: () => new Date(),
    openCycles: cycles.openCycles,
    runningJourneys: runner.runningJourneys,
    journeyStatus: runner.journeyStatus,
    leadMergedAway: cycles.leadMergedAway,
    claimResume: cycles.claimResume,
    resumeJourney: runner.resumeJourney,
    closeOpenCycle: cycles.closeOpenCycle,
    ...(log && { log }),
  };
}
