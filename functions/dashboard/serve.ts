import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { header, httpHandler, type HttpResult } from '#commons/http.ts';
import { contentSecurityPolicy, dashboardHtml, SCRIPT_PATH } from './page.ts';

/** A strong validator: the body's hash, so a deployment that changes it changes the tag. */
const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** Whether an If-None-Match list names this tag (weak comparison, as RFC 9110 asks for GET and HEAD). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === etag;
  });
}

interface Served {
  body: string;
  /** the body gzipped, base64 (how a Lambda returns bytes): the script is a third of its size so */
  gzipped: string;
  headers: Record<string, string>;
}

function served(body: string, headers: Record<string, string>): Served {
  return {
    body,
    gzipped: gzipSync(body, { level: 9 }).toString('base64'),
    headers: { ...headers, etag: etagOf(body), vary: 'accept-encoding', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
  };
}

/** Whether the client takes gzip (Accept-Encoding, a q of 0 refusing it). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((coding) => {
    const [name, ...params] = coding.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return (name === 'gzip' || name === 'x-gzip') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

export interface DashboardFiles {
  /** the page's browser script (Chart.js inside), read once per cold start from beside the bundle */
  script: () => string;
}

/**
 * GET /dashboard (the page) and GET /dashboard/app.js (its script). Neither needs a key: they
 * hold no data; the script asks for a server key and sends it to the report API as a header.
 */
export function dashboardHandler(files: DashboardFiles) {
  const page = served(dashboardHtml, {
    'content-type': 'text/html; charset=utf-8',
    // revalidated on each visit (a 304 when unchanged), so a deployment shows at once
    'cache-control': 'no-cache',
    'content-security-policy': contentSecurityPolicy,
  });
  let script: Served | undefined;
  const scriptServed = () =>
    (script ??= served(files.script(), {
      'content-type': 'application/javascript; charset=utf-8',
      // as the tracker: five minutes fresh, then revalidated in the background
      'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
    }));

  return httpHandler(async (event): Promise<HttpResult> => {
    const { body, gzipped, headers } = event.routeKey === `GET ${SCRIPT_PATH}` ? scriptServed() : page;
    if (matches(header(event, 'if-none-match'), headers.etag!)) return { statusCode: 304, headers };
    // an HTTP API compresses nothing itself
    if (acceptsGzip(header(event, 'accept-encoding'))) return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipped, isBase64Encoded: true };
    return { statusCode: 200, headers, body };
  });
}
