import * as z from './zod.ts';

/**
 * What of a URL is kept when an event is stored. Query strings carry what a
 * site never meant to share (a password in a form sent with GET, a reset
 * token, a search): only the parameters on an allow-list are kept, by default
 * the campaign ones (utm_*) and ad click ids. A fragment is dropped when it
 * carries parameters (`#access_token=…`), kept when it is a route (`#/pricing`).
 */

/** A parameter name, or a prefix ending in `*` (`utm_*`); `*` alone keeps every parameter. */
const parameterPatternSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^[^*=&#?\s]*\*?$/, 'a parameter name, or a prefix ending in * (e.g. utm_*)'));

export const privacySchema = z.strictObject({
  /** query parameters kept in stored URLs (page url, referrer, properties.url, …); every other one is removed */
  keptQueryParameters: z.array(parameterPatternSchema),
});
export type Privacy = z.infer<typeof privacySchema>;

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function isKept(name: string, patterns: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith('*') ? lower.startsWith(p.slice(0, -1)) : lower === p;
  });
}

/**
 * The URL (absolute, relative, or a bare `?query`) with only the kept query
 * parameters, each exactly as it was written, in its order. Pure string work:
 * text that is not a URL passes through with its query filtered the same way.
 */
export function withKeptQuery(url: string, privacy: Privacy): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  const kept = query
    .split('&')
    .filter((part) => part !== '' && isKept(safeDecode(part.split('=')[0]!), privacy.keptQueryParameters));
  const keptFragment = fragment.includes('=') ? '' : fragment;
  return `${base}${kept.length > 0 ? `?${kept.join('&')}` : ''}${keptFragment}`;
}
