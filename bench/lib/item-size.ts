import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The size of a DynamoDB item as DynamoDB bills it, per the Developer Guide
 * ("DynamoDB item sizes and formats"): attribute names count in UTF-8 bytes;
 * strings in UTF-8 bytes; numbers about 1 byte per two significant digits
 * plus 1; binary in raw bytes; null and boolean 1 byte; a list or map 3 bytes
 * of overhead plus its elements plus 1 byte per element.
 */

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function numberSize(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + attributeValueSize(v) + 1, 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8(k) + attributeValueSize(v) + 1, 0);
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}

export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueSize(value), 0);
}

/** On-demand write request units for writing an item of this size (standard table class): 1 per started KB. */
export function writeUnitsFor(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / 1024));
}
