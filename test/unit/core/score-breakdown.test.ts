import { describe, expect, it } from 'vitest';
import { engagementAt, scoreBreakdown, topReasons } from '#core/scoring.ts';
import { DAY_MS, T0, entry, model, sampleLedger } from './lead-view-model.ts';

const at = (days: number) => new Date(T0 + days * DAY_MS);

describe('the score breakdown', () => {
  it('lists every rule behind the engagement with its decayed points and how many events it scored, largest first', () => {
    // Prepare: see sampleLedger for the arithmetic
    const ledger = sampleLedger();

    // Act
    const breakdown = scoreBreakdown(model, ledger, at(20));

    // Assess
    expect(breakdown).toEqual([
      { ruleId: 'demo', description: 'Requested a demo', points: 20, count: 1 },
      { ruleId: 'pricing', description: 'Viewed pricing', points: 10, count: 2 },
      { ruleId: 'page-view', description: 'Viewed a page', points: 3.75, count: 2 },
      { ruleId: 'careers', description: 'Looked at jobs', points: -4, count: 1 },
    ]);
  });

  it('adds up to the engagement at the same instant', () => {
    // Prepare
    const ledger = sampleLedger();

    // Act
    const total = scoreBreakdown(model, ledger, at(20)).reduce((sum, r) => sum + r.points, 0);

    // Assess
    expect(total).toBe(29.75);
    expect(engagementAt(ledger, at(20))).toBe(29.75);
  });

  it('decays further the later it is read', () => {
    // Prepare: ten days on, page views are 5/8 + 5/4 = 1.875 and the demo 40/4 = 10
    const ledger = sampleLedger();

    // Act
    const breakdown = scoreBreakdown(model, ledger, at(30));

    // Assess
    expect(breakdown.map((r) => [r.ruleId, r.points])).toEqual([
      ['demo', 10],
      ['pricing', 10],
      ['page-view', 1.88],
      ['careers', -4],
    ]);
  });

  it('keeps the rules that take points away, which the top reasons leave out', () => {
    // Prepare
    const ledger = [entry('careers', 0), entry('pricing', 0)];

    // Act
    const breakdown = scoreBreakdown(model, ledger, at(1));
    const reasons = topReasons(model, ledger, at(1));

    // Assess
    expect(breakdown.map((r) => r.ruleId)).toEqual(['pricing', 'careers']);
    expect(reasons.map((r) => r.ruleId)).toEqual(['pricing']);
  });

  it('names a rule the model no longer has by its id', () => {
    // Prepare: points from an earlier model version whose webinar rule was removed since
    const ledger = [entry('webinar', 0, { points: 7, modelVersion: 'view-test-0' })];

    // Act
    const breakdown = scoreBreakdown(model, ledger, at(3));

    // Assess
    expect(breakdown).toEqual([{ ruleId: 'webinar', description: 'webinar', points: 7, count: 1 }]);
  });

  it('is empty for a lead that has earned nothing', () => {
    expect(scoreBreakdown(model, [], at(0))).toEqual([]);
  });
});
