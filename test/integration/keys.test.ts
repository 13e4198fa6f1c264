import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../bin/cli/run.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import { KEY_CACHE_SECONDS } from '../../functions/core/key-registry.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';

/**
 * leadloop keys end to end: keys issued, listed, revoked and rotated by the
 * CLI on the local runtime's table, and the ingest function (its bundled
 * code, its per-container key cache) taking or refusing them.
 * The clock runs at 60×, so the functions' 60 s key cache expires in one real second.
 */
const CLOCK_SPEED = 60;
/** Real time past one whole cache window on the functions' clock, with margin. */
const PAST_CACHE_WINDOW_MS = ((KEY_CACHE_SECONDS + 10) * 1000) / CLOCK_SPEED;
const SHOP = 'https://shop.example';

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: CLOCK_SPEED, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

async function leadloop(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: (t) => err.push(t), env: { ...runtime.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
  const status = await run(args, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

async function createKey(args: string[]): Promise<{ key: string; id: string }> {
  const created = await leadloop(['keys', 'create', ...args, '--json']);
  expect(created).toMatchObject({ status: 0, err: '' });
  return JSON.parse(created.out) as { key: string; id: string };
}

/** A track call from a browser on `origin`, with `key` as the HTTP Basic user; its status. */
async function track(key: string, origin: string): Promise<number> {
  const response = await fetch(`${runtime.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: JSON.stringify({ type: 'track', messageId: randomUUID(), anonymousId: 'anon-keys', event: 'Viewed Pricing' }),
  });
  await response.body?.cancel();
  return response.status;
}

const pastCacheWindow = () => new Promise((resolve) => setTimeout(resolve, PAST_CACHE_WINDOW_MS));

describe('keys managed with leadloop keys', () => {
  it('issues a write key that ingest takes from its origin only, lists it without the key, and a revocation holds once the cache window has passed', async () => {
    const { key, id } = await createKey(['--kind', 'write', '--source', 'shop', '--origin', SHOP]);

    expect(await track(key, SHOP)).toBe(200);
    expect(await track(key, 'https://other.example')).toBe(403);

    const listed = await leadloop(['keys', 'list']);
    expect(listed.status).toBe(0);
    expect(listed.out).toContain(`${id}  write  shop  "shop"  ${SHOP}`);
    expect(listed.out).not.toContain(key);
    // the keys the runtime started with were issued the same way, and are listed without their values
    expect(listed.out).toMatch(/key_\w+ {2}write {2}local {2}"npm start write key" {2}\* /);
    expect(listed.out).toMatch(/key_\w+ {2}server {2}local {2}"npm start server key" {2}- /);
    expect(listed.out).not.toContain(runtime.writeKey);
    expect(await track(runtime.writeKey, SHOP)).toBe(200);
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: runtime.cliEnv[SETTINGS.leadsTable]! }));
    expect(JSON.stringify(Items)).not.toContain(key);

    const revoked = await leadloop(['keys', 'revoke', id]);
    expect(revoked).toMatchObject({ status: 0, err: '' });
    expect(revoked.out).toContain(`Revoked write key ${id}`);
    await pastCacheWindow();
    expect(await track(key, SHOP)).toBe(401);
    expect((await leadloop(['keys', 'list'])).out).toMatch(new RegExp(`${id} .* revoked \\d{4}-`));
  });

  it('rotates a key: the new one works at once with the same origins, the old one is refused once the cache window has passed', async () => {
    const old = await createKey(['--kind', 'write', '--source', 'shop', '--name', 'Shop site', '--origin', SHOP]);
    expect(await track(old.key, SHOP)).toBe(200);

    const rotated = await leadloop(['keys', 'rotate', old.id]);
    expect(rotated).toMatchObject({ status: 0, err: '' });
    const newKey = /\n {2}(wk_\S+)\n/.exec(rotated.out)?.[1];
    expect(newKey).toBeDefined();

    expect(await track(newKey!, SHOP)).toBe(200);
    expect(await track(newKey!, 'https://other.example')).toBe(403);
    await pastCacheWindow();
    expect(await track(old.key, SHOP)).toBe(401);
    expect(await track(newKey!, SHOP)).toBe(200);
  });
});
