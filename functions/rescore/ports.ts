import { startJourney } from '#adapters/journey-runner.ts';
import { getRescoreProgress, leadEventIds, saveRescoreProgress, scanLeadIds, trackingEvents } from '#adapters/lead-history.ts';
import { clearJourneyPending, getFunnelCounters, getLead, saveLead } from '#adapters/lead-store.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { RescorePorts } from './rescore-leads.ts';

/**
 * The rescore wired to DynamoDB and Step Functions. The adapters read their
 * tables from the environment when loaded, so import this module only once
 * LEADS_TABLE, EVENTS_TABLE and JOURNEY_STATE_MACHINE_ARN are set.
 */
export function liveRescorePorts(model: ScoringModel): RescorePorts {
  return {
    model,
    now: () => new Date().toISOString(),
    scanLeadIds,
    getLead,
    leadEventIds,
    trackingEvents,
    saveLead,
    startJourney,
    clearJourneyPending,
    getProgress: getRescoreProgress,
    saveProgress: saveRescoreProgress,
  };
}

/** How many leads there are, about: every lead ever created was counted as it was. */
export async function estimatedLeadCount(): Promise<number | undefined> {
  return (await getFunnelCounters()).reached.visitor;
}
