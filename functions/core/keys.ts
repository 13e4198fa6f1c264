import { createHash } from 'node:crypto';

/** API keys are stored and compared only as SHA-256 hashes. */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Where a key's record lives in the leads table. */
export function keyItemKey(key: string): { pk: string; sk: string } {
  return { pk: `KEY#${keyHash(key)}`, sk: 'KEY' };
}
