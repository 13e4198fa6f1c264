import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dashboardHandler } from '../../../functions/dashboard/serve.ts';
import { httpEvent, lambdaContext } from '../handlers/http-event.ts';

const script = '(function(){document.title="dashboard"})();';
const handler = dashboardHandler({ script: () => script });
const get = async (path: string, headers: Record<string, string> = {}) => {
  const result = await handler(httpEvent({ method: 'GET', path, headers }), lambdaContext());
  return { ...result, headers: result.headers as Record<string, string> };
};

describe('GET /dashboard', () => {
  it('serves the page shell: the sign-in form, its script from the same API, and nothing else to show', async () => {
    const page = await get('/dashboard');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = page.body ?? '';
    expect(html).toContain('<form id="sign-in"');
    expect(html).toContain('<script src="/dashboard/app.js" defer></script>');
    // the key field has no name: a form submitted without the script sends no key anywhere
    expect(html).toMatch(/<input id="server-key" type="password"(?![^>]*\bname=)[^>]*>/);
    expect(html).not.toMatch(/<script>/);
  });

  it('allows only its own script, its one style block, and requests to this API', async () => {
    const page = await get('/dashboard');
    const policy = Object.fromEntries(page.headers['content-security-policy']!.split('; ').map((d) => [d.split(' ')[0], d.slice(d.indexOf(' ') + 1)]));
    expect(policy['script-src']).toBe("'self'");
    expect(policy['connect-src']).toBe("'self'");
    expect(policy['form-action']).toBe("'none'");
    expect(policy['frame-ancestors']).toBe("'none'");
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.body ?? '')![1]!;
    expect(policy['style-src']).toBe(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it('answers 304 to a browser holding the same page, and gzips for one that takes it', async () => {
    const page = await get('/dashboard');
    const again = await get('/dashboard', { 'if-none-match': `W/${page.headers.etag}` });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
    const zipped = await get('/dashboard', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(zipped.body ?? '', 'base64')).toString('utf8')).toBe(page.body);
    const refused = await get('/dashboard', { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(page.body);
  });
});

describe('GET /dashboard/app.js', () => {
  it('serves the built script, cacheable, with a validator of its own', async () => {
    const served = await get('/dashboard/app.js');
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(served.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    expect(served.body).toBe(script);
    expect(served.headers.etag).not.toBe((await get('/dashboard')).headers.etag);
    expect((await get('/dashboard/app.js', { 'if-none-match': served.headers.etag! })).statusCode).toBe(304);
  });
});
