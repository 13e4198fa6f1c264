import { startJourney } from '#adapters/journey-runner.ts';
import { getRescoreProgress, leadEventIds, saveRescoreProgress, scanLeadIds, trackingEvents } from '#adapters/lead-history.ts';
import { profileKey } from '#core/table-layout.ts';
import { clearJourneyPending, getFunnelCounters, getLead, saveLead } from '#adapters/lead-store.ts';
import { forEachConcurrently } from '#commons/concurrency.ts';
import type { LeadHistory } from '#core/backtest.ts';
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
    positionAfter: profileKey,
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

/**
 * Every lead with its stored tracking events, read by a parallel scan: what
 * a backtest replays. Held in memory, so meant for histories of up to a few
 * million events.
 */
export async function readLeadHistories(options: { segments?: number; concurrency?: number; onLead?: (events: number) => void } = {}): Promise<LeadHistory[]> {
  const histories: LeadHistory[] = [];
  const totalSegments = options.segments ?? 4;
  await Promise.all(
    Array.from({ length: totalSegments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await scanLeadIds(segment, totalSegments, startKey);
        await forEachConcurrently(page.leadIds, options.concurrency ?? 4, async (leadId) => {
          const current = await getLead(leadId);
          if (!current || current.lead.mergedInto !== undefined) return;
          const events = await trackingEvents(await leadEventIds(leadId));
          histories.push({ lead: current.lead, events });
          options.onLead?.(events.length);
        });
        startKey = page.nextKey;
      } while (startKey);
    }),
  );
  return histories.sort((a, b) => (a.lead.leadId < b.lead.leadId ? -1 : a.lead.leadId > b.lead.leadId ? 1 : 0));
}
