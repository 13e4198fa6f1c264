import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreBandOf } from '#core/backtest.ts';
import {
  calibration,
  CalibrationOptionsError,
  calibrationSumsOf,
  mergeCalibrationSums,
  supportedThreshold,
  type ClosedDeal,
  type HandOffDecision,
} from '#core/reports/calibration.ts';
import type { Grade } from '#core/scoring.ts';
import { serviceAgreement } from '#config/index.ts';

/** `accepted` of `count` decisions at one engagement and grade. */
function decisions(engagement: number, count: number, accepted: number, grade: Grade = 'B'): HandOffDecision[] {
  return Array.from({ length: count }, (_, i) => ({ engagement, grade, accepted: i < accepted }));
}

describe('acceptance and win rate per score band and per grade', () => {
  it('counts decisions and closed deals in the backtest’s bands and per grade, every band and grade shown', () => {
    // Prepare
    const decided: HandOffDecision[] = [
      { engagement: -4, grade: 'C', accepted: false },
      { engagement: 25, grade: 'A', accepted: true },
      { engagement: 39, grade: 'A', accepted: true },
      { engagement: 30, grade: 'B', accepted: false },
      { engagement: 140, grade: 'A', accepted: true },
    ];
    const closed: ClosedDeal[] = [
      { engagement: 25, grade: 'A', won: true },
      { engagement: 39, grade: 'A', won: false },
      { engagement: 140, grade: 'A', won: true },
    ];

    // Act
    const report = calibration(calibrationSumsOf(decided, closed));

    // Assess
    expect(report.bands.map((b) => [b.label, b.decisions, b.acceptanceRate, b.closed, b.winRate])).toEqual([
      ['0–19', 1, 0, 0, null],
      ['20–39', 3, 0.667, 2, 0.5],
      ['40–59', 0, null, 0, null],
      ['60–79', 0, null, 0, null],
      ['80–99', 0, null, 0, null],
      ['100+', 1, 1, 1, 1],
    ]);
    expect(report.bands[1]).toMatchObject({ from: 20, to: 40, accepted: 2, rejected: 1, won: 1, lost: 1 });
    expect(report.grades.map((g) => [g.grade, g.accepted, g.rejected, g.won, g.lost])).toEqual([
      ['A', 3, 0, 2, 1],
      ['B', 0, 1, 0, 0],
      ['C', 0, 1, 0, 0],
      ['D', 0, 0, 0, 0],
    ]);
  });

  it('uses the band width and count it is given, as the backtest does', () => {
    // Act
    const report = calibration(calibrationSumsOf(decisions(12.5, 1, 1), [], { bandWidth: 10, bands: 2 }), { bandWidth: 10, bands: 2 });

    // Assess
    expect(report.bands.map((b) => [b.label, b.decisions])).toEqual([['0–9', 0], ['10–19', 1], ['20+', 0]]);
  });

  it('keeps tallies of a band the options no longer define, after the defined ones', () => {
    // Prepare: counted with 10-point bands, read with 20-point ones
    const sums = calibrationSumsOf(decisions(12, 2, 1), [], { bandWidth: 10 });

    // Act
    const report = calibration(sums);

    // Assess
    expect(report.bands.at(-1)).toMatchObject({ label: '10–19', from: null, to: null, decisions: 2, acceptanceRate: 0.5 });
  });

  it('gives the same report from sums merged part by part as from all records at once', () => {
    const decisionArb = fc.record({ engagement: fc.integer({ min: -20, max: 200 }), grade: fc.constantFrom<Grade>('A', 'B', 'C', 'D'), accepted: fc.boolean() });
    const dealArb = fc.record({ engagement: fc.integer({ min: -20, max: 200 }), grade: fc.constantFrom<Grade>('A', 'B', 'C', 'D'), won: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(decisionArb, { maxLength: 10 }), fc.array(dealArb, { maxLength: 10 })), { maxLength: 5 }), (parts) => {
        const merged = mergeCalibrationSums(...parts.map(([d, c]) => calibrationSumsOf(d, c)));
        const whole = calibrationSumsOf(parts.flatMap(([d]) => d), parts.flatMap(([, c]) => c));
        expect(calibration(merged)).toEqual(calibration(whole));
      }),
    );
  });
});

describe('the MQL threshold the data supports', () => {
  // 0–19: 2 of 10 accepted; 20–39: 5 of 10; 40–59: 9 of 10
  const evidence = [...decisions(10, 10, 2), ...decisions(30, 10, 5), ...decisions(50, 10, 9)];
  const report = calibration(calibrationSumsOf(evidence, []));

  it('is the lowest band edge from which hand-offs were accepted often enough, with the decisions it rests on', () => {
    // from 0: 16 of 30 (0.533); from 20: 14 of 20 (0.7)
    expect(supportedThreshold(report, { target: 0.6, minDecisions: 10 })).toEqual({ threshold: 20, band: '20–39', decisions: 20, accepted: 14, acceptanceRate: 0.7 });
  });

  it('is none when the edges that reach the target rest on too few decisions', () => {
    expect(supportedThreshold(report, { target: 0.6, minDecisions: 25 })).toEqual({ threshold: null, reason: 'below-target', decisions: 30 });
  });

  it('is none when all decisions together are too few', () => {
    expect(supportedThreshold(report, { target: 0.6, minDecisions: 31 })).toEqual({ threshold: null, reason: 'too-few-decisions', decisions: 30 });
  });

  it('counts a rate equal to the target as meeting it (7 of 10 for 0.7)', () => {
    expect(supportedThreshold(calibration(calibrationSumsOf(decisions(5, 10, 7), [])), { target: 0.7, minDecisions: 10 })).toMatchObject({ threshold: 0, decisions: 10 });
  });

  it('reads the target from the agreement (marketing.minAcceptanceRate), asks for 30 decisions by default, and starts at a band with decisions', () => {
    // Prepare: none accepted under 20, none decided from 20 to 39, 30 from 40 up accepted just at the agreement's rate
    const atTarget = decisions(45, 30, Math.ceil(serviceAgreement.marketing.minAcceptanceRate * 30));
    const sums = calibrationSumsOf([...decisions(0, 30, 0), ...atTarget], []);

    // Act / Assess
    expect(supportedThreshold(calibration(sums), { target: serviceAgreement.marketing.minAcceptanceRate })).toMatchObject({ threshold: 40, decisions: 30 });
  });

  it('refuses a target that is no rate and a minimum that is no positive whole number', () => {
    expect(() => supportedThreshold(report, { target: 60 })).toThrow(CalibrationOptionsError);
    expect(() => supportedThreshold(report, { target: 0.6, minDecisions: 0 })).toThrow(expect.objectContaining({ option: 'minDecisions' }));
  });

  it('agrees with the raw decisions: its band has decisions, enough were accepted from its edge up, and no lower such edge would do', () => {
    const decisionArb = fc.record({ engagement: fc.integer({ min: -10, max: 130 }), grade: fc.constant<Grade>('A'), accepted: fc.boolean() });
    fc.assert(
      fc.property(fc.array(decisionArb, { maxLength: 80 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 40 }), (raw, target, minDecisions) => {
        const found = supportedThreshold(calibration(calibrationSumsOf(raw, [])), { target, minDecisions });
        // Every band edge, lowest first; from an edge up is everything at or above it (the lowest edge: everything).
        const edges = [0, 20, 40, 60, 80, 100];
        const from = (edge: number) => raw.filter((d) => edge === 0 || d.engagement >= edge);
        const inBand = (edge: number) => raw.some((d) => (edge === 0 || d.engagement >= edge) && (edge === 100 || d.engagement < edge + 20));
        const supports = (edge: number) =>
          inBand(edge) && from(edge).length >= minDecisions && from(edge).filter((d) => d.accepted).length / from(edge).length >= target;
        const lowest = edges.find(supports);
        if (lowest === undefined) {
          expect(found.threshold).toBeNull();
        } else {
          expect(found).toMatchObject({ threshold: lowest, band: scoreBandOf(lowest).label, decisions: from(lowest).length });
        }
      }),
    );
  });
});

describe('hand-offs left not accepted', () => {
  it('count against the acceptance rate, as not accepted, beside the rejections', () => {
    // band 100+: 7 hand-offs, 3 accepted, 1 rejected, 3 left until the window ended (escalated)
    const decided: HandOffDecision[] = [
      ...decisions(110, 4, 3),
      ...Array.from({ length: 3 }, (): HandOffDecision => ({ engagement: 110, grade: 'A', accepted: false, notAccepted: true })),
    ];

    const band = calibration(calibrationSumsOf(decided, [])).bands.find((b) => b.label === '100+')!;

    expect(band).toMatchObject({ accepted: 3, rejected: 1, notAccepted: 3, decisions: 7, acceptanceRate: 0.429 });
  });
});
