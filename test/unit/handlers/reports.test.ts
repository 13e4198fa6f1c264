import { parse } from 'csv-parse/sync';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import type { FunnelCounters } from '../../../functions/core/funnel.ts';
import { campaigns, feedback, repCalendars, serviceAgreement, teams } from '../../../config/index.ts';
import type { FeedbackComment } from '../../../functions/core/reports/feedback.ts';
import { stallLimits, type StalledRecord } from '../../../functions/core/reports/stalled.ts';
import { bucketOf, QUANTILE_RELATIVE_ERROR } from '../../../functions/core/reports/histogram.ts';
import { reportsHandler } from '../../../functions/reports/handler.ts';
import { basicAuth, bearer, freshKey, httpEvent, jsonBody, lambdaContext } from './http-event.ts';

/** The key lookup port, in memory: the keys registered and every key looked up. */
let registered: Map<string, ApiKey>;
let lookedUp: string[];
const keys = {
  findKey: async (key: string) => {
    lookedUp.push(key);
    return registered.get(key);
  },
};

/** The funnel counters port, in memory: what it holds and how often it was read. */
let counters: FunnelCounters;
let counterReads: number;
/** The report items port, in memory: counts per family, day and slice (`source=newsletter`), and the reads made. */
let reportItems: Map<string, Record<string, number>>;
let sliceReads: { family: string; days: readonly string[]; dimension: string }[];
/** The report items of a family and dimension on the days asked for: day → value → counts. */
function itemsByDay(family: string, days: readonly string[], dimension: string): Map<string, Map<string, Record<string, number>>> {
  const byDay = new Map<string, Map<string, Record<string, number>>>();
  for (const [key, counts] of reportItems) {
    const [itemFamily, day, slice] = key.split('|') as [string, string, string];
    const [itemDimension, value] = slice.split('=') as [string, string];
    if (itemFamily !== family || !days.includes(day) || itemDimension !== dimension) continue;
    const values = byDay.get(day) ?? new Map<string, Record<string, number>>();
    values.set(value, { ...counts });
    byDay.set(day, values);
  }
  return byDay;
}

/** The report items of a family and dimension summed over days, per value. */
function sumOverDays(family: string, days: readonly string[], dimension: string): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const [, bySlice] of itemsByDay(family, days, dimension)) {
    for (const [value, counts] of bySlice) {
      const sum = sums.get(value) ?? {};
      for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
      sums.set(value, sum);
    }
  }
  return sums;
}

/** The stalled index port, in memory: the records it answers with, and the reads made. */
let stalledRecords: StalledRecord[];
let stalledReads: { cutoffs: readonly { stage: string; before: string }[]; team?: string | undefined; rep?: string | undefined; atMost: number }[];
/** The comments index port, in memory: comments by day, and the reads made. */
let commentsByDay: Map<string, FeedbackComment[]>;
let commentReads: { days: readonly string[]; limit: number }[];
const ports = {
  getFunnelCounters: async () => {
    counterReads += 1;
    return structuredClone(counters);
  },
  sliceCounts: async (family: string, days: readonly string[], dimension: string) => {
    sliceReads.push({ family, days, dimension });
    return sumOverDays(family, days, dimension);
  },
  sliceCountsOfPeriods: async (family: string, periods: readonly (readonly string[])[], dimension: string) => {
    sliceReads.push({ family, days: periods.flat(), dimension });
    return periods.map((days) => sumOverDays(family, days, dimension));
  },
  now: () => new Date('2026-03-31T12:00:00.000Z'),
  marketing: { minAcceptanceRate: 0.6 },
  campaigns,
  traitNames: ['industry', 'employees'],
  serviceAgreement,
  teams,
  stallLimits: stallLimits(serviceAgreement),
  calendars: repCalendars,
  stalledLeads: async (read: (typeof stalledReads)[number]) => {
    stalledReads.push(read);
    return structuredClone(stalledRecords);
  },
  feedbackConfig: feedback,
  latestComments: async (days: readonly string[], limit: number) => {
    commentReads.push({ days, limit });
    return days.flatMap((day) => commentsByDay.get(day) ?? []).slice(0, limit);
  },
};

/** A CSV answer read back: 200, text/csv, a header row, then records by column name (each as wide as the header). */
function csvRows(result: Awaited<ReturnType<ReturnType<typeof reportsHandler>>>): Record<string, string>[] {
  expect(result.statusCode).toBe(200);
  expect(result.headers?.['content-type']).toBe('text/csv; charset=utf-8');
  expect(result.headers?.['content-disposition']).toMatch(/^attachment; filename="[\w.-]+\.csv"$/);
  const [header, ...rows] = parse(result.body ?? '', { relax_column_count: true }) as string[][];
  for (const row of rows) expect(row).toHaveLength(header!.length);
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!])));
}

function stubKey(key: string, kind: 'write' | 'server') {
  registered.set(key, { sourceId: 'src-crm', kind });
}

function getFunnel(headers: Record<string, string> = {}, query?: Record<string, string>) {
  return reportsHandler(ports, keys)(
    httpEvent({ method: 'GET', path: '/v1/reports/funnel', headers, ...(query && { queryStringParameters: query }) }),
    lambdaContext('reports'),
  );
}

describe('reports handler (funnel)', () => {
  beforeEach(() => {
    registered = new Map();
    lookedUp = [];
    counters = { reached: { visitor: 1 }, current: { visitor: 1 } };
    counterReads = 0;
    reportItems = new Map();
    sliceReads = [];
    stalledRecords = [];
    stalledReads = [];
    commentsByDay = new Map();
    commentReads = [];
  });

  it('answers 401 without a key and reads nothing', async () => {
    const result = await getFunnel();

    expect(result.statusCode).toBe(401);
    expect(lookedUp).toEqual([]);
    expect(counterReads).toBe(0);
  });

  it('answers 401 for a key nobody registered', async () => {
    const key = freshKey('nobody');

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(401);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(0);
  });

  it('answers 403 for a write key, which can only send events, and does not read the counters', async () => {
    const key = freshKey('wk');
    stubKey(key, 'write');

    const result = await getFunnel(bearer(key));

    expect(result.statusCode).toBe(403);
    expect(jsonBody(result).error).toMatch(/server key/);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(0);
  });

  it('answers the funnel built from the counters item for a server key', async () => {
    // Prepare
    const key = freshKey('sk');
    stubKey(key, 'server');
    counters = {
      reached: { visitor: 200, known: 80, engaged: 40, mql: 20, sal: 10, sql: 4, recycled: 3 },
      current: { visitor: 120, known: 30, engaged: 15, mql: 4, sal: 6, sql: 4, recycled: 3 },
    };

    // Act
    const result = await getFunnel(bearer(key));

    // Assess: conversion is each stage's `reached` over the previous funnel stage's `reached`;
    // off-funnel stages (lost, recycled, disqualified) and stages after an empty one have none.
    expect(result.statusCode).toBe(200);
    expect(jsonBody(result)).toMatchObject({
      stages: [
        { stage: 'visitor', reached: 200, current: 120, conversionFromPrevious: null },
        { stage: 'known', reached: 80, current: 30, conversionFromPrevious: 0.4 },
        { stage: 'engaged', reached: 40, current: 15, conversionFromPrevious: 0.5 },
        { stage: 'mql', reached: 20, current: 4, conversionFromPrevious: 0.5 },
        { stage: 'sal', reached: 10, current: 6, conversionFromPrevious: 0.5 },
        { stage: 'sql', reached: 4, current: 4, conversionFromPrevious: 0.4 },
        { stage: 'opportunity', reached: 0, current: 0, conversionFromPrevious: 0 },
        { stage: 'won', reached: 0, current: 0, conversionFromPrevious: null },
        { stage: 'lost', reached: 0, current: 0, conversionFromPrevious: null },
        { stage: 'recycled', reached: 3, current: 3, conversionFromPrevious: null },
        { stage: 'disqualified', reached: 0, current: 0, conversionFromPrevious: null },
      ],
      // and the last 30 days, unsliced, when no period is asked for
      period: { from: '2026-03-02', to: '2026-03-31', days: 30 },
      by: 'all',
      segments: [],
    });
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(1);
  });

  it('accepts a server key as the HTTP Basic user and reports an empty funnel before any lead exists', async () => {
    const key = freshKey('sk');
    stubKey(key, 'server');
    counters = { reached: {}, current: {} };

    const result = await getFunnel(basicAuth(key));

    expect(result.statusCode).toBe(200);
    const { stages } = jsonBody(result) as { stages: { reached: number; current: number; conversionFromPrevious: number | null }[] };
    expect(stages).toHaveLength(11);
    expect(stages.every((s) => s.reached === 0 && s.current === 0 && s.conversionFromPrevious === null)).toBe(true);
    expect(lookedUp).toEqual([key]);
    expect(counterReads).toBe(1);
  });

  describe('a period, sliced', () => {
    const HOUR = 3_600_000;
    beforeEach(() => {
      reportItems.set('funnel|2026-03-02|source=newsletter', { 'reached.mql': 3, 'reached.sal': 2, [`dwell.mql.${bucketOf(2 * HOUR)}`]: 2, 'decided.accepted': 2, 'decided.in-time': 1 });
      reportItems.set('funnel|2026-03-03|source=newsletter', { 'reached.mql': 1, 'left.mql.rejected': 1, 'decided.rejected': 1, 'pipeline.count': 1, 'pipeline.EUR': 1_200_000 });
      reportItems.set('funnel|2026-03-03|source=google', { 'reached.mql': 2 });
      // outside the period asked for
      reportItems.set('funnel|2026-03-05|source=google', { 'reached.mql': 50 });
    });

    it('sums the days asked for per segment: stages, conversion, time in stage, where leads left, decisions and deals', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { from: '2026-03-02', to: '2026-03-04', by: 'source' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { period: unknown; by: string; segments: { segment: string; stages: { stage: string; reached: number; conversionFromPrevious: number | null; timeInStage: unknown; left: unknown }[]; decisions: unknown; deals: unknown }[] };
      expect(sliceReads).toEqual([{ family: 'funnel', days: ['2026-03-02', '2026-03-03', '2026-03-04'], dimension: 'source' }]);
      expect(body.period).toEqual({ from: '2026-03-02', to: '2026-03-04', days: 3 });
      expect(body.by).toBe('source');
      expect(body.segments.map((s) => s.segment)).toEqual(['newsletter', 'google']);
      const newsletter = body.segments[0]!;
      const mql = newsletter.stages.find((s) => s.stage === 'mql')!;
      const sal = newsletter.stages.find((s) => s.stage === 'sal')!;
      expect(mql.reached).toBe(4);
      expect(mql.left).toEqual({ rejected: 1 });
      expect(mql.timeInStage).toMatchObject({ leads: 2 });
      expect(Math.abs((mql.timeInStage as { medianHours: number }).medianHours - 2)).toBeLessThan(2 * 0.1);
      expect(sal.conversionFromPrevious).toBe(0.5);
      expect(newsletter.decisions).toEqual({ accepted: 2, rejected: 1, notAccepted: 0, beforeDeadline: 1, beforeDeadlineShare: 0.333 });
      expect(newsletter.deals).toEqual({ opportunities: 1, won: 0, lost: 0, pipeline: { EUR: 12000 }, revenue: {} });
    });

    it('answers CSV with format=csv: one row per segment and stage', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { from: '2026-03-02', to: '2026-03-04', by: 'source', format: 'csv' });

      const rows = csvRows(result);
      expect(rows).toHaveLength(2 * 11);
      expect(rows.find((r) => r.segment === 'google' && r.stage === 'mql')).toMatchObject({ reached: '2', medianHoursInStage: '', 'left.rejected': '0' });
      // stage × reason, and the segment's decisions and deals beside its stages
      expect(rows.find((r) => r.segment === 'newsletter' && r.stage === 'mql')).toMatchObject({ reached: '4', 'left.rejected': '1', accepted: '2', rejected: '1', opportunities: '1', 'pipeline.EUR': '12000' });
    });

    it.each([
      [{ from: '2026-3-2' }, 'from'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '0000-01-01' }, 'from'],
      [{ from: '9999-12-31' }, 'from'],
      [{ from: '2026-03-01', to: '2101-01-01' }, 'to'],
      [{ from: '2026-03-04', to: '2026-03-02' }, 'to'],
      [{ from: '2025-01-01', to: '2026-03-02' }, 'to'],
      [{ by: 'colour' }, 'by'],
      [{ by: 'trait:colour' }, 'by'],
      [{ by: 'trait:' }, 'by'],
      [{ format: 'xml' }, 'format'],
      [{ sort: 'asc' }, 'sort'],
    ])('answers 400 naming the parameter for %j, and reads no report item', async (query, name) => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), query as Record<string, string>);

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(name);
      expect(sliceReads).toEqual([]);
    });
  });

  it('refuses a day outside 2000–2100, saying the range, and takes the edges', async () => {
    const key = freshKey('sk');
    stubKey(key, 'server');

    const refused = await getFunnel(bearer(key), { from: '9999-12-31' });
    expect(refused.statusCode).toBe(400);
    expect((jsonBody(refused) as { issues: { path: string; message: string }[] }).issues).toEqual([{ path: 'from', message: 'a day from 2000-01-01 to 2100-12-31' }]);
    expect((await getFunnel(bearer(key), { from: '2000-01-01', to: '2000-01-31' })).statusCode).toBe(200);
    expect((await getFunnel(bearer(key), { from: '2100-12-01', to: '2100-12-31' })).statusCode).toBe(200);
  });

  describe('by campaign, campaign type and trait', () => {
    const brand = campaigns.campaigns.find((c) => c.id === 'search-brand-2026')!;
    beforeEach(() => {
      reportItems.set(`funnel|2026-03-02|campaign=${brand.id}`, { 'reached.mql': 4, 'reached.opportunity': 2, 'pipeline.count': 2, 'won.count': 1, 'revenue.EUR': 3_600_000 });
      reportItems.set('funnel|2026-03-03|campaign=paid-search-other', { 'reached.mql': 1 });
      reportItems.set('funnel|2026-03-03|campaign=utm:spring', { 'reached.mql': 2, 'won.count': 1, 'revenue.USD': 100_000 });
      reportItems.set('funnel|2026-03-03|campaign=(none)', { 'reached.visitor': 9 });
      reportItems.set('funnel|2026-03-03|trait:employees=50-249', { 'reached.mql': 3 });
    });

    it('names each campaign and gives what its cost bought: cost per MQL, per opportunity, and won revenue over cost', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { from: '2026-03-01', to: '2026-03-31', by: 'campaign' });

      expect(result.statusCode).toBe(200);
      const segments = (jsonBody(result) as { segments: { segment: string; campaign: unknown; cost: unknown }[] }).segments;
      // brand search cost 18,000 EUR: 4 MQLs, 2 opportunities, 36,000 EUR won
      expect(segments.find((s) => s.segment === brand.id)).toMatchObject({
        campaign: { name: brand.name, type: 'paid', defined: true },
        cost: { amount: 18000, currency: 'EUR', perMql: 4500, perOpportunity: 9000, returnOnRevenue: 2, revenueNotCompared: [] },
      });
      // a campaign without a cost, and one no campaign defines
      expect(segments.find((s) => s.segment === 'paid-search-other')).toMatchObject({ campaign: { type: 'paid', defined: true }, cost: null });
      expect(segments.find((s) => s.segment === 'utm:spring')).toMatchObject({ campaign: { name: 'spring', type: 'not-defined', defined: false }, cost: null });
    });

    it('slices by campaign type by adding up the campaign slices of each type', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { from: '2026-03-01', to: '2026-03-31', by: 'campaignType' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { by: string; segments: { segment: string; stages: { stage: string; reached: number }[]; deals: { won: number } }[] };
      expect(body.by).toBe('campaignType');
      expect(sliceReads.map((r) => r.dimension)).toEqual(['campaign']);
      const reached = (segment: string, stage: string) => body.segments.find((s) => s.segment === segment)?.stages.find((s) => s.stage === stage)?.reached;
      expect(body.segments.map((s) => s.segment).sort()).toEqual(['(none)', 'not-defined', 'paid']);
      expect(reached('paid', 'mql')).toBe(5);
      expect(reached('not-defined', 'mql')).toBe(2);
      expect(reached('(none)', 'visitor')).toBe(9);
    });

    it('slices by a configured trait, reading that trait’s slices', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { from: '2026-03-01', to: '2026-03-31', by: 'trait:employees' });

      expect(result.statusCode).toBe(200);
      expect(sliceReads.map((r) => r.dimension)).toEqual(['trait:employees']);
      const body = jsonBody(result) as { by: string; segments: { segment: string }[] };
      expect(body.by).toBe('trait:employees');
      expect(body.segments.map((s) => s.segment)).toEqual(['50-249']);
    });

    it('refuses a trait the reports do not keep, listing what by takes', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFunnel(bearer(key), { by: 'trait:colour' });

      expect(result.statusCode).toBe(400);
      const issues = (jsonBody(result) as { issues: { path: string; message: string }[] }).issues;
      expect(issues).toEqual([{ path: 'by', message: expect.stringContaining('campaignType, trait:industry, trait:employees') }]);
      expect(issues[0]!.message).toContain('source');
    });
  });

  describe('service agreement', () => {
    function getScorecard(key: string, query?: Record<string, string>) {
      return reportsHandler(ports, keys)(
        httpEvent({ method: 'GET', path: '/v1/reports/service-agreement', headers: bearer(key), ...(query && { queryStringParameters: query }) }),
        lambdaContext('reports'),
      );
    }
    const HOUR = 3_600_000;

    it('scores both sides of this week so far against the agreement and last week, for all and per rep, with the MQL trend', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      // this week (Monday 30 March; now is Tuesday 31 March): 3 MQLs, 2 accepted (1 in time), 1 rejected, 1 deadline missed,
      // 2 first contacts (2 h in time, 30 h late), 4 activities in the window, 1 lead at the agreed 3, 2 feedbacks rated 4
      const week = {
        'reached.mql': 3,
        'decided.accepted': 2,
        'decided.rejected': 1,
        'accepted.in-time': 1,
        'acceptance.missed': 1,
        'contact.first': 2,
        'contact.in-time': 1,
        [`contact.time.${bucketOf(2 * HOUR)}`]: 1,
        [`contact.time.${bucketOf(30 * HOUR)}`]: 1,
        'followUp.activity': 4,
        'followUp.met': 1,
        'feedback.covered': 2,
        'rating.4': 2,
      };
      reportItems.set('funnel|2026-03-30|all=all', week);
      reportItems.set('funnel|2026-03-31|rep=rep-sam', { 'decided.accepted': 1, 'accepted.in-time': 1 });
      // last week: 5 MQLs, 1 of 2 accepted
      reportItems.set('funnel|2026-03-24|all=all', { 'reached.mql': 5, 'decided.accepted': 1, 'decided.rejected': 1 });
      // five weeks ago: 21 MQLs, over the weekly 20
      reportItems.set('funnel|2026-02-24|all=all', { 'reached.mql': 21 });

      const result = await getScorecard(key);

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as any;
      expect(body.period).toEqual({ kind: 'week', from: '2026-03-30T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', ends: '2026-04-06T00:00:00.000Z' });
      expect(body.previous).toEqual({ from: '2026-03-23T00:00:00.000Z', to: '2026-03-30T00:00:00.000Z' });
      const { marketing, sales } = body.all;
      // two days of a 20-a-week commitment: 40/7
      expect(marketing.mqls).toMatchObject({ value: 3, previous: 5, target: 5.7, met: false, direction: 'down', better: false });
      expect(marketing.acceptanceRate).toMatchObject({ value: 0.667, previous: 0.5, target: 0.6, met: true, decisions: 3 });
      expect(marketing.averageRating).toMatchObject({ value: 4, ratings: 2 });
      expect(marketing.ratingDistribution).toEqual({ 1: 0, 2: 0, 3: 0, 4: 2, 5: 0 });
      expect(sales.acceptedWithinAgreement).toMatchObject({ value: 0.5, due: 2 });
      expect(sales.followUpActivitiesPerLead).toMatchObject({ value: 2, target: 3, met: false, leads: 2 });
      expect(sales.followUpMet.value).toBe(0.5);
      expect(sales.feedbackCoverage).toMatchObject({ value: 0.667, handed: 3 });
      expect(sales.timeToFirstContact.count).toBe(2);
      expect(Math.abs(sales.timeToFirstContact.medianHours.value - 2) / 2).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR);
      expect(Math.abs(sales.timeToFirstContact.p95Hours.value - 30) / 30).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR);
      expect(body.all.contacts).toEqual({ made: 2, inTime: 1, missed: 0, missedAcceptances: 1 });
      // per rep, named from config/teams.json
      expect(body.reps).toHaveLength(1);
      expect(body.reps[0]).toMatchObject({ rep: 'rep-sam', name: 'Sam Seller', team: 'sales-emea' });
      expect(body.reps[0].scorecard.sales.acceptedWithinAgreement).toMatchObject({ value: 1, due: 1 });
      // eight weeks, oldest first
      expect(body.mqlTrend).toHaveLength(8);
      expect(body.mqlTrend.at(-1)).toEqual({ from: '2026-03-30T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', mqls: 3, target: 5.7, met: false });
      expect(body.mqlTrend.at(-2)).toMatchObject({ mqls: 5, target: 20, met: false });
      expect(body.mqlTrend.at(-6)).toMatchObject({ from: '2026-02-23T00:00:00.000Z', mqls: 21, met: true });
    });

    it('takes a month from a day in it', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      reportItems.set('funnel|2026-02-27|all=all', { 'reached.mql': 7 });

      const body = jsonBody(await getScorecard(key, { period: 'month', from: '2026-02-14' })) as any;

      expect(body.period).toMatchObject({ kind: 'month', from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
      expect(body.all.marketing.mqls).toMatchObject({ value: 7, target: 80 });
      expect(body.mqlTrend).toHaveLength(6);
    });

    it('answers CSV with format=csv: a row per scope and metric, and per period of the MQL trend', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      reportItems.set('funnel|2026-03-30|all=all', { 'reached.mql': 3, 'decided.accepted': 2, 'decided.rejected': 1 });
      reportItems.set('funnel|2026-03-31|rep=rep-sam', { 'decided.accepted': 1, 'accepted.in-time': 1 });

      const rows = csvRows(await getScorecard(key, { format: 'csv' }));

      expect(rows.find((r) => r.scope === 'all' && r.metric === 'marketing.acceptanceRate')).toMatchObject({ periodKind: 'week', value: '0.667', target: '0.6', met: 'true', over: 'decisions', overCount: '3' });
      expect(rows.find((r) => r.scope === 'rep' && r.metric === 'sales.acceptedWithinAgreement')).toMatchObject({ segment: 'rep-sam', name: 'Sam Seller', team: 'sales-emea', value: '1', overCount: '1' });
      // the trend: 8 weeks, this one last with its 3 MQLs
      const trend = rows.filter((r) => r.scope === 'trend');
      expect(trend).toHaveLength(8);
      expect(trend.at(-1)).toMatchObject({ metric: 'marketing.mqls', value: '3', met: 'false' });
    });

    it.each([
      [{ period: 'day' }, 'period'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '0000-01-01' }, 'from'],
      [{ from: '9999-12-31' }, 'from'],
      [{ from: '1999-12-31' }, 'from'],
      [{ to: '2026-03-01' }, 'to'],
    ])('answers 400 naming the parameter for %j, and reads no report item', async (query, name) => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getScorecard(key, query as Record<string, string>);

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(name);
      expect(sliceReads).toEqual([]);
    });
  });

  describe('calibration', () => {
    function getCalibration(key: string, query?: Record<string, string>) {
      return reportsHandler(ports, keys)(
        httpEvent({ method: 'GET', path: '/v1/reports/calibration', headers: bearer(key), ...(query && { queryStringParameters: query }) }),
        lambdaContext('reports'),
      );
    }

    it('rates acceptance and wins per score band and grade over the period, and the threshold they support at the agreed rate', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      // 40–59: 4 of 10 accepted; 60–79: 8 of 10; 80–99: 20 of 22, 3 won of 4 closed
      reportItems.set('funnel|2026-03-10|scoreBand=40–59', { 'decided.accepted': 4, 'decided.rejected': 6 });
      reportItems.set('funnel|2026-03-10|scoreBand=60–79', { 'decided.accepted': 8, 'decided.rejected': 2 });
      reportItems.set('funnel|2026-03-11|scoreBand=80–99', { 'decided.accepted': 20, 'decided.rejected': 2, 'won.count': 3, 'lost.count': 1 });
      reportItems.set('funnel|2026-03-11|grade=A', { 'decided.accepted': 28, 'decided.rejected': 4 });

      const result = await getCalibration(key, { from: '2026-03-01', to: '2026-03-31' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { bands: { label: string; decisions: number; acceptanceRate: number | null; winRate: number | null }[]; grades: { grade: string; acceptanceRate: number | null }[]; threshold: unknown; target: number };
      expect(body.bands.find((b) => b.label === '40–59')).toMatchObject({ decisions: 10, acceptanceRate: 0.4 });
      expect(body.bands.find((b) => b.label === '80–99')).toMatchObject({ decisions: 22, acceptanceRate: 0.909, winRate: 0.75 });
      expect(body.grades.find((g) => g.grade === 'A')).toMatchObject({ acceptanceRate: 0.875 });
      // from 60 up: 28 of 32 accepted (0.875 ≥ 0.6) on 32 decisions (at least 30); from 40 up: 32 of 42 (0.762) on 42: the lowest edge wins
      expect(body.threshold).toEqual({ threshold: 40, band: '40–59', decisions: 42, accepted: 32, acceptanceRate: 0.762 });
      expect(body.target).toBe(0.6);
      expect(sliceReads.map((r) => r.dimension).sort()).toEqual(['grade', 'scoreBand']);
    });

    it('answers CSV with format=csv: a row per band and grade, and the threshold', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      reportItems.set('funnel|2026-03-10|scoreBand=60–79', { 'decided.accepted': 8, 'decided.rejected': 2 });
      reportItems.set('funnel|2026-03-11|grade=A', { 'decided.accepted': 8, 'decided.rejected': 2 });

      const rows = csvRows(await getCalibration(key, { from: '2026-03-01', to: '2026-03-31', format: 'csv' }));

      expect(rows.find((r) => r.row === 'band' && r.value === '60–79')).toMatchObject({ decisions: '10', acceptanceRate: '0.8' });
      expect(rows.find((r) => r.row === 'grade' && r.value === 'A')).toMatchObject({ decisions: '10' });
      // 10 decisions: fewer than the 30 a threshold needs
      expect(rows.at(-1)).toMatchObject({ row: 'threshold', threshold: '', reason: 'too-few-decisions' });
    });

    it('refuses by, which calibration does not take, naming it', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getCalibration(key, { by: 'source' });

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['by']);
      expect(sliceReads).toEqual([]);
    });
  });

  describe('attribution', () => {
    function getAttribution(key: string, query?: Record<string, string>) {
      return reportsHandler(ports, keys)(
        httpEvent({ method: 'GET', path: '/v1/reports/attribution', headers: bearer(key), ...(query && { queryStringParameters: query }) }),
        lambdaContext('reports'),
      );
    }

    it('sums the credit of the model and dimension asked for over the period, names defined campaigns, and the marketing-touched share', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      const webinar = campaigns.campaigns.find((c) => c.type === 'event')!;
      reportItems.set(`attribution|2026-03-10|w-shaped:campaign=${webinar.id}`, { 'revenue.EUR': 600_000, 'revenue.deals': 1 });
      reportItems.set(`attribution|2026-03-12|w-shaped:campaign=${webinar.id}`, { 'revenue.EUR': 150_000, 'revenue.deals': 1, 'pipeline.EUR': 150_000, 'pipeline.deals': 1 });
      reportItems.set('attribution|2026-03-10|w-shaped:campaign=utm:spring', { 'revenue.EUR': 400_000, 'revenue.deals': 1 });
      // another model's credit of the same deals: not read
      reportItems.set(`attribution|2026-03-10|linear:campaign=${webinar.id}`, { 'revenue.EUR': 999 });
      reportItems.set('attribution|2026-03-10|share:all=all', {
        'revenue.deals': 2,
        'revenue.EUR': 1_150_000,
        'revenue.touched.deals': 1,
        'revenue.touched.EUR': 1_000_000,
        'revenue.sales.deals': 1,
        'revenue.sales.EUR': 150_000,
      });
      reportItems.set(`funnel|2026-03-11|campaign=${webinar.id}`, { 'reached.mql': 5 });

      const result = await getAttribution(key, { from: '2026-03-01', to: '2026-03-31', model: 'w-shaped' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { model: string; by: string; rows: unknown[]; marketingTouched: { revenue: unknown }; salesTouched: { revenue: unknown; pipeline: unknown } };
      expect(body.model).toBe('w-shaped');
      expect(body.by).toBe('campaign');
      // the webinar cost 2,500 EUR: 5 MQLs it acquired (the funnel's campaign slice), 1 opportunity it touched, 7,500 EUR credited
      expect(body.rows).toEqual([
        {
          value: webinar.id,
          campaign: { name: webinar.name, type: 'event', defined: true },
          pipeline: { EUR: 1500 },
          pipelineDeals: 1,
          revenue: { EUR: 7500 },
          revenueDeals: 2,
          cost: { amount: 2500, currency: 'EUR', perMql: 500, perOpportunity: 2500, returnOnRevenue: 3, revenueNotCompared: [] },
        },
        { value: 'utm:spring', campaign: { name: 'spring', type: 'not-defined', defined: false }, pipeline: {}, pipelineDeals: 0, revenue: { EUR: 4000 }, revenueDeals: 1, cost: null },
      ]);
      expect(body.marketingTouched.revenue).toEqual({ deals: 2, touchedDeals: 1, share: 0.5, amounts: { EUR: 11500 }, touchedAmounts: { EUR: 10000 } });
      expect(body.salesTouched.revenue).toEqual({ deals: 2, touchedDeals: 1, share: 0.5, amounts: { EUR: 11500 }, touchedAmounts: { EUR: 1500 } });
      expect(body.salesTouched.pipeline).toEqual({ deals: 0, touchedDeals: 0, share: null, amounts: {}, touchedAmounts: {} });
      expect(sliceReads.map((r) => `${r.family}:${r.dimension}`).sort()).toEqual(['attribution:share:all', 'attribution:w-shaped:campaign', 'funnel:campaign']);
    });

    it('answers CSV with format=csv: credit rows with the campaign and cost, and the touched shares', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      const webinar = campaigns.campaigns.find((c) => c.type === 'event')!;
      reportItems.set(`attribution|2026-03-10|linear:campaign=${webinar.id}`, { 'revenue.EUR': 600_000, 'revenue.deals': 1 });
      reportItems.set('attribution|2026-03-10|linear:campaign=utm:spring', { 'pipeline.deals': 1 });
      reportItems.set('attribution|2026-03-10|share:all=all', { 'revenue.deals': 1, 'revenue.EUR': 600_000, 'revenue.touched.deals': 1, 'revenue.touched.EUR': 600_000, 'pipeline.deals': 1 });

      const rows = csvRows(await getAttribution(key, { from: '2026-03-01', to: '2026-03-31', format: 'csv' }));

      expect(rows.find((r) => r.row === 'credit' && r.value === webinar.id)).toMatchObject({ currency: 'EUR', revenue: '6000', campaignDefined: 'true', costAmount: String(webinar.cost!.amount) });
      expect(rows.find((r) => r.row === 'credit' && r.value === 'utm:spring')).toMatchObject({ currency: '', pipelineDeals: '1', campaignDefined: 'false' });
      expect(rows.find((r) => r.row === 'marketing-touched' && r.value === 'revenue')).toMatchObject({ share: '1', amount: '6000' });
      expect(rows.find((r) => r.row === 'marketing-touched' && r.value === 'pipeline')).toMatchObject({ deals: '1', touchedDeals: '0', share: '0' });
    });

    it('counts opportunities the CRM reported without an amount: in the deals touched, the shares and the cost per opportunity', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      const brand = campaigns.campaigns.find((c) => c.id === 'search-brand-2026')!;
      // three opportunities the brand campaign touched, one with 900.00 EUR, two without an amount (no amount counter)
      reportItems.set(`attribution|2026-03-10|linear:campaign=${brand.id}`, { 'pipeline.EUR': 90_000, 'pipeline.deals': 1 });
      reportItems.set(`attribution|2026-03-11|linear:campaign=${brand.id}`, { 'pipeline.deals': 2 });
      reportItems.set('attribution|2026-03-10|share:all=all', { 'pipeline.deals': 1, 'pipeline.EUR': 90_000, 'pipeline.touched.deals': 1, 'pipeline.touched.EUR': 90_000 });
      reportItems.set('attribution|2026-03-11|share:all=all', { 'pipeline.deals': 3, 'pipeline.touched.deals': 2 });

      const result = await getAttribution(key, { from: '2026-03-01', to: '2026-03-31' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { rows: { value: string; pipeline: unknown; pipelineDeals: number; cost: { perOpportunity: number | null } }[]; marketingTouched: { pipeline: unknown } };
      const row = body.rows.find((r) => r.value === brand.id)!;
      expect(row).toMatchObject({ pipeline: { EUR: 900 }, pipelineDeals: 3 });
      // its cost over the three opportunities it touched
      expect(row.cost.perOpportunity).toBe(Math.round((brand.cost!.amount / 3) * 100) / 100);
      // 3 of the 4 opportunities marketing touched
      expect(body.marketingTouched.pipeline).toEqual({ deals: 4, touchedDeals: 3, share: 0.75, amounts: { EUR: 900 }, touchedAmounts: { EUR: 900 } });
    });

    it.each([
      [{ model: 'shapley' }, 'model'],
      [{ by: 'rep' }, 'by'],
      [{ halfLife: '3' }, 'halfLife'],
      [{ from: '2026-03-10', to: '2026-03-09' }, 'to'],
      [{ from: '2025-03-01', to: '2026-03-02' }, 'to'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '0000-01-01' }, 'from'],
      [{ to: '9999-12-31' }, 'to'],
    ])('answers 400 naming the parameter for %j', async (query, name) => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getAttribution(key, query as Record<string, string>);

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(name);
      expect(sliceReads).toEqual([]);
    });
  });

  describe('stalled', () => {
    function getStalled(key: string, query?: Record<string, string>) {
      return reportsHandler(ports, keys)(
        httpEvent({ method: 'GET', path: '/v1/reports/stalled', headers: bearer(key), ...(query && { queryStringParameters: query }) }),
        lambdaContext('reports'),
      );
    }
    const record = (leadId: string, stage: StalledRecord['stage'], since: string, teamId = 'sales-emea'): StalledRecord => ({
      leadId,
      stage,
      since,
      owner: { teamId, repId: `rep-${leadId}`, assignedAt: since },
      email: `${leadId}@example.com`,
      traits: { name: `Name ${leadId}`, company: '<img src=x onerror=alert(1)>' },
    });

    it('lists the leads past their stage’s limit, longest in stage first, with the limit each passed and the lead-supplied text as it is', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      // now is 2026-03-31T12:00Z; mql's limit is acceptWithinHours (4), sal's the follow-up window (10 working days of the owner; these reps are not in config/: the default calendar)
      stalledRecords = [
        record('lead-b', 'mql', '2026-03-31T06:00:00.000Z'),
        record('lead-a', 'sal', '2026-03-01T12:00:00.000Z'),
        record('lead-c', 'mql', '2026-03-31T10:00:00.000Z'), // 2 hours: within the limit
      ];

      const result = await getStalled(key);

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { leads: { leadId: string; stage: string; hoursInStage: number; limit: unknown; company: string }[]; limit: number; more: boolean };
      expect(body.leads.map((l) => l.leadId)).toEqual(['lead-a', 'lead-b']);
      expect(body.leads[0]).toMatchObject({ stage: 'sal', hoursInStage: 720, limit: { hours: serviceAgreement.sales.followUp.withinDays * 24, from: 'sales.followUp.withinDays' } });
      expect(body.leads[1]).toMatchObject({ stage: 'mql', hoursInStage: 6, limit: { hours: serviceAgreement.acceptWithinHours, from: 'acceptWithinHours' }, company: '<img src=x onerror=alert(1)>' });
      expect(body.limit).toBe(50);
      expect(body.more).toBe(false);
      // one read, of every stage with a limit, one more than shown (to know whether there are more)
      expect(stalledReads).toHaveLength(1);
      expect(stalledReads[0]!.cutoffs.map((c) => c.stage)).toEqual(stallLimits(serviceAgreement).map((l) => l.stage));
      expect(stalledReads[0]!.cutoffs.find((c) => c.stage === 'mql')?.before).toBe('2026-03-31T08:00:00.000Z');
      expect(stalledReads[0]!.atMost).toBe(51);
    });

    it('leaves out a sal lead whose follow-up window is still open in working days, and then says there may be more', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      // Friday 20 March: 11 plain days before now, but 10 working days (default calendar, UTC) end Friday 3 April
      stalledRecords = [record('lead-s', 'sal', '2026-03-20T12:00:00.000Z'), record('lead-m', 'mql', '2026-03-31T06:00:00.000Z')];

      const body = jsonBody(await getStalled(key, { limit: '1' })) as { leads: { leadId: string }[]; more: boolean };

      expect(body.leads.map((l) => l.leadId)).toEqual(['lead-m']);
      // the read stopped at two leads, one left out: stalled leads may lie past it
      expect(body.more).toBe(true);
    });

    it('answers CSV with format=csv: a row per lead, lead-supplied text kept as text', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      stalledRecords = [{ ...record('lead-b', 'mql', '2026-03-31T06:00:00.000Z'), traits: { name: 'Doe, Jane', company: '=cmd|calc' } }];

      const rows = csvRows(await getStalled(key, { format: 'csv' }));

      expect(rows).toEqual([expect.objectContaining({ leadId: 'lead-b', name: 'Doe, Jane', company: "'=cmd|calc", stage: 'mql', hoursInStage: '6', limitFrom: 'acceptWithinHours' })]);
    });

    it('reads only the stage, team and rep asked for', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getStalled(key, { stage: 'mql', team: 'sales-emea', rep: 'rep-sam', limit: '5' });

      expect(result.statusCode).toBe(200);
      expect(stalledReads).toEqual([{ cutoffs: [{ stage: 'mql', before: '2026-03-31T08:00:00.000Z' }], team: 'sales-emea', rep: 'rep-sam', atMost: 6 }]);
      expect((jsonBody(result) as { filters: unknown }).filters).toEqual({ stage: 'mql', team: 'sales-emea', rep: 'rep-sam' });
    });

    it.each([
      [{ stage: 'won' }, 'stage'],
      [{ stage: 'visitor' }, 'stage'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '201' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: '2.5' }, 'limit'],
      [{ team: '' }, 'team'],
      [{ owner: 'rep-sam' }, 'owner'],
    ])('answers 400 naming the parameter for %j, and reads nothing', async (query, name) => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getStalled(key, query as Record<string, string>);

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(name);
      expect(stalledReads).toEqual([]);
    });
  });

  describe('feedback', () => {
    function getFeedback(key: string, query?: Record<string, string>) {
      return reportsHandler(ports, keys)(
        httpEvent({ method: 'GET', path: '/v1/reports/feedback', headers: bearer(key), ...(query && { queryStringParameters: query }) }),
        lambdaContext('reports'),
      );
    }
    const comment = (at: string, leadId: string): FeedbackComment => ({ at, leadId, cycle: 1, occasion: 'accepted', rating: 4, repId: 'rep-sam', teamId: 'sales-emea', comment: `about ${leadId}` });

    it('gives each team’s ratings, coverage and reasons, and the latest comments of the period read from its newest day', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      reportItems.set('funnel|2026-03-10|team=sales-emea', { 'decided.accepted': 3, 'decided.rejected': 1, 'feedback.given': 3, 'feedback.covered': 2, 'rating.5': 2, 'rating.2': 1, 'reason.accepted.right-fit': 2 });
      reportItems.set('funnel|2026-03-11|team=sales-us', { 'decided.accepted': 1 });
      commentsByDay.set('2026-03-12', [comment('2026-03-12T09:00:00.000Z', 'lead-new')]);
      commentsByDay.set('2026-03-10', [comment('2026-03-10T09:00:00.000Z', 'lead-old')]);

      const result = await getFeedback(key, { from: '2026-03-01', to: '2026-03-31', by: 'team', limit: '1' });

      expect(result.statusCode).toBe(200);
      const body = jsonBody(result) as { by: string; segments: { segment: string; submissions: number; coverage: number | null; averageRating: number | null; ratings: Record<string, number> }[]; comments: FeedbackComment[] };
      expect(body.by).toBe('team');
      expect(body.segments.map((s) => s.segment)).toEqual(['sales-emea', 'sales-us']);
      expect(body.segments[0]).toMatchObject({ submissions: 3, coverage: 0.5, averageRating: 4, ratings: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 2 } });
      expect(body.comments.map((c) => c.leadId)).toEqual(['lead-new']);
      expect(commentReads).toHaveLength(1);
      expect(commentReads[0]!.days[0]).toBe('2026-03-31');
      expect(commentReads[0]!.days.at(-1)).toBe('2026-03-01');
      expect(commentReads[0]!.limit).toBe(1);
    });

    it('answers CSV with format=csv: a row per segment, then per comment', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      reportItems.set('funnel|2026-03-10|team=sales-emea', { 'decided.accepted': 2, 'feedback.given': 1, 'feedback.covered': 1, 'rating.5': 1 });
      commentsByDay.set('2026-03-12', [comment('2026-03-12T09:00:00.000Z', 'lead-new')]);

      const rows = csvRows(await getFeedback(key, { from: '2026-03-01', to: '2026-03-31', by: 'team', format: 'csv' }));

      expect(rows.map((r) => r.row)).toEqual(['segment', 'comment']);
      expect(rows[0]).toMatchObject({ segment: 'sales-emea', handed: '2', coverage: '0.5', rating5: '1' });
      expect(rows[1]).toMatchObject({ leadId: 'lead-new', comment: 'about lead-new', rating: '4' });
    });

    it.each([
      [{ by: 'source' }, 'by'],
      [{ limit: '101' }, 'limit'],
      [{ from: '2026-03-04', to: '2026-03-02' }, 'to'],
      [{ from: '2026-02-30' }, 'from'],
      [{ rating: '5' }, 'rating'],
    ])('answers 400 naming the parameter for %j, and reads nothing', async (query, name) => {
      const key = freshKey('sk');
      stubKey(key, 'server');

      const result = await getFeedback(key, query as Record<string, string>);

      expect(result.statusCode).toBe(400);
      expect((jsonBody(result) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(name);
      expect(sliceReads).toEqual([]);
      expect(commentReads).toEqual([]);
    });
  });
});
