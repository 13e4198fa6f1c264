import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, reports } from '../../config/index.ts';
import { campaignOfTouch } from '../../functions/core/campaigns.ts';
import { EVENT_SOURCE, type Touch } from '../../functions/core/lead.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { stages } from '../../functions/core/lifecycle.ts';
import { minorUnits } from '../../functions/core/report-counts.ts';
import { traitSliceValue } from '../../functions/core/report-traits.ts';
import { attributedActivity, attributedTouch, DEFAULT_HALF_LIFE_DAYS } from '../../functions/core/reports/attribution-counts.ts';
import { creditBy, creditDeal, type AttributionModel } from '../../functions/core/reports/attribution.ts';
import { campaignOfSlice } from '../../functions/core/reports/campaign-slices.ts';
import { PROFILE_SK } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGION } from '../../local/template.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { qualify as qualifyVisitor } from '../support/qualify.ts';

/**
 * The period reports agree with a recomputation from the leads' stored
 * histories: through the local runtime, leads from three sources qualify, one
 * is accepted and won by the CRM, one rejected, one left alone; the funnel by
 * source and the calibration are then recomputed from every lead's stage
 * history (read back from the table: a scan, which only a test does) and
 * compared, number for number: by source, campaign, campaign type and the
 * configured traits; and the won deal's attribution, recomputed from its
 * touches (one a tracked event the ebook campaign's event rule claims) and the
 * rep's activity (a sales touch: the ROI deck sent).
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
  firstTouch?: Touch;
  traits: Record<string, unknown>;
  stageHistory: { from: string; to: string; at: string; decision?: string }[];
}

/** A rep's activity as stored under its lead. */
interface StoredActivity {
  pk: string;
  kind: 'call' | 'email' | 'meeting';
  at: string;
  result?: string;
}

let runtime: LocalRuntime;

async function emails(): Promise<CapturedEmail[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  return ((await response.json()) as { emails: CapturedEmail[] }).emails;
}

/** A visitor who qualifies under the default model, first touched by a campaign of `source`. */
function qualify(
  anonymousId: string,
  email: string,
  name: string,
  source: string,
  { medium = 'email', campaign = `${source}-spring`, traits = {} }: { medium?: string; campaign?: string; traits?: Record<string, unknown> } = {},
): Promise<void> {
  return qualifyVisitor(runtime, { anonymousId, email, name, campaign: { source, medium, name: campaign }, traits });
}

async function report<T>(path: string): Promise<T> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** Every lead's profile, and every rep's activity, read straight from the table. */
async function storedHistory(): Promise<{ leads: StoredLead[]; activities: StoredActivity[] }> {
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const leads: StoredLead[] = [];
  const activities: StoredActivity[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, ...(start && { ExclusiveStartKey: start }) }));
    for (const item of page.Items ?? []) {
      const value = unmarshall(item);
      if (value.sk === PROFILE_SK && !value.mergedInto) leads.push(value as unknown as StoredLead);
      if (String(value.sk).startsWith('ACTIVITY#')) activities.push(value as unknown as StoredActivity);
    }
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return { leads, activities };
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the period reports', () => {
  it('agree with a recomputation from every lead’s stored history', async () => {
    await qualify('visitor-r1', 'r1@initech.example', 'Rita One', 'newsletter', { traits: { industry: 'Software' } });
    await qualify('visitor-r2', 'r2@initech.example', 'Rob Two', 'newsletter', { traits: { industry: 'Software' } });
    // brand search: a campaign with a cost (search-brand-2026, while it runs)
    await qualify('visitor-r3', 'r3@hooli.example', 'Ria Three', 'google', { medium: 'cpc', campaign: 'brand-spring', traits: { industry: 'Retail' } });
    await qualify('visitor-r4', 'r4@hooli.example', 'Rex Four', 'linkedin', { traits: { employees: 1200 } });
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
    // Rita downloads the ebook, no UTM: the ebook campaign's event rule claims the tracked event, so it is a touch of that
    // campaign. Dated a second after her first touch, so it comes between it and the deal (the runtime's clock runs fast).
    type LeadTouches = { touches: { first: Touch | null; all: Touch[] } };
    const firstTouchAt = (await report<LeadTouches>(`/v1/leads/${leadIdFor('anon:visitor-r1')}`)).touches.first!.at;
    const ebookAt = new Date(Date.parse(firstTouchAt) + 1000).toISOString();
    const ebook = { anonymousId: 'visitor-r1', messageId: 'visitor-r1-ebook', event: 'Content Downloaded', properties: { asset: 'lead-scoring-playbook' }, timestamp: ebookAt };
    expect((await sendEvent(runtime, '/v1/track', ebook)).status).toBe(200);
    const ritasTouches = await eventually('the ebook touch recorded', async () => {
      const view = await report<LeadTouches>(`/v1/leads/${leadIdFor('anon:visitor-r1')}`);
      return view.touches.all.some((t) => t.messageId === ebook.messageId) ? view.touches.all : undefined;
    });
    expect(ritasTouches.find((t) => t.messageId === ebook.messageId)).toMatchObject({ source: EVENT_SOURCE, campaignId: 'ebook-lead-scoring' });
    const deckAt = new Date(Math.max(Date.now(), Date.parse(ebookAt) + 1000)).toISOString();
    // the rep sends the ROI deck (a sales touch, of the sales campaign that maps it) before the deal is won
    const deck = await fetch(`${runtime.apiUrl}/v1/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.serverKey}` },
      // after the ebook download
      body: JSON.stringify({ activityId: 'act-r1-deck', email: 'r1@initech.example', kind: 'email', at: deckAt, result: 'Sent the ROI deck to the CFO' }),
    });
    expect(deck.status).toBeLessThan(300);
    const won = await fetch(`${runtime.apiUrl}/v1/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${runtime.serverKey}` },
      // after the deck
      body: JSON.stringify({ outcomeId: 'deal-r1:won', email: 'r1@initech.example', stage: 'won', at: new Date(Math.max(Date.now(), Date.parse(deckAt) + 1000)).toISOString(), amount: 5000, currency: 'USD' }),
    });
    expect(won.status).toBe(202);
    await eventually('the deal applied', async () => (await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-r1')}`)).stage === 'won' || undefined);
    await eventually('Ria recycled', async () => (await report<{ stage: string }>(`/v1/leads/${leadIdFor('anon:visitor-r3')}`)).stage === 'recycled' || undefined);

    // The reports, over every day the histories span.
    const { leads, activities } = await storedHistory();
    const instants = leads.flatMap((l) => [l.createdAt, ...l.stageHistory.map((c) => c.at)]).sort();
    const from = instants[0]!.slice(0, 10);
    const to = instants.at(-1)!.slice(0, 10);
    type Segment = {
      segment: string;
      stages: { stage: string; reached: number }[];
      decisions: { accepted: number; rejected: number };
      deals: { won: number; revenue: Record<string, number> };
      campaign?: { name: string; type: string; defined: boolean };
      cost?: { amount: number; currency: string; perMql: number | null } | null;
    };
    type Funnel = { segments: Segment[] };
    const bySource = await eventually('the report items settled', async () => {
      const r = await report<Funnel>(`/v1/reports/funnel?from=${from}&to=${to}&by=source`);
      const wonCount = r.segments.reduce((sum, s) => sum + s.deals.won, 0);
      return wonCount === 1 ? r : undefined;
    });

    /**
     * Recomputed: per slice of each lead (its first touch's source or campaign, a trait), the stages it reached (its
     * creation as a visitor, which only the acquisition slices count, then each change) and its decisions.
     */
    const recompute = (sliceOf: (lead: StoredLead) => string, countsVisitor: boolean) => {
      const expected = new Map<string, Record<string, number>>();
      for (const lead of leads) {
        const value = sliceOf(lead);
        const counts = expected.get(value) ?? {};
        const add = (name: string) => (counts[name] = (counts[name] ?? 0) + 1);
        if (countsVisitor) add('reached.visitor');
        for (const change of lead.stageHistory) {
          add(`reached.${change.to}`);
          if (change.decision) add(`decided.${change.decision}`);
        }
        if (countsVisitor || lead.stageHistory.length > 0) expected.set(value, counts);
      }
      return expected;
    };
    const matches = (funnel: Funnel, expected: Map<string, Record<string, number>>) =>
      funnel.segments.length === expected.size &&
      funnel.segments.every((segment) => {
        const counts = expected.get(segment.segment);
        return counts !== undefined && stages.every((stage) => (segment.stages.find((s) => s.stage === stage)?.reached ?? 0) === (counts[`reached.${stage}`] ?? 0));
      });
    const compare = async (by: string, expected: Map<string, Record<string, number>>): Promise<Funnel> => {
      const path = `/v1/reports/funnel?from=${from}&to=${to}&by=${by}`;
      // the slices of one save settle one after another: wait for them, then compare for the message
      const funnel = (await eventually(`by=${by} settled`, async () => {
        const r = await report<Funnel>(path);
        return matches(r, expected) ? r : undefined;
      }).catch(() => undefined)) ?? (await report<Funnel>(path));
      expect(funnel.segments.map((s) => s.segment).sort(), by).toEqual([...expected.keys()].sort());
      for (const segment of funnel.segments) {
        const counts = expected.get(segment.segment)!;
        for (const stage of stages) expect(segment.stages.find((s) => s.stage === stage)?.reached, `${by} ${segment.segment} ${stage}`).toBe(counts[`reached.${stage}`] ?? 0);
        expect(segment.decisions.accepted, `${by} ${segment.segment}`).toBe(counts['decided.accepted'] ?? 0);
        expect(segment.decisions.rejected, `${by} ${segment.segment}`).toBe(counts['decided.rejected'] ?? 0);
      }
      return funnel;
    };

    await compare('source', recompute((lead) => lead.firstTouch?.source ?? '(direct)', true));
    // and what the scenario says, so the recomputation itself is checked
    const newsletter = bySource.segments.find((s) => s.segment === 'newsletter')!;
    expect(newsletter.stages.find((s) => s.stage === 'mql')?.reached).toBe(2);
    expect(newsletter.deals).toMatchObject({ won: 1, revenue: { USD: 5000 } });
    expect(bySource.segments.find((s) => s.segment === 'google')?.decisions.rejected).toBe(1);

    // By campaign: the campaign each lead's first touch counts for (config/campaigns.json), with its cost per MQL.
    const campaignOf = (lead: StoredLead) => (lead.firstTouch ? campaignOfTouch(campaigns, lead.firstTouch).id : '(none)');
    const byCampaign = await compare('campaign', recompute(campaignOf, true));
    expect(byCampaign.segments.find((s) => s.segment === 'newsletter')?.campaign).toEqual({ name: 'Monthly newsletter', type: 'email', defined: true });
    expect(byCampaign.segments.find((s) => s.segment === 'utm:linkedin-spring')?.campaign).toEqual({ name: 'linkedin-spring', type: 'not-defined', defined: false });
    for (const segment of byCampaign.segments) {
      const cost = campaigns.campaigns.find((c) => c.id === segment.segment)?.cost;
      const mqls = segment.stages.find((s) => s.stage === 'mql')!.reached;
      if (cost === undefined) expect(segment.cost, segment.segment).toBeNull();
      else expect(segment.cost, segment.segment).toMatchObject({ amount: cost.amount, currency: cost.currency, perMql: mqls === 0 ? null : Math.round((cost.amount / mqls) * 100) / 100 });
    }
    // by campaign type: the campaigns' types, from the same history
    await compare('campaignType', recompute((lead) => (lead.firstTouch ? campaignOfSlice(campaigns, campaignOf(lead)).type : '(none)'), true));
    // by trait: the lead's trait as stored, from the moment it was known (a new visitor is not counted by traits)
    for (const [name, trait] of Object.entries(reports.traits)) await compare(`trait:${name}`, recompute((lead) => traitSliceValue(lead.traits[name], trait), false));
    const byIndustry = await report<Funnel>(`/v1/reports/funnel?from=${from}&to=${to}&by=trait:industry`);
    expect(byIndustry.segments.map((s) => s.segment).sort()).toEqual(['(none)', 'Retail', 'Software']);
    const byEmployees = await report<Funnel>(`/v1/reports/funnel?from=${from}&to=${to}&by=trait:employees`);
    expect(byEmployees.segments.map((s) => s.segment).sort()).toEqual(['1000+', '250-999']);

    // Attribution: the won deal's 5,000 USD credited, under each model, to its touches (the first, and the ebook download)
    // and the rep's activity before the opportunity (the win here: it skipped the opportunity stage), recomputed from the
    // lead's touches as read back and the stored activity.
    type Attribution = {
      rows: { value: string; revenue: Record<string, number>; pipeline: Record<string, number> }[];
      marketingTouched: { revenue: { deals: number; touchedDeals: number; share: number | null } };
      salesTouched: { revenue: { deals: number; touchedDeals: number; share: number | null } };
    };
    const rita = leads.find((l) => l.leadId === leadIdFor('anon:visitor-r1'))!;
    const wonAt = rita.stageHistory.find((c) => c.to === 'won')!.at;
    const opportunityAt = rita.stageHistory.findLast((c) => c.to === 'opportunity' && c.at <= wonAt)?.at ?? wonAt;
    const ritasActivities = activities.filter((a) => a.pk.endsWith(rita.leadId));
    expect(ritasActivities.map((a) => a.result)).toEqual(['Sent the ROI deck to the CFO']);
    expect(ritasTouches.map((t) => t.messageId)).toEqual([rita.firstTouch!.messageId, ebook.messageId]);
    const touches = [...ritasTouches.map((t) => attributedTouch(t, campaigns)), ...ritasActivities.map((a) => attributedActivity(a, campaigns))];
    for (const model of ['first', 'linear', 'w-shaped', 'time-decay'] as AttributionModel[]) {
      const credits = creditDeal({ amount: minorUnits(5000, 'USD'), leadCreatedAt: rita.createdAt, opportunityAt }, touches, {
        model,
        halfLifeDays: campaigns.attribution?.timeDecayHalfLifeDays ?? DEFAULT_HALF_LIFE_DAYS,
      });
      for (const by of ['campaign', 'source'] as const) {
        const expected = Object.fromEntries(Object.entries(creditBy(credits, by)).map(([value, minor]) => [value, minor / 100]));
        const attribution = await report<Attribution>(`/v1/reports/attribution?from=${from}&to=${to}&model=${model}&by=${by}`);
        expect(Object.fromEntries(attribution.rows.map((r) => [r.value, r.revenue.USD ?? 0])), `${model} by ${by}`).toEqual(expected);
        expect(attribution.rows.reduce((sum, r) => sum + (r.revenue.USD ?? 0), 0), model).toBeCloseTo(5000, 6);
        expect(attribution.marketingTouched.revenue).toEqual(expect.objectContaining({ deals: 1, touchedDeals: 1, share: 1 }));
        expect(attribution.salesTouched.revenue).toEqual(expect.objectContaining({ deals: 1, touchedDeals: 1, share: 1 }));
      }
    }
    // and what the scenario says: the ebook download and the deck (a touch of the sales campaign) are touches, a third of
    // the deal each under linear; 500,000 cents ÷ 3 leaves 2 cents, one each to the two earliest (newsletter, ebook)
    const linear = await report<Attribution>(`/v1/reports/attribution?from=${from}&to=${to}&model=linear&by=campaign`);
    expect(Object.fromEntries(linear.rows.map((r) => [r.value, r.revenue]))).toEqual({
      newsletter: { USD: 1666.67 },
      'ebook-lead-scoring': { USD: 1666.67 },
      'sales-roi-deck': { USD: 1666.66 },
    });

    // Calibration: every decision in some score band and in its grade.
    const calibration = await report<{ bands: { accepted: number; rejected: number }[]; grades: { accepted: number; rejected: number; won: number }[] }>(`/v1/reports/calibration?from=${from}&to=${to}`);
    const decisions = (rows: { accepted: number; rejected: number }[]) => rows.reduce((sum, r) => sum + r.accepted + r.rejected, 0);
    expect(decisions(calibration.bands)).toBe(2);
    expect(decisions(calibration.grades)).toBe(2);
    expect(calibration.grades.reduce((sum, g) => sum + g.won, 0)).toBe(1);
  });
});
