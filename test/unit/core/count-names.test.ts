import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countNameOf, storedCountName, storedCounts } from '../../../functions/core/count-names.ts';
import { stages } from '../../../functions/core/lifecycle.ts';

describe('report counters as stored', () => {
  it('spells the words of the counters’ vocabulary as one letter, and keeps the rest', () => {
    expect(storedCountName('reached.mql')).toBe('b.G');
    expect(storedCountName('dwell.opportunity.57')).toBe('a.J.57');
    expect(storedCountName('reason.rejected.no-budget')).toBe('e.s.no-budget');
    expect(storedCountName('pipeline.touched.EUR')).toBe('l.n.EUR');
    expect(storedCounts({ 'won.count': 2, 'rating.5': 1 })).toEqual({ 'K.p': 2, 'g.5': 1 });
  });

  it('keeps a word that is itself a letter, or starts with the escape, apart from the vocabulary', () => {
    // a configured reason called "b" is not "reached"
    expect(storedCountName('reason.accepted.b')).toBe("e.i.'b");
    expect(countNameOf("e.i.'b")).toBe('reason.accepted.b');
    expect(storedCountName("reason.accepted.'quoted")).toBe("e.i.''quoted");
    expect(countNameOf("e.i.''quoted")).toBe("reason.accepted.'quoted");
  });

  it('reads a name stored long (before names were stored short) as itself', () => {
    for (const name of ['dwell.opportunity.57', 'reached.mql', 'reason.rejected.no-budget', 'pipeline.touched.EUR', 'rating.5']) expect(countNameOf(name)).toBe(name);
  });

  it('makes every stage name shorter', () => {
    for (const stage of stages) expect(storedCountName(`reached.${stage}`).length).toBeLessThan(`reached.${stage}`.length);
  });

  it('reads back any name it stores, and stores two names apart', () => {
    const word = fc.oneof(fc.constantFrom('dwell', 'reached', 'mql', 'b', 'G', "'", "'b", '', 'count', '57', 'EUR'), fc.string({ maxLength: 6 }));
    const name = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join('.'));
    fc.assert(
      fc.property(name, (n) => {
        expect(countNameOf(storedCountName(n))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(name, name, (a, b) => {
        fc.pre(a !== b);
        expect(storedCountName(a)).not.toBe(storedCountName(b));
      }),
    );
  });
});
