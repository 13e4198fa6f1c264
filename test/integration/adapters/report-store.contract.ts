import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { createLeadStore, SETTLE_AFTER_MS, type LeadStore } from '../../../functions/adapters/lead-store.ts';
import { createReportStore, type ReportStore } from '../../../functions/adapters/report-store.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import { basedOn, type PendingCount } from '../../../functions/core/records.ts';
import { reportCounts, UNCONFIGURED_SLICING } from '../../../functions/core/report-counts.ts';
import { funnelShardOf, profileKey, REPORT_SHARDS, reportItemsOf, reportMonthKey } from '../../../functions/core/table-layout.ts';
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

/** Saves a new MQL lead, then its acceptance at `at` (one save each, as scoring and the journey do); returns the lead as accepted. */
async function accepted(at: string, leadId = uniqueLeadId(), extra: { reports?: Parameters<LeadStore['saveLead']>[0]['reports'] } = {}): Promise<Lead> {
  const { lead, change } = acceptedLead(leadId, at);
  await leads.saveLead({ lead: mqlLead({ leadId, touches: lead.touches }), version: 0, changes: [] });
  const read = await leads.getLead(leadId);
  await leads.saveLead({ lead, ...basedOn(read!), changes: [change], ...extra });
  return lead;
}

/** Accepted leads of this test's campaign, per day asked for. */
async function acceptedPerCampaign(days: readonly string[]): Promise<number> {
  return (await reports.sliceCounts('funnel', days, 'campaign')).get(slice)?.['reached.sal'] ?? 0;
}

const daysFrom = (from: string, count: number) => Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

export function reportStoreContract(getTables: () => TestTables): void {
  let tables: TestTables;
  beforeAll(() => {
    tables = getTables();
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

  it('reads a period over a month’s end and a year’s turn, each day asked for and no other', async () => {
    // Prepare: acceptances on the last day of a year, the first of the next, mid-January and the first of February
    for (const at of ['2024-12-31T23:30:00.000Z', '2025-01-01T00:10:00.000Z', '2025-01-15T12:00:00.000Z', '2025-02-01T08:00:00.000Z']) await accepted(at);

    // Act + Assess: periods that cross a month's end, and days that leave gaps inside a month
    expect(await acceptedPerCampaign(['2024-12-31', '2025-01-01'])).toBe(2);
    expect(await acceptedPerCampaign(daysFrom('2024-12-01', 62))).toBe(3);
    expect(await acceptedPerCampaign(daysFrom('2024-12-31', 33))).toBe(4);
    expect(await acceptedPerCampaign(['2024-12-31', '2025-01-14', '2025-01-16', '2025-02-01'])).toBe(2);
    expect(await acceptedPerCampaign(daysFrom('2025-01-02', 13))).toBe(0);
    // most of a month: its total less the days left out (January 1st, then January 31st and the 1st of a December)
    expect(await acceptedPerCampaign(daysFrom('2025-01-02', 30))).toBe(1);
    expect(await acceptedPerCampaign(daysFrom('2025-01-01', 30))).toBe(2);
    expect(await acceptedPerCampaign(daysFrom('2024-12-02', 31))).toBe(2);
    expect(await acceptedPerCampaign(['2024-12-31', ...daysFrom('2025-01-03', 27)])).toBe(2);
  });

  it('reads several periods at once (a trend’s months and weeks), each as its own sum, the same as read alone', async () => {
    // Prepare: acceptances in three months of a year no other test writes
    for (const at of ['2023-03-31T22:00:00.000Z', '2023-04-01T01:00:00.000Z', '2023-04-15T12:00:00.000Z', '2023-05-01T08:00:00.000Z', '2023-05-20T18:00:00.000Z']) await accepted(at);
    const periods = [
      daysFrom('2023-03-01', 31), // March, whole: its total
      daysFrom('2023-04-01', 30), // April, whole
      daysFrom('2023-05-01', 20), // most of May: its total less the 11 days after
      daysFrom('2023-03-27', 7), // a week over March's end: days
      daysFrom('2023-05-21', 7), // a week with nothing in it
      [], // no day at all
    ];

    const sums = await reports.sliceCountsOfPeriods('funnel', periods, 'campaign');

    expect(sums.map((bySlice) => bySlice.get(slice)?.['reached.sal'] ?? 0)).toEqual([1, 2, 2, 2, 0, 0]);
    for (const [i, days] of periods.entries()) expect(sums[i]).toEqual(await reports.sliceCounts('funnel', days, 'campaign'));
  });

  it('keeps dimensions apart whose names begin alike (linear:campaign, linear:campaignType)', async () => {
    const day = '2025-03-03';
    const counts = { 'pipeline.deals': 1 };
    await accepted(`${day}T10:00:00.000Z`, uniqueLeadId(), {
      reports: [
        { family: 'attribution', day, slice: `linear:campaign=${campaign}`, counts },
        { family: 'attribution', day, slice: `linear:campaignType=${campaign}`, counts: { 'pipeline.deals': 5 } },
      ],
    });

    expect((await reports.sliceCounts('attribution', [day], 'linear:campaign')).get(campaign)).toEqual(counts);
    expect((await reports.sliceCounts('attribution', [day], 'linear:campaignType')).get(campaign)).toEqual({ 'pipeline.deals': 5 });
  });

  it('adds a late count (a CRM import of a deal closed long ago) to its own day and its month’s total, once, and a retry of it adds nothing', async () => {
    // Prepare: the periods as reported before the import: April 2025 whole (its month totals), the year 2025 and a day
    // of 2026 (twelve month totals and a day), the first half of April (its days)
    const day = '2025-04-07';
    const april = daysFrom('2025-04-01', 30);
    const year = daysFrom('2025-01-01', 366);
    const halfApril = daysFrom('2025-04-01', 15);
    const [beforeApril, beforeYear, beforeHalf] = [await acceptedPerCampaign(april), await acceptedPerCampaign(year), await acceptedPerCampaign(halfApril)];
    expect(await acceptedPerCampaign([day])).toBe(0);

    // Act: the import's save of a change dated long ago (months before today)
    const lead = await accepted(`${day}T09:00:00.000Z`);

    // Assess: counted on its day, in every period that holds the day, whether read from month totals or days
    expect(await acceptedPerCampaign([day])).toBe(1);
    expect(await acceptedPerCampaign(april)).toBe(beforeApril + 1);
    expect(await acceptedPerCampaign(year)).toBe(beforeYear + 1);
    expect(await acceptedPerCampaign(halfApril)).toBe(beforeHalf + 1);

    // Act: as if its writer stopped after adding the count and before the profile let go of it: the count pending
    // again (stale) and each of its report items, day and month, marked; the next read that heals settles it again
    const profile = (await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: profileKey(lead.leadId) }))).Item!;
    const id = `${lead.leadId}.${Number(profile.version) - 1}`;
    const count: PendingCount = { id, at: new Date(Date.now() - SETTLE_AFTER_MS - 60_000).toISOString(), counts: {}, reports: reportCounts(lead, [lead.stageHistory.at(-1)!], false, UNCONFIGURED_SLICING) };
    const items = reportItemsOf(count.reports!, funnelShardOf(lead.leadId, REPORT_SHARDS)).map(([key]) => key);
    expect(items).toContainEqual(reportMonthKey('funnel', '2025-04', `campaign=${slice}`, funnelShardOf(lead.leadId, REPORT_SHARDS)));
    for (const key of items) {
      await tables.client.send(new UpdateCommand({ TableName: tables.leadsTable, Key: key, UpdateExpression: 'SET #m = :yes', ExpressionAttributeNames: { '#m': `counted.${id}` }, ExpressionAttributeValues: { ':yes': true } }));
    }
    const all = await reports.sliceCounts('funnel', [day], 'all');
    const allApril = await reports.sliceCounts('funnel', april, 'all');
    await tables.client.send(new UpdateCommand({ TableName: tables.leadsTable, Key: profileKey(lead.leadId), UpdateExpression: 'SET funnelPending = :p', ExpressionAttributeValues: { ':p': [count] } }));
    await leads.getLead(lead.leadId, { heal: true });

    // Assess: nothing added again, in any slice, on the day or in the month's totals, and the marks gone
    expect(await acceptedPerCampaign([day])).toBe(1);
    expect(await acceptedPerCampaign(april)).toBe(beforeApril + 1);
    expect(await acceptedPerCampaign(year)).toBe(beforeYear + 1);
    expect(await reports.sliceCounts('funnel', [day], 'all')).toEqual(all);
    expect(await reports.sliceCounts('funnel', april, 'all')).toEqual(allApril);
    for (const key of items) expect((await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: key }))).Item).not.toHaveProperty([`counted.${id}`]);
  });

  it('completes a late count whose writer stopped between its day items and its month totals: the month gets it once, the days not again', async () => {
    // Prepare: a late acceptance (a CRM import), counted
    const day = '2025-06-18';
    const june = daysFrom('2025-06-01', 30);
    const lead = await accepted(`${day}T09:00:00.000Z`);
    expect(await acceptedPerCampaign([day])).toBe(1);
    const settled = await acceptedPerCampaign(june);
    // ...then put back as its writer would have left it, stopped after adding to the day items and before the month
    // totals: the count pending (stale), the day items holding it with its mark, the month totals not holding it
    const profile = (await tables.client.send(new GetCommand({ TableName: tables.leadsTable, Key: profileKey(lead.leadId) }))).Item!;
    const id = `${lead.leadId}.${Number(profile.version) - 1}`;
    const count: PendingCount = { id, at: new Date(Date.now() - SETTLE_AFTER_MS - 60_000).toISOString(), counts: {}, reports: reportCounts(lead, [lead.stageHistory.at(-1)!], false, UNCONFIGURED_SLICING) };
    const shard = funnelShardOf(lead.leadId, REPORT_SHARDS);
    for (const [key, counts] of reportItemsOf(count.reports!, shard)) {
      const isMonth = key.sk.split('#')[1]!.length === 7;
      const names = Object.keys(counts);
      await tables.client.send(
        new UpdateCommand({
          TableName: tables.leadsTable,
          Key: key,
          UpdateExpression: isMonth ? `ADD ${names.map((_, i) => `#k${i} :v${i}`).join(', ')}` : 'SET #m = :yes',
          ExpressionAttributeNames: isMonth ? Object.fromEntries(names.map((name, i) => [`#k${i}`, name])) : { '#m': `counted.${id}` },
          ExpressionAttributeValues: isMonth ? Object.fromEntries(names.map((name, i) => [`:v${i}`, -counts[name]!])) : { ':yes': true },
        }),
      );
    }
    await tables.client.send(new UpdateCommand({ TableName: tables.leadsTable, Key: profileKey(lead.leadId), UpdateExpression: 'SET funnelPending = :p', ExpressionAttributeValues: { ':p': [count] } }));
    expect(await acceptedPerCampaign(june)).toBe(settled - 1);

    // Act: the next read that heals settles the count
    await leads.getLead(lead.leadId, { heal: true });

    // Assess: the month's total has it again, once; the day, still once
    expect(await acceptedPerCampaign(june)).toBe(settled);
    expect(await acceptedPerCampaign([day])).toBe(1);
    await leads.getLead(lead.leadId, { heal: true });
    expect(await acceptedPerCampaign(june)).toBe(settled);
  });
}
