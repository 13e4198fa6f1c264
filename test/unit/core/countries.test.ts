import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countryAliases, countryKey, countryOf, isCountryCode, leadCountry } from '#core/countries.ts';
import { routingSchema } from '#core/routing.ts';

const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
const allCodes = letters.flatMap((a) => letters.map((b) => a + b)).filter(isCountryCode);
const englishName = (code: string) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code)!;

/** The same text as someone might type it: case changed letter by letter, spaces around, a trailing full stop. */
const retyped = (text: string) =>
  fc
    .tuple(fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }), fc.constantFrom('', ' ', '  '), fc.constantFrom('', ' ', '.'))
    .map(([upper, before, after]) => before + [...text].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join('') + after);

describe('countries', () => {
  it.each([
    ['USA', 'US'],
    ['U.S.', 'US'],
    ['u.s.a.', 'US'],
    ['United States of America', 'US'],
    ['united states', 'US'],
    ['México', 'MX'],
    ['Mexico', 'MX'],
    ['MEXICO', 'MX'],
    ['Brasil', 'BR'],
    ['Deutschland', 'DE'],
    ['deutschland', 'DE'],
    ['de', 'DE'],
    ['gb', 'GB'],
    ['UK', 'GB'],
    ['U.K.', 'GB'],
    ['England', 'GB'],
    ['Österreich', 'AT'],
    ['Oesterreich', 'AT'],
    ['Schweiz', 'CH'],
    ['Suisse', 'CH'],
    ['Éire', 'IE'],
    ['The Netherlands', 'NL'],
    ['Holland', 'NL'],
    ['España', 'ES'],
    ['Bosnia and Herzegovina', 'BA'],
    ['Côte d’Ivoire', 'CI'],
    ["Cote d'Ivoire", 'CI'],
    ['Turkey', 'TR'],
    ['DEU', 'DE'],
    ['JPN', 'JP'],
  ])('%s is %s', (text, code) => {
    expect(countryOf(text)).toBe(code);
  });

  it.each([['EU'], ['European Union'], ['UN'], ['YU'], ['America'], ['Atlantis'], ['X'], ['...'], ['']])('%s is no country', (text) => {
    expect(countryOf(text)).toBeUndefined();
  });

  it('reads no country from what is not text', () => {
    expect([countryOf(49), countryOf(null), countryOf(undefined), countryOf({ code: 'DE' }), countryOf(['DE'])]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('every code and every English name Intl gives reads as its code, however typed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...allCodes).chain((code) => fc.tuple(fc.constant(code), fc.oneof(retyped(code), retyped(englishName(code))))),
        ([code, text]) => {
          expect(countryOf(text)).toBe(code);
        },
      ),
      { seed: 1321, numRuns: 500 },
    );
  });

  it('every name of the table reads as its code, however typed, with or without its accents', () => {
    const entries = Object.entries(countryAliases).flatMap(([code, names]) => names.map((name) => [code, name] as const));
    fc.assert(
      fc.property(
        fc.constantFrom(...entries).chain(([code, name]) => fc.tuple(fc.constant(code), retyped(name.normalize('NFD').replace(/\p{M}/gu, '')), retyped(name))),
        ([code, plain, accented]) => {
          expect(countryOf(plain)).toBe(code);
          expect(countryOf(accented)).toBe(code);
        },
      ),
      { seed: 1322, numRuns: 500 },
    );
  });

  it('whatever the text, the answer is a country code or nothing, and a code reads as itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...allCodes)), (text) => {
        const code = countryOf(text);
        if (code !== undefined) {
          expect(isCountryCode(code)).toBe(true);
          expect(countryOf(code)).toBe(code);
        }
      }),
      { seed: 1323, numRuns: 500 },
    );
  });

  it('no name of the table is another country’s code or Intl name', () => {
    for (const [code, names] of Object.entries(countryAliases)) {
      expect(isCountryCode(code)).toBe(true);
      for (const name of names) {
        const key = countryKey(name);
        const clashes = allCodes.filter((other) => other !== code && (other.toLowerCase() === key || countryKey(englishName(other)) === key));
        expect(clashes, name).toEqual([]);
      }
    }
  });

  it('the table has the other forms of every country config/routing.json names in its regions', () => {
    const routing = routingSchema.parse(JSON.parse(readFileSync(new URL('../../../config/routing.json', import.meta.url), 'utf8')));
    const named = new Set(Object.values(routing.regions ?? {}).flat());
    for (const code of named) expect(countryAliases[code]?.length, code).toBeGreaterThan(0);
  });

  it('a lead’s country: `country`, else Segment’s address.country', () => {
    expect(leadCountry({ country: 'Brasil' })).toBe('BR');
    expect(leadCountry({ address: { country: 'USA', city: 'Boston' } })).toBe('US');
    expect(leadCountry({ country: 'somewhere', address: { country: 'mx' } })).toBe('MX');
    expect(leadCountry({ country: 'DE', address: { country: 'US' } })).toBe('DE');
    expect([leadCountry({}), leadCountry({ address: 'Berlin, Germany' }), leadCountry({ address: null }), leadCountry({ address: ['DE'] })]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
