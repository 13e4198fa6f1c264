import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunnelOfPeriod } from '../../functions/reports/funnel.ts';
import { apiErrorText, count, duration, percent, stageLabel, thresholdText } from '../../functions/dashboard/browser/format.ts';
import type { CalibrationOfPeriod } from '../../functions/reports/calibration.ts';
import {
  amountsText,
  attributionLabel,
  ratingsSeries,
  stalledLeadLabel,
  metricText,
  repLabel,
  scorecardCells,
  targetText,
  trendText,
  type AttributionShown,
  type MetricKind,
} from '../../functions/dashboard/browser/panel-format.ts';
import type { ServiceAgreementReport } from '../../functions/reports/service-agreement.ts';
import type { FeedbackReport } from '../../functions/core/reports/feedback.ts';
import type { StalledReport } from '../../functions/core/reports/stalled.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { virtualNow } from '../../local/clock.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { eventually, sendEvent } from '../support/local.ts';
import { qualify } from '../support/qualify.ts';

/**
 * The dashboard in a real (headless) Chromium, against the local runtime: leads arrive through the
 * public API (one accepted by its rep from the hand-off email's link, one from a campaign whose UTM
 * name is markup), then a person opens /dashboard: the sign-in form only, a wrong key refused with
 * the API's words, the server key; the page's numbers are the report API's for the same query, a
 * slice changes them, and the markup shows as the characters it is.
 */
const XSS_CAMPAIGN = '<img src=x onerror=window.__xss=1>';
/** Its segment by campaign: no campaign of config/campaigns.json claims the touch, so its UTM name does (report-counts.ts leadSlices). */
const XSS_SEGMENT = `utm:${XSS_CAMPAIGN}`;
/** a rep's comment, in markup */
const XSS_COMMENT = 'Good fit <script>window.__xss=2</script><img src=x onerror=window.__xss=3>';
/** a company, as a lead's form sends it (the issue's example): shown where companies are, in the stalled leads */
const XSS_COMPANY = '<img src=x onerror=window.__xss=4>';
/** Xavier: a deal the CRM opened 50 days ago (stalled in opportunity), whose person then gave the markup company */
const XAVIER = 'xavier@initech.example';

let runtime: LocalRuntime;
let browser: Browser;

interface CapturedEmail {
  subject: string;
  body: { text?: string };
}

const emails = async (): Promise<CapturedEmail[]> => ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedEmail[] }).emails;

/** A report of the API, as a tool with the server key reads it. */
async function report<T>(path: string): Promise<T> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

const post = (path: string, body: unknown) =>
  fetch(`${runtime.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.serverKey}` }, body: JSON.stringify(body) });

async function funnel(query: string, key = runtime.serverKey): Promise<{ status: number; body: FunnelOfPeriod }> {
  const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as FunnelOfPeriod };
}

/** The funnel's answer (200), asked again while a busy machine's report times out. */
const funnelAnswer = async (query: string): Promise<FunnelOfPeriod> =>
  eventually(`GET /v1/reports/funnel${query}`, async () => {
    const { status, body } = await funnel(query);
    return status === 200 ? body : undefined;
  });

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // Two qualified leads from two campaigns, and a visitor who only looked.
  const leads = [
    ['visitor-ada', 'ada@acme.example', 'Ada Lovelace', { source: 'newsletter', medium: 'email', name: 'november' }],
    ['visitor-mallory', 'mallory@acme.example', 'Mallory Markup', { source: 'partner', medium: 'email', name: XSS_CAMPAIGN }],
  ] as const;
  for (const [anonymousId, email, name, campaign] of leads) {
    await qualify(runtime, { anonymousId, email, name, campaign });
  }
  // Ada also came from a webinar, so the attribution models split her deal differently
  const webinar = { anonymousId: 'visitor-ada', messageId: 'visitor-ada-5', name: 'Webinar', context: { page: { url: 'https://example.com/webinar' }, campaign: { source: 'zoom', medium: 'event', name: 'december-webinar' } } };
  expect((await sendEvent(runtime, '/v1/page', webinar)).status).toBe(200);
  const browsing = { anonymousId: 'visitor-bob', messageId: 'visitor-bob-1', name: 'Home', context: { page: { url: 'https://example.com/' }, campaign: { source: 'google', medium: 'cpc', name: 'brand' } } };
  expect((await sendEvent(runtime, '/v1/page', browsing)).status).toBe(200);

  // Ada's rep accepts her from the hand-off email.
  const handoff = await eventually('the hand-off email for Ada', async () => (await emails()).find((e) => e.subject.includes('Ada Lovelace')), 60_000);
  const acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;
  const accepted = await fetch(acceptUrl, { method: 'POST' });
  expect(accepted.status).toBe(200);
  // …and says how the lead was, from the acceptance page's feedback form, in words full of markup
  const action = /<form method="post" action="([^"]+)"/.exec(await accepted.text())![1]!.replaceAll('&#38;', '&');
  const feedback = await fetch(new URL(action, acceptUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ rating: '2', reason: 'clear-need', comment: XSS_COMMENT }).toString(),
  });
  expect(feedback.status).toBe(200);

  // Her rep calls her, and the CRM reports her deal won; Mallory's deal is an opportunity.
  await eventually('Ada accepted', async () => ((await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-ada')}`)).stage === 'sal' ? true : undefined), 60_000);
  expect((await post('/v1/activities', { activityId: 'crm-call-ada-1', email: 'ada@acme.example', kind: 'call', at: new Date().toISOString() })).status).toBe(201);
  const at = new Date().toISOString();
  expect((await post('/v1/outcomes', { outcomeId: 'deal-ada:won', email: 'ada@acme.example', stage: 'won', at, amount: 9000, currency: 'EUR', opportunityId: 'deal-ada' })).status).toBe(202);
  expect((await post('/v1/outcomes', { outcomeId: 'deal-mallory:opp', email: 'mallory@acme.example', stage: 'opportunity', at, amount: 4000, currency: 'EUR', opportunityId: 'deal-mallory' })).status).toBe(202);
  // A deal the CRM opened 60 days ago for a person LeadLoop never saw (sales-sourced): in opportunity since then, past
  // the agreement's 45 days, so stalled. (A backdated outcome for Ada or Mallory could not be: their history is from
  // minutes ago, and a change is never dated before the lead's last one.)
  const opened = new Date(Date.now() - 60 * 86_400_000).toISOString();
  expect((await post('/v1/outcomes', { outcomeId: 'deal-olga:opp', email: 'olga@globex.example', stage: 'opportunity', at: opened, amount: 7000, currency: 'EUR', opportunityId: 'deal-olga', createIfMissing: true })).status).toBe(202);
  // Xavier likewise (50 days ago, outside the 30 days the other reports count), then, once his lead is there, his company in markup
  const xavierOpened = new Date(Date.now() - 50 * 86_400_000).toISOString();
  expect((await post('/v1/outcomes', { outcomeId: 'deal-xavier:opp', email: XAVIER, stage: 'opportunity', at: xavierOpened, amount: 5000, currency: 'EUR', opportunityId: 'deal-xavier', createIfMissing: true })).status).toBe(202);
  await eventually('Xavier’s lead', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadIdFor(`email:${XAVIER}`)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
    return response.status === 200 && ((await response.json()) as { stage: string }).stage === 'opportunity' ? true : undefined;
  }, 60_000);
  const company = { anonymousId: 'visitor-xavier', messageId: 'visitor-xavier-1', traits: { email: XAVIER, name: 'Xavier Markup', company: XSS_COMPANY } };
  expect((await sendEvent(runtime, '/v1/identify', company)).status).toBe(200);

  await eventually(
    'the period funnel to count three visitors, two MQLs and the SAL',
    async () => {
      const { status, body } = await funnel('?by=all');
      // a busy machine's report can time out: asked again
      if (status !== 200) return undefined;
      const reached = Object.fromEntries((body.segments[0]?.stages ?? []).map((s) => [s.stage, s.reached]));
      return reached.visitor! >= 3 && reached.mql! >= 2 && reached.sal! >= 1 && reached.won! >= 1 && reached.opportunity! >= 2 ? true : undefined;
    },
    60_000,
  );
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** A fresh browser profile on the dashboard: every request it makes, every console error and page error. */
async function openDashboard(browserTime?: Date): Promise<{ context: BrowserContext; page: Page; requests: string[]; errors: { text: string; url: string }[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // a browser whose clock reads another day (Date only; its timers run as usual)
  if (browserTime) await context.clock.setFixedTime(browserTime);
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: { text: string; url: string }[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => errors.push({ text: error.message, url: '' }));
  await page.goto(`${runtime.apiUrl}/dashboard`);
  await page.waitForLoadState('networkidle');
  return { context, page, requests, errors };
}

const reportRequests = (requests: readonly string[]) => requests.filter((url) => new URL(url).pathname.startsWith('/v1/reports/'));
const numberIn = (text: string | null) => Number((text ?? '').replaceAll(',', ''));

/** The funnel table's rows as shown: stage → [reached, conversion] text. */
async function shownFunnel(page: Page): Promise<Map<string, { reached: number; conversion: string }>> {
  const rows = page.locator('#funnel-table tbody tr');
  const shown = new Map<string, { reached: number; conversion: string }>();
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const cells = row.locator('td');
    shown.set((await row.getAttribute('data-stage'))!, { reached: numberIn(await cells.nth(1).textContent()), conversion: (await cells.nth(2).textContent())! });
  }
  return shown;
}

const expectedFunnel = (segment: FunnelOfPeriod['segments'][number]) =>
  new Map(segment.stages.map((s) => [s.stage, { reached: s.reached, conversion: percent(s.conversionFromPrevious) }]));

const settled = (page: Page) => page.locator('#dashboard[aria-busy="false"]').waitFor();

/**
 * What a person on a phone would see wrong, each named (run in the page): a box past the screen's edges, a chart
 * too small to read, text wider than its box (cut off, or spilling over the next), boxes of a row of numbers or
 * controls on top of each other, and a funnel number that needs its table scrolled sideways to be read.
 */
const PHONE_LAYOUT_PROBLEMS = `(() => {
      const width = window.innerWidth;
      const problems = [];
      const name = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + (el.dataset.tile ? '[' + el.dataset.tile + ']' : '') + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
      const shown = (el) => el.getClientRects().length > 0;
      const inside = (r, left, right) => r.left >= left - 0.5 && r.right <= right + 0.5;
      for (const el of document.querySelectorAll('header, .controls, .controls label, .panel, .chart, canvas, .tiles, .tile, .table')) {
        if (!shown(el)) continue;
        const r = el.getBoundingClientRect();
        if (!inside(r, 0, width)) problems.push('past the screen: ' + name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
        if (el.tagName === 'CANVAS' && (r.width < 200 || r.height < 100)) problems.push('chart too small to read: ' + name(el) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
      }
      for (const el of document.querySelectorAll('h1, h2, h3, p, .tile .value, .tile .label, .tile .target, .tile .trend, .controls label, button, q')) {
        if (!shown(el)) continue;
        if (el.scrollWidth > el.clientWidth + 1) problems.push('text wider than its box: ' + name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
      }
      for (const row of document.querySelectorAll('.tiles, .controls')) {
        const boxes = [...row.children].filter(shown).map((el) => [el, el.getBoundingClientRect()]);
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const [a, ra] = boxes[i], [b, rb] = boxes[j];
            if (ra.left < rb.right - 0.5 && rb.left < ra.right - 0.5 && ra.top < rb.bottom - 0.5 && rb.top < ra.bottom - 0.5) problems.push('overlapping: ' + name(a) + ' and ' + name(b));
          }
      }
      // the funnel's numbers: each stage's name and leads reached, without scrolling its table sideways
      for (const row of document.querySelectorAll('#funnel-table tbody tr')) {
        const box = row.closest('.table').getBoundingClientRect();
        for (const cell of [...row.cells].slice(0, 2)) if (!inside(cell.getBoundingClientRect(), box.left, box.right)) problems.push('funnel cell out of view: ' + name(cell));
      }
      return problems;
    })()`;

describe('the dashboard without a key', () => {
  it('shows the sign-in form and nothing else, and asks the report API nothing', async () => {
    const { context, page, requests } = await openDashboard();
    await expect(page.locator('#sign-in').isVisible()).resolves.toBe(true);
    expect(await page.locator('#dashboard').count()).toBe(0);
    expect((await page.locator('main').innerText()).trim()).toMatch(/^Sign in\n/);
    expect(reportRequests(requests)).toEqual([]);
    await context.close();
  });

  it('refuses a wrong key with the API’s own words, keeps nothing, and shows the form again', async () => {
    const { context, page } = await openDashboard();
    await page.fill('#server-key', 'sk_not_a_key');
    await page.press('#server-key', 'Enter');
    await page.locator('#sign-in-error').waitFor();
    const refusal = await fetch(`${runtime.apiUrl}/v1/reports/funnel?by=all`, { headers: { authorization: 'Bearer sk_not_a_key' } });
    expect(refusal.status).toBe(401);
    expect(await page.locator('#sign-in-error').textContent()).toBe(apiErrorText(401, await refusal.json()));
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#dashboard').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.length + localStorage.length + document.cookie.length")).toBe(0);
    expect(page.url()).toBe(`${runtime.apiUrl}/dashboard`);
    await context.close();
  });
});

describe('the dashboard on a stack that does not serve the calibration report, nor the panels’ reports', () => {
  it('says so plainly, and shows no calibration numbers', async () => {
    const context = await browser.newContext();
    // what API Gateway answers for a route the stack does not have
    for (const report of ['calibration', 'service-agreement', 'attribution', 'feedback', 'stalled']) {
      await context.route(`**/v1/reports/${report}?*`, (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"message":"Not Found"}' }));
    }
    const page = await context.newPage();
    await page.goto(`${runtime.apiUrl}/dashboard`);
    await page.fill('#server-key', runtime.serverKey);
    await page.press('#server-key', 'Enter');
    await page.locator('#calibration-body[aria-busy="false"]').waitFor();
    expect(await page.locator('#calibration-status').textContent()).toContain('does not serve the calibration report yet (GET /v1/reports/calibration answered 404 Not Found)');
    expect(await page.locator('#calibration-body table, #calibration-chart').count()).toBe(0);
    // nor the panels built on reports a stack may not serve yet
    await page.locator('#agreement-body[aria-busy="false"]').waitFor();
    expect(await page.locator('#agreement-status').textContent()).toBe(
      'This stack does not serve the service-agreement report yet (GET /v1/reports/service-agreement answered 404 Not Found), so this panel has nothing to show.',
    );
    expect(await page.locator('#service-agreement [data-tile], #agreement-reps').count()).toBe(0);
    expect(await page.locator('#mql-trend-note').textContent()).toContain('does not serve the service-agreement report yet');
    await page.locator('#attribution-body[aria-busy="false"]').waitFor();
    expect(await page.locator('#attribution-status').textContent()).toContain('does not serve the attribution report yet (GET /v1/reports/attribution answered 404 Not Found)');
    expect(await page.locator('#attribution-body table, #attribution-chart').count()).toBe(0);
    await page.locator('#feedback-body[aria-busy="false"]').waitFor();
    expect(await page.locator('#feedback-status').textContent()).toContain('does not serve the feedback report yet (GET /v1/reports/feedback answered 404 Not Found)');
    await page.locator('#stalled-body[aria-busy="false"]').waitFor();
    expect(await page.locator('#stalled-status').textContent()).toContain('does not serve the stalled-leads report yet (GET /v1/reports/stalled answered 404 Not Found)');
    expect(await page.locator('#feedback-body table, #feedback-chart, #stalled-body table').count()).toBe(0);
    // the rest of the dashboard is there
    expect(await page.locator('#funnel-table tbody tr').count()).toBeGreaterThan(0);
    await context.close();
  });
});

describe('the dashboard in a browser whose clock reads another day', () => {
  it('shows the last 30 days to the server’s today (the report API’s default period), and says which days', async () => {
    const { context, page } = await openDashboard(new Date('2020-03-01T12:00:00Z'));
    expect(await page.evaluate('new Date().toISOString().slice(0, 10)')).toBe('2020-03-01');
    const before = new Date(virtualNow(runtime.clock, Date.now())).toISOString().slice(0, 10);
    await page.fill('#server-key', runtime.serverKey);
    await page.press('#server-key', 'Enter');
    await settled(page);
    const body = await funnelAnswer('?by=all');
    const after = new Date(virtualNow(runtime.clock, Date.now())).toISOString().slice(0, 10);
    // the runtime's day, not the browser's
    expect([before, after]).toContain(await page.inputValue('#to'));
    expect(await page.inputValue('#to')).toBe(body.period.to);
    expect(await page.inputValue('#from')).toBe(body.period.from);
    expect(body.period.days).toBe(30);
    expect(await page.locator('#period').textContent()).toMatch(new RegExp(`^${body.period.from} to ${body.period.to} \\(30 days, UTC\\)`));
    // the leads sent above are in it
    expect((await shownFunnel(page)).get('mql')!.reached).toBeGreaterThanOrEqual(2);
    // (console errors are the signed-in session's check below: this one only reads the range)
    await context.close();
  });
});

describe('the dashboard signed in with the server key', () => {
  let context: BrowserContext;
  let page: Page;
  let requests: string[];
  let errors: { text: string; url: string }[];

  beforeAll(async () => {
    ({ context, page, requests, errors } = await openDashboard());
    await page.fill('#server-key', runtime.serverKey);
    await page.click('#sign-in button[type="submit"]');
    await settled(page);
  });

  afterAll(async () => {
    await context?.close();
  });

  it('shows the funnel the report API answers for the same period, the last 30 days by default', async () => {
    const from = await page.inputValue('#from');
    const to = await page.inputValue('#to');
    const { status, body } = await funnel(`?from=${from}&to=${to}&by=all`);
    expect(status).toBe(200);
    expect(body.period.days).toBe(30);
    expect(await page.inputValue('#by')).toBe('all');
    const all = body.segments[0]!;
    expect(all.segment).toBe('all');
    expect(await shownFunnel(page)).toEqual(expectedFunnel(all));
    // not a table of zeros: the leads sent above are in it
    expect((await shownFunnel(page)).get('mql')!.reached).toBeGreaterThanOrEqual(2);
    expect(numberIn(await page.locator('[data-tile="accepted"] .value').textContent())).toBe(all.decisions.accepted);
    expect(all.decisions.accepted).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-tile="before-deadline"] .value').textContent()).toBe(percent(all.decisions.beforeDeadlineShare));
    // the whole funnel now, all time
    const now = await page.locator('#now tbody tr').allInnerTexts();
    expect(now).toEqual(body.stages.map((s) => expect.stringMatching(new RegExp(`\\t${count(s.reached)}\\t${count(s.current)}$`))));
    // and the charts were drawn
    const painted = (id: string) =>
      page.evaluate(`(() => { const c = document.getElementById('${id}'); return c.width > 0 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v) => v !== 0); })()`);
    expect(await painted('funnel-chart')).toBe(true);
    expect(await painted('time-chart')).toBe(true);
  });

  it('shows the calibration the report API answers for the same period', async () => {
    await page.locator('#calibration-body[aria-busy="false"]').waitFor();
    const response = await fetch(`${runtime.apiUrl}/v1/reports/calibration?from=${await page.inputValue('#from')}&to=${await page.inputValue('#to')}`, {
      headers: { authorization: `Bearer ${runtime.serverKey}` },
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as CalibrationOfPeriod;
    expect(await page.locator('#calibration-threshold').textContent()).toBe(thresholdText(report));
    const rows = page.locator('#calibration-body tr[data-band]');
    expect(await rows.count()).toBe(report.bands.length);
    for (const [i, band] of report.bands.entries()) {
      expect((await rows.nth(i).locator('td').allTextContents()).slice(0, 4)).toEqual([band.label, count(band.decisions), count(band.accepted), percent(band.acceptanceRate)]);
    }
  });

  it('shows each segment’s numbers when sliced by campaign, a campaign named with markup as its characters', async () => {
    const allVisitors = (await shownFunnel(page)).get('visitor')!.reached;
    await page.selectOption('#by', 'campaign');
    await settled(page);
    await page.locator('#segments tbody tr').first().waitFor();
    const { body } = await funnel(`?from=${await page.inputValue('#from')}&to=${await page.inputValue('#to')}&by=campaign`);
    expect(body.segments.map((s) => s.segment)).toContain(XSS_SEGMENT);

    // the segment picker and the segments table list the API's segments, as text
    // a campaign by its name, marked when config/campaigns.json does not define it
    const shownName = (s: (typeof body.segments)[number]) => (s.campaign ? (s.campaign.defined ? s.campaign.name : `${s.campaign.name} (not defined)`) : s.segment);
    expect(await page.locator('#segment option').allTextContents()).toEqual(body.segments.map(shownName));
    const rows = page.locator('#segments tbody tr');
    expect(await rows.count()).toBe(body.segments.length);
    for (const [i, segment] of body.segments.entries()) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      const reached = (stage: string) => count(segment.stages.find((s) => s.stage === stage)!.reached);
      expect(cells.slice(0, 5)).toEqual([shownName(segment), reached('visitor'), reached('known'), reached('engaged'), reached('mql')]);
    }
    // the funnel now shows the first segment, not the whole
    expect(await shownFunnel(page)).toEqual(expectedFunnel(body.segments[0]!));
    expect((await shownFunnel(page)).get('visitor')!.reached).not.toBe(allVisitors);

    // the markup segment, chosen: its funnel, its name in the heading, and nothing of it run
    await page.selectOption('#segment', XSS_SEGMENT);
    expect(await shownFunnel(page)).toEqual(expectedFunnel(body.segments.find((s) => s.segment === XSS_SEGMENT)!));
    expect(await page.locator('#period').textContent()).toContain(`Campaign: ${XSS_CAMPAIGN} (not defined)`);
    expect(await page.locator(`#segments tr[data-segment="${XSS_SEGMENT.replaceAll('"', '\\"')}"] td`).first().textContent()).toBe(`${XSS_CAMPAIGN} (not defined)`);
    expect(await page.locator('#dashboard img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
  });

  it('slices by campaign type and by a configured trait, showing the numbers the report API answers for them', async () => {
    const offered = await page.locator('#by option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(offered).toEqual(expect.arrayContaining(['campaignType', 'trait:industry', 'trait:employees']));
    const period = `from=${await page.inputValue('#from')}&to=${await page.inputValue('#to')}`;
    const all = (await funnelAnswer(`?${period}&by=all`)).segments[0]!;

    await page.selectOption('#by', 'campaignType');
    await settled(page);
    const byType = await funnelAnswer(`?${period}&by=campaignType`);
    // Ada came by the newsletter (email), Bob by a paid search (paid), Mallory by a campaign no one defined
    expect(byType.segments.map((s) => s.segment)).toEqual(expect.arrayContaining(['email', 'paid', 'not-defined']));
    expect(await page.locator('#segment option').evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual(byType.segments.map((s) => s.segment));
    const rows = page.locator('#segments tbody tr');
    expect(await rows.count()).toBe(byType.segments.length);
    for (const [i, segment] of byType.segments.entries()) {
      expect(await rows.nth(i).getAttribute('data-segment')).toBe(segment.segment);
      expect(numberIn(await rows.nth(i).locator('td').nth(1).textContent())).toBe(segment.stages.find((s) => s.stage === 'visitor')!.reached);
    }
    await page.selectOption('#segment', 'email');
    const email = byType.segments.find((s) => s.segment === 'email')!;
    expect(await shownFunnel(page)).toEqual(expectedFunnel(email));
    expect(email.stages.find((s) => s.stage === 'visitor')!.reached).toBeLessThan(all.stages.find((s) => s.stage === 'visitor')!.reached);
    expect(await page.locator('#period').textContent()).toContain('Campaign type: email');

    await page.selectOption('#by', 'trait:employees');
    await settled(page);
    const byEmployees = await funnelAnswer(`?${period}&by=trait:employees`);
    // the qualified leads said 250 employees: the band 250-999 (the only one here, so the page shows it at once)
    expect(byEmployees.segments.map((s) => s.segment)).toContain('250-999');
    expect(await page.locator('#segments tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-segment')))).toEqual(byEmployees.segments.map((s) => s.segment));
    if (byEmployees.segments.length > 1) await page.selectOption('#segment', '250-999');
    expect(await shownFunnel(page)).toEqual(expectedFunnel(byEmployees.segments.find((s) => s.segment === '250-999')!));
    expect(await page.locator('#period').textContent()).toContain('Trait: employees (bands): 250-999');

    // as the test before left it (the attribution panel took up the campaign type, as its credit is by that too)
    expect(await page.inputValue('#attribution-by')).toBe('campaignType');
    await page.selectOption('#by', 'campaign');
    await settled(page);
    await page.selectOption('#attribution-by', 'campaign');
    await page.locator('#attribution-body[aria-busy="false"]').waitFor();
  });

  it('shows the service-agreement scorecard the report API answers, for the week and the month holding the range’s end', async () => {
    const tiles: [string, (card: ServiceAgreementReport['all']) => Parameters<typeof trendText>[0], MetricKind][] = [
      ['mqls', (c) => c.marketing.mqls, 'count'],
      ['acceptance-rate', (c) => c.marketing.acceptanceRate, 'rate'],
      ['average-rating', (c) => c.marketing.averageRating, 'average'],
      ['accepted-within', (c) => c.sales.acceptedWithinAgreement, 'rate'],
      ['time-to-accept-median', (c) => c.sales.timeToAccept.medianHours, 'hours'],
      ['time-to-first-contact-median', (c) => c.sales.timeToFirstContact.medianHours, 'hours'],
      ['follow-up', (c) => c.sales.followUpActivitiesPerLead, 'average'],
      ['feedback-coverage', (c) => c.sales.feedbackCoverage, 'rate'],
    ];
    for (const period of ['week', 'month'] as const) {
      if (period === 'month') await page.selectOption('#agreement-period', 'month');
      await page.locator('#agreement-body[aria-busy="false"]').waitFor();
      const body = await report<ServiceAgreementReport>(`/v1/reports/service-agreement?period=${period}&from=${await page.inputValue('#to')}`);
      expect(body.period.kind).toBe(period);
      // the leads sent above are in it: two MQLs, one accepted, one first contact
      expect(body.all.marketing.mqls.value).toBeGreaterThanOrEqual(2);
      expect(body.all.contacts.made).toBeGreaterThanOrEqual(1);
      for (const [name, metric, kind] of tiles) {
        const tile = page.locator(`#service-agreement [data-tile="${name}"]`);
        expect(await tile.locator('.value').textContent(), name).toBe(metricText(metric(body.all).value, kind));
        expect(await tile.locator('.trend').textContent(), name).toBe(trendText(metric(body.all), kind));
      }
      expect(await page.locator('[data-tile="mqls"] .target').textContent()).toBe(targetText(body.all.marketing.mqls, 'count'));
      expect(await page.locator('[data-tile="acceptance-rate"] .target').textContent()).toBe(targetText(body.all.marketing.acceptanceRate, 'rate'));
      expect(await page.locator('[data-tile="follow-up"] .target').textContent()).toBe(targetText(body.all.sales.followUpActivitiesPerLead, 'average'));

      // one row per rep and per team, with the API's numbers
      expect(body.reps.length).toBeGreaterThanOrEqual(1);
      const reps = page.locator('#agreement-reps tbody tr');
      expect(await reps.count()).toBe(body.reps.length);
      for (const [i, rep] of body.reps.entries()) {
        expect(await reps.nth(i).getAttribute('data-rep')).toBe(rep.rep);
        expect(await reps.nth(i).locator('td').allTextContents()).toEqual([repLabel(rep), rep.team ?? '–', ...scorecardCells(rep.scorecard)]);
      }
      const teams = page.locator('#agreement-teams tbody tr');
      expect(await teams.count()).toBe(body.teams.length);
      for (const [i, team] of body.teams.entries()) expect(await teams.nth(i).locator('td').allTextContents()).toEqual([team.team, ...scorecardCells(team.scorecard)]);

      // the MQL trend chart holds the API's trend: bars of MQLs, the commitment as a line
      const series = JSON.parse((await page.locator('#mql-trend-chart').getAttribute('data-series'))!) as { labels: string[]; datasets: { label: string; data: number[] }[] };
      expect(series.labels).toEqual(body.mqlTrend.map((p) => p.from.slice(0, 10)));
      expect(series.datasets.map((d) => d.label)).toEqual(['MQLs', 'Committed']);
      expect(series.datasets[0]!.data).toEqual(body.mqlTrend.map((p) => p.mqls));
      expect(series.datasets[1]!.data).toEqual(body.mqlTrend.map((p) => p.target));
      expect(body.mqlTrend.at(-1)!.mqls).toBe(body.all.marketing.mqls.value);
    }
    await page.selectOption('#agreement-period', 'week');
    await page.locator('#agreement-body[aria-busy="false"]').waitFor();
  });

  it('shows the attribution the report API answers for the model chosen, a campaign named with markup as its characters', async () => {
    const period = `from=${await page.inputValue('#from')}&to=${await page.inputValue('#to')}`;
    const shownRows = async () => {
      await page.locator('#attribution-body[aria-busy="false"]').waitFor();
      return page.locator('#attribution-body tbody tr').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-value'), ...[...row.querySelectorAll('td')].map((td) => td.textContent)]));
    };
    const expectedRows = (body: AttributionShown) =>
      body.rows.map((row) => [row.value, attributionLabel(row), row.campaign?.type ?? '–', amountsText(row.pipeline), count(row.pipelineDeals), amountsText(row.revenue), count(row.revenueDeals)]);
    const shownChart = async () => JSON.parse((await page.locator('#attribution-chart').getAttribute('data-series'))!) as { datasets: { data: number[] }[] };

    expect(await page.inputValue('#attribution-model')).toBe('linear');
    const linear = await report<AttributionShown>(`/v1/reports/attribution?${period}&model=linear&by=campaign`);
    // Ada's deal (9,000 EUR won) and Mallory's opportunity (4,000 EUR) are credited
    expect(linear.rows.reduce((sum, row) => sum + (row.pipeline.EUR ?? 0), 0)).toBe(13000);
    expect((await shownRows()).map((row) => row.slice(0, 7))).toEqual(expectedRows(linear));
    expect((await shownChart()).datasets[0]!.data).toEqual(linear.rows.map((row) => row.pipeline.EUR ?? 0));
    expect(await page.locator('#marketing-touched').textContent()).toContain(`${linear.marketingTouched.pipeline.touchedDeals} of ${linear.marketingTouched.pipeline.deals} opportunities`);

    await page.selectOption('#attribution-model', 'first');
    const first = await report<AttributionShown>(`/v1/reports/attribution?${period}&model=first&by=campaign`);
    // Ada's first touch was the newsletter: the first-touch model credits it all, the linear one shares it with the webinar
    expect(first.rows).not.toEqual(linear.rows);
    expect((await shownRows()).map((row) => row.slice(0, 7))).toEqual(expectedRows(first));
    expect((await shownChart()).datasets[1]!.data).toEqual(first.rows.map((row) => row.revenue.EUR ?? 0));

    // the markup campaign's row: its name as text, nothing of it run
    // (no campaign of config/campaigns.json claims the touch: the row is the UTM name's, utm:<name>, marked not defined)
    const markupRow = first.rows.find((row) => row.value.includes(XSS_CAMPAIGN.toLowerCase()));
    expect(markupRow?.campaign?.defined).toBe(false);
    const markup = page.locator(`#attribution-body tr[data-value="${markupRow!.value.replaceAll('"', '\\"')}"] td`).first();
    expect(await markup.textContent()).toBe(attributionLabel(markupRow!));
    expect(await markup.textContent()).toContain(XSS_CAMPAIGN);
    expect(await page.locator('#dashboard img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    await page.selectOption('#attribution-model', 'linear');
    await page.locator('#attribution-body[aria-busy="false"]').waitFor();
  });

  it('shows the feedback the report API answers, the rep’s comment as the characters it is', async () => {
    await page.locator('#feedback-body[aria-busy="false"]').waitFor();
    const body = await report<FeedbackReport>(`/v1/reports/feedback?from=${await page.inputValue('#from')}&to=${await page.inputValue('#to')}&by=all&limit=50`);
    const all = body.segments.find((s) => s.segment === 'all')!;
    expect(all.submissions).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#feedback-coverage').textContent()).toContain(`Feedback on ${count(all.withFeedback)} of ${count(all.handed)} hand-offs (${percent(all.coverage)})`);
    const series = JSON.parse((await page.locator('#feedback-chart').getAttribute('data-series'))!) as { labels: string[]; datasets: { data: number[] }[] };
    expect(series.datasets[0]!.data).toEqual(ratingsSeries(all.ratings).counts);
    expect(series.datasets[0]!.data[1]).toBeGreaterThanOrEqual(1);
    // the latest comments, newest first, as text
    expect(body.comments.map((c) => c.comment)).toContain(XSS_COMMENT);
    expect(await page.locator('#feedback-comments q').allTextContents()).toEqual(body.comments.slice(0, 10).map((c) => c.comment));
    expect(await page.locator('#feedback-comments script, #feedback-comments img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
  });

  it('shows the stalled leads the report API answers, of every stage and of one', async () => {
    // Olga's deal, opened by the CRM 60 days ago, has stalled in opportunity; no other lead here has sat in a stage past its limit
    const olga = leadIdFor('email:olga@globex.example');
    const stalled = await eventually('Olga stalled', async () => {
      const body = await report<StalledReport>('/v1/reports/stalled?limit=25');
      return body.leads.some((lead) => lead.leadId === olga) ? body : undefined;
    });
    const row = stalled.leads.find((lead) => lead.leadId === olga)!;
    expect(row.stage).toBe('opportunity');
    expect(row.hoursInStage).toBeGreaterThanOrEqual(60 * 24 - 1);
    const shown = async () => {
      await page.locator('#stalled-body[aria-busy="false"]').waitFor();
      return page.locator('#stalled-leads tbody tr').evaluateAll((rows) => rows.map((row) => [row.getAttribute('data-lead'), ...[...row.querySelectorAll('td')].map((td) => td.textContent)]));
    };
    const expected = (body: StalledReport) =>
      body.leads.map((lead) => [lead.leadId, stalledLeadLabel(lead), lead.company ?? '–', stageLabel(lead.stage), duration(lead.hoursInStage), duration(lead.limit.hours), lead.owner?.repId ?? '–']);
    const every = await report<StalledReport>('/v1/reports/stalled?limit=25');
    expect(await shown()).toEqual(expected(every));
    // Xavier's company, in markup, is in its column as the characters it is: nothing of it made an element or ran
    const xavier = leadIdFor(`email:${XAVIER}`);
    expect(every.leads.find((lead) => lead.leadId === xavier)?.company).toBe(XSS_COMPANY);
    expect(await page.locator(`#stalled-leads tr[data-lead="${xavier}"] td`).nth(1).textContent()).toBe(XSS_COMPANY);
    expect(await page.evaluate('document.querySelectorAll("img, script:not([src])").length')).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');
    // the stage select offers the stages the agreement sets a limit for
    expect(await page.locator('#stalled-stage option').evaluateAll((options) => options.map((o) => o.getAttribute('value')))).toEqual(['', ...every.limits.map((l) => l.stage)]);
    expect(every.leads.length).toBeGreaterThan(0);
    expect((await shown()).map(([leadId]) => leadId)).toContain(olga);

    await page.selectOption('#stalled-stage', 'mql');
    const mql = await report<StalledReport>('/v1/reports/stalled?stage=mql&limit=25');
    expect(mql.filters.stage).toBe('mql');
    expect(await shown()).toEqual(expected(mql));
    await page.selectOption('#stalled-stage', '');
    await page.locator('#stalled-body[aria-busy="false"]').waitFor();
  });

  it('keeps the key in this tab’s session only, out of every address it requested', async () => {
    expect(await page.evaluate("sessionStorage.getItem('leadloop.serverKey')")).toBe(runtime.serverKey);
    expect(await page.evaluate('localStorage.length + document.cookie.length')).toBe(0);
    expect(reportRequests(requests).length).toBeGreaterThanOrEqual(3);
    for (const url of [...requests, page.url()]) expect(url).not.toContain(runtime.serverKey);
    // a reload of the tab stays signed in; another browser profile starts at the form
    await page.reload();
    await settled(page);
    expect(await page.locator('#sign-in').isVisible()).toBe(false);
  });

  it('fits a phone’s width: every panel and chart inside it, no text cut off or overlapping, the key numbers in view', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.selectOption('#by', 'source');
    await settled(page);
    for (const body of ['#agreement-body', '#attribution-body', '#feedback-body', '#stalled-body', '#calibration-body']) await page.locator(`${body}[aria-busy="false"]`).waitFor();
    const problems = async () => (await page.evaluate(PHONE_LAYOUT_PROBLEMS)) as string[];
    expect(await problems()).toEqual([]);
    // and there was something to check: the tiles and charts are there, the page does not scroll sideways
    expect(await page.locator('[data-tile]').count()).toBeGreaterThanOrEqual(8);
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#funnel-table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    // the check itself can fail: a tile made wider than the phone, and a tile's number that cannot wrap, are each found
    await page.evaluate(`(() => { const t = document.querySelector('[data-tile="accepted"]'); t.style.minWidth = '30rem'; })()`);
    expect(await problems()).toEqual(expect.arrayContaining([expect.stringMatching(/^past the screen: div\.tile\[accepted\]/)]));
    await page.evaluate(`(() => { const t = document.querySelector('[data-tile="accepted"]'); t.style.minWidth = ''; const v = t.querySelector('.value'); v.dataset.was = v.textContent; v.textContent = '1234567890'.repeat(6); v.style.overflow = 'hidden'; })()`);
    expect(await problems()).toEqual(expect.arrayContaining([expect.stringMatching(/^text wider than its box: span\.value/)]));
    await page.evaluate(`(() => { const v = document.querySelector('[data-tile="accepted"] .value'); v.textContent = v.dataset.was; v.style.overflow = ''; })()`);
    expect(await problems()).toEqual([]);
  });

  it('says a period holds no lead, and is done loading', async () => {
    await page.selectOption('#by', 'campaign');
    await settled(page);
    // both ends at once, as a range picker sets them (one end alone would make a range the API refuses)
    await page.evaluate(`(() => {
      document.getElementById('from').value = '2020-01-01';
      const to = document.getElementById('to');
      to.value = '2020-01-07';
      to.dispatchEvent(new Event('change'));
    })()`);
    await settled(page);
    const { status, body } = await funnel('?from=2020-01-01&to=2020-01-07&by=campaign');
    expect(status).toBe(200);
    expect(body.segments).toEqual([]);
    expect(await page.locator('#funnel-table').textContent()).toBe('No lead counted in this period.');
    expect(await page.locator('#dashboard').getAttribute('aria-busy')).toBe('false');
  });

  it('logged no error to the console', () => {
    expect(errors).toEqual([]);
  });

  it('signs out: the key forgotten, the form again', async () => {
    await page.click('#sign-out');
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#dashboard').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });
});
