import { describe, expect, it } from 'vitest';
import { canTransition, InvalidTransitionError, isBefore, stages, transition, type Stage } from '#core/lifecycle.ts';

/**
 * The lifecycle as PRODUCT.md and the module describe it:
 * visitor → known → engaged → mql → sal → sql → opportunity → won | lost,
 * a known or engaged lead may qualify, engagement may drop an engaged lead back to known,
 * anything before a decision may be disqualified, handed-off leads may be recycled,
 * a recycled lead may qualify again, and won / disqualified are final.
 */
const expected: Record<Stage, readonly Stage[]> = {
  visitor: ['known', 'disqualified'],
  known: ['engaged', 'mql', 'disqualified'],
  engaged: ['mql', 'known', 'disqualified'],
  mql: ['sal', 'recycled', 'disqualified'],
  sal: ['sql', 'recycled', 'disqualified'],
  sql: ['opportunity', 'recycled', 'disqualified'],
  opportunity: ['won', 'lost'],
  won: [],
  lost: ['recycled'],
  recycled: ['mql', 'disqualified'],
  disqualified: [],
};

const allPairs = stages.flatMap((from) => stages.map((to) => [from, to] as const));
const allowedPairs = allPairs.filter(([from, to]) => expected[from].includes(to));
const refusedPairs = allPairs.filter(([from, to]) => !expected[from].includes(to));

describe('stages', () => {
  it('are listed in funnel order, with recycled and disqualified last', () => {
    // Prepare / Act / Assess
    expect(stages).toEqual(['visitor', 'known', 'engaged', 'mql', 'sal', 'sql', 'opportunity', 'won', 'lost', 'recycled', 'disqualified']);
  });

  it('compare by funnel position', () => {
    // Prepare / Act / Assess
    expect(isBefore('visitor', 'known')).toBe(true);
    expect(isBefore('mql', 'sal')).toBe(true);
    expect(isBefore('sal', 'mql')).toBe(false);
    expect(isBefore('mql', 'mql')).toBe(false);
  });
});

describe('allowed transitions', () => {
  it.each(allowedPairs)('a lead may move from %s to %s', (from, to) => {
    // Prepare
    const at = '2026-01-01T00:00:00.000Z';

    // Act
    const change = transition(from, to, at, 'because');

    // Assess
    expect(canTransition(from, to)).toBe(true);
    expect(change).toEqual({ from, to, at, cause: 'because' });
  });
});

describe('refused transitions', () => {
  it.each(refusedPairs)('a lead may not move from %s to %s', (from, to) => {
    // Prepare / Act
    const act = () => transition(from, to, '2026-01-01T00:00:00.000Z', 'because');

    // Assess
    expect(canTransition(from, to)).toBe(false);
    expect(act).toThrow(InvalidTransitionError);
  });

  it('name both stages in the error, which carries them and its class name', () => {
    // Prepare
    let caught: unknown;

    // Act
    try {
      transition('visitor', 'mql', '2026-01-01T00:00:00.000Z', 'skipping ahead');
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidTransitionError);
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({
      name: 'InvalidTransitionError',
      from: 'visitor',
      to: 'mql',
      message: 'a lead cannot move from visitor to mql',
    });
  });

  it('make won and disqualified final', () => {
    // Prepare / Act
    const fromWon = stages.filter((to) => canTransition('won', to));
    const fromDisqualified = stages.filter((to) => canTransition('disqualified', to));

    // Assess
    expect(fromWon).toEqual([]);
    expect(fromDisqualified).toEqual([]);
  });

  it('never let a lead stay in its stage by a transition', () => {
    // Prepare / Act
    const selfLoops = stages.filter((stage) => canTransition(stage, stage));

    // Assess
    expect(selfLoops).toEqual([]);
  });
});
