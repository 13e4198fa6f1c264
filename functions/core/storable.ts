/**
 * What valid JSON DynamoDB (through the document client) cannot store, found
 * before anything is written, so a client gets a 400 naming the field and the
 * rule instead of a 500 (or an item the stream path cannot read back).
 *
 * The classes, each checked against DynamoDB Local and the SDK's marshalling
 * (`marshallOptions: { removeUndefinedValues: true }`, nothing else):
 * - an empty attribute name (a map key `""`): "Empty attribute name";
 * - an attribute name over 64 KB (UTF-8);
 * - nesting past 32 levels, counting the item itself as the first;
 * - a number the SDK cannot marshal and read back exactly: beyond ±(2^53 − 1)
 *   (`Number.MAX_SAFE_INTEGER`; this also covers DynamoDB's 1E+126 ceiling and
 *   JSON's 1e308);
 * - a number whose magnitude is below 1E-130 (other than 0): "Number underflow";
 * - text that is not well-formed Unicode (a lone surrogate such as `"\ud800"`):
 *   DynamoDB keeps strings as UTF-8, which cannot encode one;
 * - an item over 400 KB;
 * - a field name JavaScript or the SDK reads as something other than data,
 *   at any depth (RESERVED_FIELD_NAMES): `__proto__` (JSON.parse makes it an
 *   own property, but any copy by assignment, the SDK's marshall and
 *   unmarshall among them, sets the prototype instead, so it would be lost
 *   or worse) and `constructor` (the SDK's marshall reads it to tell a map
 *   from a class instance: `{"constructor": "x"}` fails to marshal and
 *   `{"constructor": {"name": "String"}}` would be stored as the text
 *   "[object Object]"). Other names of Object.prototype (`toString`,
 *   `valueOf`, `hasOwnProperty`, …) and `prototype` are ordinary data to
 *   JSON, the SDK and this code: they are stored and read back as sent.
 * Not a class here: empty strings, empty lists and empty maps are stored and
 * read back as they are (non-key attributes), `null` is DynamoDB's NULL, and
 * JSON has no sets, binaries, NaN, Infinity or -0.
 */

export interface StorableIssue {
  path: string;
  message: string;
}

export const MAX_NESTING_LEVELS = 32;
export const MAX_ATTRIBUTE_NAME_BYTES = 65_535;
export const MAX_ITEM_BYTES = 400 * 1024;
export const MIN_NUMBER_MAGNITUDE = 1e-130;
/** Field names refused anywhere in a body (see the list above): not data to JavaScript or the SDK. */
export const RESERVED_FIELD_NAMES: readonly string[] = ['__proto__', 'constructor'];

/** A path a person reads: `properties.plan`, `traits["first name"]`, `items[2]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function numberIssue(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return `must be between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER} to be stored exactly`;
  if (value !== 0 && Math.abs(value) < MIN_NUMBER_MAGNITUDE) return 'must be 0 or at least 1e-130 in magnitude (DynamoDB cannot store smaller numbers)';
  return undefined;
}

const NOT_WELL_FORMED = 'must be well-formed Unicode text (it contains a lone surrogate, which has no UTF-8 form)';
const NAME_NOT_WELL_FORMED = `a field name ${NOT_WELL_FORMED}`;

/** Why `key` cannot be a field name of a stored map, if it cannot. */
function nameIssue(key: string): string | undefined {
  if (key === '') return 'a field name must not be empty';
  if (!key.isWellFormed()) return NAME_NOT_WELL_FORMED;
  if (Buffer.byteLength(key, 'utf8') > MAX_ATTRIBUTE_NAME_BYTES) return `a field name must be at most ${MAX_ATTRIBUTE_NAME_BYTES} bytes`;
  if (RESERVED_FIELD_NAMES.includes(key)) return `"${key}" is not accepted as a field name (JavaScript and the AWS SDK read it as something other than data)`;
  return undefined;
}

/**
 * Every reason `value` cannot be stored as an attribute, with its path.
 * `level` is the nesting level `value` would have in the item: 1 for the
 * item itself, 2 for a top-level attribute's value. Walks at most
 * MAX_NESTING_LEVELS deep, so a very deep document cannot exhaust the stack.
 */
export function storableIssues(value: unknown, path = '', level = 1): StorableIssue[] {
  const issues: StorableIssue[] = [];
  const walk = (node: unknown, at: string, depth: number): void => {
    if (typeof node === 'number') {
      const message = numberIssue(node);
      if (message) issues.push({ path: at, message });
      return;
    }
    if (typeof node === 'string') {
      if (!node.isWellFormed()) issues.push({ path: at, message: NOT_WELL_FORMED });
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (depth > MAX_NESTING_LEVELS) {
      issues.push({ path: at, message: `nests too deep: DynamoDB stores at most ${MAX_NESTING_LEVELS} levels of maps and lists in an item` });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, childPath(at, i), depth + 1));
      return;
    }
    // Object.entries lists own properties only: a `__proto__` JSON.parse made is one, so it is seen here.
    for (const [key, item] of Object.entries(node)) {
      const keyPath = childPath(at, key);
      const message = nameIssue(key);
      if (message) issues.push({ path: keyPath, message });
      walk(item, keyPath, depth + 1);
    }
  };
  walk(value, path, level);
  return issues;
}

/** Size of a number as DynamoDB counts it: about one byte per two significant digits, plus one. */
function numberBytes(value: number): number {
  const digits = String(Math.abs(value)).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').length;
  return Math.ceil(Math.max(digits, 1) / 2) + 1;
}

/**
 * An item's size as DynamoDB counts it: names and values in UTF-8 bytes,
 * numbers by their digits, 3 bytes of overhead per list or map and 1 per element.
 */
export function itemSizeBytes(item: object): number {
  const size = (value: unknown): number => {
    if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
    if (typeof value === 'number') return numberBytes(value);
    if (typeof value === 'boolean' || value === null || value === undefined) return 1;
    if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + size(v), 0);
    if (typeof value === 'object') {
      return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + size(v), 0);
    }
    return 0;
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + size(value), 0);
}

/** The item-level rule: at most 400 KB once stored. */
export function itemSizeIssue(item: object, path = ''): StorableIssue | undefined {
  const bytes = itemSizeBytes(item);
  return bytes > MAX_ITEM_BYTES ? { path, message: `is ${bytes} bytes once stored; DynamoDB stores at most ${MAX_ITEM_BYTES} bytes per item` } : undefined;
}
