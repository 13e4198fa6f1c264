import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/tracker/handler.ts';
import { trackerSource } from '../../../functions/tracker/tracker-source.ts';
import { httpEvent, lambdaContext } from '../handlers/http-event.ts';

interface Page {
  url?: string;
  referrer?: string;
  attributes?: Record<string, string>;
  /** what the site set as window.leadloop before the script tag */
  preset?: Record<string, unknown>;
  doNotTrack?: string;
  cookies?: Record<string, string>;
}

interface Batch {
  writeKey: string;
  sentAt: string;
  batch: Record<string, unknown>[];
}

/**
 * Runs the tracker in a bare-bones browser stand-in: enough DOM for what it touches,
 * a cookie jar, a beacon that records what it was given, and timers the test fires.
 */
function browse(page: Page = {}) {
  const url = new URL(page.url ?? 'https://www.initech.example/pricing?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=cta');
  const attributes: Record<string, string> = { 'data-write-key': 'wk_test', ...page.attributes };
  const jar = new Map(Object.entries(page.cookies ?? {}));
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  const listen = (type: string, listener: (event: unknown) => void) => listeners.set(type, [...(listeners.get(type) ?? []), listener]);
  const beacons: { url: string; body: string }[] = [];
  const timers: (() => void)[] = [];
  const window: Record<string, unknown> = {
    crypto: globalThis.crypto,
    URL,
    URLSearchParams,
    location: url,
    // a single-page app's navigation: the address changes, nothing is loaded
    history: {
      pushState: (_state: unknown, _title: string, to: string) => void (window.location = new URL(to, window.location as URL)),
      replaceState: (_state: unknown, _title: string, to: string) => void (window.location = new URL(to, window.location as URL)),
    },
    ...(page.preset && { leadloop: page.preset }),
    addEventListener: listen,
    setTimeout: (fn: () => void) => timers.push(fn),
    clearTimeout: () => undefined,
    navigator: {
      doNotTrack: page.doNotTrack ?? null,
      userAgent: 'test-browser',
      language: 'en-GB',
      sendBeacon: (to: string, body: string) => beacons.push({ url: to, body }) > 0,
    },
    document: {
      currentScript: { src: 'https://api.leadloop.example/t.js', getAttribute: (name: string) => attributes[name] ?? null },
      referrer: page.referrer ?? 'https://search.example/',
      title: 'Pricing',
      visibilityState: 'visible',
      addEventListener: listen,
      get cookie() {
        return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      },
      set cookie(line: string) {
        const [pair = '', ...options] = line.split('; ');
        const [name = '', value = ''] = pair.split('=');
        if (options.includes('max-age=0')) jar.delete(name);
        else jar.set(name, value);
      },
    },
  };
  window.window = window;
  runInNewContext(trackerSource, window);
  return {
    jar,
    api: window.leadloop as { consent: (granted: boolean) => void; flush: () => void; page: () => void } | undefined,
    history: window.history as { pushState: (state: unknown, title: string, url: string) => void; replaceState: (state: unknown, title: string, url: string) => void },
    /** The back button: the browser restores the address, then fires popstate. */
    back: (to: string) => {
      window.location = new URL(to, window.location as URL);
      (listeners.get('popstate') ?? []).forEach((listener) => listener({}));
    },
    /** Fires the pending batch timer, as a second passing would. */
    tick: () => timers.splice(0).forEach((fn) => fn()),
    dispatch: (type: string, event: unknown = {}) => (listeners.get(type) ?? []).forEach((listener) => listener(event)),
    beacons,
    sent: (): Batch[] => beacons.map((b) => JSON.parse(b.body) as Batch),
    /** Every event sent, after the pending timers fired (twice: a navigation's timer, then the batch's). */
    events: (): Record<string, unknown>[] => {
      timers.splice(0).forEach((fn) => fn());
      timers.splice(0).forEach((fn) => fn());
      return beacons.flatMap((b) => (JSON.parse(b.body) as Batch).batch);
    },
  };
}

function form(fields: Record<string, string>, identify: string | null = '') {
  return {
    target: {
      hasAttribute: (name: string) => name === 'data-leadloop-identify' && identify !== null,
      getAttribute: (name: string) => (name === 'data-leadloop-identify' ? identify : null),
      elements: Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { value }])),
    },
  };
}

describe('the tracker script', () => {
  it('stays within 3 KB gzipped', () => {
    const size = gzipSync(Buffer.from(trackerSource, 'utf8')).length;
    expect(size).toBeLessThanOrEqual(3072);
  });

  describe('served at /t.js', () => {
    const get = (headers: Record<string, string> = {}) => handler(httpEvent({ method: 'GET', path: '/t.js', headers }), lambdaContext());
    const head = (headers: Record<string, string> = {}) => {
      const event = httpEvent({ method: 'GET', path: '/t.js', headers });
      return handler({ ...event, routeKey: 'HEAD /t.js', requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'HEAD' } } }, lambdaContext());
    };
    const sha256 = createHash('sha256').update(trackerSource).digest('base64url');

    it('as cacheable JavaScript with a validator: the hash of the script', async () => {
      const result = await get();
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(trackerSource);
      expect(result.headers?.['content-type']).toBe('application/javascript; charset=utf-8');
      expect(result.headers?.['cache-control']).toMatch(/^public, max-age=300\b/);
      const etag = String(result.headers?.etag);
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(sha256.startsWith(etag.slice(1, -1))).toBe(true);
    });

    it('answers 304 without a body when the browser holds the same script (weak, listed or any)', async () => {
      const { headers } = await get();
      const etag = String(headers?.etag);
      for (const ifNoneMatch of [etag, `W/${etag}`, `"stale", ${etag}`, '*']) {
        const result = await get({ 'if-none-match': ifNoneMatch });
        expect(result.statusCode, ifNoneMatch).toBe(304);
        expect(result.body, ifNoneMatch).toBeUndefined();
        expect(result.headers?.etag).toBe(etag);
        expect(result.headers?.['cache-control']).toBe(headers?.['cache-control']);
      }
    });

    it('sends the script again when the browser holds another version', async () => {
      const result = await get({ 'if-none-match': '"an-older-script"' });
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(trackerSource);
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const [full, bare] = [await get(), await head()];
      expect(bare.statusCode).toBe(200);
      expect(bare.headers).toEqual(full.headers);
      expect(bare.body).toBeUndefined();
      expect((await head({ 'if-none-match': String(full.headers?.etag) })).statusCode).toBe(304);
    });
  });

  it('accepts the delivery metrics of Segment’s browser library and keeps nothing', async () => {
    const result = await handler(httpEvent({ method: 'POST', path: '/v1/m', body: '{"series":[]}' }), lambdaContext());
    expect(result.statusCode).toBe(204);
    expect(result.body).toBeUndefined();
  });

  it('sends a page view with page and campaign to the API that served it, with the write key in a text body', () => {
    // Act
    const browser = browse();
    browser.tick();

    // Assess
    expect(browser.beacons.map((b) => b.url)).toEqual(['https://api.leadloop.example/v1/batch']);
    const [batch] = browser.sent();
    expect(batch?.writeKey).toBe('wk_test');
    expect(batch?.batch).toHaveLength(1);
    const [page] = batch?.batch ?? [];
    expect(page).toMatchObject({
      type: 'page',
      anonymousId: browser.jar.get('ll_aid'),
      context: {
        page: {
          url: 'https://www.initech.example/pricing?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=cta',
          path: '/pricing',
          referrer: 'https://search.example/',
          title: 'Pricing',
        },
        campaign: { source: 'news', medium: 'email', name: 'spring', term: 'crm', content: 'cta' },
      },
    });
    expect(page?.messageId).toEqual(expect.any(String));
  });

  it('keeps the anonymous id it finds in the first-party cookie', () => {
    const browser = browse({ cookies: { ll_aid: 'anon-returning' } });
    browser.tick();
    expect(browser.sent()[0]?.batch[0]?.anonymousId).toBe('anon-returning');
  });

  it('identifies on submit of a marked form with the email and the chosen fields, sent at once', () => {
    // Prepare
    const browser = browse();

    // Act
    browser.dispatch('submit', form({ email: ' Lee@Initech.example ', company: 'Initech', phone: '555', message: 'hi' }, 'email company'));

    // Assess: the page view and the identify leave together, before the page unloads
    const events = browser.sent().flatMap((b) => b.batch);
    expect(events.map((e) => e.type)).toEqual(['page', 'identify']);
    expect(events[1]?.traits).toEqual({ email: 'Lee@Initech.example', company: 'Initech' });
    expect(new Set(events.map((e) => e.anonymousId)).size).toBe(1);
  });

  it('ignores forms that are not marked, and marked forms without an email', () => {
    const browser = browse();
    browser.dispatch('submit', form({ email: 'lee@initech.example' }, null));
    browser.dispatch('submit', form({ name: 'Lee' }));
    browser.tick();
    expect(browser.sent().flatMap((b) => b.batch).map((e) => e.type)).toEqual(['page']);
  });

  it('sends nothing and sets no cookie under Do-Not-Track', () => {
    const browser = browse({ doNotTrack: '1' });
    browser.api?.flush();
    browser.tick();
    browser.dispatch('pagehide');
    expect(browser.beacons).toEqual([]);
    expect(browser.jar.size).toBe(0);
  });

  it('waits for consent when the script tag requires it, then sends what was queued', () => {
    // Prepare
    const browser = browse({ attributes: { 'data-consent': 'required' } });
    browser.tick();
    browser.dispatch('pagehide');
    expect(browser.beacons).toEqual([]);
    expect(browser.jar.has('ll_aid')).toBe(false);

    // Act
    browser.api?.consent(true);

    // Assess
    expect(browser.sent().flatMap((b) => b.batch).map((e) => e.type)).toEqual(['page']);
    expect(browser.jar.get('ll_consent')).toBe('1');
  });

  it('drops queued events and the id when consent is withdrawn', () => {
    const browser = browse();
    browser.api?.consent(false);
    browser.tick();
    browser.dispatch('pagehide');
    expect(browser.beacons).toEqual([]);
    expect(browser.jar.has('ll_aid')).toBe(false);
    expect(browser.jar.get('ll_consent')).toBe('0');
  });
  describe('privacy: only campaign and ad-click parameters leave the browser', () => {
    const landing =
      'https://www.initech.example/signup?utm_source=ads&email=lee%40initech.example&gclid=Cj0abc&password=hunter2&fbclid=IwAR1&ref=partner#token=secret';

    it('keeps UTM parameters and click ids in the page URL, its search and the referrer; drops the rest and a fragment', () => {
      const browser = browse({ url: landing, referrer: 'https://partner.example/list?session=abc123&utm_medium=cpc' });
      const [page] = browser.events();
      expect(page?.context).toMatchObject({
        page: {
          url: 'https://www.initech.example/signup?utm_source=ads&gclid=Cj0abc&fbclid=IwAR1',
          search: '?utm_source=ads&gclid=Cj0abc&fbclid=IwAR1',
          referrer: 'https://partner.example/list?utm_medium=cpc',
          path: '/signup',
        },
        campaign: { source: 'ads' },
      });
      expect(JSON.stringify(page)).not.toMatch(/hunter2|lee%40|secret|abc123|partner(?!\.example)/);
    });

    it('keeps the parameters the script tag lists as well', () => {
      const browser = browse({ url: landing, attributes: { 'data-query-params': 'ref, plan' } });
      const [page] = browser.events();
      expect((page?.context as { page: { url: string } }).page.url).toBe(
        'https://www.initech.example/signup?utm_source=ads&gclid=Cj0abc&fbclid=IwAR1&ref=partner',
      );
    });

    it('takes options set on window.leadloop before the script over the tag’s; "*" keeps every parameter', () => {
      const preset = browse({ url: landing, attributes: { 'data-query-params': 'password' }, preset: { queryParams: 'ref' } });
      expect((preset.events()[0]?.context as { page: { url: string } }).page.url).toBe(
        'https://www.initech.example/signup?utm_source=ads&gclid=Cj0abc&fbclid=IwAR1&ref=partner',
      );
      expect(preset.api?.page).toEqual(expect.any(Function));
      const all = browse({ url: landing, preset: { queryParams: ['*'] } });
      expect((all.events()[0]?.context as { page: { search: string } }).page.search).toBe(new URL(landing).search);
    });

    it('keeps a fragment that is a route of a single-page app', () => {
      const browser = browse({ url: 'https://app.initech.example/?utm_source=ads&x=1#/pricing?step=2' });
      const [page] = browser.events();
      expect((page?.context as { page: { url: string } }).page.url).toBe('https://app.initech.example/?utm_source=ads#/pricing?step=2');
    });
  });

  describe('in a single-page app', () => {
    const urls = (events: Record<string, unknown>[]) =>
      events.filter((e) => e.type === 'page').map((e) => (e.context as { page: { url: string; referrer: string; path: string } }).page);

    it('records a page view for each history navigation, the previous page as its referrer', () => {
      const browser = browse({ url: 'https://www.initech.example/?utm_source=news' });
      browser.history.pushState({}, '', '/pricing');
      browser.events();
      browser.history.pushState({}, '', '/demo?token=abc');
      browser.events();
      browser.back('/pricing');
      expect(urls(browser.events())).toEqual([
        expect.objectContaining({ url: 'https://www.initech.example/?utm_source=news', referrer: 'https://search.example/' }),
        expect.objectContaining({ url: 'https://www.initech.example/pricing', path: '/pricing', referrer: 'https://www.initech.example/?utm_source=news' }),
        expect.objectContaining({ url: 'https://www.initech.example/demo', path: '/demo', referrer: 'https://www.initech.example/pricing' }),
        expect.objectContaining({ url: 'https://www.initech.example/pricing', referrer: 'https://www.initech.example/demo' }),
      ]);
    });

    it('counts the same address twice in a row once (replaceState, repeated pushState, an anchor, a parameter not kept)', () => {
      const browser = browse({ url: 'https://www.initech.example/docs' });
      browser.history.replaceState({}, '', '/docs');
      browser.events();
      browser.history.pushState({}, '', '/guide');
      browser.history.pushState({}, '', '/guide');
      browser.events();
      browser.history.pushState({}, '', '/guide#install');
      browser.events();
      browser.history.replaceState({}, '', '/guide?q=secret');
      browser.events();
      browser.history.replaceState({}, '', '/faq');
      expect(urls(browser.events()).map((p) => p.path)).toEqual(['/docs', '/guide', '/faq']);
    });

    it('gives each of two quick navigations its own page view with its own address', () => {
      const browser = browse({ url: 'https://www.initech.example/' });
      browser.history.pushState({}, '', '/pricing?utm_source=news');
      browser.back('/');
      expect(urls(browser.events())).toEqual([
        expect.objectContaining({ url: 'https://www.initech.example/' }),
        expect.objectContaining({ url: 'https://www.initech.example/pricing?utm_source=news', referrer: 'https://www.initech.example/' }),
        expect.objectContaining({ url: 'https://www.initech.example/', referrer: 'https://www.initech.example/pricing?utm_source=news' }),
      ]);
    });

    it('records no navigation when the site turns it off (it calls page() itself)', () => {
      const browser = browse({ attributes: { 'data-history': 'off' } });
      browser.history.pushState({}, '', '/next');
      browser.back('/pricing');
      expect(urls(browser.events())).toHaveLength(1);
      const manual = browse({ preset: { history: false } });
      manual.history.pushState({}, '', '/next');
      expect(urls(manual.events())).toHaveLength(1);
    });
  });
});
