import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient as Client } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAgreement } from '../../config/index.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { signLink, type FeedbackLink } from '../../functions/core/links.ts';
import { configKey } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * The stalled-leads and feedback reports through the local runtime. Two leads
 * qualify and are handed off; nobody accepts either within the agreement's
 * acceptWithinHours (4), so both show as stalled in mql, longest first; then
 * one is accepted and leaves the report while the other stays. The accepted
 * lead's rep gives feedback with a comment (submitted twice) and later closing
 * feedback: the feedback report shows one comment each, newest first, and the
 * rep's ratings and coverage.
 *
 * The clock runs fast: one real second is 5 minutes, so the 4 hours pass in
 * 48 seconds; the ladder reassigns both leads 4 hours later (48 seconds more
 * to accept in, room for a busy machine) and recycles the one left 4 hours after that.
 */
const CLOCK_SPEED = 300;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

interface StalledRow {
  leadId: string;
  name: string | null;
  company: string | null;
  email: string | null;
  stage: string;
  since: string;
  hoursInStage: number;
  limit: { hours: number; from: string };
  owner: { teamId: string; repId: string } | null;
}

interface FeedbackReport {
  by: string;
  segments: { segment: string; submissions: number; handed: number; withFeedback: number; coverage: number | null; ratings: Record<string, number>; averageRating: number | null; reasons: Record<string, { id: string; count: number }[]> }[];
  comments: { at: string; leadId: string; occasion: string; rating: number; repId: string; teamId: string | null; comment: string }[];
}

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

const stalledId = leadIdFor('anon:visitor-stall');
const movingId = leadIdFor('anon:visitor-moves');

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

async function qualify(anonymousId: string, email: string, name: string, company: string): Promise<void> {
  const events = [
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' } } }],
    ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company, employees: 250 } }],
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
    ['/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
  ] as const;
  for (const [path, body] of events) expect((await sendEvent(runtime, path, body)).status).toBe(200);
}

function get(path: string): Promise<Response> {
  return fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
}

async function report<T>(path: string): Promise<T> {
  const response = await get(path);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const stalledMql = async () => (await report<{ leads: StalledRow[] }>('/v1/reports/stalled?stage=mql')).leads;

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body });

async function signingKey(): Promise<string> {
  const { pk, sk } = configKey('link-signing-key');
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': { S: pk }, ':sk': { S: sk } } }),
  );
  return String(unmarshall(Items[0]!).value);
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
  dynamodb = new Client({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

describe('the stalled-leads and feedback reports', () => {
  let acceptUrl: string;
  let acceptedPage: string;

  it('list leads left in mql past the acceptance window, longest first, as the lead gave its details; one accepted leaves the list', async () => {
    await qualify('visitor-stall', 'sia@initech.example', 'Sia Stall', '<img src=x onerror=alert(1)>');
    await qualify('visitor-moves', 'bo@hooli.example', 'Bo Moves', 'Hooli');
    const handoff = await eventually('the hand-off of Bo Moves', async () => (await emails()).find((e) => e.subject.startsWith('New lead') && e.subject.includes('Bo Moves')), 90_000);
    acceptUrl = /Accept: (\S+)/.exec(handoff.body.text ?? '')![1]!;

    const both = await eventually(
      'both leads stalled in mql',
      async () => {
        const leads = await stalledMql();
        return leads.some((l) => l.leadId === stalledId) && leads.some((l) => l.leadId === movingId) ? leads : undefined;
      },
      90_000,
    );
    // every lead listed has passed its limit
    for (const lead of both) expect(lead.hoursInStage, lead.leadId).toBeGreaterThanOrEqual(lead.limit.hours);

    // Bo's rep accepts, late but before the ladder reassigns the lead
    const accepted = await fetch(acceptUrl, { method: 'POST' });
    expect(accepted.status).toBe(200);
    acceptedPage = await accepted.text();

    expect(both.map((l) => l.leadId)).toEqual([stalledId, movingId]);
    const sia = both[0]!;
    expect(sia).toMatchObject({ name: 'Sia Stall', company: '<img src=x onerror=alert(1)>', email: 'sia@initech.example', stage: 'mql', limit: { hours: serviceAgreement.acceptWithinHours, from: 'acceptWithinHours' } });
    expect(sia.hoursInStage).toBeGreaterThanOrEqual(serviceAgreement.acceptWithinHours);
    expect(sia.owner).toEqual({ teamId: expect.any(String), repId: expect.any(String) });
    const view = await report<{ stageHistory: { to: string; at: string }[] }>(`/v1/leads/${stalledId}`);
    expect(sia.since).toBe(view.stageHistory.findLast((c) => c.to === 'mql')!.at);
    // the same lead in the report of all stages, and of its rep; none for a rep who has none
    expect((await report<{ leads: StalledRow[] }>('/v1/reports/stalled')).leads.map((l) => l.leadId)).toContain(stalledId);
    expect((await report<{ leads: StalledRow[] }>(`/v1/reports/stalled?rep=${sia.owner!.repId}`)).leads.map((l) => l.leadId)).toContain(stalledId);
    expect((await report<{ leads: StalledRow[] }>('/v1/reports/stalled?rep=rep-nobody')).leads).toEqual([]);

    const after = await eventually('Bo gone from the stalled mql leads', async () => {
      const leads = await stalledMql();
      return leads.some((l) => l.leadId === movingId) ? undefined : leads;
    });
    expect(after.map((l) => l.leadId)).toContain(stalledId);
    // accepted just now: well within sal's limit (the follow-up window)
    expect((await report<{ leads: StalledRow[] }>('/v1/reports/stalled?stage=sal')).leads.map((l) => l.leadId)).not.toContain(movingId);
  }, 240_000);

  it('answer a bad parameter with a 400 naming it', async () => {
    for (const [path, name] of [
      ['/v1/reports/stalled?stage=won', 'stage'],
      ['/v1/reports/stalled?limit=0', 'limit'],
      ['/v1/reports/feedback?by=source', 'by'],
      ['/v1/reports/feedback?limit=many', 'limit'],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { issues: { path: string }[] }).issues.map((i) => i.path), path).toContain(name);
    }
  });

  it('show the rep’s feedback: one comment per feedback however often it is submitted, the newest first', async () => {
    const action = /<form method="post" action="([^"]+)"/.exec(acceptedPage)?.[1]?.replaceAll('&#38;', '&');
    expect(action).toBeDefined();
    const feedbackUrl = new URL(action!, acceptUrl);
    const repId = feedbackUrl.searchParams.get('rep')!;

    expect((await post(feedbackUrl.toString(), 'rating=5&reason=right-fit&comment=Keen+buyer')).status).toBe(200);
    // submitted again (a retry, a second tab): the first stands
    expect(await (await post(feedbackUrl.toString(), 'rating=2&reason=right-fit&comment=Second+thoughts')).text()).toContain('The first feedback on this stands');
    const closed: FeedbackLink = { leadId: movingId, cycle: 1, repId, occasion: 'closed', exp: Math.floor(Date.now() / 1000) + 30 * 86_400 };
    const closedUrl = new URL(`${runtime.apiUrl}/v1/feedback/${movingId}/1/closed`);
    closedUrl.search = new URLSearchParams({ rep: repId, exp: String(closed.exp), sig: signLink(closed, await signingKey()) }).toString();
    expect((await post(closedUrl.toString(), 'rating=3&reason=went-quiet&comment=Went+with+a+rival')).status).toBe(200);

    const body = await report<FeedbackReport>('/v1/reports/feedback?by=rep');

    expect(body.by).toBe('rep');
    expect(body.comments.map((c) => c.comment)).toEqual(['Went with a rival', 'Keen buyer']);
    expect(body.comments[1]).toMatchObject({ leadId: movingId, occasion: 'accepted', rating: 5, repId, teamId: expect.any(String) });
    expect(body.comments[0]!.at > body.comments[1]!.at).toBe(true);
    const rep = body.segments.find((s) => s.segment === repId)!;
    expect(rep).toMatchObject({ submissions: 2, handed: 1, withFeedback: 1, coverage: 1, ratings: { '1': 0, '2': 0, '3': 1, '4': 0, '5': 1 }, averageRating: 4 });
    expect(rep.reasons.closed!.find((r) => r.id === 'went-quiet')?.count).toBe(1);
    expect((await report<FeedbackReport>('/v1/reports/feedback?limit=1')).comments.map((c) => c.comment)).toEqual(['Went with a rival']);
  });
});
