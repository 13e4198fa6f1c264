import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teams } from '../../config/index.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { journeyName } from '../../functions/core/journey.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import type { Execution } from '../../local/step-functions.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { acceptanceBudgetMs } from '../support/business-hours.ts';
import { eventually, sendEvent, storedEvents } from '../support/local.ts';

/**
 * A rep's decision against the acceptance deadline, through the local
 * runtime with the fast clock. The ladder of config/service-agreement.json
 * is: tell the manager, reassign, recycle.
 *
 * "Just before the reassignment" is made deterministic without racing the
 * clock: the stream is held while the rep accepts and while the
 * reassignment deadline passes, so the decision is still waiting in the
 * stream when the escalation runs, which is the case that lost decisions.
 */
const CLOCK_SPEED = 1200;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

let runtime: LocalRuntime;

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

const handoffsOf = async (name: string) => (await emails()).filter((e) => e.subject.startsWith('New lead') && e.subject.includes(name));

async function qualify(anonymousId: string, email: string, name: string): Promise<void> {
  const calls = [
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
    ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Acme', employees: 250 } }],
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
    ['/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
  ] as const;
  for (const [path, body] of calls) expect((await sendEvent(runtime, path, body)).status).toBe(200);
}

async function readLead(leadId: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

function journeyOf(leadId: string): Execution | undefined {
  return [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1));
}

const acceptUrlOf = (email: CapturedEmail) => /Accept: (\S+)/.exec(email.body.text ?? '')![1]!;

beforeAll(async () => {
  // a Monday morning, so the acceptance windows (working hours) do not span a weekend, whatever day the test runs
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date('2027-01-11T07:00:00Z'), synth: false, log: () => undefined });
});

afterAll(async () => {
  runtime?.streams.release();
  await runtime?.stop();
});

describe('an accept made before the reassignment deadline, still in the stream when the deadline fires', () => {
  it('wins: the lead stays with the rep, nobody else gets it, and the journey ends accepted once', async () => {
    // Prepare: the hand-off, then the first missed deadline (the manager is told; the rep keeps the lead)
    const leadId = leadIdFor('anon:visitor-lena');
    await qualify('visitor-lena', 'lena@initech.example', 'Lena Park');
    const [handoff] = await eventually('the hand-off email', async () => ((await handoffsOf('Lena Park')).length > 0 ? handoffsOf('Lena Park') : undefined));
    const rep = handoff!.destination.to[0];
    const repId = teams.teams[0]!.reps.find((r) => r.email === rep)!.id;
    await eventually('the manager to be told', async () => (await emails()).find((e) => e.subject.startsWith('Escalation') && e.subject.includes('Lena Park')), acceptanceBudgetMs(runtime, repId, 1));
    // The fresh window's reminder (at 75%): a decision made before it is picked up by the wait after it,
    // so the accept comes after it, in the last quarter of the window, as the deadline nears.
    await eventually('the second window’s reminder', async () => ((await emails()).filter((e) => e.subject.startsWith('Reminder') && e.subject.includes('Lena Park')).length > 1 ? true : undefined), acceptanceBudgetMs(runtime, repId, 1));

    // Act: the stream is held, the rep accepts, and the reassignment deadline passes
    await runtime.streams.hold();
    let page: Response;
    let pageText: string;
    let journey: Pick<Execution, 'status' | 'states'>;
    try {
      page = await fetch(acceptUrlOf(handoff!), { method: 'POST', headers: { accept: 'text/html' } });
      pageText = await page.text();
      journey = await eventually(
        'the journey to get past the reassignment deadline',
        async () => {
          const execution = journeyOf(leadId);
          const reassigned = (execution?.states.filter((s) => s === 'Send hand-off').length ?? 0) > 1;
          const followingUp = execution?.states.includes('Await follow-up') ?? false;
          return execution && (execution.status !== 'RUNNING' || reassigned || followingUp) ? { status: execution.status, states: [...execution.states] } : undefined;
        },
        acceptanceBudgetMs(runtime, repId, 1),
      );
    } finally {
      runtime.streams.release();
    }

    // Assess: the decision stood through the deadline; then the stream moved the lead's stage
    expect(page.status).toBe(200);
    expect(pageText).toContain('Lead accepted');
    expect(journey.states.filter((s) => s === 'Escalate')).toHaveLength(2);
    expect(journey.states.filter((s) => s === 'Send hand-off')).toHaveLength(1);
    // accepted: the journey goes on to follow up (the sales clocks), not to a recycle
    expect(journey.status).toBe('RUNNING');
    expect(journey.states).toContain('Follow up');
    expect(journey.states).not.toContain('Recycled to marketing');
    const lead = await eventually('the lead to reach SAL', async () => {
      const view = await readLead(leadId);
      return view?.stage === 'mql' ? undefined : view;
    });
    expect(lead.stage).toBe('sal');
    expect(lead.owner?.repId).toBe(teams.teams[0]!.reps.find((r) => r.email === rep)!.id);
    expect(lead.stageHistory.filter((c) => c.to === 'sal')).toHaveLength(1);
    const handoffs = await handoffsOf('Lena Park');
    expect(handoffs.map((e) => e.destination.to[0])).toEqual([rep]);
  }, 240_000);
});

describe('an accept made after the lead was reassigned', () => {
  let reassigned: { leadId: string; second: CapturedEmail } | undefined;

  it('gets a page that says the lead was reassigned and when, and changes nothing', async () => {
    // Prepare: the first rep misses two deadlines; the second one gets the lead
    const leadId = leadIdFor('anon:visitor-ravi');
    await qualify('visitor-ravi', 'ravi@umbrella.example', 'Ravi Shah');
    const [first] = await eventually('the hand-off email', async () => ((await handoffsOf('Ravi Shah')).length > 0 ? handoffsOf('Ravi Shah') : undefined));
    const firstRepId = teams.teams[0]!.reps.find((r) => r.email === first!.destination.to[0])!.id;
    const handoffs = await eventually('the hand-off to a second rep', async () => ((await handoffsOf('Ravi Shah')).length > 1 ? handoffsOf('Ravi Shah') : undefined), acceptanceBudgetMs(runtime, firstRepId, 2));
    const secondRep = handoffs[1]!.destination.to[0];
    const before = await readLead(leadId);

    // Act: the first rep accepts now
    const page = await fetch(acceptUrlOf(first!), { method: 'POST', headers: { accept: 'text/html' } });
    const text = await page.text();

    // Assess: refused, and it says why and when; no outcome event, the lead as it was
    expect(page.status).toBe(409);
    expect(text).toMatch(/This lead was reassigned to another rep at \d{4}-\d\d-\d\d \d\d:\d\d UTC because the acceptance window ended at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Your acceptance was not recorded\./);
    const [, reassignedAt, windowEnded] = /reassigned to another rep at (.+?) because the acceptance window ended at (.+?)\./.exec(text)!;
    expect(Date.parse(reassignedAt!.replace(' UTC', 'Z'))).toBeGreaterThanOrEqual(Date.parse(windowEnded!.replace(' UTC', 'Z')));
    const after = await readLead(leadId);
    expect(after?.stage).toBe('mql');
    expect(after?.owner).toEqual(before?.owner);
    expect(secondRep).not.toBe(first!.destination.to[0]);
    const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(await storedEvents(dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId)).toEqual([]);
    reassigned = { leadId, second: handoffs[1]! };
  }, 240_000);

  it('and an accept made after the ladder sent the lead back to marketing gets a page that says so, and changes nothing', async () => {
    // Prepare: the second rep misses the deadline too, the last step of the ladder: recycle
    expect(reassigned).toBeDefined();
    const { leadId, second } = reassigned!;
    const secondRepId = teams.teams[0]!.reps.find((r) => r.email === second.destination.to[0])!.id;
    const recycled = await eventually('the lead back with marketing', async () => ((await readLead(leadId))?.stage === 'recycled' ? readLead(leadId) : undefined), acceptanceBudgetMs(runtime, secondRepId, 1));

    // Act: the second rep accepts now, with the link of their own hand-off
    const page = await fetch(acceptUrlOf(second), { method: 'POST', headers: { accept: 'text/html' } });
    const text = await page.text();

    // Assess: refused, saying why and when; nothing recorded, the lead as it was
    expect(page.status).toBe(409);
    expect(text).toMatch(/This lead went back to marketing at \d{4}-\d\d-\d\d \d\d:\d\d UTC because it was not accepted by \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Your acceptance was not recorded\./);
    const after = await readLead(leadId);
    expect(after?.stage).toBe('recycled');
    expect(after?.stageHistory).toEqual(recycled?.stageHistory);
    const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(await storedEvents(dynamodb, (e) => e.kind === 'outcome' && e.leadId === leadId)).toEqual([]);
  }, 120_000);
});
