import { expect, it } from 'vitest';
import { createLeadStore } from '../../../functions/adapters/lead-store.ts';
import { createOpenCycles } from '../../../functions/adapters/open-cycles.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { ReconciledCycle } from '../../../functions/core/reconcile.ts';
import { uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * The open cycles the reconciler reads, against DynamoDB Local: a cycle the
 * lead store writes is in them (the stalled index's journey partitions, never
 * a scan), one resumption claim of two racing is written, and a closed cycle
 * leaves them unless a claim came first. The tables are shared with the other
 * contracts: only this test's leads are looked at.
 */
export function openCyclesContract(getTables: () => TestTables): void {
  const cycleOf = (leadId: string): Cycle => ({
    leadId,
    cycle: 1,
    owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-02T09:00:00.000Z' },
    previousReps: [],
    acceptBy: '2026-03-02T13:00:00.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
  });

  async function openOf(leadIds: readonly string[]): Promise<ReconciledCycle[]> {
    const { client, leadsTable } = getTables();
    const found: ReconciledCycle[] = [];
    for await (const page of createOpenCycles({ client, leadsTable }).openCycles()) found.push(...page.filter((c) => leadIds.includes(c.leadId)));
    return found;
  }

  it('finds a cycle the lead store wrote, claims one resumption of two racing, and closes it only at the count it read', async () => {
    // Prepare
    const { client, leadsTable } = getTables();
    const store = createLeadStore({ client, leadsTable });
    const cycles = createOpenCycles({ client, leadsTable });
    const [leadId, other] = [uniqueLeadId(), uniqueLeadId()];
    await store.putCycle(cycleOf(leadId));
    await store.putCycle(cycleOf(other));

    // Act + Assess: both open, as written
    expect((await openOf([leadId, other])).map((c) => c.leadId).sort()).toEqual([leadId, other].sort());
    expect((await openOf([leadId]))[0]).toEqual(cycleOf(leadId));

    // two claims of the first resumption: one is written
    const ref = { leadId, cycle: 1 };
    const claims = await Promise.all([cycles.claimResume(ref, 0), cycles.claimResume(ref, 0)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await openOf([leadId]))[0]?.resumes).toBe(1);

    // a close from before the claim changes nothing; at the count it is now, the cycle leaves the open ones
    await cycles.closeOpenCycle(ref, 0);
    expect(await openOf([leadId])).toHaveLength(1);
    await cycles.closeOpenCycle(ref, 1);
    expect(await openOf([leadId])).toEqual([]);
    // the cycle itself is as it was (the reconciler's own attributes are not part of it)
    expect(await store.getCycle(leadId, 1)).toEqual(cycleOf(leadId));
    // and no claim on a closed cycle
    expect(await cycles.claimResume(ref, 1)).toBe(false);
    expect(await cycles.leadMergedAway(leadId)).toBe(false);
  });
}
