import { describe, expect, it } from 'vitest';
import { queuedLeadFate } from '../../../functions/core/queued-lead.ts';

describe('a queued lead’s fate in a drain', () => {
  const waiting = { stage: 'mql' as const, cycle: 2 };

  it('hands out an MQL of the queued cycle whose journey still waits (or whose wait has not begun)', () => {
    expect(queuedLeadFate(2, waiting, undefined, true)).toEqual({ kind: 'assign' });
    expect(queuedLeadFate(2, waiting, undefined, undefined)).toEqual({ kind: 'assign' });
  });

  it('drops the item of a lead merged into another, gone, moved on to another cycle or stage', () => {
    expect(queuedLeadFate(2, { ...waiting, mergedInto: 'lead-s' }, undefined, false)).toEqual({ kind: 'drop', reason: 'merged into lead-s' });
    expect(queuedLeadFate(2, undefined, undefined, undefined)).toMatchObject({ kind: 'drop' });
    expect(queuedLeadFate(2, { stage: 'mql', cycle: 3 }, undefined, true)).toMatchObject({ kind: 'drop' });
    for (const stage of ['recycled', 'sal', 'sql', 'won', 'disqualified'] as const) expect(queuedLeadFate(2, { stage, cycle: 2 }, undefined, true)).toMatchObject({ kind: 'drop' });
  });

  it('drops the item of a cycle decided, recycled or merged', () => {
    const decided = { outcome: { kind: 'rejected' as const, cycle: 2, repId: 'rep-ada', at: '2027-01-12T05:00:00.000Z', reason: 'no' } };
    expect(queuedLeadFate(2, waiting, decided, true)).toEqual({ kind: 'drop', reason: 'the cycle was rejected' });
    expect(queuedLeadFate(2, waiting, { recycled: { repId: 'rep-ada', acceptBy: '2027-01-12T05:00:00.000Z', at: '2027-01-12T05:00:00.000Z' } }, true)).toMatchObject({ kind: 'drop' });
    expect(queuedLeadFate(2, waiting, { mergedInto: { leadId: 'lead-s', cycle: 1 } }, true)).toMatchObject({ kind: 'drop' });
  });

  it('leaves, uncounted, a waiting MQL whose journey’s wait is gone (a new wait records its own token)', () => {
    expect(queuedLeadFate(2, waiting, undefined, false)).toEqual({ kind: 'skip', reason: 'its journey no longer waits for a rep' });
  });
});
