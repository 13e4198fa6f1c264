import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../bin/cli/run.ts';
import { failedRecordsPorts } from '../../bin/cli/failed.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import type { StreamFailure } from '../../functions/core/failed-records.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { replayParked } from '../../functions/failed-records/failed-records.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually } from '../support/local.ts';

/**
 * `leadloop failed list|replay` end to end through the local runtime: a
 * stream record scoring cannot apply is parked after its retries, listed
 * with what it is and why, stays parked while it still fails, and once its
 * cause is fixed is replayed through the scoring function, applied once.
 */
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

async function cli(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: { ...runtime.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
  const status = await run(args, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

async function leadByEmail(email: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

describe('leadloop failed', () => {
  // An identify whose email is far longer than a DynamoDB key may be (2 KB): its identity lookup fails.
  // Ingest refuses such an email, so it is written to the events table directly (as stream-isolation.test.ts does).
  const messageId = 'parked-identify';
  const visitor = 'visitor-parked';
  const tooLong = `${'p'.repeat(3000)}@example.com`;
  const eventsTable = () => runtime.cliEnv[SETTINGS.eventsTable]!;
  /** the parked batch's failure record, as listed before its replay */
  let parkedFailure: StreamFailure | undefined;

  it('lists a parked record, keeps it while it still fails, and once its cause is fixed replays it once', async () => {
    // Prepare: the record fails until the stream sets it aside
    const now = new Date().toISOString();
    const event = { messageId, kind: 'tracking', type: 'identify', anonymousId: visitor, email: tooLong, traits: { email: tooLong, name: 'Pat Parked' }, timestamp: now, receivedAt: now, sourceId: 'local' };
    await dynamodb.send(new PutItemCommand({ TableName: eventsTable(), Item: marshall(event) }));
    await eventually('the record to be parked', async () => {
      const listed = await cli('failed', 'list', '--json');
      return (JSON.parse(listed.out) as unknown[]).length > 0 ? true : undefined;
    }, 60_000);

    // Act + Assess: listed with what, when and why
    const list = await cli('failed', 'list');
    expect(list.status).toBe(0);
    expect(list.out).toMatch(/parked \d{4}-\d\d-\d\dT/);
    expect(list.out).toContain('1 record(s)');
    expect(list.out).toContain('retries exhausted after 6 invocations');
    expect(list.out).toContain(`${messageId}  tracking/identify`);
    const [parked] = JSON.parse((await cli('failed', 'list', '--json')).out) as { id: string; failure: StreamFailure; events: { messageId: string; stored: boolean }[] }[];
    parkedFailure = parked!.failure;
    expect(parked!.events).toEqual([expect.objectContaining({ messageId, stored: true })]);

    // a replay before the fix: fails again, stays parked
    const early = await cli('failed', 'replay');
    expect(early.status).toBe(1);
    expect(early.out).toContain(`${parked!.id}: failed again`);
    expect((JSON.parse((await cli('failed', 'list', '--json')).out) as unknown[]).length).toBe(1);
    expect(await leadByEmail('pat@parked.example')).toBeUndefined();

    // the fix: the stored event corrected (the email it should have had)
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: eventsTable(),
        Key: marshall({ messageId }),
        UpdateExpression: 'SET email = :email, traits.email = :email',
        ExpressionAttributeValues: marshall({ ':email': 'pat@parked.example' }),
      }),
    );
    const replay = await cli('failed', 'replay', parked!.id);
    expect(replay.err).toBe('');
    expect(replay.status).toBe(0);
    expect(replay.out).toContain(`${parked!.id}: replayed: 1 record(s) applied`);

    // applied once: the lead is there with the identify; nothing is parked any more
    const lead = await eventually('the lead of the replayed identify', () => leadByEmail('pat@parked.example'));
    expect(lead.traits).toMatchObject({ email: 'pat@parked.example', name: 'Pat Parked' });
    expect(lead.recentActivity.map((a) => a.messageId)).toEqual([messageId]);
    expect((await cli('failed', 'list')).out).toMatch(/^No parked stream records in /);
    expect(JSON.parse((await cli('failed', 'list', '--json')).out)).toEqual([]);
    expect((await cli('failed', 'replay')).out).toBe('Nothing parked: nothing to replay.');
  }, 120_000);

  it('changes nothing when the same records are replayed again', async () => {
    // Prepare: the batch as it was parked, replayed once already (above): its record is read again from the stream
    const wired = failedRecordsPorts(runtime.cliEnv);
    if (typeof wired === 'string') throw new Error(wired);
    const before = await leadByEmail('pat@parked.example');
    expect(before?.recentActivity.map((a) => a.messageId)).toEqual([messageId]);
    const batch = { id: 'again', handle: 'again', failure: parkedFailure! };

    // Act: replay it, twice
    const first = await replayParked({ ...wired.ports, parked: async () => [batch], unpark: async () => undefined });
    const second = await replayParked({ ...wired.ports, parked: async () => [batch], unpark: async () => undefined });

    // Assess: applied (already), and the lead as it was
    expect(first.map((r) => r.result)).toEqual([{ outcome: 'replayed', applied: 1 }]);
    expect(second.map((r) => r.result)).toEqual([{ outcome: 'replayed', applied: 1 }]);
    const after = await leadByEmail('pat@parked.example');
    // the lead view's score is given as of the read (score.at): the rest is as stored
    const asStored = (view: LeadView | undefined) => view && { ...view, score: { ...view.score, at: 'the read' } };
    expect(asStored(after)).toEqual(asStored(before));
  }, 60_000);
});
