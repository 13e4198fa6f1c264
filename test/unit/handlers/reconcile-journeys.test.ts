import { describe, expect, it } from 'vitest';
import type { CycleRef } from '#core/cycle.ts';
import { journeyName } from '#core/journey.ts';
import type { JourneyStatus, ReconciledCycle, ResumeInput } from '#core/reconcile.ts';
import { reconcileJourneys, type ReconcileJourneysPorts } from '../../../functions/journey/reconcile-journeys.ts';

/** The reconciler's use case on in-memory fakes: cycles with a resumption count, executions by name. */
function world(cycles: ReconciledCycle[], executions: Record<string, { status: JourneyStatus; error?: string }>, merged: string[] = []) {
  const started: { name: string; input: ResumeInput }[] = [];
  const closed: CycleRef[] = [];
  const find = (ref: CycleRef) => cycles.find((c) => c.leadId === ref.leadId && c.cycle === ref.cycle)!;
  const ports: ReconcileJourneysPorts = {
    now: () => new Date('2027-01-11T14:00:00Z'),
    openCycles: async function* () {
      yield cycles.map((c) => ({ ...c }));
    },
    runningJourneys: async () => new Set(Object.entries(executions).filter(([, e]) => e.status === 'RUNNING').map(([name]) => name)),
    journeyStatus: async (name) => executions[name] ?? { status: 'MISSING' },
    leadMergedAway: async (leadId) => merged.includes(leadId),
    claimResume: async (ref, from) => {
      const cycle = find(ref);
      if ((cycle.resumes ?? 0) !== from) return false;
      cycle.resumes = from + 1;
      return true;
    },
    resumeJourney: async (name, input) => {
      if (executions[name]) return 'already-started';
      executions[name] = { status: 'RUNNING' };
      started.push({ name, input });
      return 'started';
    },
    closeOpenCycle: async (ref) => void closed.push(ref),
  };
  return { ports, started, closed, executions };
}

const cycleOf = (leadId: string, extra: Partial<ReconciledCycle> = {}): ReconciledCycle => ({
  leadId,
  cycle: 1,
  owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2027-01-11T09:00:00.000Z' },
  previousReps: [],
  acceptBy: '2027-01-11T13:00:00.000Z',
  acceptWithinSeconds: 14_400,
  remindAt: '2027-01-11T12:00:00.000Z',
  remindWithinSeconds: 10_800,
  missed: 0,
  ...extra,
});

describe('reconciling journeys', () => {
  it('resumes what is not running, leaves what runs, closes what ended, and leaves a merged-away lead’s journey stopped', async () => {
    const { ports, started, closed } = world(
      [cycleOf('lead-running'), cycleOf('lead-stopped'), cycleOf('lead-done'), cycleOf('lead-absorbed'), cycleOf('lead-lost')],
      {
        [journeyName('lead-running', 1)]: { status: 'RUNNING' },
        [journeyName('lead-stopped', 1)]: { status: 'ABORTED', error: 'Operator' },
        [journeyName('lead-done', 1)]: { status: 'SUCCEEDED' },
        [journeyName('lead-absorbed', 1)]: { status: 'ABORTED' },
      },
      ['lead-absorbed'],
    );

    const report = await reconcileJourneys(ports);

    expect(report).toMatchObject({ checked: 5, running: 1, closed: 2, gaveUp: [] });
    expect(started.map((s) => s.name).sort()).toEqual([journeyName('lead-lost', 1), `${journeyName('lead-stopped', 1)}-resume-1`]);
    expect(started.every((s) => s.input.resumed.from === 'escalate')).toBe(true);
    expect(closed.map((c) => c.leadId).sort()).toEqual(['lead-absorbed', 'lead-done']);
  });

  it('starts one journey when two reconcilers run at once', async () => {
    const { ports, started } = world([cycleOf('lead-stopped')], { [journeyName('lead-stopped', 1)]: { status: 'FAILED' } });

    const [a, b] = await Promise.all([reconcileJourneys(ports), reconcileJourneys(ports)]);

    expect(started).toHaveLength(1);
    expect(a.resumed.length + b.resumed.length).toBe(1);
  });
});
