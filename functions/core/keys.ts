import { createHash } from 'node:crypto';
import { apiKeyKey, type ItemKey } from './table-layout.ts';

/** API keys are stored and compared only as SHA-256 hashes. */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Where a key's record lives in the leads table. */
export function keyItemKey(key: string): ItemKey {
  return apiKeyKey(keyHash(key));
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

/**
 * The key an `Authorization` header carries: the token of `Bearer <key>`, or
 * the user of `Basic base64(user:password)` (Segment's convention for write
 * keys). Schemes are matched case-insensitively (RFC 7235 §2.1); anything
 * else carries no key.
 */
export function keyFromAuthorization(authorization: string | undefined): string | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S+)\s*$/.exec(authorization ?? '');
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const credentials = match[2]!;
  if (scheme === 'bearer') return credentials;
  if (scheme === 'basic') return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

export type KeyUse = 'send events' | 'read' | 'report outcomes';

/**
 * Whether a key's kind allows a use: write keys send events (from browsers
 * and sites), server keys read (leads, reports) and report what sales did
 * (the CRM's outcomes). Neither does the other's job.
 */
export function keyKindRefusal(key: { kind: 'write' | 'server' }, use: KeyUse): string | undefined {
  if (use === 'send events' && key.kind !== 'write') return 'this needs a write key; a server key cannot send events';
  if (use !== 'send events' && key.kind !== 'server') return 'this needs a server key; a write key can only send events';
  return undefined;
}
