import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent, storedEvents } from '../support/local.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { nurture } from '../../config/nurture.ts';
import { journeyName } from '../../functions/core/journey.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { nurtureName, type NurtureView } from '../../functions/core/nurture.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { qualify } from '../support/routing.ts';

/**
 * Nurture through the local runtime: a known lead with consent enters the
 * shipped welcome program (config/nurture.json) and gets its first step at
 * once, the second after the program's wait; and it leaves at once, wherever
 * it is, when it becomes an MQL (the hand-off journey takes over),
 * unsubscribes (by the link's page, or a mail client's one-click POST), or its
 * address bounces. The clock runs at ten hours a second, so the program's
 * three-day wait passes in about seven seconds.
 */
const CLOCK_SPEED = 36_000;

const welcome = nurture.programs.find((p) => p.id === 'welcome')!;
const [first, second] = welcome.steps as [(typeof welcome.steps)[number], (typeof welcome.steps)[number]];
/** Real milliseconds until the second step is due after the first, and a margin for the machine. */
const SECOND_STEP_MS = (second.waitHours * 3_600_000) / CLOCK_SPEED;
const PAST_SECOND_STEP_MS = SECOND_STEP_MS + 4_000;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

async function emailsTo(address: string): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails.filter((e) => e.destination.to.includes(address));
}

/** The subject a step's email has for a lead with this first name. */
const subjectOf = (step: typeof first, firstName: string) => step.subject.replace(/\{\{firstName\|[^}]*\}\}/, firstName);

/** A visitor who identifies with their address, with (or without) marketing consent: a known lead. */
async function knownLead(visitor: string, email: string, firstName: string, consent = true): Promise<string> {
  const page = { anonymousId: visitor, messageId: `${visitor}-1`, name: 'Home', context: { page: { url: 'https://example.com/' } } };
  const identify = { anonymousId: visitor, messageId: `${visitor}-2`, traits: { email, firstName, ...(consent && { marketingConsent: true }) } };
  expect((await sendEvent(runtime, '/v1/page', page)).status).toBe(200);
  expect((await sendEvent(runtime, '/v1/identify', identify)).status).toBe(200);
  return leadIdFor(`anon:${visitor}`);
}

function execution(name: string) {
  return [...runtime.stepFunctions.executions.values()].find((e) => e.name === name);
}

/** The first step's email, once it has come. */
const firstStep = (email: string, firstName: string) =>
  eventually(`the first nurture email to ${email}`, async () => (await emailsTo(email)).find((e) => e.subject === subjectOf(first, firstName)));

/** The lead view (GET /v1/leads/{id}). */
async function lead(leadId: string): Promise<LeadView & { nurture: NurtureView | null }> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView & { nurture: NurtureView | null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a known lead in nurture', () => {
  const email = 'nina@initech.example';
  let leadId: string;

  it('gets the first step at once, with the one-click unsubscribe headers, and the second after the wait', async () => {
    leadId = await knownLead('visitor-nina', email, 'Nina');
    const step1 = await firstStep(email, 'Nina');
    const sentAt = Date.now();
    expect(step1.body.text).toContain('Hi Nina,');
    expect(step1.headers).toContainEqual({ name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' });
    expect(step1.headers?.find((h) => h.name === 'List-Unsubscribe')?.value).toMatch(new RegExp(`^<http://127\\.0\\.0\\.1:\\d+/v1/unsubscribe/${leadId}\\?exp=\\d+&sig=[\\w-]+>$`));
    expect(execution(nurtureName(leadId, 'welcome', 0))?.status).toBe('RUNNING');

    const step2 = await eventually('the second nurture email', async () => (await emailsTo(email)).find((e) => e.subject === second.subject), PAST_SECOND_STEP_MS + 10_000);
    // Not before the wait: it is the program's Wait state on the clock, not a poll.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(SECOND_STEP_MS * 0.8);
    expect(step2.body.text).toContain('A team like yours');
    // each step once
    expect((await emailsTo(email)).map((e) => e.subject)).toEqual([subjectOf(first, 'Nina'), second.subject]);
  });

  it('records a click on a nurture link as an event that scores, and sends the reader on', async () => {
    const step1 = (await emailsTo(email)).find((e) => e.subject === subjectOf(first, 'Nina'))!;
    const link = /Read the guide: (\S+)/.exec(step1.body.text ?? '')![1]!;
    const before = await leadScore(leadId);
    const response = await fetch(link, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://example.com/guide');
    const [click] = await eventually('the click event', async () => {
      const found = await storedEvents(dynamodb, (e) => e.event === 'Email Clicked' && e.email === email);
      return found.length > 0 ? found : undefined;
    });
    expect(click).toMatchObject({ type: 'track', properties: { program: 'welcome', step: 'intro', link: 'guide' } });
    const after = await eventually('the click to score', async () => {
      const score = await leadScore(leadId);
      return score > before ? score : undefined;
    });
    expect(after).toBeGreaterThan(before);
    // a tampered link records nothing and goes nowhere
    expect((await fetch(link.replace('/guide?', '/story?'), { redirect: 'manual' })).status).toBe(403);
  });

  it('leaves a lead without consent alone', async () => {
    const quiet = await knownLead('visitor-quinn', 'quinn@initech.example', 'Quinn', false);
    await eventually('the lead to be known', async () => ((await leadScore(quiet)) >= 0 ? true : undefined));
    await sleep(1_000);
    expect(await emailsTo('quinn@initech.example')).toEqual([]);
    expect([...runtime.stepFunctions.executions.values()].filter((e) => e.name.startsWith(`${quiet}-nurture`))).toEqual([]);
  });
});

async function leadScore(leadId: string): Promise<number> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  if (response.status !== 200) return -1;
  return ((await response.json()) as { score: { engagement: number } }).score.engagement;
}

describe('the global exit', () => {
  it('takes a lead that becomes an MQL out at once: the execution stops, no further email, and the hand-off journey runs', async () => {
    const email = 'omar@globex.example';
    const leadId = await knownLead('visitor-omar', email, 'Omar');
    await firstStep(email, 'Omar');
    const name = nurtureName(leadId, 'welcome', 0);
    expect(execution(name)?.status).toBe('RUNNING');

    // fit A and engagement 40 (demo) + 2 × 13 (pricing pages) = 66: an MQL under the default model
    const qualifying = [
      ['/v1/identify', { anonymousId: 'visitor-omar', messageId: 'omar-3', traits: { phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Globex', employees: 250 } }],
      ['/v1/page', { anonymousId: 'visitor-omar', messageId: 'omar-4', name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
      ['/v1/page', { anonymousId: 'visitor-omar', messageId: 'omar-5', name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
      ['/v1/track', { anonymousId: 'visitor-omar', messageId: 'omar-6', event: 'Form Submitted', properties: { formId: 'demo' } }],
    ] as const;
    for (const [path, body] of qualifying) expect((await sendEvent(runtime, path, body)).status).toBe(200);

    await eventually('the nurture execution to be stopped', async () => (execution(name)?.status === 'ABORTED' ? true : undefined));
    await eventually('the hand-off journey', async () => execution(journeyName(leadId, 1)));
    await eventually('the hand-off email', async () => {
      const response = await fetch(`${runtime.sesUrl}/store`);
      return ((await response.json()) as { emails: CapturedEmail[] }).emails.find((e) => e.subject.startsWith('New lead') && e.body.text?.includes(email));
    });
    await sleep(PAST_SECOND_STEP_MS);
    expect((await emailsTo(email)).map((e) => e.subject)).toEqual([subjectOf(first, 'Omar')]);
  });

  it('takes a lead out when it unsubscribes by the link: GET only asks, the button POSTs', async () => {
    const email = 'uma@umbrella.example';
    const leadId = await knownLead('visitor-uma', email, 'Uma');
    const step1 = await firstStep(email, 'Uma');
    const name = nurtureName(leadId, 'welcome', 0);
    const link = /Unsubscribe: (\S+)/.exec(step1.body.text ?? '')![1]!;

    const confirm = await fetch(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('<form method="post">');
    expect(execution(name)?.status).toBe('RUNNING');

    const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed');
    expect(execution(name)?.status).toBe('ABORTED');
    // a tampered link is refused
    expect((await fetch(link.replace(/sig=[\w-]+/, 'sig=forged'), { method: 'POST' })).status).toBe(403);

    await sleep(PAST_SECOND_STEP_MS);
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it('takes a lead out on a mail client’s one-click POST to the List-Unsubscribe address', async () => {
    const email = 'otto@oscorp.example';
    const leadId = await knownLead('visitor-otto', email, 'Otto');
    const step1 = await firstStep(email, 'Otto');
    const header = step1.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    const url = header.slice(1, -1);

    // RFC 8058: POST to the header's address with the body List-Unsubscribe=One-Click
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(response.status).toBe(200);
    expect(execution(nurtureName(leadId, 'welcome', 0))?.status).toBe('ABORTED');
    // the page says so, from then on
    expect(await (await fetch(url)).text()).toContain('You are unsubscribed');

    await sleep(PAST_SECOND_STEP_MS);
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it('suppresses an address SES reports as bounced, and takes its lead out', async () => {
    const email = 'bea@bluth.example';
    const leadId = await knownLead('visitor-bea', email, 'Bea');
    await firstStep(email, 'Bea');
    const name = nurtureName(leadId, 'welcome', 0);

    // what SES publishes to the configuration set's SNS destination, handed to the same function
    const bounce = {
      eventType: 'Bounce',
      bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: email }], timestamp: new Date().toISOString() },
      mail: { timestamp: new Date().toISOString(), destination: [email] },
    };
    const delivered = await fetch(`${runtime.apiUrl}/_local/ses-events`, { method: 'POST', body: JSON.stringify(bounce) });
    expect(await delivered.json()).toEqual({ delivered: 1 });
    expect(execution(name)?.status).toBe('ABORTED');

    await sleep(PAST_SECOND_STEP_MS);
    expect(await emailsTo(email)).toHaveLength(1);
  });
});

describe('a lead the escalation ladder recycles', () => {
  it('enters the program for recycled leads at once, once, and the lead view shows it', async () => {
    // Prepare: a lead with consent qualifies (the demo form); nobody accepts it
    const leadId = await qualify(runtime, 'visitor-ivy', 'ivy@unanswered.example', 'Ivy Unanswered', { marketingConsent: true });
    const journey = () => execution(journeyName(leadId, 1));
    const winBack = () => execution(nurtureName(leadId, 'win-back', 1));

    // Act: the clock runs through the ladder (the manager told, the lead reassigned, then recycled), with no further event
    await eventually('the journey to recycle the lead', async () => (journey()?.states.at(-1) === 'Recycled to marketing' ? true : undefined), 60_000);
    const started = await eventually('the program for recycled leads', async () => winBack(), 10_000);

    // Assess: started by the recycle itself, not by a later event of the lead
    expect(started.status).toBe('RUNNING');
    expect(started.startDate.getTime() - journey()!.stopDate!.getTime()).toBeLessThan(2_000);
    const view = await lead(leadId);
    expect(view.stage).toBe('recycled');
    expect(view.nurture).toMatchObject({ programId: 'win-back', cycle: 1, status: 'running', reason: null, step: null });
    const recycleProgram = nurture.programs.find((p) => p.id === 'win-back')!;
    expect(view.nurture!.next).toEqual({ id: recycleProgram.steps[0]!.id, at: new Date(Date.parse(view.nurture!.enteredAt) + recycleProgram.steps[0]!.waitHours * 3_600_000).toISOString() });

    // …and once: the lead's next event enters nothing again
    const before = view.nurture!.enteredAt;
    expect((await sendEvent(runtime, '/v1/page', { anonymousId: 'visitor-ivy', messageId: 'visitor-ivy-5', name: 'Blog', context: { page: { url: 'https://example.com/blog' } } })).status).toBe(200);
    await eventually('the page view applied', async () => ((await lead(leadId)).recentActivity.length > view.recentActivity.length ? true : undefined));
    expect((await lead(leadId)).nurture).toMatchObject({ programId: 'win-back', cycle: 1, enteredAt: before, status: 'running' });
    // (the welcome program of cycle 0 ran only if the lead's events reached scoring in more than one batch)
    const programsOfCycle1 = [...runtime.stepFunctions.executions.values()].filter((e) => e.name.startsWith(`${leadId}-nurture-`) && e.name.endsWith('-1'));
    expect(programsOfCycle1.map((e) => e.name)).toEqual([nurtureName(leadId, 'win-back', 1)]);
  });
});
