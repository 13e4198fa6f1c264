import { createHash } from 'node:crypto';
import { header, httpHandler } from '#commons/http.ts';
import { trackerSource } from './tracker-source.ts';

/** A strong validator: the script's hash, so a deployment that changes it changes the tag. */
const etag = `"${createHash('sha256').update(trackerSource).digest('base64url').slice(0, 27)}"`;

const headers = {
  'content-type': 'application/javascript; charset=utf-8',
  // Browsers and CDNs may keep it five minutes, so fixes reach sites quickly, then serve it
  // for a day while they revalidate in the background (a 304 when nothing changed).
  'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
  etag,
};

/** Whether an If-None-Match list names this script (weak comparison, as RFC 9110 asks for GET and HEAD). */
function matches(ifNoneMatch: string | undefined): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === etag;
  });
}

/**
 * Serves the browser tracker (GET and HEAD /t.js), and answers `POST /v1/m`, where Segment's
 * browser library reports its own delivery metrics: nothing to keep, so 204.
 */
export const handler = httpHandler(async (event) => {
  if (event.routeKey === 'POST /v1/m') return { statusCode: 204 };
  if (matches(header(event, 'if-none-match'))) return { statusCode: 304, headers };
  // HEAD: the same headers, no body
  if (event.requestContext.http.method === 'HEAD') return { statusCode: 200, headers };
  return { statusCode: 200, headers, body: trackerSource };
});
