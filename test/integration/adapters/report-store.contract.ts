import { beforeAll, expect, it } from 'vitest';
import { createLeadStore, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { createReportStore, type ReportStore } from '../../../functions/adapters/report-store.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import { basedOn } from '../../../functions/core/records.ts';
import { mqlLead } from '../../unit/handlers/fixtures.ts';
import { uniqueLeadId, type TestTables } from '../../support/tables.ts';

/**
 * The report items against DynamoDB Local: what lead saves add (each once,
 * in the lead's shard) is what a report reads back, summed over days, shards
 * and leads, per value of a dimension.
 */
let leads: LeadStore;
let reports: ReportStore;

/** A campaign no other test writes, so its report items are this test's alone. */
const campaign = `contract-${Date.now()}`;
/** Its slice: no campaign is defined here, so the touch's UTM campaign names it (report-counts.ts leadSlices). */
const slice = `utm:${campaign}`;

function acceptedLead(leadId: string, at: string): { lead: Lead; change: StageChange } {
  const change: StageChange = { from: 'mql', to: 'sal', at, cause: 'accepted by rep-sam', decision: 'accepted', withinAgreement: true };
  const mql = mqlLead({ leadId, touches: [{ messageId: `${leadId}-t`, at: '2026-02-01T10:00:00.000Z', source: 'newsletter', campaign }] });
  return { lead: { ...mql, stage: 'sal', stageHistory: [...mql.stageHistory, change] }, change };
}

export function reportStoreContract(getTables: () => TestTables): void {
  beforeAll(() => {
    const { client, leadsTable } = getTables();
    leads = createLeadStore({ client, leadsTable });
    reports = createReportStore({ client, leadsTable });
  });

  it('reads back per campaign what the saves of several leads on several days added, each once', async () => {
    const saves = [
      ['2026-02-10T11:00:00.000Z', uniqueLeadId()],
      ['2026-02-10T15:00:00.000Z', uniqueLeadId()],
      ['2026-02-11T09:00:00.000Z', uniqueLeadId()],
    ] as const;
    for (const [at, leadId] of saves) {
      const { lead, change } = acceptedLead(leadId, at);
      const before = mqlLead({ leadId, touches: lead.touches });
      await leads.saveLead({ lead: before, version: 0, changes: [] });
      const read = await leads.getLead(leadId);
      await leads.saveLead({ lead, ...basedOn(read!), changes: [change] });
    }

    const byCampaign = await reports.sliceCounts('funnel', ['2026-02-09', '2026-02-10', '2026-02-11'], 'campaign');
    const mine = byCampaign.get(slice);

    expect(mine).toMatchObject({ 'reached.sal': 3, 'decided.accepted': 3, 'decided.in-time': 3 });
    const oneDay = await reports.sliceCounts('funnel', ['2026-02-10'], 'campaign');
    expect(oneDay.get(slice)).toMatchObject({ 'reached.sal': 2 });
    // no mark of a settled count is left, nor read as a count
    expect(Object.keys(mine ?? {}).some((name) => name.startsWith('counted.'))).toBe(false);
  });
}
