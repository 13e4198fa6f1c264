import { forEachConcurrently } from '#commons/concurrency.ts';
import { retryOnConflict } from '#commons/retry.ts';
import { startPendingJourney } from '../score/apply-events.ts';
import { recomputeFromEvents } from '../score/recompute.ts';
import type { EventRef, JourneyInput, LeadPage, LeadUpdate, RescoreProgress, ScanPosition, VersionedLead } from '#core/records.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

export interface RescorePorts {
  model: ScoringModel;
  now: () => string;
  scanLeadIds: (segment: number, totalSegments: number, startKey?: ScanPosition, pageSize?: number) => Promise<LeadPage>;
  /** the scan position just after a lead's profile: where a page cut short resumes */
  positionAfter: (leadId: string) => ScanPosition;
  /** `heal`: the markers the lead's last save left pending are written first, so every event is listed */
  getLead: (leadId: string, options?: { heal?: boolean }) => Promise<VersionedLead | undefined>;
  leadEvents: (leadId: string) => Promise<EventRef[]>;
  trackingEvents: (messageIds: readonly string[]) => Promise<StoredEvent[]>;
  saveLead: (update: LeadUpdate) => Promise<number>;
  startJourney: (input: JourneyInput) => Promise<unknown>;
  clearJourneyPending: (leadId: string, cycle: number) => Promise<void>;
  getProgress: (modelVersion: string) => Promise<RescoreProgress | undefined>;
  saveProgress: (progress: RescoreProgress) => Promise<void>;
}

export interface RescoreOptions {
  /** parallel scan segments; a resumed run keeps the count it started with. @default 4 */
  segments?: number;
  /** leads rescored at once within a segment. @default 4 */
  concurrency?: number;
  /** table items read per scan page; progress is saved after each page. @default 1000 */
  pageSize?: number;
  /** run again although a rescore under this model version finished */
  again?: boolean;
  /** stop between leads: the leads in flight finish, each segment's position after them is saved, and the next run resumes there */
  signal?: AbortSignal;
  /** called once before any lead is rescored: whether this run continues an earlier one, and what that one did */
  onStart?: (start: { resumed: boolean; already: RescoreCounts }) => void;
  /** called as leads are done: the saved progress plus the leads of pages in flight; never decreases */
  onProgress?: (live: RescoreCounts) => void;
}

export interface RescoreCounts {
  leads: number;
  events: number;
  advanced: number;
}

export interface RescoreResult {
  status: 'finished' | 'interrupted' | 'already-finished';
  /** true when this run continued an earlier, interrupted one that had done some of the work */
  resumed: boolean;
  /** what the earlier run had done, when resumed (zeros otherwise) */
  already: RescoreCounts;
  progress: RescoreProgress;
}

const MAX_ATTEMPTS = 5;

/**
 * Recomputes one lead from its stored events and saves it, retrying when the
 * stream path updated the lead in between (the save is conditional on the
 * version read). A lead the model now qualifies gets its journey started.
 */
async function rescoreOne(leadId: string, ports: RescorePorts): Promise<{ events: number; advanced: boolean } | undefined> {
  const saved = await retryOnConflict(MAX_ATTEMPTS, async () => {
    const current = await ports.getLead(leadId, { heal: true });
    // a lead merged into another is rescored as part of that one
    if (!current || current.lead.mergedInto !== undefined) return undefined;
    const { lead, events, changes } = await recomputeFromEvents(current, ports, `rescored under model ${ports.model.version}`);
    return { lead, events, advanced: changes.length > 0 };
  });
  if (!saved) return undefined;
  // As on the stream path: the pending flag stays until the journey is known to exist.
  await startPendingJourney(saved.lead, ports);
  return { events: saved.events, advanced: saved.advanced };
}

/**
 * Rescores every lead under the ports' model from its stored events, by a
 * parallel scan whose position is saved after each page: an interrupted run
 * resumes where it stopped, and redoing a lead changes nothing. Safe while
 * events keep arriving: events not yet applied by the stream are applied
 * after, on top of the rescored lead, and a lead the stream updates while
 * it is rescored is read again.
 */
export async function rescoreAll(ports: RescorePorts, options: RescoreOptions = {}): Promise<RescoreResult> {
  const version = ports.model.version;
  const earlier = await ports.getProgress(version);
  const none = { leads: 0, events: 0, advanced: 0 };
  if (earlier?.finishedAt && !options.again) return { status: 'already-finished', resumed: false, already: none, progress: earlier };
  // An earlier run interrupted before any position moved left nothing to resume: this run starts afresh.
  const resumed = earlier !== undefined && earlier.finishedAt === undefined && (earlier.leads > 0 || earlier.segments.some((s) => s !== 'start'));
  const startedAt = ports.now();
  const progress: RescoreProgress =
    resumed && earlier
      ? earlier
      : {
          modelVersion: version,
          startedAt,
          updatedAt: startedAt,
          segments: Array.from({ length: Math.max(1, options.segments ?? 4) }, () => 'start' as const),
          leads: 0,
          events: 0,
          advanced: 0,
        };
  const already = resumed ? { leads: progress.leads, events: progress.events, advanced: progress.advanced } : none;
  if (!resumed) await ports.saveProgress(progress);
  options.onStart?.({ resumed, already });

  // What the pages being worked on have done so far, on top of the saved totals.
  const pagesInFlight = new Set<RescoreCounts>();
  const report = () => {
    const live = { leads: progress.leads, events: progress.events, advanced: progress.advanced };
    for (const page of pagesInFlight) {
      live.leads += page.leads;
      live.events += page.events;
      live.advanced += page.advanced;
    }
    options.onProgress?.(live);
  };
  // Pages finish in any order across segments; their saves go one after another.
  let saving = Promise.resolve();
  const save = () => {
    progress.updatedAt = ports.now();
    const snapshot = structuredClone(progress);
    saving = saving.then(() => ports.saveProgress(snapshot));
    return saving;
  };

  const total = progress.segments.length;
  const scan = (segment: number, startKey: ScanPosition | undefined) => {
    const page = ports.scanLeadIds(segment, total, startKey, options.pageSize);
    page.catch(() => undefined); // a page read ahead and never used must not fail the run
    return page;
  };
  const runSegment = async (segment: number) => {
    const position = progress.segments[segment];
    if (position === 'done' || position === undefined) return;
    let reading = scan(segment, position === 'start' ? undefined : position);
    while (!options.signal?.aborted) {
      const page = await reading;
      // The next page is read while this one's leads are rescored, so the segment never waits for the scan.
      const next = page.nextKey && scan(segment, page.nextKey);
      const done = { leads: 0, events: 0, advanced: 0 };
      // Per lead of the page, in scan order: what its rescore did, once it is done.
      const results: ({ events: number; advanced: boolean } | 'skipped' | undefined)[] = page.leadIds.map(() => undefined);
      pagesInFlight.add(done);
      let failure: { error: unknown } | undefined;
      try {
        await forEachConcurrently(
          page.leadIds.map((leadId, index) => ({ leadId, index })),
          options.concurrency ?? 4,
          async ({ leadId, index }) => {
            const result = await rescoreOne(leadId, ports);
            results[index] = result ?? 'skipped';
            if (!result) return;
            done.leads += 1;
            done.events += result.events;
            if (result.advanced) done.advanced += 1;
            report();
          },
          options.signal,
        );
      } catch (error) {
        failure = { error };
      }
      // Leads are started in scan order and the ones in flight finish, so the leads done are the page's
      // first ones (up to a failure): the saved position moves past them, and only they are counted.
      let finished = 0;
      while (finished < results.length && results[finished] !== undefined) finished += 1;
      const counted = results.slice(0, finished).filter((r): r is { events: number; advanced: boolean } => r !== undefined && r !== 'skipped');
      pagesInFlight.delete(done);
      progress.leads += counted.length;
      progress.events += counted.reduce((sum, r) => sum + r.events, 0);
      // A lead moves forward once: redoing it will not count it again, so every advance done counts now.
      progress.advanced += done.advanced;
      if (finished === results.length) progress.segments[segment] = page.nextKey ?? 'done';
      else if (finished > 0) progress.segments[segment] = ports.positionAfter(page.leadIds[finished - 1]!);
      await save();
      if (failure) throw failure.error;
      if (!next || finished < results.length) return;
      reading = next;
    }
  };
  await Promise.all(progress.segments.map((_, segment) => runSegment(segment)));
  await saving;
  if (progress.segments.some((s) => s !== 'done')) return { status: 'interrupted', resumed, already, progress };
  progress.finishedAt = ports.now();
  await save();
  report();
  return { status: 'finished', resumed, already, progress };
}
