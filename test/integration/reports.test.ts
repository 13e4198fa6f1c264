import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { stages } from '../../functions/core/lifecycle.ts';
import { PROFILE_SK } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from '../../local/template.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';

/**
 * The period reports agree with a recomputation from the leads' stored
 * histories: through the local runtime, leads from three sources qualify, one
 * is accepted and won by the CRM, one rejected, one left alone; the funnel by
 * source and the calibration are then recomputed from every lead's stage
 * history (read back from the table: a scan, which only a test does) and
 * compared, number for number.
 */
const CLOCK_SPEED = 1800;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

interface StoredLead {
  leadId: string;
  createdAt: string;
  /** the profile keeps the first touch (the lead's acquisition); the rest are read from its events */
  firstTouch?: { source: string; at: string };
  stageHistory: { from: string; to: string; at: string; decision?: string }[];
}

let runtime: LocalRuntime;

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

async function qualify(anonymousId: string, email: string, name: string, source: string): Promise<void> {
  const events = [
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-1`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing' }, campaign: { source, medium: 'email', name: `${source}-spring` } } }],
    ['/v1/identify', { anonymousId, messageId: `${anonymousId}-2`, traits: { email, name, phone: '+44 20 7946 0000', title: 'VP Sales', company: 'Acme', employees: 250 } }],
    ['/v1/page', { anonymousId, messageId: `${anonymousId}-3`, name: 'Pricing', context: { page: { url: 'https://example.com/pricing?plan=pro' } } }],
    ['/v1/track', { anonymousId, messageId: `${anonymousId}-4`, event: 'Form Submitted', properties: { formId: 'demo' } }],
  ] as const;
  for (const [path, body] of events) expect((await sendEvent(runtime, path, body)).status).toBe(200);
}

async function report<T>(path: string): Promise<T> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** Every lead's profile, read straight from the table. */
async function storedLeads(): Promise<StoredLead[]> {
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const items: StoredLead[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, ...(start && { ExclusiveStartKey: start }) }));
    for (const item of page.Items ?? []) {
      const value = unmarshall(item);
      if (value.sk === PROFILE_SK && !value.mergedInto) items.push(value as unknown as StoredLead);
    }
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the period reports', () => {
  it('agree with a recomputation from every lead’s stored history', async () => {
    await qualify('visitor-r1', 'r1@initech.example', 'Rita One', 'newsletter');
    await qualify('visitor-r2', 'r2@initech.example', 'Rob Two', 'newsletter');
    await qualify('visitor-r3', 'r3@hooli.example', 'Ria Three', 'google');
    await qualify('visitor-r4', 'r4@hooli.example', 'Rex Four', 'linkedin');
    // a visitor who never identifies
    expect((await sendEvent(runtime, '/v1/page', { anonymousId: 'visitor-r5', messageId: 'visitor-r5-1', name: 'Home', context: { campaign: { source: 'google', medium: 'cpc' } } })).status).toBe(200);

    const handoffOf = (name: string) => eventually(`the hand-off of ${name}`, async () => (await emails()).find((e) => e.subject.startsWith('New lead') && e.subject.includes(name)));
    const accept = /Accept: (\S+)/.exec((await handoffOf('Rita One')).body.text ?? '')![1]!;
    expect((await fetch(accept, { method: 'POST' })).status).toBe(200);
    const reject = /Reject: (\S+)/.exec((await handoffOf('Ria Three')).body.text ?? '')![1]!;
    expect((await fetch(reject, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=No+budget' })).status).toBe(200);
    await handoffOf('Rob Two');
    await handoffOf('Rex Four');
    await eventually('Rita accepted', async () => (await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-r1')}`)).stage === 'sal' || undefined);
    const won = await fetch(`${runtime.apiUrl}/v1/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.serverKey}` },
      body: JSON.stringify({ outcomeId: 'deal-r1:won', email: 'r1@initech.example', stage: 'won', at: new Date().toISOString(), amount: 5000, currency: 'USD' }),
    });
    expect(won.status).toBe(202);
    await eventually('the deal applied', async () => (await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-r1')}`)).stage === 'won' || undefined);
    await eventually('Ria recycled', async () => (await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-r3')}`)).stage === 'recycled' || undefined);

    // The reports, over every day the histories span.
    const leads = await storedLeads();
    const instants = leads.flatMap((l) => [l.createdAt, ...l.stageHistory.map((c) => c.at)]).sort();
    const from = instants[0]!.slice(0, 10);
    const to = instants.at(-1)!.slice(0, 10);
    type Funnel = { segments: { segment: string; stages: { stage: string; reached: number }[]; decisions: { accepted: number; rejected: number }; deals: { won: number; revenue: Record<string, number> } }[] };
    const bySource = await eventually('the report items settled', async () => {
      const r = await report<Funnel>(`/v1/reports/funnel?from=${from}&to=${to}&by=source`);
      const wonCount = r.segments.reduce((sum, s) => sum + s.deals.won, 0);
      return wonCount === 1 ? r : undefined;
    });

    // Recomputed: per first-touch source, the stages each lead reached (its creation as a visitor, then each change) and its decisions.
    const expected = new Map<string, Record<string, number>>();
    for (const lead of leads) {
      const source = lead.firstTouch?.source ?? '(direct)';
      const counts = expected.get(source) ?? {};
      const add = (name: string) => (counts[name] = (counts[name] ?? 0) + 1);
      add('reached.visitor');
      for (const change of lead.stageHistory) {
        add(`reached.${change.to}`);
        if (change.decision) add(`decided.${change.decision}`);
      }
      expected.set(source, counts);
    }
    expect(bySource.segments.map((s) => s.segment).sort()).toEqual([...expected.keys()].sort());
    for (const segment of bySource.segments) {
      const counts = expected.get(segment.segment)!;
      for (const stage of stages) expect(segment.stages.find((s) => s.stage === stage)?.reached, `${segment.segment} ${stage}`).toBe(counts[`reached.${stage}`] ?? 0);
      expect(segment.decisions.accepted, segment.segment).toBe(counts['decided.accepted'] ?? 0);
      expect(segment.decisions.rejected, segment.segment).toBe(counts['decided.rejected'] ?? 0);
    }
    // and what the scenario says, so the recomputation itself is checked
    const newsletter = bySource.segments.find((s) => s.segment === 'newsletter')!;
    expect(newsletter.stages.find((s) => s.stage === 'mql')?.reached).toBe(2);
    expect(newsletter.deals).toMatchObject({ won: 1, revenue: { USD: 5000 } });
    expect(bySource.segments.find((s) => s.segment === 'google')?.decisions.rejected).toBe(1);

    // Attribution: the won deal's 5,000 USD credited whole under each model (its one touch, by newsletter), marketing-touched.
    type Attribution = { rows: { value: string; revenue: Record<string, number>; pipeline: Record<string, number> }[]; marketingTouched: { revenue: { deals: number; touchedDeals: number; share: number | null } } };
    for (const model of ['first', 'linear', 'w-shaped', 'time-decay']) {
      const attribution = await report<Attribution>(`/v1/reports/attribution?from=${from}&to=${to}&model=${model}&by=source`);
      expect(attribution.rows.reduce((sum, r) => sum + (r.revenue.USD ?? 0), 0), model).toBe(5000);
      expect(attribution.rows.reduce((sum, r) => sum + (r.pipeline.USD ?? 0), 0), model).toBe(5000);
      expect(attribution.rows.find((r) => r.value === 'newsletter')?.revenue, model).toEqual({ USD: 5000 });
      expect(attribution.marketingTouched.revenue).toEqual(expect.objectContaining({ deals: 1, touchedDeals: 1, share: 1 }));
    }

    // Calibration: every decision in some score band and in its grade.
    const calibration = await report<{ bands: { accepted: number; rejected: number }[]; grades: { accepted: number; rejected: number; won: number }[] }>(`/v1/reports/calibration?from=${from}&to=${to}`);
    const decisions = (rows: { accepted: number; rejected: number }[]) => rows.reduce((sum, r) => sum + r.accepted + r.rejected, 0);
    expect(decisions(calibration.bands)).toBe(2);
    expect(decisions(calibration.grades)).toBe(2);
    expect(calibration.grades.reduce((sum, g) => sum + g.won, 0)).toBe(1);
  });
});
