import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createJourneyRunner, type JourneyRunner } from '#adapters/journey-runner.ts';
import { createLeadHistory, type LeadHistory } from '#adapters/lead-history.ts';
import { createLeadStore, type LeadStore } from '#adapters/lead-store.ts';
import { profileKey } from '#core/table-layout.ts';
import { forEachConcurrently } from '#commons/concurrency.ts';
import type { LeadHistory as ReplayedLead } from '#core/backtest.ts';
import type { ReportSlicing } from '#core/report-counts.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { RescorePorts } from './rescore-leads.ts';

/** Where a rescore or a backtest reads and writes: the clients and the names of the stack's resources. */
export interface RescoreSettings {
  client: DynamoDBDocumentClient;
  sfn: SFNClient;
  leadsTable: string;
  eventsTable: string;
  journeyStateMachineArn: string;
  /** what a save's report counts are sliced by (lead-store.ts `slicing`) @default - no campaign defined, no trait slices */
  slicing?: ReportSlicing;
}

/** The adapters a rescore and a backtest work with. */
export interface RescoreAdapters {
  leads: LeadStore;
  history: LeadHistory;
  journeys: JourneyRunner;
}

/** Builds the adapters from explicit settings (the CLI's wiring reads them from its target). */
export function rescoreAdapters({ client, sfn, leadsTable, eventsTable, journeyStateMachineArn, slicing }: RescoreSettings): RescoreAdapters {
  return {
    leads: createLeadStore({ client, leadsTable, ...(slicing && { slicing }) }),
    history: createLeadHistory({ client, leadsTable, eventsTable }),
    journeys: createJourneyRunner({ sfn, journeyStateMachineArn }),
  };
}

/** The rescore's ports, wired to DynamoDB and Step Functions. */
export function liveRescorePorts(model: ScoringModel, { leads, history, journeys }: RescoreAdapters): RescorePorts {
  return {
    model,
    now: () => new Date().toISOString(),
    scanLeadIds: history.scanLeadIds,
    positionAfter: profileKey,
    getLead: leads.getLead,
    leadEvents: history.leadEvents,
    trackingEvents: history.trackingEvents,
    saveLead: leads.saveLead,
    startJourney: journeys.startJourney,
    clearJourneyPending: leads.clearJourneyPending,
    getProgress: history.getRescoreProgress,
    saveProgress: history.saveRescoreProgress,
  };
}

/** How many leads there are, about: every lead ever created was counted as it was. */
export async function estimatedLeadCount({ leads }: Pick<RescoreAdapters, 'leads'>): Promise<number | undefined> {
  return (await leads.getFunnelCounters()).reached.visitor;
}

/**
 * Every lead with its stored tracking events, read by a parallel scan: what
 * a backtest replays. Held in memory, so meant for histories of up to a few
 * million events.
 */
export async function readLeadHistories(
  { leads, history }: Pick<RescoreAdapters, 'leads' | 'history'>,
  options: { segments?: number; concurrency?: number; onLead?: (events: number) => void } = {},
): Promise<ReplayedLead[]> {
  const histories: ReplayedLead[] = [];
  const totalSegments = options.segments ?? 4;
  await Promise.all(
    Array.from({ length: totalSegments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await history.scanLeadIds(segment, totalSegments, startKey);
        await forEachConcurrently(page.leadIds, options.concurrency ?? 4, async (leadId) => {
          const current = await leads.getLead(leadId);
          if (!current || current.lead.mergedInto !== undefined) return;
          const events = await history.trackingEvents((await history.leadEvents(leadId)).map((ref) => ref.messageId));
          histories.push({ lead: current.lead, events });
          options.onLead?.(events.length);
        });
        startKey = page.nextKey;
      } while (startKey);
    }),
  );
  return histories.sort((a, b) => (a.lead.leadId < b.lead.leadId ? -1 : a.lead.leadId > b.lead.leadId ? 1 : 0));
}
