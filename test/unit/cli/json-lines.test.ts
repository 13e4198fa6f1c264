import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTree, lineOfPath } from '../../../bin/cli/json-lines.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The 1-based line on which `needle` first occurs in `text`. */
function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return text.slice(0, index).split('\n').length;
}

const text = [
  '{', //                                      1
  '  "version": "1",', //                      2
  '  "rules": [', //                           3
  '    { "id": "a", "points": 3 },', //        4
  '    {', //                                  5
  '      "id": "b",', //                       6
  '      "note": "braces } and [ and \\" in a string",', // 7
  '      "match": { "form.id": "demo" },', //  8
  '      "points": 0', //                      9
  '    }', //                                 10
  '  ],', //                                  11
  '  "empty": {}, "none": []', //             12
  '}', //                                     13
].join('\n');

describe('finding a field’s line in a JSON text', () => {
  const tree = jsonTree(text);

  it('gives the line of a field’s key, inside objects and arrays', () => {
    expect(lineOfPath(tree, 'version')).toBe(2);
    expect(lineOfPath(tree, 'rules')).toBe(3);
    expect(lineOfPath(tree, 'rules[0].points')).toBe(4);
    expect(lineOfPath(tree, 'rules[1].points')).toBe(9);
    expect(lineOfPath(tree, 'empty')).toBe(12);
  });

  it('gives the line where an array item starts', () => {
    expect(lineOfPath(tree, 'rules[0]')).toBe(4);
    expect(lineOfPath(tree, 'rules[1]')).toBe(5);
  });

  it('is not thrown off by braces, brackets and escaped quotes inside strings', () => {
    expect(lineOfPath(tree, 'rules[1].match')).toBe(8);
  });

  it('finds a key that itself contains a dot', () => {
    expect(lineOfPath(tree, 'rules[1].match.form.id')).toBe(8);
  });

  it('gives a missing field the line of the nearest enclosing object or array that is there', () => {
    expect(lineOfPath(tree, 'rules[1].description')).toBe(5);
    expect(lineOfPath(tree, 'rules[7].points')).toBe(3);
    expect(lineOfPath(tree, 'fit.grades')).toBe(1);
  });

  it('gives the first line for the whole document', () => {
    expect(lineOfPath(tree, '')).toBe(1);
  });

  it('finds every engagement rule’s points in the default scoring model where the text has them', () => {
    // Prepare
    const file = readFileSync(path.join(root, 'config/scoring-model.json'), 'utf8');
    const model = JSON.parse(file) as { engagement: { rules: { id: string }[] } };
    const modelTree = jsonTree(file);

    // Act / Assess: a rule's "points" is the first one after its id
    model.engagement.rules.forEach((rule, i) => {
      const idAt = file.indexOf(`"id": "${rule.id}"`);
      const pointsLine = file.slice(0, file.indexOf('"points"', idAt)).split('\n').length;
      expect(lineOfPath(modelTree, `engagement.rules[${i}].points`), rule.id).toBe(pointsLine);
      expect(lineOfPath(modelTree, `engagement.rules[${i}].id`), rule.id).toBe(lineOf(file, `"id": "${rule.id}"`));
    });
  });

  it('walks any JSON value, however it is indented, to the same shape JSON.parse sees', () => {
    const shape = (node: ReturnType<typeof jsonTree>): unknown =>
      node.kind === 'object'
        ? Object.fromEntries(node.entries.map((e) => [e.key, shape(e.value)]))
        : node.kind === 'array'
          ? node.items.map(shape)
          : 0;
    const plain = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(plain)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
          : 0;
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const json = JSON.stringify(value, null, indent);
        expect(shape(jsonTree(json))).toEqual(plain(JSON.parse(json)));
      }),
    );
  });
});
