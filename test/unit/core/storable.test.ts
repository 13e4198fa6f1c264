import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemSizeBytes, itemSizeIssue, MAX_ITEM_BYTES, RESERVED_FIELD_NAMES, storableIssues } from '#core/storable.ts';

/** `levels` maps, one inside the other, around 1. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const paths = (value: unknown, path = '') => storableIssues(value, path).map((issue) => issue.path);

describe('what DynamoDB cannot store', () => {
  it('refuses an empty field name, naming where it is', () => {
    // Prepare / Act
    const issues = storableIssues({ properties: { plan: 'pro', '': 1 } });

    // Assess
    expect(issues).toEqual([{ path: 'properties[""]', message: 'a field name must not be empty' }]);
  });

  it('refuses a field name over 64 KB and accepts one of 64 KB', () => {
    // Prepare
    const longest = 'n'.repeat(65_535);

    // Act / Assess
    expect(storableIssues({ properties: { [longest]: 1 } })).toEqual([]);
    expect(storableIssues({ properties: { [longest + 'n']: 1 } })).toEqual([
      { path: `properties.${longest}n`, message: 'a field name must be at most 65535 bytes' },
    ]);
  });

  it('allows 32 levels of nesting counting the item itself, and refuses the 33rd', () => {
    // Prepare: the item (1), the attribute's map (2) and 30 more maps inside it reach level 32
    const deepest = { properties: nested(31) };
    const tooDeep = { properties: nested(32) };

    // Act / Assess
    expect(storableIssues(deepest)).toEqual([]);
    const issues = storableIssues(tooDeep);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('properties' + '.a'.repeat(31));
    expect(issues[0]!.message).toMatch(/at most 32 levels/);
  });

  it('counts lists as levels too', () => {
    let list: unknown = 1;
    for (let i = 0; i < 32; i++) list = [list];

    expect(paths({ properties: list })).toEqual(['properties' + '[0]'.repeat(31)]);
  });

  it('walks a document nested far deeper than any stack without throwing', () => {
    // Prepare: 100,000 levels, which JSON.stringify cannot even serialize
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];

    // Act / Assess
    expect(paths({ properties: value })).toHaveLength(1);
  });

  it('refuses whole numbers beyond ±(2^53 − 1), which the SDK cannot marshal or read back exactly, up to 1e308', () => {
    // Prepare / Act
    const issues = paths({ properties: { ok: Number.MAX_SAFE_INTEGER, low: -Number.MAX_SAFE_INTEGER, big: 1e20, huge: 1e308, negative: -9007199254740992 } });

    // Assess
    expect(issues).toEqual(['properties.big', 'properties.huge', 'properties.negative']);
  });

  it('refuses a non-zero number below 1e-130 in magnitude (DynamoDB underflows) and keeps 0 and 1e-130', () => {
    const issues = storableIssues({ properties: { zero: 0, smallest: 1e-130, negSmallest: -1e-130, tiny: 1e-131, tinier: -5e-300, fraction: 0.1 + 0.2 } });

    expect(issues.map((i) => i.path)).toEqual(['properties.tiny', 'properties.tinier']);
    expect(issues[0]!.message).toMatch(/1e-130/);
  });

  it('refuses text with a lone surrogate, in a value or a field name, which has no UTF-8 form', () => {
    // Prepare: what JSON.parse makes of "\ud800"
    const value = JSON.parse('{"properties":{"note":"a\\ud800b","\\udc00":1,"emoji":"\\ud83d\\ude00"}}') as unknown;

    // Act / Assess
    expect(paths(value)).toEqual(['properties.note', 'properties["\\udc00"]']);
  });

  it('stores empty strings, empty lists, empty maps, null and booleans as they are', () => {
    expect(storableIssues({ properties: { a: '', b: [], c: {}, d: null, e: false } })).toEqual([]);
  });

  it('names paths from the prefix it is given, the way a person reads them', () => {
    expect(paths({ properties: { 'first name': { '': 1 } } }, 'batch[3]')).toEqual(['batch[3].properties["first name"][""]']);
  });
});

describe('field names JavaScript and the SDK do not read as data', () => {
  /** The names the audit asked about: those of Object.prototype a client may well send, and the two that are not data. */
  const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
  const REFUSED = ['__proto__', 'constructor'];
  const KEPT = PROTOTYPE_NAMES.filter((name) => !REFUSED.includes(name));
  /** A body as JSON.parse makes it (so a "__proto__" is an own property), `name` used as a field name in four places. */
  const bodyWith = (name: string) =>
    JSON.parse(
      `{"properties":{"${name}":"x","a":{"b":{"${name}":{"c":1}}},"list":[{"${name}":1}]},"traits":{"${name}":{"name":"String"}},"context":{"traits":{"${name}":true}}}`,
    ) as unknown;

  it('lists exactly __proto__ and constructor as refused', () => {
    expect([...RESERVED_FIELD_NAMES].sort()).toEqual([...REFUSED].sort());
  });

  it.each(REFUSED)('refuses %s as a field name at any depth, in maps and lists, naming each place', (name) => {
    // Act
    const issues = storableIssues(bodyWith(name));

    // Assess
    expect(issues.map((i) => i.path)).toEqual([`properties.${name}`, `properties.a.b.${name}`, `properties.list[0].${name}`, `traits.${name}`, `context.traits.${name}`]);
    for (const issue of issues) expect(issue.message).toBe(`"${name}" is not accepted as a field name (JavaScript and the AWS SDK read it as something other than data)`);
  });

  it.each(KEPT)('accepts %s as a field name anywhere', (name) => {
    expect(storableIssues(bodyWith(name))).toEqual([]);
  });

  // Why the line is drawn there: what the SDK's marshalling (as the document client runs it) does with each name.
  const options = { removeUndefinedValues: true };

  it.each(KEPT)('%s is stored and read back as sent by the SDK', (name) => {
    // Prepare
    const item = bodyWith(name) as Record<string, unknown>;

    // Act
    const readBack = unmarshall(marshall(item, options));

    // Assess
    expect(readBack).toEqual(item);
    expect(Object.keys((readBack.properties as Record<string, unknown>) ?? {})).toContain(name);
  });

  it('the SDK fails to marshal a map with a "constructor" field, or stores it as other text', () => {
    // Act / Assess
    expect(() => marshall({ properties: { constructor: 'x' } }, options)).toThrow(/Unsupported type/);
    const stored = unmarshall(marshall(JSON.parse('{"traits":{"constructor":{"name":"String"}}}') as Record<string, unknown>, options));
    expect(stored.traits).toBe('[object Object]');
  });

  it('the SDK loses a "__proto__" field JSON.parse made', () => {
    // Prepare
    const item = JSON.parse('{"properties":{"__proto__":{"polluted":1},"kept":1}}') as Record<string, unknown>;
    expect(Object.keys(item.properties as object)).toEqual(['__proto__', 'kept']);

    // Act
    const readBack = unmarshall(marshall(item, options));

    // Assess
    expect(Object.keys(readBack.properties as object)).toEqual(['kept']);
  });
});

describe('an item’s stored size', () => {
  it('counts names and values in UTF-8 bytes and numbers by their digits', () => {
    // Prepare: "pk" (2) + "abc" (3); "n" (1) + 12345 (3 digit pairs → 4 bytes); "ü" (2) + "é" (2)
    const item = { pk: 'abc', n: 12345, ü: 'é' };

    // Act / Assess
    expect(itemSizeBytes(item)).toBe(2 + 3 + 1 + 4 + 2 + 2);
  });

  it('refuses an item over 400 KB, naming it', () => {
    // Prepare
    const fits = { p: 'x'.repeat(MAX_ITEM_BYTES - 1) };
    const over = { p: 'x'.repeat(MAX_ITEM_BYTES) };

    // Act / Assess
    expect(itemSizeIssue(fits, 'batch[0]')).toBeUndefined();
    expect(itemSizeIssue(over, 'batch[0]')).toEqual({ path: 'batch[0]', message: expect.stringMatching(/at most 409600 bytes per item/) });
  });
});
