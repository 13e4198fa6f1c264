import { describe, expect, it } from 'vitest';
import {
  reportKey,
  reportPartition,
  reportDayRange,
  reportItemOf,
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
