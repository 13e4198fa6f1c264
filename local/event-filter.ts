/**
 * Lambda's event filtering for an event source mapping (FilterCriteria), as
 * far as the stack uses it: a record reaches the function when any filter's
 * pattern matches it. A pattern is an object whose keys walk into the record;
 * at a leaf, an array of what to accept: literal values, `{ prefix }`,
 * `{ exists }` or `{ "anything-but": … }`. Anything else is refused when the
 * template is read, so a filter the runtime cannot apply fails the start
 * rather than letting every record through.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Accept = (value: unknown, present: boolean) => boolean;

export type RecordFilter = (record: unknown) => boolean;

function leaf(rules: Json[], where: string): Accept {
  const accepts: Accept[] = rules.map((rule) => {
    if (rule === null || typeof rule !== 'object') return (value, present) => present && value === rule;
    if (Array.isArray(rule)) throw new Error(`filter pattern at ${where}: a nested array is not a rule`);
    const [operator, ...more] = Object.keys(rule);
    if (operator === undefined || more.length > 0) throw new Error(`filter pattern at ${where}: a rule has exactly one operator, got ${JSON.stringify(rule)}`);
    const operand = rule[operator]!;
    switch (operator) {
      case 'prefix':
        if (typeof operand !== 'string') throw new Error(`filter pattern at ${where}: prefix takes a string`);
        return (value, present) => present && typeof value === 'string' && value.startsWith(operand);
      case 'exists':
        if (typeof operand !== 'boolean') throw new Error(`filter pattern at ${where}: exists takes true or false`);
        return (_value, present) => present === operand;
      case 'anything-but': {
        const refused = Array.isArray(operand) ? operand : [operand];
        if (refused.some((r) => r !== null && typeof r === 'object')) throw new Error(`filter pattern at ${where}: the local runtime knows anything-but with values only`);
        return (value, present) => present && !refused.includes(value as Json);
      }
      default:
        throw new Error(`filter pattern at ${where}: the local runtime does not apply "${operator}"`);
    }
  });
  // a value that is a list matches when one of its members does
  return (value, present) => (Array.isArray(value) ? value.some((member) => accepts.some((accept) => accept(member, true))) : accepts.some((accept) => accept(value, present)));
}

function node(pattern: Json, where: string): (value: unknown, present: boolean) => boolean {
  if (Array.isArray(pattern)) return leaf(pattern, where);
  if (pattern === null || typeof pattern !== 'object') throw new Error(`filter pattern at ${where}: expected an object or an array of rules, got ${JSON.stringify(pattern)}`);
  const fields = Object.entries(pattern).map(([key, sub]) => ({ key, test: node(sub, `${where}.${key}`) }));
  return (value, present) => {
    if (!present || value === null || typeof value !== 'object' || Array.isArray(value)) {
      // only `exists: false` rules can match under something missing
      return fields.every(({ test }) => test(undefined, false));
    }
    const record = value as Record<string, unknown>;
    return fields.every(({ key, test }) => test(record[key], Object.hasOwn(record, key)));
  };
}

/** The filter of one FilterCriteria pattern (the JSON text the template carries). */
export function compileFilter(pattern: string): RecordFilter {
  const test = node(JSON.parse(pattern) as Json, '$');
  return (record) => test(record, true);
}

/** A mapping's filters together: no filters pass everything; otherwise any one must match. */
export function anyFilter(patterns: readonly string[]): RecordFilter {
  const filters = patterns.map(compileFilter);
  return (record) => filters.length === 0 || filters.some((filter) => filter(record));
}
