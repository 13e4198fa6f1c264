import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repCalendars, serviceAgreement } from '../../config/index.ts';
import { salesDeadlines } from '../../functions/core/activities.ts';
import { workingMsBetween } from '../../functions/core/business-hours.ts';
import { acceptanceMs } from '../../functions/core/report-counts.ts';
import { histogramOf, quantile } from '../../functions/core/reports/histogram.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { eventually } from '../support/local.ts';
import { qualify as qualifyVisitor } from '../support/qualify.ts';

/**
 * The service-agreement scorecard agrees with a recomputation from the raw
 * records the table holds: through the local runtime, one lead is accepted
 * at once, worked with three activities and rated; one is rejected; one waits
 * past its acceptance deadline (the manager is told) and is accepted in its
 * fresh window, then contacted once. The scorecard's counts are then
 * recomputed from every stage history, cycle, activity and feedback item (a
 * scan, which only a test does) and compared, number for number; the sales
 * clocks' deadlines and the time to first contact in the owner's working hours.
 *
 * The clock runs fast: a second is half an hour, so the 4-hour acceptance
 * window passes in 8 seconds.
 */
const CLOCK_SPEED = 1800;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

let runtime: LocalRuntime;

const emails = async (): Promise<CapturedEmail[]> => ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedEmail[] }).emails;
const emailAbout = (name: string, subjectPart: string) =>
  eventually(`the email “${subjectPart}” about ${name}`, async () => (await emails()).find((e) => e.subject.includes(subjectPart) && e.subject.includes(name)), 60_000);
const virtualIso = (offsetMs = 0) => new Date(virtualNow(runtime.clock, Date.now()) + offsetMs).toISOString();

/** A visitor who qualifies under the default model (test/support/qualify.ts). */
const qualify = (anonymousId: string, email: string, name: string) => qualifyVisitor(runtime, { anonymousId, email, name });

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${runtime.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${runtime.serverKey}`, 'content-type': 'application/json', ...init.headers } });
}

const stageOf = async (anonymousId: string) => ((await (await api(`/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`)).json()) as { stage: string }).stage;

/** Every item of the leads table, as stored. */
async function leadsTable(): Promise<Record<string, unknown>[]> {
  const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]!, ...(start && { ExclusiveStartKey: start }) }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/** The scorecard's whole numbers, as the API answers for `all`. */
interface Counted {
  mqls: number;
  accepted: number;
  rejected: number;
  due: number;
  withinAgreement: number;
  contactsMade: number;
  contactsInTime: number;
  missedAcceptances: number;
  followUpLeads: number;
  handed: number;
  ratings: Record<string, number>;
}

interface Card {
  marketing: { mqls: { value: number }; acceptanceRate: { decisions: number; value: number | null }; ratingDistribution: Record<string, number> };
  sales: { acceptedWithinAgreement: { value: number | null; due: number }; followUpActivitiesPerLead: { leads: number; value: number | null }; followUpMet: { value: number | null }; feedbackCoverage: { handed: number; value: number | null } };
  contacts: { made: number; inTime: number; missed: number; missedAcceptances: number };
}

/** The whole numbers behind one answer's `all` scorecard (rates are of small whole numbers, so they give them back exactly). */
function countedOf(card: Card): Counted & { activities: number; met: number; covered: number } {
  const times = (rate: number | null, whole: number) => (rate === null ? 0 : Math.round(rate * whole));
  const decisions = card.marketing.acceptanceRate.decisions;
  const accepted = times(card.marketing.acceptanceRate.value, decisions);
  return {
    mqls: card.marketing.mqls.value,
    accepted,
    rejected: decisions - accepted,
    due: card.sales.acceptedWithinAgreement.due,
    withinAgreement: times(card.sales.acceptedWithinAgreement.value, card.sales.acceptedWithinAgreement.due),
    contactsMade: card.contacts.made,
    contactsInTime: card.contacts.inTime,
    missedAcceptances: card.contacts.missedAcceptances,
    followUpLeads: card.sales.followUpActivitiesPerLead.leads,
    activities: times(card.sales.followUpActivitiesPerLead.value, card.sales.followUpActivitiesPerLead.leads),
    met: times(card.sales.followUpMet.value, card.sales.followUpActivitiesPerLead.leads),
    handed: card.sales.feedbackCoverage.handed,
    covered: times(card.sales.feedbackCoverage.value, card.sales.feedbackCoverage.handed),
    ratings: card.marketing.ratingDistribution,
  };
}

beforeAll(async () => {
  // a Monday morning: Sue's acceptance window (the rep's working hours) ends within the day, whatever day the test runs
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date('2027-01-11T07:00:00Z'), synth: false, log: () => undefined });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the service-agreement scorecard', () => {
  it('agrees with a recomputation from the stored stage histories, cycles, activities and feedback', async () => {
    const startedDay = virtualIso().slice(0, 10);
    await qualify('visitor-s1', 's1@initech.example', 'Sara One');
    await qualify('visitor-s2', 's2@initech.example', 'Stan Two');
    await qualify('visitor-s3', 's3@hooli.example', 'Sue Three');

    // Sara: accepted at once, three activities, rated 5 from the acceptance page.
    const sara = await emailAbout('Sara One', 'New lead');
    const acceptSara = /Accept: (\S+)/.exec(sara.body.text ?? '')![1]!;
    const accepted = await fetch(acceptSara, { method: 'POST' });
    expect(accepted.status).toBe(200);
    const page = await accepted.text();
    await eventually('Sara accepted', async () => ((await stageOf('visitor-s1')) === 'sal' ? true : undefined));
    for (const [n, kind] of [[1, 'call'], [2, 'email'], [3, 'meeting']] as const) {
      const response = await api('/v1/activities', { method: 'POST', body: JSON.stringify({ activityId: `s1-${n}`, email: 's1@initech.example', kind, at: virtualIso(-n * 1000) }) });
      expect(response.status).toBe(201);
    }
    const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replaceAll('&#38;', '&');
    const rated = await fetch(new URL(action, acceptSara).toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rating=5&reason=right-fit' });
    expect(rated.status).toBe(200);

    // Stan: rejected.
    const stan = await emailAbout('Stan Two', 'New lead');
    const rejectStan = /Reject: (\S+)/.exec(stan.body.text ?? '')![1]!;
    expect((await fetch(rejectStan, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=No+budget' })).status).toBe(200);

    // Sue: the deadline passes, the manager is told, the rep accepts in the fresh window and calls once.
    const sue = await emailAbout('Sue Three', 'New lead');
    await emailAbout('Sue Three', 'has not accepted');
    expect((await fetch(/Accept: (\S+)/.exec(sue.body.text ?? '')![1]!, { method: 'POST' })).status).toBe(200);
    await eventually('Sue accepted', async () => ((await stageOf('visitor-s3')) === 'sal' ? true : undefined));
    expect((await api('/v1/activities', { method: 'POST', body: JSON.stringify({ activityId: 's3-1', email: 's3@hooli.example', kind: 'call', at: virtualIso() }) })).status).toBe(201);
    await eventually('Stan back with marketing', async () => ((await stageOf('visitor-s2')) === 'recycled' ? true : undefined));

    // The scorecard over every month the run spans (the fast clock may cross into the next).
    const endedDay = virtualIso().slice(0, 10);
    const months = [...new Set([startedDay.slice(0, 7), endedDay.slice(0, 7)])];
    const shown = await eventually('the scorecard to count everything', async () => {
      const sum: Record<string, number> = {};
      const ratings: Record<string, number> = {};
      for (const month of months) {
        const response = await api(`/v1/reports/service-agreement?period=month&from=${month}-01`);
        expect(response.status).toBe(200);
        const counted = countedOf(((await response.json()) as { all: Card }).all);
        for (const [name, value] of Object.entries(counted)) if (typeof value === 'number') sum[name] = (sum[name] ?? 0) + value;
        for (const [rating, n] of Object.entries(counted.ratings)) ratings[rating] = (ratings[rating] ?? 0) + n;
      }
      return sum.contactsMade === 2 && sum.covered === 1 ? { ...sum, ratings } : undefined;
    });

    // Recomputed from the raw records.
    const items = await leadsTable();
    const profiles = items.filter((i) => i.sk === 'PROFILE' && !i.mergedInto) as {
      owner?: { repId: string };
      stageHistory: { to: string; at: string; decision?: string; withinAgreement?: boolean; by?: { repId?: string } }[];
    }[];
    const cycles = items.filter((i) => String(i.sk).startsWith('CYCLE#')) as { pk: string; cycle: number; missed: number; owner: { repId: string }; outcome?: { kind: string; at: string } }[];
    const activities = items.filter((i) => String(i.sk).startsWith('ACTIVITY#')) as { pk: string; cycle: number; at: string }[];
    const feedback = items.filter((i) => String(i.sk).startsWith('FEEDBACK#')) as { pk: string; cycle: number; rating: number }[];
    const changes = profiles.flatMap((p) => p.stageHistory);
    const acceptedCycles = cycles.filter((c) => c.outcome?.kind === 'accepted');
    const activitiesOf = (c: (typeof cycles)[number]) => activities.filter((a) => a.pk === c.pk && a.cycle === c.cycle).map((a) => Date.parse(a.at));
    // the sales clocks' deadlines, in the owner's working hours and days
    const deadlinesOf = (c: (typeof cycles)[number]) => salesDeadlines(c.outcome!.at, serviceAgreement.sales, repCalendars(c.owner.repId));
    const inWindow = (c: (typeof cycles)[number]) => activitiesOf(c).filter((t) => t <= deadlinesOf(c).followUpEnds.getTime());
    const expected = {
      mqls: changes.filter((c) => c.to === 'mql').length,
      accepted: changes.filter((c) => c.decision === 'accepted').length,
      rejected: changes.filter((c) => c.decision === 'rejected').length,
      withinAgreement: changes.filter((c) => c.decision === 'accepted' && c.withinAgreement === true).length,
      missedAcceptances: cycles.reduce((sum, c) => sum + c.missed, 0),
      contactsMade: acceptedCycles.filter((c) => activitiesOf(c).length > 0).length,
      contactsInTime: acceptedCycles.filter((c) => activitiesOf(c).some((t) => t <= deadlinesOf(c).firstContactDue.getTime())).length,
      followUpLeads: acceptedCycles.length,
      activities: acceptedCycles.reduce((sum, c) => sum + inWindow(c).length, 0),
      met: acceptedCycles.filter((c) => inWindow(c).length >= serviceAgreement.sales.followUp.activities).length,
      covered: new Set(feedback.map((f) => `${f.pk}#${f.cycle}`)).size,
      ratings: Object.fromEntries([1, 2, 3, 4, 5].map((r) => [String(r), feedback.filter((f) => f.rating === r).length])),
    };
    expect(shown).toMatchObject({ ...expected, due: expected.withinAgreement + expected.missedAcceptances, handed: expected.accepted + expected.rejected });

    // The time to first contact, in the owner's working hours: the histogram's median and 95th percentile as the API rounds them.
    expect(months).toHaveLength(1);
    const { timeToFirstContact: timed, timeToAccept } = ((await (await api(`/v1/reports/service-agreement?period=month&from=${months[0]}-01`)).json()) as {
      all: { sales: { timeToFirstContact: unknown; timeToAccept: unknown } };
    }).all.sales;
    const took = acceptedCycles
      .filter((c) => activitiesOf(c).length > 0)
      .map((c) => workingMsBetween(new Date(c.outcome!.at), new Date(Math.min(...activitiesOf(c))), repCalendars(c.owner.repId)));
    const hoursAt = (q: number) => Math.round((quantile(histogramOf(took), q)!.value / 3_600_000) * 10 ** 2) / 10 ** 2;
    expect(timed).toMatchObject({ count: 2, medianHours: { value: hoursAt(0.5) }, p95Hours: { value: hoursAt(0.95) } });

    // The time to accept, from the hand-off (entering mql) to the acceptance, in the deciding rep's working hours: the same function, from the stored histories.
    const toAccept = profiles.flatMap((p) =>
      p.stageHistory.flatMap((change, i) => {
        if (change.decision !== 'accepted') return [];
        const handed = p.stageHistory.slice(0, i).findLast((c) => c.to === 'mql')!;
        return [acceptanceMs(handed.at, change.at, change.by?.repId ?? p.owner?.repId, repCalendars)];
      }),
    );
    const acceptHoursAt = (q: number) => Math.round((quantile(histogramOf(toAccept), q)!.value / 3_600_000) * 10 ** 2) / 10 ** 2;
    expect(timeToAccept).toMatchObject({ count: 2, medianHours: { value: acceptHoursAt(0.5) }, p95Hours: { value: acceptHoursAt(0.95) }, counted: 'working hours' });

    // Each rep's decisions (the rejection too: the rejected lead has no owner once saved) in that rep's scorecard.
    const { reps } = (await (await api(`/v1/reports/service-agreement?period=month&from=${months[0]}-01`)).json()) as { reps: { rep: string; scorecard: Card }[] };
    const decidedBy = (rep: string, decision: string) => changes.filter((c) => c.decision === decision && c.by?.repId === rep).length;
    const deciders = [...new Set(changes.flatMap((c) => (c.decision === 'accepted' || c.decision === 'rejected' ? [c.by!.repId!] : [])))];
    expect(deciders.length).toBeGreaterThan(0);
    for (const rep of deciders) {
      const card = reps.find((r) => r.rep === rep)?.scorecard;
      expect(card && { rep, accepted: countedOf(card).accepted, rejected: countedOf(card).rejected }).toEqual({ rep, accepted: decidedBy(rep, 'accepted'), rejected: decidedBy(rep, 'rejected') });
    }
    expect(reps.find((r) => r.rep === '(none)')?.scorecard.marketing.acceptanceRate.decisions ?? 0).toBe(0);

    // …and what the scenario says, so the recomputation itself is checked.
    expect(expected).toMatchObject({ mqls: 3, accepted: 2, rejected: 1, withinAgreement: 2, missedAcceptances: 1, contactsMade: 2, activities: 4, met: 1, covered: 1 });
    expect(expected.ratings['5']).toBe(1);
  });
});
