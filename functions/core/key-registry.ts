import { keyHash } from './keys.ts';

/**
 * The rules of managing API keys (leadloop keys): what a new key looks like,
 * which origins a write key may list, and what the registry keeps of a key
 * (never the key itself). Pure: random bytes and the time come in as values.
 */

export type KeyKind = 'write' | 'server';

/** How many random bytes a key carries (192 bits). */
export const KEY_BYTES = 24;
/** How many random bytes a key's public id carries. */
export const KEY_ID_BYTES = 6;
/** How many hex digits of the key's hash a listing shows, to match a key in hand against the list. */
export const HASH_PREFIX_LENGTH = 8;
/** How long each function container may go on answering from its cache after a key is revoked (adapters/keys.ts). */
export const KEY_CACHE_SECONDS = 60;

/** A key as handed out once: `wk_` (write) or `sk_` (server), then base64url of random bytes. */
export function formatKey(kind: KeyKind, random: Uint8Array): string {
  if (random.length < 16) throw new Error(`a key needs at least 16 random bytes, got ${random.length}`);
  return `${kind === 'write' ? 'wk' : 'sk'}_${Buffer.from(random).toString('base64url')}`;
}

/** A key's public id, safe to show and to pass to revoke and rotate: `key_` then hex of random bytes. */
export function formatKeyId(random: Uint8Array): string {
  return `key_${Buffer.from(random).toString('hex')}`;
}

/** Whether a string is shaped as a key id (so a key pasted by mistake is refused without a lookup). */
export const isKeyId = (value: string): boolean => /^key_[0-9a-f]{6,32}$/.test(value);

/**
 * Why an allowed origin is refused, or undefined when it is one a browser
 * sends: `*`, or `scheme://host[:port]` with http(s), lower case, no path,
 * no trailing slash (what the `Origin` header carries, compared as is).
 */
export function originRefusal(origin: string): string | undefined {
  if (origin === '*') return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `"${origin}" is not an origin: write it as https://www.example.com`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${origin}" is not an http(s) origin`;
  if (url.origin !== origin) return `"${origin}" is not an origin as browsers send it: write ${url.origin}`;
  return undefined;
}

/** What a new key is for: its kind, the source its events are recorded under, a name for people, and (write keys) the origins a browser may use it from. */
export interface KeyRequest {
  kind: KeyKind;
  sourceId: string;
  name: string;
  allowedOrigins: readonly string[];
}

/** Every problem with a key request, each naming its field; empty when it may be issued. */
export function keyRequestProblems(request: KeyRequest): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(request.sourceId)) {
    problems.push(`source: "${request.sourceId}" must be 1 to 64 letters, digits, dots, dashes or underscores`);
  }
  if (request.name.trim() === '' || request.name.length > 100) problems.push('name: must be 1 to 100 characters');
  if (request.kind === 'server' && request.allowedOrigins.length > 0) {
    problems.push('origin: a server key is never used from a browser, so it takes no origins');
  }
  for (const origin of request.allowedOrigins) {
    const refusal = originRefusal(origin);
    if (refusal) problems.push(`origin: ${refusal}`);
  }
  return problems;
}

/**
 * What the registry keeps of a key: its id, kind, source, name, origins,
 * when it was created (and revoked), and its hash (to reach the key's own
 * record when revoking; the hash does not give the key back) with the short
 * prefix a listing shows. Never the key.
 */
export interface KeyEntry {
  id: string;
  kind: KeyKind;
  sourceId: string;
  name: string;
  allowedOrigins: string[];
  keyHash: string;
  hashPrefix: string;
  createdAt: string;
  revokedAt?: string;
  /** the key this one replaced (rotate) */
  replaces?: string;
}

/** The registry entry of a newly issued key. */
export function newKeyEntry(request: KeyRequest, key: string, id: string, now: Date, replaces?: string): KeyEntry {
  const hash = keyHash(key);
  return {
    id,
    kind: request.kind,
    sourceId: request.sourceId,
    name: request.name,
    allowedOrigins: [...new Set(request.allowedOrigins)],
    keyHash: hash,
    hashPrefix: hash.slice(0, HASH_PREFIX_LENGTH),
    createdAt: now.toISOString(),
    ...(replaces !== undefined && { replaces }),
  };
}

/** The request that issues a key's successor: the same kind, source, name and origins. */
export function rotationRequest(entry: KeyEntry): KeyRequest {
  return { kind: entry.kind, sourceId: entry.sourceId, name: entry.name, allowedOrigins: entry.allowedOrigins };
}

/** One line per key, for `leadloop keys list`: never the key, only its hash's prefix. */
export function describeKeyEntry(entry: KeyEntry): string {
  const origins = entry.kind === 'write' ? (entry.allowedOrigins.length > 0 ? entry.allowedOrigins.join(',') : '(servers only)') : '-';
  const state = entry.revokedAt ? `revoked ${entry.revokedAt}` : 'active';
  return [entry.id, entry.kind, entry.sourceId, JSON.stringify(entry.name), origins, `sha256:${entry.hashPrefix}…`, `created ${entry.createdAt}`, state].join('  ');
}
