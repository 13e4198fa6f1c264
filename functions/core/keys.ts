import { createHash } from 'node:crypto';

/** API keys are stored and compared only as SHA-256 hashes. */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Where a key's record lives in the leads table. */
export function keyItemKey(key: string): { pk: string; sk: string } {
  return { pk: `KEY#${keyHash(key)}`, sk: 'KEY' };
}

/**
 * Whether a request from a browser (it sent `Origin`) may use a key. Server keys
 * never may; a write key only from the origins it lists (`*` for any).
 * Requests without an Origin come from servers and are not restricted here.
 */
export function browserUseRefusal(
  key: { kind: 'write' | 'server'; allowedOrigins?: readonly string[] },
  origin: string | undefined,
): string | undefined {
  if (origin === undefined) return undefined;
  if (key.kind === 'server') return 'a server key cannot be used from a browser';
  const allowed = key.allowedOrigins ?? [];
  if (allowed.includes('*') || allowed.includes(origin)) return undefined;
  return `this write key is not allowed from ${origin}`;
}
