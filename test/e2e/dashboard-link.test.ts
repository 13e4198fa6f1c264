import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { dashboardLinkUrl, dashboardToken } from '../../functions/core/links.ts';
import { configKey } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from '../../local/template.ts';
import { eventually } from '../support/local.ts';

/**
 * The weekly digest's dashboard link in a real (headless) Chromium, against
 * the local runtime: the schedule is fired, the link is taken from the email
 * in the SES capture and opened. The dashboard shows without the sign-in
 * form, the token leaves the address bar at once and is in no request's URL;
 * an expired or altered link shows the sign-in form with why.
 */
let runtime: LocalRuntime;
let browser: Browser;
let link: string;
let signingKey: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const { schedule } = runtime.schedules.list().find((s) => s.functionLogicalId.startsWith('Digest'))!;
  const firing = await runtime.schedules.fire(schedule);
  expect(firing.error).toBeUndefined();
  const email = await eventually('the digest email', async () => {
    const { emails } = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: { subject: string; body: { text?: string } }[] };
    return emails.find((e) => e.subject.startsWith('LeadLoop weekly digest'));
  });
  link = /^Dashboard: (\S+)$/m.exec(email.body.text ?? '')![1]!;
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, Key: { pk: { S: configKey('link-signing-key').pk }, sk: { S: 'CONFIG' } } }));
  signingKey = Item!.value!.S!;
  dynamodb.destroy();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** A fresh browser profile opening `url`: every request it makes (URL and Authorization) and every console error. */
async function open(url: string): Promise<{ context: BrowserContext; page: Page; requests: { url: string; authorization?: string }[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests: { url: string; authorization?: string }[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    const authorization = request.headers().authorization;
    requests.push({ url: request.url(), ...(authorization !== undefined && { authorization }) });
  });
  page.on('console', (message) => {
    // a refused credential is the API's 403/410, which Chromium logs as a failed resource: expected here
    if (message.type() === 'error' && !/status of 4(03|10)/.test(message.text())) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  return { context, page, requests, errors };
}

const tokenOf = (url: string) => url.slice(url.indexOf('#link=') + '#link='.length);

describe('the dashboard link of the weekly digest', () => {
  it('opens the dashboard without the sign-in form, the token out of the address and of every URL, sent only as the credential', async () => {
    expect(link).toMatch(new RegExp(`^${runtime.apiUrl}/dashboard#link=dl1\\.`));
    const token = tokenOf(link);
    const { context, page, requests, errors } = await open(link);
    // the funnel panel filled from the report API's answer (with no lead yet, it says so)
    await page.locator('#funnel-table > *').first().waitFor();
    expect(await page.locator('#sign-in').isVisible()).toBe(false);
    expect(await page.locator('#dashboard').isVisible()).toBe(true);
    expect(page.url()).toBe(`${runtime.apiUrl}/dashboard`);
    expect(await page.evaluate("sessionStorage.getItem('leadloop.serverKey')")).toBe(token);
    expect(await page.evaluate('localStorage.length + document.cookie.length')).toBe(0);
    for (const request of requests) expect(request.url).not.toContain(token);
    const reports = requests.filter((r) => new URL(r.url).pathname.startsWith('/v1/reports/'));
    expect(reports.length).toBeGreaterThan(0);
    for (const request of reports) expect(request.authorization).toBe(`Bearer ${token}`);
    expect(errors).toEqual([]);
    // the history holds no entry with the token either: its entry was replaced, so going back leaves the dashboard
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await context.close();
  });

  it('shows the sign-in form saying the link is out of date when it expired, the token gone from the address', async () => {
    const expired = dashboardLinkUrl(`${runtime.apiUrl}/dashboard`, dashboardToken(new Date(Date.now() - 60_000), signingKey));
    const { context, page } = await open(expired);
    await page.locator('#sign-in-error').waitFor();
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#dashboard').count()).toBe(0);
    expect(await page.locator('#sign-in-error').textContent()).toMatch(/^This link is out of date: it worked until .* UTC\. The latest weekly digest has a fresh one, or sign in with a server key$/);
    expect(page.url()).toBe(`${runtime.apiUrl}/dashboard`);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await context.close();
  });

  it('shows the sign-in form saying the link is not valid when it was altered (a later expiry)', async () => {
    const [, exp, signature] = tokenOf(link).split('.') as [string, string, string];
    const altered = dashboardLinkUrl(`${runtime.apiUrl}/dashboard`, `dl1.${Number(exp) + 365 * 86_400}.${signature}`);
    const { context, page } = await open(altered);
    await page.locator('#sign-in-error').waitFor();
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#sign-in-error').textContent()).toBe('This dashboard link is not valid');
    expect(page.url()).toBe(`${runtime.apiUrl}/dashboard`);
    await context.close();
  });
});
