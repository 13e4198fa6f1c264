import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { journeyName } from '../../functions/core/journey.ts';
import { repKey } from '../../functions/core/table-layout.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually } from '../support/local.ts';
import { capturedEmails, leadloop, leadView, qualify } from '../support/routing.ts';

/**
 * The queue drained as reps become available, through the local runtime, its
 * clock started late on a Monday night in New York and running two minutes a
 * second. The Americas team (Ada, New York, and Ben, Chicago: 5 open leads
 * each at most) is away until the end of Monday (Ada's ends Tuesday 05:00 UTC,
 * Ben's a day later):
 * - a lead queued meanwhile is handed to Ada by the quarter-hourly schedule
 *   when her time away simply ends (no write tells anyone: the backstop);
 * - with the schedules stopped, Ada full and a lead queued, her rejection of
 *   another lead frees a slot and the queued lead takes it at once (the leads
 *   table's stream of reps' items); with a third lead queued, her next
 *   rejection races two more drains by hand, and the lead is handed off once.
 */
const CLOCK_SPEED = 120;
const MONDAY_NIGHT_NEW_YORK = '2027-01-12T04:30:00Z';
const ADA_BACK = Date.parse('2027-01-12T05:00:00Z');

let runtime: LocalRuntime;
let table: DynamoDBDocumentClient;
const virtualMs = () => virtualNow(runtime.clock, Date.now());

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date(MONDAY_NIGHT_NEW_YORK), synth: false, log: () => undefined });
  table = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
});

afterAll(async () => {
  table?.destroy();
  await runtime?.stop();
});

const handoffsOf = async (name: string) => (await capturedEmails(runtime)).filter((e) => e.subject.startsWith('New lead') && e.subject.includes(name));
const noticesOf = async (name: string) => (await capturedEmails(runtime)).filter((e) => e.subject.startsWith('Waiting for a rep') && e.subject.includes(name));
const journeyOf = (leadId: string) => [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1));
const drainSchedule = () => runtime.schedules.list().find((s) => s.functionLogicalId.startsWith('QueueDrain'))!.schedule;
const openOf = async (repId: string) => ((JSON.parse((await leadloop(runtime, 'reps', 'list', '--json')).out) as { repId: string; open: number }[]).find((r) => r.repId === repId))!.open;

async function queued(leadId: string, name: string): Promise<void> {
  await eventually(`${name} to wait for a rep`, async () => journeyOf(leadId)?.states.includes('Await rep') || undefined);
  expect(await noticesOf(name)).toHaveLength(1);
  expect(await handoffsOf(name)).toEqual([]);
}

async function reject(name: string): Promise<void> {
  const [handoff] = await handoffsOf(name);
  const rejectUrl = /Reject: (\S+)/.exec(handoff!.body.text ?? '')![1]!;
  const rejected = await fetch(rejectUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=No+budget+this+year' });
  expect(rejected.status).toBe(200);
}

describe('the queue, drained as reps become available', () => {
  it('hands a queued lead to a rep whose time away ended, on the schedule’s next firing', async () => {
    // Prepare: the whole team away over Monday (in each rep's zone)
    expect((await leadloop(runtime, 'reps', 'away', 'rep-ada', '--from', '2027-01-04', '--until', '2027-01-11')).status).toBe(0);
    expect((await leadloop(runtime, 'reps', 'away', 'rep-ben', '--from', '2027-01-04', '--until', '2027-01-12')).status).toBe(0);

    // Act: a lead from the United States qualifies, and the clock runs on past the end of Ada's time away
    const leadId = await qualify(runtime, 'queue-night', 'nina@night.example', 'Nina Night', { country: 'US' });
    await queued(leadId, 'Nina Night');
    expect(virtualMs(), 'the lead queued before Ada was back').toBeLessThan(ADA_BACK);
    const handoff = await eventually('the hand-off email', async () => (await handoffsOf('Nina Night'))[0]);

    // Assess: handed to Ada by the firing at 05:00, not earlier
    expect(handoff.destination.to).toEqual(['ada.account@example.com']);
    const firings = runtime.schedules.firings.filter((f) => f.schedule === drainSchedule());
    const handedBy = firings.filter((f) => (f.result as { assigned?: number } | undefined)?.assigned === 1);
    expect(handedBy.map((f) => f.scheduledTime)).toEqual([new Date(ADA_BACK).toISOString()]);
    expect(firings.filter((f) => Date.parse(f.scheduledTime) < ADA_BACK).every((f) => (f.result as { assigned: number }).assigned === 0)).toBe(true);
    const view = await eventually('the routing in the lead view', async () => ((await leadView(runtime, leadId))?.routing?.repId ? (await leadView(runtime, leadId))!.routing : undefined));
    expect(view).toMatchObject({ teamId: 'sales-americas', repId: 'rep-ada', via: 'queue' });
    await eventually('the journey to wait for acceptance', async () => journeyOf(leadId)?.states.includes('Await acceptance') || undefined);
  });

  it('hands a queued lead to a rep at once when one of her leads is rejected, and only once when drains race', async () => {
    // Prepare: no schedule fires from here on; Ada holds 4 open leads (Nina and 3 more), Ben is still away
    runtime.schedules.stop();
    const { LEADS_TABLE } = { LEADS_TABLE: runtime.cliEnv[SETTINGS.leadsTable]! };
    await table.send(new UpdateCommand({ TableName: LEADS_TABLE, Key: repKey('rep-ada'), UpdateExpression: 'ADD #open :three', ExpressionAttributeNames: { '#open': 'open' }, ExpressionAttributeValues: { ':three': 3 } }));
    await qualify(runtime, 'queue-olga', 'olga@full.example', 'Olga Full', { country: 'US' });
    expect((await eventually('Olga’s hand-off', async () => (await handoffsOf('Olga Full'))[0])).destination.to).toEqual(['ada.account@example.com']);
    expect(await openOf('rep-ada')).toBe(5);
    const pia = await qualify(runtime, 'queue-pia', 'pia@waits.example', 'Pia Waits', { country: 'US' });
    await queued(pia, 'Pia Waits');

    // Act: Ada rejects Olga
    await reject('Olga Full');

    // Assess: Pia is handed to Ada, with no schedule to do it
    const handoff = await eventually('Pia’s hand-off', async () => (await handoffsOf('Pia Waits'))[0], 10_000);
    expect(handoff.destination.to).toEqual(['ada.account@example.com']);
    expect((await leadView(runtime, pia))?.routing).toMatchObject({ repId: 'rep-ada', via: 'queue' });
    expect(await openOf('rep-ada')).toBe(5);

    // Prepare: a third lead waits
    const quin = await qualify(runtime, 'queue-quin', 'quin@race.example', 'Quin Race', { country: 'US' });
    await queued(quin, 'Quin Race');

    // Act: Ada rejects Pia, and two more drains run at the same moment as the one her rejection starts
    await reject('Pia Waits');
    const byHand = await Promise.all([runtime.schedules.fire(drainSchedule()), runtime.schedules.fire(drainSchedule())]);
    await eventually('Quin’s hand-off', async () => (await handoffsOf('Quin Race'))[0], 10_000);
    await eventually('Quin’s journey to wait for acceptance', async () => journeyOf(quin)?.states.includes('Await acceptance') || undefined);

    // Assess: one hand-off, one resumed wait, one open lead more for Ada
    expect(byHand.every((f) => f.error === undefined)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await handoffsOf('Quin Race')).toHaveLength(1);
    expect(journeyOf(quin)!.states.filter((s) => s === 'Await rep')).toHaveLength(1);
    expect(journeyOf(quin)!.states.filter((s) => s === 'Send hand-off')).toHaveLength(1);
    expect(await openOf('rep-ada')).toBe(5);
  });
});
