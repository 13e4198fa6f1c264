import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#core/config-errors.ts';
import { bandLabel, bandLabels, reportsConfigSchema, traitSliceValue } from '#core/report-traits.ts';
import reportsJson from '../../../config/reports.json' with { type: 'json' };

const EDGES = [10, 50, 250, 1000];

describe('trait bands', () => {
  it('labels a number by the band it falls into: below the first edge, between two, from the last on', () => {
    expect([0, 9, 10, 49, 50, 120, 249, 250, 999, 1000, 1e6, -3].map((n) => bandLabel(n, EDGES))).toEqual([
      '<10',
      '<10',
      '10-49',
      '10-49',
      '50-249',
      '50-249',
      '50-249',
      '250-999',
      '250-999',
      '1000+',
      '1000+',
      '<10',
    ]);
    expect(bandLabels(EDGES)).toEqual(['<10', '10-49', '50-249', '250-999', '1000+']);
  });

  it('puts every whole number in exactly one band of the labels, and bands keep the order of numbers', () => {
    const edges = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }).map((xs) => xs.sort((a, b) => a - b));
    fc.assert(
      fc.property(edges, fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: -2000, max: 2000 }), (es, a, b) => {
        const labels = bandLabels(es);
        expect(labels).toContain(bandLabel(a, es));
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(labels.indexOf(bandLabel(lo, es))).toBeLessThanOrEqual(labels.indexOf(bandLabel(hi, es)));
      }),
    );
  });
});

describe('a trait slice value', () => {
  const banded = { bands: EDGES };
  it('bands a number, or a string that is one; a banded trait that is not a number is said to be so', () => {
    expect(traitSliceValue(120, banded)).toBe('50-249');
    expect(traitSliceValue(' 250 ', banded)).toBe('250-999');
    expect(traitSliceValue('51-200', banded)).toBe('(not a number)');
    expect(traitSliceValue(true, banded)).toBe('(not a number)');
  });

  it('is (none) when the lead has no value, banded or not', () => {
    for (const trait of [banded, {}]) {
      expect(traitSliceValue(undefined, trait)).toBe('(none)');
      expect(traitSliceValue(null, trait)).toBe('(none)');
      expect(traitSliceValue('  ', trait)).toBe('(none)');
    }
    expect(traitSliceValue({ nested: 1 }, {})).toBe('(none)');
  });

  it('keeps an unbanded value as given, on one line and at most 100 characters', () => {
    expect(traitSliceValue('Software', {})).toBe('Software');
    expect(traitSliceValue(42, {})).toBe('42');
    expect(traitSliceValue('Health\ncare\t', {})).toBe('Health care');
    expect(traitSliceValue('x'.repeat(300), {})).toHaveLength(100);
  });
});

describe('config/reports.json', () => {
  it('validates, with industry as given and employees in bands', () => {
    const config = parseConfig('config/reports.json', reportsConfigSchema, reportsJson);
    expect(Object.keys(config.traits)).toEqual(['industry', 'employees']);
    expect(config.traits.employees?.bands).toEqual([10, 50, 250, 1000]);
  });

  it('refuses bands out of order, a fraction, and a trait name that cannot be part of by=trait:<name>, naming each', () => {
    expect(() => parseConfig('config/reports.json', reportsConfigSchema, { traits: { employees: { bands: [50, 10] } } })).toThrow(/traits\.employees\.bands: edges in increasing order/);
    expect(() => parseConfig('config/reports.json', reportsConfigSchema, { traits: { employees: { bands: [10.5] } } })).toThrow(/traits\.employees\.bands\[0\]/);
    expect(() => parseConfig('config/reports.json', reportsConfigSchema, { traits: { 'bad=name': {} } })).toThrow(/traits/);
    expect(() => parseConfig('config/reports.json', reportsConfigSchema, { traits: { industry: { colour: 1 } } })).toThrow(/traits\.industry\.colour: not a known field/);
  });

  it('refuses more traits than a save should write', () => {
    const traits = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, {}]));
    expect(() => parseConfig('config/reports.json', reportsConfigSchema, { traits })).toThrow(/at most 8 traits/);
  });
});
