import { gzipSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/tracker/handler.ts';
import { trackerSource } from '../../../functions/tracker/tracker-source.ts';
import { httpEvent, lambdaContext } from '../handlers/http-event.ts';

interface Page {
  url?: string;
  attributes?: Record<string, string>;
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
    URLSearchParams,
    location: url,
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
      referrer: 'https://search.example/',
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
    api: window.leadloop as { consent: (granted: boolean) => void; flush: () => void } | undefined,
    /** Fires the pending batch timer, as a second passing would. */
    tick: () => timers.splice(0).forEach((fn) => fn()),
    dispatch: (type: string, event: unknown = {}) => (listeners.get(type) ?? []).forEach((listener) => listener(event)),
    beacons,
    sent: (): Batch[] => beacons.map((b) => JSON.parse(b.body) as Batch),
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

  it('is served as cacheable JavaScript', async () => {
    const result = await handler(httpEvent({ method: 'GET', path: '/t.js' }), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' });
    expect(result.body).toBe(trackerSource);
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
});
