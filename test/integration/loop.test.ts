import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { acceptanceBudgetMs } from '../support/business-hours.ts';
import { eventually, sendEvent } from '../support/local.ts';
import { serviceAgreement, teams } from '../../config/index.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { journeyName } from '../../functions/core/journey.ts';
import { qualifyingEvents as qualifying } from '../support/qualify.ts';

/**
 * The whole loop, through the local runtime over HTTP: events in, a lead
 * qualifies with the default scoring model, the rep gets the hand-off email,
 * the accept link moves the lead and the journey on, the funnel report
 * changes; a second lead left unaccepted escalates to the manager.
 *
 * The clock runs fast: one real second is half an hour, so the default
 * acceptance window (config/service-agreement.json) passes in seconds.
 */
const CLOCK_SPEED = 1800;

interface CapturedEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

let runtime: LocalRuntime;

const send = (path: string, body: unknown, key = runtime.writeKey) => sendEvent(runtime, path, body, key);

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

async function funnel(): Promise<Record<string, { reached: number; current: number }>> {
  const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status).toBe(200);
  const report = (await response.json()) as { stages: { stage: string; reached: number; current: number }[] };
  return Object.fromEntries(report.stages.map((s) => [s.stage, { reached: s.reached, current: s.current }]));
}

/** Events that qualify a person under the default model (test/support/qualify.ts), first touched by the November newsletter. */
const qualifyingEvents = (anonymousId: string, email: string, name: string) =>
  qualifying({ anonymousId, email, name, campaign: { source: 'newsletter', medium: 'email', name: 'november' } });

beforeAll(async () => {
  // a Monday morning, so the acceptance windows (working hours) run within the day, whatever day the test runs
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date('2027-01-11T07:00:00Z'), synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the local runtime', () => {
  it('answers /health once everything is up', async () => {
    const response = await fetch(`${runtime.apiUrl}/health`);
    expect(response.status).toBe(200);
  });

  it('refuses an event without a write key and stores nothing', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ anonymousId: 'nobody', event: 'Form Submitted' }),
    });
    expect(response.status).toBe(401);
  });
});

describe('a qualified lead, handed off and accepted', () => {
  const email = 'jane.doe@acme.example';
  const leadId = leadIdFor('anon:visitor-jane');

  it('reaches the rep as a hand-off email with the reasons, the history and signed links', async () => {
    for (const [path, body] of qualifyingEvents('visitor-jane', ' Jane.Doe@ACME.example ', 'Jane Doe')) {
      expect((await send(path, body)).status).toBe(200);
    }
    // The same deliveries again: stored once, scored once, no second hand-off.
    for (const [path, body] of qualifyingEvents('visitor-jane', ' Jane.Doe@ACME.example ', 'Jane Doe')) {
      expect((await send(path, body)).status).toBe(200);
    }

    const handoff = await eventually('the hand-off email', async () => (await emails()).find((e) => e.subject.includes('Jane Doe')));
    const reps = teams.teams[0]!.reps.map((r) => r.email);
    expect(reps).toContain(handoff.destination.to[0]);
    const text = handoff.body.text ?? '';
    expect(text).toContain(email);
    expect(text).toContain('Requested a demo');
    expect(text).toContain('Viewed the pricing page');
    expect(text).toContain('First touch: newsletter / email / november');
    expect(text).toContain('Form Submitted');
    expect(handoff.body.html).toContain('<a href="');
    expect(text).toMatch(/Accept: http:\/\/127\.0\.0\.1:\d+\/v1\/handoffs\/lead-[a-f0-9]{20}\/1\/accept\?rep=rep-[a-z]+&exp=\d+&sig=/);
  });

  it('moves to SAL when the rep follows the accept link and confirms, and the journey goes on to follow up', async () => {
    const handoff = (await emails()).find((e) => e.subject.includes('Jane Doe'))!;
    const acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;

    // Opening the link (as a mail scanner would) only asks; the button posts the decision.
    const confirm = await fetch(acceptUrl);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Accept this lead?');
    const page = await fetch(acceptUrl, { method: 'POST' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Lead accepted');

    const sfn = new SFNClient({ endpoint: runtime.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const executionArn = [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1))?.executionArn;
    expect(executionArn).toBeDefined();
    // Accepted: the journey now keeps the sales clocks (first contact, follow-up) and the feedback asks.
    await eventually('the journey to wait for the follow-up', async () => runtime.stepFunctions.executions.get(executionArn!)?.states.includes('Await follow-up') || undefined);
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(status).toBe('RUNNING');
    expect(runtime.stepFunctions.executions.get(executionArn!)?.states).toContain('Follow up');

    const stages = await eventually('the funnel to show the SAL', async () => {
      const f = await funnel();
      return f.sal!.reached >= 1 ? f : undefined;
    });
    expect(stages.mql!.reached).toBeGreaterThanOrEqual(1);
    expect(stages.sal!.current).toBeGreaterThanOrEqual(1);

    // Confirming again changes nothing, and says so.
    const again = await fetch(acceptUrl, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('Already accepted');
    expect((await emails()).filter((e) => e.subject.includes('Jane Doe'))).toHaveLength(1);
  });
});

describe('a qualified lead nobody accepts', () => {
  it('escalates to the manager once the acceptance window has passed', async () => {
    for (const [path, body] of qualifyingEvents('visitor-omar', 'omar@globex.example', 'Omar Quinn')) {
      expect((await send(path, body)).status).toBe(200);
    }
    const handoff = await eventually('the hand-off email', async () => (await emails()).find((e) => e.subject.startsWith('New lead') && e.subject.includes('Omar Quinn')));
    const handedAt = Date.now();

    const windowMs = (serviceAgreement.acceptWithinHours * 3_600_000) / CLOCK_SPEED;
    const rep = teams.teams[0]!.reps.find((r) => r.email === handoff.destination.to[0])!;
    const escalation = await eventually(
      'the escalation email',
      async () => (await emails()).find((e) => e.subject.startsWith('Escalation') && e.subject.includes('Omar Quinn')),
      // the window is 4 of the rep's working hours: it may span a night
      acceptanceBudgetMs(runtime, rep.id, 1),
    );
    // Not before the window: the timer is the service agreement's, not a poll.
    expect(Date.now() - handedAt).toBeGreaterThanOrEqual(windowMs * 0.8);
    const manager = teams.teams[0]!.manager;
    expect(escalation.destination.to).toEqual([manager.email]);
    expect(escalation.subject).toContain(rep.name);
    expect(escalation.body.text).toContain(`Hi ${manager.name}`);
    expect(escalation.body.text).toContain('omar@globex.example');
  });
});
