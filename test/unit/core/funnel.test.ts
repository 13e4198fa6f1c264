import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { funnelIncrements, funnelReport } from '#core/funnel.ts';
import { canTransition, stages, type Stage, type StageChange } from '#core/lifecycle.ts';

const at = '2026-01-01T00:00:00.000Z';
const change = (from: Stage, to: Stage): StageChange => ({ from, to, at, cause: 'test' });

describe('funnel counter increments', () => {
  it('count a new lead as a visitor reached and current', () => {
    // Prepare / Act
    const increments = funnelIncrements([], true);

    // Assess
    expect(Object.fromEntries(increments)).toEqual({ 'reached.visitor': 1, 'current.visitor': 1 });
  });

  it('change nothing for an existing lead that did not move', () => {
    // Prepare / Act
    const increments = funnelIncrements([], false);

    // Assess
    expect(increments.size).toBe(0);
  });

  it('move a new lead through the stages it passed, leaving out counters that net to zero', () => {
    // Prepare: created, then visitor → known in the same update
    const changes = [change('visitor', 'known')];

    // Act
    const increments = funnelIncrements(changes, true);

    // Assess: current.visitor is +1 − 1 = 0 and so left out
    expect(Object.fromEntries(increments)).toEqual({ 'reached.visitor': 1, 'reached.known': 1, 'current.known': 1 });
  });

  it('count each stage passed through as reached and only the last as current', () => {
    // Prepare
    const changes = [change('known', 'engaged'), change('engaged', 'mql')];

    // Act
    const increments = funnelIncrements(changes, false);

    // Assess
    expect(Object.fromEntries(increments)).toEqual({
      'reached.engaged': 1,
      'reached.mql': 1,
      'current.mql': 1,
      'current.known': -1,
    });
  });

  it('count a recycled lead that qualifies again as reaching mql once more', () => {
    // Prepare
    const changes = [change('recycled', 'mql')];

    // Act
    const increments = funnelIncrements(changes, false);

    // Assess
    expect(Object.fromEntries(increments)).toEqual({ 'reached.mql': 1, 'current.mql': 1, 'current.recycled': -1 });
  });

  it('never create or lose a lead among the current counters (property)', () => {
    // Prepare: any walk along allowed transitions, from any stage
    const walkArb = fc
      .tuple(fc.constantFrom(...stages), fc.array(fc.nat(), { maxLength: 10 }), fc.boolean())
      .map(([start, picks, created]) => {
        const walk: StageChange[] = [];
        let stage: Stage = created ? 'visitor' : start;
        for (const pick of picks) {
          const next = stages.filter((s) => canTransition(stage, s));
          if (next.length === 0) break;
          const to = next[pick % next.length]!;
          walk.push(change(stage, to));
          stage = to;
        }
        return { walk, created };
      });
    fc.assert(
      fc.property(walkArb, ({ walk, created }) => {
        // Act
        const increments = funnelIncrements(walk, created);

        // Assess: the current counters sum to the leads added (1 when created, else 0)
        const currentTotal = [...increments].filter(([key]) => key.startsWith('current.')).reduce((sum, [, n]) => sum + n, 0);
        expect(currentTotal).toBe(created ? 1 : 0);
        const reachedTotal = [...increments].filter(([key]) => key.startsWith('reached.')).reduce((sum, [, n]) => sum + n, 0);
        expect(reachedTotal).toBe(walk.length + (created ? 1 : 0));
        expect([...increments.values()]).not.toContain(0);
      }),
    );
  });
});

describe('the funnel report', () => {
  it('lists every stage in lifecycle order with its counts, 0 when no counter exists', () => {
    // Prepare
    const counters = { reached: { visitor: 10 }, current: { visitor: 4 } };

    // Act
    const report = funnelReport(counters);

    // Assess
    expect(report.stages.map((r) => r.stage)).toEqual([...stages]);
    expect(report.stages[0]).toEqual({ stage: 'visitor', reached: 10, current: 4, conversionFromPrevious: null });
    expect(report.stages.find((r) => r.stage === 'won')).toEqual({ stage: 'won', reached: 0, current: 0, conversionFromPrevious: null });
  });

  it('gives each funnel stage its conversion from the stage before', () => {
    // Prepare
    const counters = {
      reached: { visitor: 200, known: 100, engaged: 50, mql: 20, sal: 10, sql: 5, opportunity: 4, won: 1, lost: 2, recycled: 3 },
      current: { visitor: 100, known: 50, engaged: 30, mql: 10, sal: 5, sql: 1, opportunity: 1, won: 1, lost: 2, recycled: 3 },
    };

    // Act
    const report = funnelReport(counters);

    // Assess: 100/200, 50/100, 20/50, 10/20, 5/10, 4/5, 1/4
    const conversion = Object.fromEntries(report.stages.map((r) => [r.stage, r.conversionFromPrevious]));
    expect(conversion).toEqual({
      visitor: null,
      known: 0.5,
      engaged: 0.5,
      mql: 0.4,
      sal: 0.5,
      sql: 0.5,
      opportunity: 0.8,
      won: 0.25,
      lost: null,
      recycled: null,
      disqualified: null,
    });
  });

  it('rounds conversion to three decimals', () => {
    // Prepare: 1 of 3 known leads engaged, 2 of 3 … 0.333 and 0.667
    const counters = { reached: { known: 3, engaged: 1, mql: 0 }, current: {} };

    // Act
    const report = funnelReport(counters);

    // Assess
    expect(report.stages.find((r) => r.stage === 'engaged')?.conversionFromPrevious).toBe(0.333);
    expect(funnelReport({ reached: { known: 3, engaged: 2 }, current: {} }).stages.find((r) => r.stage === 'engaged')?.conversionFromPrevious).toBe(0.667);
  });

  it('gives no conversion when the stage before was never reached', () => {
    // Prepare
    const counters = { reached: { mql: 5 }, current: { mql: 5 } };

    // Act
    const report = funnelReport(counters);

    // Assess
    expect(report.stages.find((r) => r.stage === 'mql')?.conversionFromPrevious).toBeNull();
  });
});
