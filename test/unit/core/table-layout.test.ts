import { describe, expect, it } from 'vitest';
import {
  apiKeyKey,
  configKey,
  cycleKey,
  emailKey,
  funnelKey,
  identityKey,
  identityOfPartition,
  leadIdOfPartition,
  markerKey,
  messageIdOfMarker,
  profileKey,
  rescoreKey,
} from '#core/table-layout.ts';

// The layout is what stored data is found by: a change here orphans every item
// already written, so the expected keys are spelled out, not derived.
describe('the leads table layout', () => {
  it('keeps a lead’s profile, markers and cycles in the lead’s partition', () => {
    expect(profileKey('lead-0123456789abcdef0123')).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'PROFILE' });
    expect(markerKey('lead-0123456789abcdef0123', 'msg-1')).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'EVENT#msg-1' });
    expect(cycleKey('lead-0123456789abcdef0123', 3)).toEqual({ pk: 'LEAD#lead-0123456789abcdef0123', sk: 'CYCLE#0003' });
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

  it('reads back the lead, identity and messageId a key names, even when they contain the separator', () => {
    expect(leadIdOfPartition(profileKey('lead-a#b').pk)).toBe('lead-a#b');
    expect(identityOfPartition(identityKey('anon:x#y').pk)).toBe('anon:x#y');
    expect(messageIdOfMarker(markerKey('lead-a', 'EVENT#1').sk)).toBe('EVENT#1');
  });
});
