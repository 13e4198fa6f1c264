import { forEachConcurrently } from '#commons/concurrency.ts';
import type { CycleRef } from '#core/cycle.ts';
import { reconcileCycle, resumedJourneyName, type JourneyStatus, type ReconcileReport, type ReconciledCycle, type ResumeInput } from '#core/reconcile.ts';

export interface ReconcileJourneysPorts {
  now: () => Date;
  /** the open cycles (the index of cycles whose journey may be running), a page at a time */
  openCycles: () => AsyncIterable<ReconciledCycle[]>;
  /** the names of the journeys running now (may miss one just started) */
  runningJourneys: () => Promise<Set<string>>;
  /** the status of one journey execution by name, and the error it was stopped with */
  journeyStatus: (name: string) => Promise<{ status: JourneyStatus; error?: string | undefined }>;
  /** whether the lead was merged into another (its profile says so) */
  leadMergedAway: (leadId: string) => Promise<boolean>;
  /** moves the cycle's resumption count from `from` to `from + 1` on condition; true for the one writer that did */
  claimResume: (cycle: CycleRef, from: number) => Promise<boolean>;
  /** starts the journey under `name` (a name already started is a no-op) */
  resumeJourney: (name: string, input: ResumeInput) => Promise<'started' | 'already-started'>;
  /** takes an ended cycle out of the index, unless its resumption count moved from `resumes` */
  closeOpenCycle: (cycle: CycleRef, resumes: number) => Promise<void>;
  /** told of each cycle resumed or given up on */
  log?: (message: string, detail: Record<string, unknown>) => void;
}

/** Cycles looked at at once: each is a DescribeExecution (only when not listed as running), and maybe a write and a start. */
const CYCLES_AT_ONCE = 8;

/**
 * Resumes, once, every open cycle's journey that is not running: a restart
 * lost it, an operator stopped it, or it failed. The journeys running are
 * listed once; only a cycle whose journey is not among them is described.
 * Two reconcilers at once start one journey per cycle: a missing execution is
 * started under its own name, and an ended one under the next name, claimed
 * on the cycle first. Cycles whose journey ended (recycled, merged, succeeded)
 * leave the index.
 */
export async function reconcileJourneys(ports: ReconcileJourneysPorts): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, running: 0, resumed: [], closed: 0, gaveUp: [] };
  const running = await ports.runningJourneys();
  for await (const page of ports.openCycles()) {
    await forEachConcurrently(page, CYCLES_AT_ONCE, async (cycle) => {
      report.checked += 1;
      const ref = { leadId: cycle.leadId, cycle: cycle.cycle };
      const resumes = cycle.resumes ?? 0;
      const name = resumedJourneyName(cycle.leadId, cycle.cycle, resumes);
      const { status, error } = running.has(name) ? { status: 'RUNNING' as const, error: undefined } : await ports.journeyStatus(name);
      // only a journey to resume is worth the lead's read: a merged-away lead's journeys stay stopped
      const resumable = status !== 'RUNNING' && status !== 'SUCCEEDED' && !cycle.recycled && !cycle.mergedInto;
      const decision = reconcileCycle(cycle, status, ports.now(), { stoppedWith: error, leadMergedAway: resumable && (await ports.leadMergedAway(cycle.leadId)) });
      switch (decision.action) {
        case 'leave':
          report.running += 1;
          return;
        case 'close':
          await ports.closeOpenCycle(ref, resumes);
          report.closed += 1;
          return;
        case 'give-up':
          report.gaveUp.push({ ...ref, resumes: decision.resumes });
          ports.log?.('journey not resumed: resumed too often already', { ...ref, resumes: decision.resumes, status });
          return;
        case 'resume': {
          if (decision.claim && !(await ports.claimResume(ref, resumes))) return; // another reconciler resumes it
          await ports.resumeJourney(decision.name, decision.input);
          report.resumed.push({ ...ref, name: decision.name, from: decision.from });
          ports.log?.('journey resumed', { ...ref, name: decision.name, from: decision.from, status });
        }
      }
    });
  }
  return report;
}
