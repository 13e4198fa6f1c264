import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeIssues, parseConfig } from '#core/config-errors.ts';

const schema = z.strictObject({
  name: z.string().min(1),
  rules: z.array(z.strictObject({ id: z.string(), points: z.number().int(), matrix: z.array(z.array(z.number())).optional() })),
});

function zodErrorOf(value: unknown): z.ZodError {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be invalid');
  return result.error;
}

describe('describing zod issues', () => {
  it('writes paths the way a person reads them: dots for keys, brackets for indexes', () => {
    // Prepare
    const error = zodErrorOf({ name: 'x', rules: [{ id: 'a', points: 1 }, { id: 'b', points: 1.5 }] });

    // Act
    const issues = describeIssues(error);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('rules[1].points');
    expect(issues[0]?.message).toMatch(/int/i);
  });

  it('writes consecutive indexes one after the other', () => {
    // Prepare
    const error = zodErrorOf({ name: 'x', rules: [{ id: 'a', points: 1, matrix: [[1], [2, 'three']] }] });

    // Act
    const [issue] = describeIssues(error);

    // Assess
    expect(issue?.path).toBe('rules[0].matrix[1][1]');
  });

  it('names a field whose name is empty, not as the whole value', () => {
    const error = zodErrorOf({ name: 'x', rules: [], '': 1 });

    const issues = describeIssues(error);

    expect(issues).toEqual([{ path: '[""]', message: 'not a known field' }]);
  });

  it('gives an empty path for a problem with the whole value', () => {
    // Prepare
    const error = zodErrorOf('not an object');

    // Act
    const [issue] = describeIssues(error);

    // Assess
    expect(issue?.path).toBe('');
  });

  it('keeps one entry per issue', () => {
    // Prepare
    const error = zodErrorOf({ name: '', rules: [{ id: 1, points: 'x' }] });

    // Act
    const paths = describeIssues(error).map((i) => i.path);

    // Assess
    expect(paths.sort()).toEqual(['name', 'rules[0].id', 'rules[0].points']);
  });
});

describe('parsing a configuration', () => {
  it('returns the parsed value when it is valid', () => {
    // Prepare
    const value = { name: 'model', rules: [{ id: 'a', points: 3 }] };

    // Act
    const parsed = parseConfig('config/x.json', schema, value);

    // Assess
    expect(parsed).toEqual(value);
  });

  it('throws a ConfigError naming the file and each field', () => {
    // Prepare
    const value = { name: '', rules: [{ id: 'a', points: 0.5 }] };
    let caught: unknown;

    // Act
    try {
      parseConfig('config/x.json', schema, value);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.file).toBe('config/x.json');
    expect(error.issues.map((i) => i.path)).toEqual(['name', 'rules[0].points']);
    expect(error.message.split('\n')).toEqual([
      'config/x.json is not valid:',
      `  - name: ${error.issues[0]?.message}`,
      `  - rules[0].points: ${error.issues[1]?.message}`,
    ]);
  });

  it('calls a problem with the whole file a problem at (root)', () => {
    // Prepare / Act
    const act = () => parseConfig('config/x.json', schema, null);

    // Assess
    expect(act).toThrow(/^config\/x\.json is not valid:\n {2}- \(root\): /);
  });
});
