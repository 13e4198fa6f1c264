import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { journeyName } from '../../functions/core/journey.ts';
import { queuePartition } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';
import { capturedEmails, leadloop, leadView, qualify } from '../support/routing.ts';

/**
 * Two leads of one person, both waiting in the Americas queue (Ada and Ben
 * away), merged by an alias, then Ada is back: the person is handed out once
 * and counts once against Ada's open leads. The merge removes the absorbed
 * lead's queue item; an item it left (as a merge before this fix did, or one
 * put back here) is dropped by the drain without being handed out. Through
 * the local runtime, its clock on a Monday morning in New York.
 */
const TEAM = 'sales-americas';

let runtime: LocalRuntime;
let table: DynamoDBDocumentClient;
let leadsTable: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 60, clockStart: new Date('2027-01-11T15:00:00Z'), synth: false, log: () => undefined });
  table = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  leadsTable = runtime.cliEnv[SETTINGS.leadsTable]!;
}, 120_000);

afterAll(async () => {
  table?.destroy();
  await runtime?.stop();
});

const journeyOf = (leadId: string) => [...runtime.stepFunctions.executions.values()].find((e) => e.name === journeyName(leadId, 1));
const handoffsOf = async (name: string) => (await capturedEmails(runtime)).filter((e) => e.subject.startsWith('New lead') && e.subject.includes(name));
const openOf = async (repId: string) => ((JSON.parse((await leadloop(runtime, 'reps', 'list', '--json')).out) as { repId: string; open: number }[]).find((r) => r.repId === repId))!.open;
const queueItems = async () => (await table.send(new QueryCommand({ TableName: leadsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': queuePartition(TEAM) }, ConsistentRead: true }))).Items ?? [];

describe('two queued leads of one person, merged', () => {
  it('hands the person to a rep back from time away once, counted once, whether or not the merge left the absorbed lead’s queue item', async () => {
    // Prepare: the whole Americas team away this week; the person qualifies as two visitors, both queued
    expect((await leadloop(runtime, 'reps', 'away', 'rep-ada', '--from', '2027-01-04', '--until', '2027-01-15')).status).toBe(0);
    expect((await leadloop(runtime, 'reps', 'away', 'rep-ben', '--from', '2027-01-04', '--until', '2027-01-15')).status).toBe(0);
    const survivor = await qualify(runtime, 'queue-merge-older', 'remy.older@twice.example', 'Remy Twice', { country: 'US' });
    await eventually('the older lead to wait for a rep', async () => journeyOf(survivor)?.states.includes('Await rep') || undefined);
    const absorbed = await qualify(runtime, 'queue-merge-newer', 'remy.newer@twice.example', 'Remy Twice', { country: 'US' });
    await eventually('the newer lead to wait for a rep', async () => journeyOf(absorbed)?.states.includes('Await rep') || undefined);
    const stale = await eventually('the newer lead’s queue item with its token', async () => (await queueItems()).find((i) => i.leadId === absorbed && typeof i.taskToken === 'string'));
    const openBefore = await openOf('rep-ada');

    // Act: an alias says the two visitors are one person
    expect((await sendEvent(runtime, '/v1/alias', { anonymousId: 'queue-merge-newer', previousId: 'queue-merge-older', messageId: 'queue-merge-alias' })).status).toBe(200);
    await eventually('the merge', async () => ((await leadView(runtime, absorbed))?.leadId === survivor ? true : undefined));

    // Assess: the absorbed lead's journey stopped, and its queue item went with it; the survivor's waits
    expect(journeyOf(absorbed)?.status).toBe('ABORTED');
    expect((await queueItems()).map((i) => i.leadId)).toEqual([survivor]);

    // Prepare: the absorbed lead's item as the merge used to leave it (its token now belongs to a stopped journey)
    await table.send(new PutCommand({ TableName: leadsTable, Item: stale }));

    // Act: Ada is back
    const back = await leadloop(runtime, 'reps', 'back', 'rep-ada');

    // Assess: the survivor alone handed to Ada; the stale item dropped, uncounted
    expect(back.status).toBe(0);
    expect(back.out).toContain(`${survivor} → rep-ada`);
    expect(back.out).not.toContain(absorbed);
    await eventually('the survivor’s hand-off', async () => (await handoffsOf('Remy Twice'))[0], 10_000);
    await eventually('the survivor’s journey to wait for acceptance', async () => journeyOf(survivor)?.states.includes('Await acceptance') || undefined);
    expect(await queueItems()).toEqual([]);
    expect(await openOf('rep-ada')).toBe(openBefore + 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await handoffsOf('Remy Twice')).toHaveLength(1);
    expect(await openOf('rep-ada')).toBe(openBefore + 1);
  }, 120_000);
});
