import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { storedEvents } from '../support/local.ts';

/**
 * A marketing site in a real (headless) Chromium, sending to the local runtime: first with
 * LeadLoop's tracker (a visitor lands from a campaign, reads a second page, fills in a form;
 * a single-page app navigates with the History API), then with Segment's own browser library,
 * analytics.js 2.0, pointed at LeadLoop by its `apiHost`, in its default and batching modes.
 */
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let site: Server;
let siteUrl: string;
let browser: Browser;
/** @segment/analytics-next, bundled for the browser as a site would */
let analyticsBundle: string;

function trackerPage(title: string, body: string, head = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}
<script src="${runtime.apiUrl}/t.js" data-write-key="${runtime.writeKey}" async></script></head>
<body>${body}</body></html>`;
}

/** A page of a site that loads analytics.js 2.0 and sends to LeadLoop: only the host changed. */
function segmentPage(strategy: string): string {
  const apiHost = `${new URL(runtime.apiUrl).host}/v1`;
  const deliveryStrategy = strategy === 'batching' ? { strategy: 'batching' } : undefined;
  // its settings, which Segment's CDN would serve: fetched from the site, or given inline
  const settings =
    strategy === 'batching'
      ? `cdnSettings: ${JSON.stringify({ integrations: { 'Segment.io': { apiKey: runtime.writeKey } } })}`
      : `cdnURL: ${JSON.stringify(`${siteUrl}/segment-cdn`)}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Initech pricing</title>
<script src="/analytics.js"></script>
<script>
  window.analytics = Segment.AnalyticsBrowser.load(
    { writeKey: ${JSON.stringify(runtime.writeKey)}, ${settings} },
    { integrations: { 'Segment.io': ${JSON.stringify({ apiHost, protocol: 'http', ...(deliveryStrategy && { deliveryStrategy }) })} } },
  );
</script></head><body><h1>Pricing</h1></body></html>`;
}

function startSite(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => res.writeHead(status, { 'content-type': type }).end(body);
    const route = url.pathname;
    if (route === '/') return send(200, trackerPage('Initech home', '<h1>Initech</h1><a id="next" href="/demo">Book a demo</a>'));
    if (route === '/demo') {
      return send(
        200,
        trackerPage(
          'Book a demo',
          `<form data-leadloop-identify method="post" action="/thanks">
<input name="email" type="text"><input name="company" type="text"><button id="send" type="submit">Send</button></form>`,
        ),
      );
    }
    if (route === '/thanks' && req.method === 'POST') return void req.resume().on('end', () => send(200, '<h1>Thanks</h1>'));
    // a single-page app: one document, routes by the History API
    if (route.startsWith('/app')) return send(200, trackerPage('Initech app', '<h1>App</h1>'));
    if (route === '/analytics.js') return send(200, analyticsBundle, 'application/javascript; charset=utf-8');
    // what Segment's CDN would answer for the write key; here the site serves it itself
    if (route === `/segment-cdn/v1/projects/${runtime.writeKey}/settings`) {
      return send(200, JSON.stringify({ integrations: { 'Segment.io': { apiKey: runtime.writeKey } } }), 'application/json');
    }
    if (route.startsWith('/segment-')) return send(200, segmentPage(route.slice('/segment-'.length)));
    send(404, 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  const bundled = await build({
    stdin: { contents: "export { AnalyticsBrowser } from '@segment/analytics-next';", resolveDir: path.resolve(import.meta.dirname, '../..') },
    bundle: true,
    format: 'iife',
    globalName: 'Segment',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  analyticsBundle = bundled.outputFiles[0]!.text;
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  site = await startSite();
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
  dynamodb?.destroy();
  await runtime?.stop();
});

/**
 * A fresh browser profile that reaches only this machine's site and API (anything else is
 * aborted and listed), and lists every API request the browser refused or was refused.
 */
async function visitor(): Promise<{ context: BrowserContext; page: Page; refused: string[]; elsewhere: string[] }> {
  const context = await browser.newContext();
  const refused: string[] = [];
  const elsewhere: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(siteUrl) || url.startsWith(runtime.apiUrl)) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('response', (response) => {
    if (response.url().startsWith(runtime.apiUrl) && response.status() >= 400) {
      refused.push(`${response.status()} ${response.url()}`);
      void response.text().then((text) => refused.push(text), () => undefined);
    }
  });
  // A CORS refusal (a preflight that does not allow the method or a header) never becomes a response.
  // A beacon sent as the page goes away shows as aborted: the browser sends it all the same.
  page.on('requestfailed', (request) => {
    const beaconOnUnload = request.resourceType() === 'ping' && request.failure()?.errorText === 'net::ERR_ABORTED';
    if (request.url().startsWith(runtime.apiUrl) && !beaconOnUnload) refused.push(`${request.failure()?.errorText} ${request.resourceType()} ${request.method()} ${request.url()}`);
  });
  return { context, page, refused, elsewhere };
}

/** Polls the events table until `done` holds for the visitor's events; returns them. */
async function eventsOf(anonymousId: string, done: (events: Record<string, unknown>[]) => boolean): Promise<Record<string, unknown>[]> {
  let stored: Record<string, unknown>[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    stored = await storedEvents(dynamodb, (e) => e.anonymousId === anonymousId);
    if (done(stored)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return stored;
}

/** The lead as a CRM reads it back (server key), once it has `activities` scored events. */
async function scoredLead(email: string, activities: number): Promise<LeadView | undefined> {
  let lead: LeadView | undefined;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${runtime.serverKey}` },
    });
    if (response.status === 200) {
      lead = (await response.json()) as LeadView;
      if (lead.recentActivity.length >= activities) return lead;
    } else expect(response.status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return lead;
}

describe('the tracker script over HTTP', () => {
  it('carries a validator, answers 304 when the browser holds the same script, and HEAD with headers only', async () => {
    const full = await fetch(`${runtime.apiUrl}/t.js`);
    expect(full.status).toBe(200);
    const etag = full.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(full.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(await full.text()).toContain('window');

    const again = await fetch(`${runtime.apiUrl}/t.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');

    const head = await fetch(`${runtime.apiUrl}/t.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.headers.get('content-type')).toBe(full.headers.get('content-type'));
    expect(await head.text()).toBe('');
  });

  it('lets a preflight through for the headers Segment’s browser library sends, and lets the browser keep the answer', async () => {
    const preflight = await fetch(`${runtime.apiUrl}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://www.initech.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']));
    expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThanOrEqual(3600);
  });
});

describe('the browser tracker on a site', () => {
  it('records the campaign landing, the next page view and the form identify for one anonymous visitor, and scores them on one lead', async () => {
    // Prepare
    const { context, page, refused, elsewhere } = await visitor();
    const email = `Visitor.${Date.now()}@Initech.Example`;
    const campaign = `${siteUrl}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch`;

    // Act: land from a campaign (the link also carries a parameter that is nobody's business), go on to the demo page, fill in the form
    await page.goto(`${campaign}&session=s3cr3t`);
    await page.waitForFunction('"leadloop" in window');
    await page.click('#next');
    await page.waitForURL(`${siteUrl}/demo`);
    await page.waitForFunction('"leadloop" in window');
    await page.fill('input[name=email]', `  ${email} `);
    await page.fill('input[name=company]', 'Initech');
    await page.click('#send');
    await page.waitForURL(`${siteUrl}/thanks`);

    // Assess: the visitor's id lives in a first-party cookie on the site
    const cookie = (await context.cookies(siteUrl)).find((c) => c.name === 'll_aid');
    expect(cookie?.domain).toBe('127.0.0.1');
    const anonymousId = cookie?.value ?? '';
    expect(anonymousId).not.toBe('');

    const stored = await eventsOf(anonymousId, (events) => events.length >= 3);
    await context.close();

    expect(refused).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(stored.map((e) => e.type).sort()).toEqual(['identify', 'page', 'page']);
    // only the campaign's parameters left the browser
    expect(JSON.stringify(stored)).not.toContain('s3cr3t');
    const landing = stored.find((e) => e.type === 'page' && typeof e.url === 'string' && e.url.includes('utm_source'));
    expect(landing).toMatchObject({ url: campaign, campaign: { source: 'newsletter', medium: 'email', name: 'spring-launch' } });
    const second = stored.find((e) => e.type === 'page' && e !== landing);
    expect(second).toMatchObject({ url: `${siteUrl}/demo`, referrer: campaign });
    expect(second).not.toHaveProperty('campaign');
    const identify = stored.find((e) => e.type === 'identify');
    expect(identify?.email).toBe(email.toLowerCase());
    expect(identify?.traits).toEqual({ email, company: 'Initech' });

    // Assess: scored, on one lead: both page views, the campaign as its first touch, the identify's traits
    const lead = await scoredLead(email, 3);
    expect(lead?.recentActivity.map((a) => a.type).sort()).toEqual(['identify', 'page', 'page']);
    expect(lead?.identities).toEqual(expect.arrayContaining([{ kind: 'anon', value: anonymousId }, { kind: 'email', value: email.toLowerCase() }]));
    expect(lead?.touches.first).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'spring-launch' });
    expect(lead?.traits).toMatchObject({ company: 'Initech' });
    expect(lead?.score.breakdown.find((c) => c.ruleId === 'page-view')?.count).toBe(2);
  });

  it('records a page view for each navigation of a single-page app, the same address twice in a row once', async () => {
    // Prepare
    const { context, page, refused, elsewhere } = await visitor();
    await page.goto(`${siteUrl}/app`);
    await page.waitForFunction('"leadloop" in window');

    // Act: the app routes with the History API; the back button too
    await page.evaluate("history.pushState({ n: 1 }, '', '/app/pricing')");
    await page.evaluate("history.pushState({ n: 2 }, '', '/app/pricing')");
    await page.evaluate("history.replaceState({ n: 3 }, '', '/app/pricing')");
    await page.evaluate('history.back()'); // to the first /app/pricing: the same address
    await page.waitForFunction("location.pathname === '/app/pricing' && history.state.n === 1");
    await page.evaluate('history.back()'); // to /app
    await page.waitForFunction("location.pathname === '/app'");
    // a last navigation marks the end: its page view is queued after all the others (though a slow browser may
    // send it in a later batch that lands first, hence the wait below for every page view expected)
    await page.evaluate("history.pushState({}, '', '/app/done')");

    // Assess: the id cookie is set when the first events are sent
    await page.waitForFunction("document.cookie.includes('ll_aid=')");
    const anonymousId = (await context.cookies(siteUrl)).find((c) => c.name === 'll_aid')?.value ?? '';
    expect(anonymousId).not.toBe('');
    const stored = await eventsOf(anonymousId, (events) => events.some((e) => e.url === `${siteUrl}/app/done`) && events.filter((e) => e.type === 'page').length >= 4);
    await context.close();
    expect(refused).toEqual([]);
    expect(elsewhere).toEqual([]);
    const pages = stored.filter((e) => e.type === 'page').sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));
    expect(pages.map((e) => [e.url, e.referrer ?? ''])).toEqual([
      [`${siteUrl}/app`, ''],
      [`${siteUrl}/app/pricing`, `${siteUrl}/app`],
      [`${siteUrl}/app`, `${siteUrl}/app/pricing`],
      [`${siteUrl}/app/done`, `${siteUrl}/app`],
    ]);
  });
});

describe('Segment’s browser library (analytics.js 2.0) pointed at LeadLoop', () => {
  for (const strategy of ['standard', 'batching']) {
    it(`gets page, identify and track through in ${strategy} delivery, onto one scored lead with the campaign`, async () => {
      // Prepare
      const { context, page, refused, elsewhere } = await visitor();
      const email = `segment.${strategy}.${Date.now()}@initech.example`;
      const userId = `crm-${strategy}-${Date.now()}`;
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(runtime.apiUrl)) sent.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });

      // Act: land from a campaign, then what a site's code calls
      await page.goto(`${siteUrl}/segment-${strategy}?utm_source=linkedin&utm_medium=paid&utm_campaign=q4-ops`);
      await page.waitForFunction('typeof window.analytics?.page === "function"');
      await page.evaluate('analytics.page()');
      await page.evaluate(`analytics.identify(${JSON.stringify(userId)}, ${JSON.stringify({ email, company: 'Initech', title: 'Head of Operations' })})`);
      await page.evaluate(`analytics.track('Content Downloaded', { title: 'Ops playbook' })`);
      const anonymousId = String(await page.evaluate('analytics.user().then((user) => user.anonymousId())'));

      // Assess: stored as sent, through the paths the library uses
      const stored = await eventsOf(anonymousId, (events) => events.length >= 3);
      await context.close();
      expect(refused).toEqual([]);
      expect(elsewhere).toEqual([]);
      // (its own delivery metrics may go to /v1/m as well)
      expect(sent.filter((r) => r.startsWith('POST ') && r !== 'POST /v1/m').sort()).toEqual(strategy === 'batching' ? ['POST /v1/b'] : ['POST /v1/i', 'POST /v1/p', 'POST /v1/t']);
      expect(stored.map((e) => e.type).sort()).toEqual(['identify', 'page', 'track']);
      expect(stored.find((e) => e.type === 'track')).toMatchObject({ event: 'Content Downloaded', userId, properties: { title: 'Ops playbook' } });

      // Assess: one lead, scored, with the campaign as its first touch
      const lead = await scoredLead(email, 3);
      expect(lead?.recentActivity.map((a) => a.type).sort()).toEqual(['identify', 'page', 'track']);
      expect(lead?.identities).toEqual(
        expect.arrayContaining([
          { kind: 'anon', value: anonymousId },
          { kind: 'user', value: userId },
          { kind: 'email', value: email },
        ]),
      );
      expect(lead?.touches.first).toMatchObject({ source: 'linkedin', medium: 'paid', campaign: 'q4-ops' });
      expect(lead?.traits).toMatchObject({ company: 'Initech', title: 'Head of Operations' });
      expect(lead?.score.breakdown.map((c) => c.ruleId).sort()).toEqual(expect.arrayContaining(['content-download', 'page-view']));
    });
  }
});
