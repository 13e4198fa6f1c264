import { ListTablesCommand, DescribeTableCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyName } from '../../functions/core/journey.ts';
import { cycleKey } from '../../functions/core/table-layout.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { virtualNow } from '../../local/clock.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { DynamoDBClient as Client } from '@aws-sdk/client-dynamodb';
import { eventually, sendEvent } from '../support/local.ts';
import { qualify as qualifyVisitor } from '../support/qualify.ts';

/**
 * Two leads of one person, handed off, then merged by an alias: the absorbed
 * lead's journey is stopped (no escalation or email for it after), the
 * person keeps exactly one open hand-off on the survivor, and the rep's
 * links from the absorbed lead's email decide it there. Through the local
 * runtime over HTTP.
 *
 * The clock runs fast (one real second is 20 minutes): the acceptance window
 * of config/service-agreement.json passes in seconds, so a journey left
 * running would escalate while the test watches.
 */
const CLOCK_SPEED = 1200;

interface CapturedEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string };
}

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

async function emails(): Promise<CapturedEmail[]> {
  return ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: CapturedEmail[] }).emails;
}

/** Hand-off emails whose links are for `leadId` (and its `cycle`, if given). */
async function handOffsOf(leadId: string, cycle?: number): Promise<CapturedEmail[]> {
  const path = `/v1/handoffs/${leadId}/${cycle ?? ''}`;
  return (await emails()).filter((e) => e.subject.startsWith('New lead for you:') && (e.body.text ?? '').includes(path));
}

/** A visitor who qualifies under the default model (test/support/qualify.ts). */
const qualify = (anonymousId: string, email: string, name: string) => qualifyVisitor(runtime, { anonymousId, email, name });

async function lead(leadId: string): Promise<LeadView> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
}

/** The leads table's items under a partition key starting with `prefix` (a scan: a test's handful of items). */
async function leadsItems(prefix: string): Promise<Record<string, unknown>[]> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  for (const name of TableNames) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.KeySchema?.[0]?.AttributeName !== 'pk' || !name.includes('Leads')) continue;
    const items: Record<string, unknown>[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      start = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (start);
    return items.filter((item) => String(item.pk).startsWith(prefix));
  }
  throw new Error('no leads table');
}

const cycleItem = async (leadId: string, cycle: number) => {
  const { pk, sk } = cycleKey(leadId, cycle);
  return (await leadsItems(pk)).find((item) => item.pk === pk && item.sk === sk);
};

/** The once-only records of the emails sent about a lead (their idempotency keys begin with its id). */
const emailRecordsOf = async (leadId: string) => (await leadsItems(`EMAIL#${leadId}#`)).map((item) => String(item.pk).slice('EMAIL#'.length)).sort();

const execution = (leadId: string, cycle: number) => [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, cycle));

/** Waits until the local clock has passed `iso` by `marginMs` of virtual time. */
async function virtualTimePasses(iso: string, marginMs: number): Promise<void> {
  await eventually(`virtual time past ${iso}`, async () => (virtualNow(runtime.clock, Date.now()) > Date.parse(iso) + marginMs ? true : undefined), 120_000);
}

beforeAll(async () => {
  // a Monday at 09:00 UTC, inside the reps' working hours: the acceptance windows this waits out are four
  // working hours, not a night's worth of virtual time more when the suite runs at night
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, clockStart: new Date('2027-01-11T09:00:00Z'), synth: false, log: () => undefined });
  dynamodb = new Client({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

describe('two handed-off leads of one person merge', () => {
  const survivorId = leadIdFor('anon:merge-ho-older');
  const absorbedId = leadIdFor('anon:merge-ho-newer');

  it('stops the absorbed lead’s journey and leaves the survivor’s own hand-off the only one open', async () => {
    // Prepare: the older visitor qualifies and is handed off, then the newer one
    await qualify('merge-ho-older', 'rania.older@hooli.example', 'Rania Older');
    await eventually('the older lead’s hand-off', async () => (await handOffsOf(survivorId))[0]);
    await qualify('merge-ho-newer', 'rania.newer@hooli.example', 'Rania Newer');
    await eventually('the newer lead’s hand-off', async () => (await handOffsOf(absorbedId))[0]);
    const absorbedCycle = await cycleItem(absorbedId, 1);
    expect(absorbedCycle).toBeDefined();

    // Act: an alias says the two visitors are one person
    expect((await sendEvent(runtime, '/v1/alias', { anonymousId: 'merge-ho-newer', previousId: 'merge-ho-older', messageId: 'merge-ho-alias' })).status).toBe(200);
    await eventually('the merge', async () => ((await lead(absorbedId)).leadId === survivorId ? true : undefined));

    // Assess: the absorbed lead's journey was stopped; its cycle points at the survivor's
    expect(execution(absorbedId, 1)?.status).toBe('ABORTED');
    expect(await cycleItem(absorbedId, 1)).toMatchObject({ mergedInto: { leadId: survivorId, cycle: 1 } });
    const survivor = await lead(survivorId);
    expect(survivor).toMatchObject({ leadId: survivorId, stage: 'mql', cycle: 1, mergedLeadIds: [absorbedId] });
    const survivorCycle = await cycleItem(survivorId, 1);
    expect(survivor.owner?.repId).toBe((survivorCycle?.owner as { repId: string }).repId);
    expect(survivorCycle?.continues).toBeUndefined();
    expect(execution(survivorId, 1)?.status).toBe('RUNNING');

    // Assess: once the absorbed lead's deadline has long passed, nothing was sent about it but its hand-off
    await virtualTimePasses(String(absorbedCycle!.acceptBy), 2 * 3_600_000);
    expect(await emailRecordsOf(absorbedId)).toEqual([expect.stringMatching(new RegExp(`^${absorbedId}#1#handoff#`))]);
    // …while the survivor's journey went on to escalate its own (the same clock, so the test could have seen the other's)
    // (its steps may lag the clock on a busy machine: waited for, not assumed)
    await eventually('the survivor’s escalation', async () => ((await emailRecordsOf(survivorId)).some((key) => key.startsWith(`${survivorId}#1#escalation#`)) ? true : undefined), 60_000);
  }, 180_000);

  it('changes nothing when the merging event is delivered again, or the alias is sent again under a new id', async () => {
    // Prepare
    const before = { executions: runtime.stepFunctions.executions.size, handOffs: (await emails()).filter((e) => e.subject.startsWith('New lead for you:')).length };
    const survivorBefore = await lead(survivorId);

    // Act
    expect((await sendEvent(runtime, '/v1/alias', { anonymousId: 'merge-ho-newer', previousId: 'merge-ho-older', messageId: 'merge-ho-alias' })).status).toBe(200);
    expect((await sendEvent(runtime, '/v1/alias', { anonymousId: 'merge-ho-newer', previousId: 'merge-ho-older', messageId: 'merge-ho-alias-2' })).status).toBe(200);
    await eventually('the second alias applied', async () => ((await lead(survivorId)).recentActivity.some((a) => a.messageId === 'merge-ho-alias-2') ? true : undefined));

    // Assess: the same lead, cycle and owner; no new journey, no new hand-off
    const survivorAfter = await lead(survivorId);
    expect({ cycle: survivorAfter.cycle, owner: survivorAfter.owner, mergedLeadIds: survivorAfter.mergedLeadIds }).toEqual({
      cycle: survivorBefore.cycle,
      owner: survivorBefore.owner,
      mergedLeadIds: survivorBefore.mergedLeadIds,
    });
    expect(runtime.stepFunctions.executions.size).toBe(before.executions);
    expect((await emails()).filter((e) => e.subject.startsWith('New lead for you:')).length).toBe(before.handOffs);
  }, 60_000);
});

describe('only the absorbed lead has a hand-off open', () => {
  const survivorId = leadIdFor('anon:merge-ho-rejected');
  const absorbedId = leadIdFor('anon:merge-ho-open');

  it('moves it to the survivor: same rep and deadline, no second hand-off email, and the old links decide it there', async () => {
    // Prepare: the first visitor is handed off and rejected (back to marketing, recycled: further along than a new MQL)
    await qualify('merge-ho-rejected', 'omar.first@initech.example', 'Omar First');
    const firstHandOff = await eventually('the first hand-off', async () => (await handOffsOf(survivorId))[0]);
    const rejectUrl = /Reject: (\S+)/.exec(firstHandOff.body.text ?? '')![1]!;
    const rejected = await fetch(rejectUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=No+budget+this+year' });
    expect(rejected.status).toBe(200);
    await eventually('the rejection applied', async () => ((await lead(survivorId)).stage === 'recycled' ? true : undefined));
    // …then the same person, on another device, qualifies again and is handed off
    await qualify('merge-ho-open', 'omar.second@initech.example', 'Omar Second');
    const openHandOff = await eventually('the open hand-off', async () => (await handOffsOf(absorbedId))[0]);
    const absorbedCycle = (await cycleItem(absorbedId, 1))!;
    const rep = (absorbedCycle.owner as { repId: string }).repId;

    // Act: the alias merges the open lead into the recycled one
    expect((await sendEvent(runtime, '/v1/alias', { anonymousId: 'merge-ho-open', previousId: 'merge-ho-rejected', messageId: 'merge-ho-alias-3' })).status).toBe(200);
    await eventually('the merge', async () => ((await lead(absorbedId)).leadId === survivorId ? true : undefined));

    // Assess: the survivor is the MQL of a second cycle, owned by the same rep, with the same deadline
    const survivor = await eventually('the continued cycle’s journey', async () => (execution(survivorId, 2) ? lead(survivorId) : undefined));
    expect(survivor).toMatchObject({ stage: 'mql', cycle: 2, owner: { repId: rep } });
    expect(await cycleItem(survivorId, 2)).toMatchObject({ owner: { repId: rep }, acceptBy: absorbedCycle.acceptBy, continues: { leadId: absorbedId, cycle: 1 } });
    expect(await cycleItem(absorbedId, 1)).toMatchObject({ mergedInto: { leadId: survivorId, cycle: 2 } });
    expect(execution(absorbedId, 1)?.status).toBe('ABORTED');
    await eventually('the continued journey waiting for the rep', async () => (execution(survivorId, 2)?.states.includes('Await acceptance') ? true : undefined));
    // the rep was not sent the hand-off again: one email, the absorbed lead's, and none for the survivor's cycle
    expect(await handOffsOf(absorbedId)).toHaveLength(1);
    expect(await handOffsOf(survivorId, 2)).toEqual([]);

    // Act: the rep accepts from the email they have, the absorbed lead's
    const acceptUrl = /Accept: (\S+)/.exec(openHandOff.body.text ?? '')![1]!;
    const accepted = await fetch(acceptUrl, { method: 'POST' });

    // Assess: recorded on the survivor's cycle; the survivor becomes the rep's accepted lead, and its journey follows up
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain('Lead accepted');
    await eventually('the acceptance applied to the survivor', async () => ((await lead(survivorId)).stage === 'sal' ? true : undefined));
    expect(await cycleItem(survivorId, 2)).toMatchObject({ outcome: { kind: 'accepted', cycle: 2, repId: rep } });
    await eventually('the survivor’s journey following up', async () => (execution(survivorId, 2)?.states.includes('Follow up') ? true : undefined));
    expect(await emailRecordsOf(absorbedId)).toEqual([`${absorbedId}#1#handoff#${rep}`]);
  }, 180_000);
});
