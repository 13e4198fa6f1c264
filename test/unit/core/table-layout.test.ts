import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  reportKey,
  reportPartition,
  reportDayRange,
  reportItemOf,
  reportMonthKey,
  reportMonthRange,
  reportMonthItemOf,
  reportYearPartition,
  reportItemsOf,
  reportReadPlan,
  dayRuns,
  daysOfMonth,
  activitiesOf,
  activityKey,
  feedbackKey,
  feedbackOf,
  apiKeyKey,
  configKey,
  cycleKey,
  emailKey,
  FUNNEL_SHARDS,
  funnelKey,
  funnelKeys,
  funnelShardKey,
  funnelShardOf,
  identityKey,
  identityOfPartition,
  eventOfMarker,
  leadIdOfPartition,
  markerKey,
  MARKERS_END,
  markersFrom,
  messageIdOfMarker,
  profileKey,
  rescoreKey,
  scoreKey,
} from '#core/table-layout.ts';

// The layout is what stored data is found by: a change here orphans every item
// already written, so the expected keys are spelled out, not derived.
describe('the leads table layout', () => {
  it('keeps report counts per family, month and shard as a partition, sorted by dimension, day and value', () => {
    expect(reportKey('funnel', '2026-03-01', 'source=newsletter', 3)).toEqual({ pk: 'REPORT#funnel#2026-03#03', sk: 'source#2026-03-01#newsletter' });
    expect(reportPartition('attribution', '2026-03', 7)).toBe('REPORT#attribution#2026-03#07');
    // a value may hold '#' and '=': only the first '=' splits the slice, and the value is read back whole
    const key = reportKey('attribution', '2026-03-09', 'linear:campaign=a#b=c', 0);
    expect(key.sk).toBe('linear:campaign#2026-03-09#a#b=c');
    expect(reportItemOf(key.sk)).toEqual({ dimension: 'linear:campaign', day: '2026-03-09', value: 'a#b=c' });
    // a run of days of one dimension is one range of sort keys: another dimension or day outside it is not in it
    const [low, high] = reportDayRange('source', '2026-03-02', '2026-03-04');
    const inRange = (sk: string) => sk >= low && sk <= high;
    expect(['source#2026-03-02#a', 'source#2026-03-04#\u{1F600}', 'source#2026-03-04#zzz'].every(inRange)).toBe(true);
    expect(['source#2026-03-01#z', 'source#2026-03-05#a', 'sourceX#2026-03-03#a', 'rep#2026-03-03#a', 'source='].some(inRange)).toBe(false);
  });

  it('keeps the month totals of each slice and shard in the year’s partition, never a month’s, a run of months of a dimension one key range', () => {
    expect(reportMonthKey('funnel', '2026-03', 'source=newsletter', 3)).toEqual({ pk: 'REPORT#funnel#2026#03', sk: 'source#2026-03#newsletter' });
    expect(reportMonthKey('attribution', '2026-03', 'linear:campaign=a#b=c', 0)).toEqual({ pk: 'REPORT#attribution#2026#00', sk: 'linear:campaign#2026-03#a#b=c' });
    expect(reportYearPartition('funnel', '2026', 3)).toBe('REPORT#funnel#2026#03');
    // no year's partition is a month's
    expect(reportYearPartition('funnel', '2026', 3)).not.toBe(reportPartition('funnel', '2026-03', 3));
    expect(reportMonthItemOf('linear:campaign', 'linear:campaign#2026-03#a#b=c')).toEqual({ month: '2026-03', value: 'a#b=c' });
    const [low, high] = reportMonthRange('source', '2026-02', '2026-04');
    const inRange = (sk: string) => sk >= low && sk <= high;
    expect(['source#2026-02#a', 'source#2026-03#\u{10FFFF}', 'source#2026-04#zzz', 'source#2026-04##'].every(inRange)).toBe(true);
    expect(['source#2026-01#z', 'source#2026-05#a', 'sourceX#2026-03#a', 'rep#2026-03#a', 'source#2026-01-31#a'].some(inRange)).toBe(false);
  });

  it('adds each report count to its day item and to its month total, in the lead’s shard, one write per item with counts summed', () => {
    const items = reportItemsOf(
      [
        { day: '2026-03-01', slice: 'source=newsletter', counts: { 'reached.mql': 1 } },
        { day: '2026-03-20', slice: 'source=newsletter', counts: { 'reached.mql': 1, 'reached.sal': 1 } },
        { family: 'attribution', day: '2026-04-02', slice: 'linear:source=newsletter', counts: { 'pipeline.deals': 0.5 } },
        { day: '2026-03-01', slice: 'source=newsletter', counts: { 'reached.sal': 2 } },
      ],
      5,
    );
    expect(items).toEqual([
      [{ pk: 'REPORT#funnel#2026-03#05', sk: 'source#2026-03-01#newsletter' }, { 'b.G': 1, 'b.H': 2 }],
      [{ pk: 'REPORT#funnel#2026#05', sk: 'source#2026-03#newsletter' }, { 'b.G': 2, 'b.H': 3 }],
      [{ pk: 'REPORT#funnel#2026-03#05', sk: 'source#2026-03-20#newsletter' }, { 'b.G': 1, 'b.H': 1 }],
      [{ pk: 'REPORT#attribution#2026-04#05', sk: 'linear:source#2026-04-02#newsletter' }, { 'l.o': 0.5 }],
      [{ pk: 'REPORT#attribution#2026#05', sk: 'linear:source#2026-04#newsletter' }, { 'l.o': 0.5 }],
    ]);
    expect(reportItemsOf([], 0)).toEqual([]);
  });

  it('reads whole months as month totals, mostly asked months as totals less the days left out, and the rest as days', () => {
    expect(daysOfMonth('2024-02')).toHaveLength(29);
    expect(daysOfMonth('2026-02')).toHaveLength(28);
    expect(daysOfMonth('2026-12').at(-1)).toBe('2026-12-31');
    const year = daysBetween('2025-11-30', '2026-11-30');
    expect(year).toHaveLength(366);
    expect(reportReadPlan(year)).toEqual({
      months: ['2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'],
      days: ['2025-11-30'],
      less: [],
    });
    // 90 days to 30 November: September from the 2nd is its total less the 1st
    expect(reportReadPlan(daysBetween('2026-09-02', '2026-11-30'))).toEqual({ months: ['2026-09', '2026-10', '2026-11'], days: [], less: ['2026-09-01'] });
    expect(reportReadPlan(daysBetween('2026-03-02', '2026-03-31'))).toEqual({ months: ['2026-03'], days: [], less: ['2026-03-01'] });
    // half a month or less: its days
    expect(reportReadPlan(daysBetween('2026-04-16', '2026-04-30'))).toEqual({ months: [], days: daysBetween('2026-04-16', '2026-04-30'), less: [] });
    expect(reportReadPlan(['2026-04-20', '2026-04-01', '2026-04-01'])).toEqual({ months: [], days: ['2026-04-01', '2026-04-20'], less: [] });
  });

  it('covers exactly the days of any period, each once: months read whole, less the days taken away, and the days read', () => {
    const day = fc.integer({ min: Date.UTC(2023, 0, 1) / DAY_MS, max: Date.UTC(2028, 11, 31) / DAY_MS }).map((n) => new Date(n * DAY_MS).toISOString().slice(0, 10));
    const covered = (plan: ReturnType<typeof reportReadPlan>) => {
      const count = new Map<string, number>();
      for (const d of [...plan.months.flatMap(daysOfMonth), ...plan.days]) count.set(d, (count.get(d) ?? 0) + 1);
      for (const d of plan.less) count.set(d, (count.get(d) ?? 0) - 1);
      return count;
    };
    const check = (asked: readonly string[]) => {
      const plan = reportReadPlan(asked);
      const count = covered(plan);
      const wanted = new Set(asked);
      for (const [d, n] of count) expect(n, d).toBe(wanted.has(d) ? 1 : 0);
      for (const d of wanted) expect(count.get(d), d).toBe(1);
      // days taken away belong to months read whole, and are never also read as days
      for (const d of plan.less) expect(plan.months).toContain(d.slice(0, 7));
      for (const month of plan.months) expect(plan.days.some((d) => d.startsWith(month))).toBe(false);
      // never more day items than reading the month's days
      for (const month of plan.months) expect(plan.less.filter((d) => d.startsWith(month)).length).toBeLessThan(asked.filter((d) => d.startsWith(month)).length);
    };
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        check(daysBetween(from, to));
      }),
    );
    // any set of days, not only runs
    fc.assert(fc.property(fc.array(day, { maxLength: 80 }), (days) => check([...new Set(days)])));
  });

  it('splits sorted days into runs of consecutive days', () => {
    expect(dayRuns([])).toEqual([]);
    expect(dayRuns(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-05'])).toEqual([
      ['2026-02-27', '2026-03-01'],
      ['2026-03-05', '2026-03-05'],
    ]);
  });

  it('keeps a cycle’s activities in time order under the cycle, and its feedback one per occasion', () => {
    const later = activityKey('lead-1', 2, '2026-03-02T09:00:00+01:00', 'crm-9');
    const earlier = activityKey('lead-1', 2, '2026-03-01T23:30:00.000Z', 'crm-10');
    expect(later).toEqual({ pk: 'LEAD#lead-1', sk: 'ACTIVITY#0002#2026-03-02T08:00:00.000Z#crm-9' });
    expect(earlier.sk < later.sk).toBe(true);
    expect(later.sk.startsWith(activitiesOf(2))).toBe(true);
    expect(later.sk.startsWith(activitiesOf(1))).toBe(false);
    expect(feedbackKey('lead-1', 2, 'closed')).toEqual({ pk: 'LEAD#lead-1', sk: 'FEEDBACK#0002#closed' });
    expect(feedbackKey('lead-1', 2, 'closed').sk.startsWith(feedbackOf(2))).toBe(true);
    expect(feedbackKey('lead-1', 12, 'closed').sk.startsWith(feedbackOf())).toBe(true);
  });

  it('keeps a lead’s profile, score, markers and cycles in the lead’s partition', () => {
    expect(profileKey('lead-0123456789abcdef0123')).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'PROFILE' });
    expect(scoreKey('lead-0123456789abcdef0123')).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'SCORE' });
    expect(markerKey('lead-0123456789abcdef0123', '2026-03-01T09:00:00.000Z', 'msg-1')).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'EVENT#2026-03-01T09:00:00.000Z#msg-1' });
    expect(cycleKey('lead-0123456789abcdef0123', 3)).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'CYCLE#0003' });
  });

  it('names one marker per event whichever way its instant is spelled (UTC, milliseconds)', () => {
    expect(markerKey('lead-a', '2026-03-01T10:00:00+01:00', 'msg-1').sk).toBe('EVENT#2026-03-01T09:00:00.000Z#msg-1');
    expect(markerKey('lead-a', '2026-03-01T09:00:00Z', 'msg-1')).toEqual(markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'msg-1'));
  });

  it('sorts a lead’s markers by when their events happened, so the markers since an instant are one key range', () => {
    const keys = [
      markerKey('lead-a', '2026-03-02T00:00:00.000Z', 'a').sk,
      markerKey('lead-a', '2026-02-28T23:59:59.999Z', 'z').sk,
      markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'b').sk,
      markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'a').sk,
    ];
    const from = markersFrom('2026-03-01T09:00:00.000Z');

    expect([...keys].sort()).toEqual([
      'EVENT#2026-02-28T23:59:59.999Z#z',
      'EVENT#2026-03-01T09:00:00.000Z#a',
      'EVENT#2026-03-01T09:00:00.000Z#b',
      'EVENT#2026-03-02T00:00:00.000Z#a',
    ]);
    expect(from).toBe('EVENT#2026-03-01T09:00:00.000Z');
    expect(MARKERS_END).toBe('EVENT$');
    // BETWEEN from AND MARKERS_END: the markers from the instant on, and nothing else of the lead
    expect(keys.filter((sk) => sk >= from && sk <= MARKERS_END).sort()).toEqual([
      'EVENT#2026-03-01T09:00:00.000Z#a',
      'EVENT#2026-03-01T09:00:00.000Z#b',
      'EVENT#2026-03-02T00:00:00.000Z#a',
    ]);
    for (const other of ['PROFILE', 'SCORE', 'CYCLE#0001']) expect(other >= from && other <= MARKERS_END).toBe(false);
  });

  it('puts the profile and the score next to each other, so one query reads both and nothing else', () => {
    const between = (sk: string) => sk >= profileKey('lead-a').sk && sk <= scoreKey('lead-a').sk;

    expect(between('PROFILE') && between('SCORE')).toBe(true);
    for (const other of [markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'msg-1').sk, cycleKey('lead-a', 1).sk, markersFrom('2026-03-01T09:00:00.000Z'), MARKERS_END]) {
      expect(between(other)).toBe(false);
    }
  });

  it('numbers cycles so that they sort in order as strings', () => {
    const sortKeys = [2, 10, 1, 100].map((cycle) => cycleKey('lead-x', cycle).sk);

    expect([...sortKeys].sort()).toEqual(['CYCLE#0001', 'CYCLE#0002', 'CYCLE#0010', 'CYCLE#0100']);
  });

  it('puts each identity link, the counters, rescore progress, keys, emails and configuration in partitions of their own', () => {
    expect(identityKey('email:jo@acme.io')).toEqual({ pk: 'IDENTITY#email:jo@acme.io', sk: 'IDENTITY' });
    expect(funnelKey).toEqual({ pk: 'REPORT#funnel', sk: 'COUNTERS' });
    expect(rescoreKey('2026-11-23.1')).toEqual({ pk: 'RESCORE#2026-11-23.1', sk: 'PROGRESS' });
    expect(apiKeyKey('ab12')).toEqual({ pk: 'KEY#ab12', sk: 'KEY' });
    expect(emailKey('lead-x#1#handoff#rep-sam')).toEqual({ pk: 'EMAIL#lead-x#1#handoff#rep-sam', sk: 'EMAIL' });
    expect(configKey('link-signing-key')).toEqual({ pk: 'CONFIG#link-signing-key', sk: 'CONFIG' });
  });

  it('spreads the funnel counters over shards of their own, each lead always adding to the same one', () => {
    expect(funnelShardKey(0)).toEqual({ pk: 'REPORT#funnel#00', sk: 'COUNTERS' });
    expect(funnelShardKey(63)).toEqual({ pk: 'REPORT#funnel#63', sk: 'COUNTERS' });
    expect(funnelKeys(3)).toEqual([
      { pk: 'REPORT#funnel', sk: 'COUNTERS' },
      { pk: 'REPORT#funnel#00', sk: 'COUNTERS' },
      { pk: 'REPORT#funnel#01', sk: 'COUNTERS' },
      { pk: 'REPORT#funnel#02', sk: 'COUNTERS' },
    ]);
    // 32-bit FNV-1a of the id (the published test vectors), taken modulo the shard count
    expect(funnelShardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(funnelShardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(funnelShardOf('foobar', 64)).toBe(0x28);
  });

  it('gives a thousand lead ids shards spread over all of them', () => {
    const counts = new Array<number>(FUNNEL_SHARDS).fill(0);
    for (let i = 0; i < 1000; i++) counts[funnelShardOf(`lead-${i.toString(16).padStart(20, '0')}`, FUNNEL_SHARDS)]! += 1;

    expect(counts.every((n) => n > 0)).toBe(true);
    expect(Math.max(...counts)).toBeLessThan(3 * (1000 / FUNNEL_SHARDS));
  });

  it('reads back the lead, identity and messageId a key names, even when they contain the separator', () => {
    expect(leadIdOfPartition(profileKey('lead-a#b').pk)).toBe('lead-a#b');
    expect(identityOfPartition(identityKey('anon:x#y').pk)).toBe('anon:x#y');
    expect(messageIdOfMarker(markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'EVENT#1').sk)).toBe('EVENT#1');
    expect(eventOfMarker(markerKey('lead-a', '2026-03-01T09:00:00.000Z', 'm#2#x').sk)).toEqual({ at: '2026-03-01T09:00:00.000Z', messageId: 'm#2#x' });
  });
});

const DAY_MS = 86_400_000;
/** The days from `from` to `to`, both included, counted one by one (not through the layout's own month arithmetic). */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
