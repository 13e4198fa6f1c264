import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { storedEvents } from '../support/local.ts';

/**
 * A marketing site with the tracker's script tag, in a real (headless) Chromium:
 * the visitor lands from a campaign, reads a second page, and fills in a form.
 */
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
let site: Server;
let siteUrl: string;
let browser: Browser;

function sitePage(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<script src="${runtime.apiUrl}/t.js" data-write-key="${runtime.writeKey}" async></script></head>
<body>${body}</body></html>`;
}

function startSite(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const send = (status: number, html: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (path === '/') return send(200, sitePage('Initech home', '<h1>Initech</h1><a id="next" href="/demo">Book a demo</a>'));
    if (path === '/demo') {
      return send(
        200,
        sitePage(
          'Book a demo',
          `<form data-leadloop-identify method="post" action="/thanks">
<input name="email" type="text"><input name="company" type="text"><button id="send" type="submit">Send</button></form>`,
        ),
      );
    }
    if (path === '/thanks' && req.method === 'POST') return void req.resume().on('end', () => send(200, '<h1>Thanks</h1>'));
    send(404, 'not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
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

describe('the browser tracker on a site', () => {
  it('records the campaign landing, the next page view and the form identify for one anonymous visitor', async () => {
    // Prepare
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(runtime.apiUrl) && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    const email = `Visitor.${Date.now()}@Initech.Example`;

    // Act: land from a campaign, go on to the demo page, fill in the form
    await page.goto(`${siteUrl}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch`);
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

    let stored: Record<string, unknown>[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      stored = await storedEvents(dynamodb, (e) => e.anonymousId === anonymousId);
      if (stored.length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await context.close();

    expect(refused).toEqual([]);
    expect(stored.map((e) => e.type).sort()).toEqual(['identify', 'page', 'page']);
    const landing = stored.find((e) => e.type === 'page' && typeof e.url === 'string' && e.url.includes('utm_source'));
    expect(landing).toMatchObject({
      url: `${siteUrl}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch`,
      campaign: { source: 'newsletter', medium: 'email', name: 'spring-launch' },
    });
    const second = stored.find((e) => e.type === 'page' && e !== landing);
    expect(second).toMatchObject({ url: `${siteUrl}/demo`, referrer: `${siteUrl}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch` });
    expect(second).not.toHaveProperty('campaign');
    const identify = stored.find((e) => e.type === 'identify');
    expect(identify?.email).toBe(email.toLowerCase());
    expect(identify?.traits).toEqual({ email, company: 'Initech' });
  });
});
