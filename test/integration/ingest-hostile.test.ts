import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventually, sendEvent, storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * Hostile and unusual requests through the local runtime (router, ingest
 * function, DynamoDB Local): every refusal is a 4xx naming the field, never a
 * 500, and stores nothing; compressed bodies are read; keys do only what their
 * kind allows; stored URLs keep no private query parameters.
 */
const local = useLocalRuntime();

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** Posts raw bytes (or text) with the write key and the headers given. */
function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${local.runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(local.runtime.writeKey), ...headers },
    body,
  });
}

async function issuesOf(response: Response): Promise<{ status: number; paths: string[]; messages: string[] }> {
  const body = (await response.json()) as { issues?: { path: string; message: string }[] };
  return { status: response.status, paths: (body.issues ?? []).map((i) => i.path), messages: (body.issues ?? []).map((i) => i.message) };
}

const storedWith = (messageIds: readonly string[]) => storedEvents(local.dynamodb, (e) => messageIds.includes(String(e.messageId)));

describe('identity values that become part of keys', () => {
  it('refuses an identify with a 3 KB email with 400 naming traits.email, stores nothing, and scoring goes on for others', async () => {
    // Prepare
    const hostile = { messageId: 'long-email-1', anonymousId: 'anon-long-email', traits: { email: `${'a'.repeat(3000)}@acme.example` } };
    const inBatch = { batch: [{ ...hostile, type: 'identify', messageId: 'long-email-2' }] };
    const onTrack = { messageId: 'long-email-3', anonymousId: 'anon-long-email', event: 'Signed Up', context: { traits: { email: hostile.traits.email } } };

    // Act
    const single = await issuesOf(await sendEvent(local.runtime, '/v1/identify', hostile));
    const batch = await issuesOf(await sendEvent(local.runtime, '/v1/batch', inBatch));
    const track = await issuesOf(await sendEvent(local.runtime, '/v1/track', onTrack));
    const after = await sendEvent(local.runtime, '/v1/identify', { messageId: 'after-long-email', anonymousId: 'anon-after', traits: { email: 'after@acme.example' } });

    // Assess
    expect(single).toMatchObject({ status: 400, paths: ['traits.email'], messages: ['an email address must be at most 254 characters'] });
    expect(batch).toMatchObject({ status: 400, paths: ['batch[0].traits.email'] });
    expect(track).toMatchObject({ status: 400, paths: ['context.traits.email'] });
    expect(after.status).toBe(200);
    expect(await storedWith(['long-email-1', 'long-email-2', 'long-email-3'])).toEqual([]);
    const lead = await eventually('the next identify scored into a lead', async () => {
      const response = await fetch(`${local.runtime.apiUrl}/v1/leads?email=after%40acme.example`, { headers: { authorization: `Bearer ${local.runtime.serverKey}` } });
      return response.status === 200 ? ((await response.json()) as { email: string }) : undefined;
    });
    expect(lead.email).toBe('after@acme.example');
  });

  it('answers GET /v1/leads?email= with a 3 KB email with 400 naming email', async () => {
    // Act
    const response = await fetch(`${local.runtime.apiUrl}/v1/leads?email=${encodeURIComponent(`${'a'.repeat(3000)}@acme.example`)}`, {
      headers: { authorization: `Bearer ${local.runtime.serverKey}` },
    });

    // Assess
    expect(await issuesOf(response)).toMatchObject({ status: 400, paths: ['email'] });
  });
});

describe('valid JSON that DynamoDB cannot store', () => {
  let deep = '1';
  for (let i = 0; i < 40; i++) deep = `{"a":${deep}}`;
  let veryDeep = '1';
  for (let i = 0; i < 5000; i++) veryDeep = `[${veryDeep}]`;

  it.each([
    ['an empty field name', '{"": 1}', 'properties[""]'],
    ['a whole number beyond 2^53', '{"revenue": 100000000000000000000}', 'properties.revenue'],
    ['1e308', '{"revenue": 1e308}', 'properties.revenue'],
    ['a number below 1e-130', '{"ratio": 1e-200}', 'properties.ratio'],
    ['nesting past 32 levels', `{"deep": ${deep}}`, `properties.deep${'.a'.repeat(30)}`],
    ['nesting 5,000 levels deep', `{"deep": ${veryDeep}}`, `properties.deep${'[0]'.repeat(30)}`],
    ['a lone surrogate', '{"note": "a\\ud800b"}', 'properties.note'],
    ['a lone surrogate in a field name', '{"\\udc00": 1}', 'properties["\\udc00"]'],
  ])('refuses %s with 400 naming the field and the rule, alone and in a batch, and stores nothing', async (_class, properties, path) => {
    // Prepare
    const id = `unstorable-${path.length}-${properties.length}`;
    const single = `{"messageId": "${id}-1", "anonymousId": "anon-unstorable", "event": "Odd", "properties": ${properties}}`;
    const batch = `{"batch": [{"type": "track", "messageId": "${id}-2", "anonymousId": "anon-unstorable", "event": "Fine"}, {"type": "track", "messageId": "${id}-3", "anonymousId": "anon-unstorable", "event": "Odd", "properties": ${properties}}]}`;

    // Act
    const one = await issuesOf(await post('/v1/track', single));
    const many = await issuesOf(await post('/v1/batch', batch));

    // Assess
    expect(one.status).toBe(400);
    expect(one.paths).toEqual([path]);
    expect(one.messages[0]).toMatch(/must|nests too deep/);
    expect(many.status).toBe(400);
    expect(many.paths).toEqual([`batch[1].${path}`]);
    expect(await storedWith([`${id}-1`, `${id}-2`, `${id}-3`])).toEqual([]);
  });

  it('stores empty strings, lists and maps, null and 1e-130 and reads them back as sent', async () => {
    // Act
    const response = await post(
      '/v1/track',
      '{"messageId": "storable-edges", "anonymousId": "anon-edges", "event": "Edges", "properties": {"a": "", "b": [], "c": {}, "d": null, "e": 1e-130, "f": 9007199254740991}}',
    );

    // Assess
    expect(response.status).toBe(200);
    const [stored] = await storedWith(['storable-edges']);
    expect(stored?.properties).toEqual({ a: '', b: [], c: {}, d: null, e: 1e-130, f: 9007199254740991 });
  });
});

describe('field names of Object.prototype and the SDK', () => {
  // Sent as raw JSON: the body as JSON.parse reads it, a "__proto__" an own field (an object literal would set a prototype).
  const track = (id: string, name: string) =>
    `{"messageId":"${id}","anonymousId":"anon-proto","event":"Proto","properties":{"${name}":"x","a":{"b":{"${name}":{"c":1}}},"list":[{"${name}":1}]},"context":{"traits":{"${name}":"ctx"}}}`;
  const identify = (id: string, name: string, email: string) => `{"messageId":"${id}","anonymousId":"anon-proto-${email}","traits":{"email":"${email}","${name}":{"name":"String"}}}`;

  it.each(['__proto__', 'constructor'])('refuses %s as a field name at any depth with 400 naming each place, alone and in a batch, and stores nothing', async (name) => {
    // Prepare
    const id = `proto-refused-${name}`;
    const batch = `{"batch":[{"type":"page","messageId":"${id}-b0","anonymousId":"anon-proto"},${identify(`${id}-b1`, name, `${name}@acme.example`).replace('{', '{"type":"identify",')}]}`;

    // Act
    const single = await issuesOf(await post('/v1/track', track(`${id}-1`, name)));
    const traits = await issuesOf(await post('/v1/identify', identify(`${id}-2`, name, `${name}@acme.example`)));
    const batched = await issuesOf(await post('/v1/batch', batch));

    // Assess
    expect(single.status).toBe(400);
    expect(single.paths).toEqual([`properties.${name}`, `properties.a.b.${name}`, `properties.list[0].${name}`, `context.traits.${name}`]);
    expect(single.messages[0]).toMatch(`"${name}" is not accepted as a field name`);
    expect(traits).toMatchObject({ status: 400, paths: [`traits.${name}`] });
    expect(batched).toMatchObject({ status: 400, paths: [`batch[1].traits.${name}`] });
    expect(await storedWith([`${id}-1`, `${id}-2`, `${id}-b0`, `${id}-b1`])).toEqual([]);
  });

  it.each(['prototype', 'toString', 'hasOwnProperty', 'valueOf'])('stores %s as a field name at any depth and reads it back as sent, up to the lead the stream scores', async (name) => {
    // Prepare
    const id = `proto-kept-${name}`;
    const email = `${name.toLowerCase()}@acme.example`;
    const sentTrack = JSON.parse(track(`${id}-1`, name)) as { properties: unknown; context: { traits: unknown } };
    const sentIdentify = JSON.parse(identify(`${id}-2`, name, email)) as { traits: unknown };

    // Act
    const statuses = [(await post('/v1/track', track(`${id}-1`, name))).status, (await post('/v1/identify', identify(`${id}-2`, name, email))).status];

    // Assess
    expect(statuses).toEqual([200, 200]);
    const stored = await storedWith([`${id}-1`, `${id}-2`]);
    expect(stored.find((e) => e.messageId === `${id}-1`)).toMatchObject({ properties: sentTrack.properties, traits: sentTrack.context.traits });
    expect(stored.find((e) => e.messageId === `${id}-2`)?.traits).toEqual(sentIdentify.traits);
    const lead = await eventually(`the lead of ${email}`, async () => {
      const response = await fetch(`${local.runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${local.runtime.serverKey}` } });
      return response.status === 200 ? ((await response.json()) as { traits: Record<string, unknown> }) : undefined;
    });
    expect(Object.hasOwn(lead.traits, name) && lead.traits[name]).toEqual({ name: 'String' });
  });
});

describe('a batch is all or nothing', () => {
  it('refuses two valid pages and one event with a "constructor" field with 400 naming it, and stores none of them', async () => {
    // Prepare: the pages first, as the audit sent them (they were stored, then the third failed to marshal: 500)
    const batch = `{"batch":[{"type":"page","messageId":"mixed-1","anonymousId":"anon-mixed","name":"Pricing"},{"type":"page","messageId":"mixed-2","anonymousId":"anon-mixed","name":"Docs"},{"type":"track","messageId":"mixed-3","anonymousId":"anon-mixed","event":"E","properties":{"constructor":"x"}}]}`;
    const shared = `{"context":{"traits":{"__proto__":{"polluted":true}}},"batch":[{"type":"page","messageId":"mixed-4","anonymousId":"anon-mixed"}]}`;

    // Act
    const mixed = await issuesOf(await post('/v1/batch', batch));
    const sharedContext = await issuesOf(await post('/v1/batch', shared));
    const storedAfterRefusals = await storedWith(['mixed-1', 'mixed-2', 'mixed-3', 'mixed-4']);
    const fixed = await post('/v1/batch', batch.replace('"constructor"', '"builder"'));

    // Assess: nothing of either refused batch, then the whole corrected one
    expect(mixed).toMatchObject({ status: 400, paths: ['batch[2].properties.constructor'] });
    expect(sharedContext).toMatchObject({ status: 400, paths: ['context.traits.__proto__'] });
    expect(storedAfterRefusals).toEqual([]);
    expect(fixed.status).toBe(200);
    const stored = await storedWith(['mixed-1', 'mixed-2', 'mixed-3', 'mixed-4']);
    expect(stored.map((e) => e.messageId).sort()).toEqual(['mixed-1', 'mixed-2', 'mixed-3']);
  });
});

describe('what a key may do', () => {
  it('refuses the server key on ingest with 403 and stores nothing', async () => {
    // Act
    const response = await sendEvent(local.runtime, '/v1/track', { messageId: 'server-key-send', anonymousId: 'anon-sk', event: 'Signed Up' }, local.runtime.serverKey);

    // Assess
    expect(response.status).toBe(403);
    expect(await storedWith(['server-key-send'])).toEqual([]);
  });

  it('reads the Bearer and Basic schemes in any letter case', async () => {
    // Act
    const lower = await fetch(`${local.runtime.apiUrl}/v1/reports/funnel`, { headers: { authorization: `bearer ${local.runtime.serverKey}` } });
    const upper = await fetch(`${local.runtime.apiUrl}/v1/reports/funnel`, { headers: { authorization: `BEARER ${local.runtime.serverKey}` } });
    const basicUpper = await post('/v1/track', JSON.stringify({ messageId: 'basic-upper', anonymousId: 'anon-basic', event: 'Signed Up' }), {
      authorization: `BASIC ${Buffer.from(`${local.runtime.writeKey}:`).toString('base64')}`,
    });

    // Assess
    expect([lower.status, upper.status, basicUpper.status]).toEqual([200, 200, 200]);
    expect(await storedWith(['basic-upper'])).toHaveLength(1);
  });
});

describe('compressed bodies', () => {
  const event = (messageId: string) => JSON.stringify({ messageId, anonymousId: 'anon-compressed', event: 'Signed Up' });

  it('stores events sent with gzip, deflate and br, single and batched', async () => {
    // Act
    const statuses = [
      (await post('/v1/track', gzipSync(event('gzip-1')), { 'content-encoding': 'gzip' })).status,
      (await post('/v1/track', deflateSync(event('deflate-1')), { 'content-encoding': 'deflate' })).status,
      (await post('/v1/track', brotliCompressSync(event('br-1')), { 'content-encoding': 'br' })).status,
      (
        await post('/v1/batch', gzipSync(JSON.stringify({ batch: [{ ...JSON.parse(event('gzip-batch-1')), type: 'track' }, { ...JSON.parse(event('gzip-batch-2')), type: 'track' }] })), {
          'content-encoding': 'gzip',
        })
      ).status,
    ];

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200]);
    const stored = await storedWith(['gzip-1', 'deflate-1', 'br-1', 'gzip-batch-1', 'gzip-batch-2']);
    expect(stored.map((e) => e.messageId).sort()).toEqual(['br-1', 'deflate-1', 'gzip-1', 'gzip-batch-1', 'gzip-batch-2']);
  });

  it('answers 413 for a small gzip body that expands past the limit, and stores nothing', async () => {
    // Prepare: about 10 KB on the wire, 2 MB decompressed
    const bomb = gzipSync(JSON.stringify({ batch: [{ type: 'track', messageId: 'bomb-1', anonymousId: 'anon-bomb', event: 'Boom', properties: { blob: 'x'.repeat(2 * 1024 * 1024) } }] }));
    expect(bomb.length).toBeLessThan(32 * 1024);

    // Act
    const response = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });

    // Assess
    expect(await issuesOf(response)).toMatchObject({ status: 413, paths: ['body'] });
    expect(await storedWith(['bomb-1'])).toEqual([]);
  });

  it('answers 415 naming the header for a Content-Encoding it does not know', async () => {
    const response = await post('/v1/track', event('compress-1'), { 'content-encoding': 'compress' });

    expect(await issuesOf(response)).toMatchObject({ status: 415, paths: ['headers.content-encoding'] });
    expect(await storedWith(['compress-1'])).toEqual([]);
  });
});

describe('privacy of stored URLs', () => {
  it('keeps a password sent in a GET form URL out of the stored event, and the campaign parameters in', async () => {
    // Prepare: the page a login form sent with GET leads to, as Segment's page() reports it
    const url = 'https://acme.example/welcome?user=jo&password=hunter2&utm_source=news&gclid=Cj0K';

    // Act
    const response = await sendEvent(local.runtime, '/v1/page', {
      messageId: 'private-url-1',
      anonymousId: 'anon-private',
      properties: { url, referrer: 'https://acme.example/login?password=hunter2', search: '?user=jo&password=hunter2&utm_source=news&gclid=Cj0K', path: '/welcome' },
      context: { page: { url, referrer: 'https://acme.example/login?password=hunter2' } },
    });

    // Assess
    expect(response.status).toBe(200);
    const [stored] = await storedWith(['private-url-1']);
    expect(stored).toMatchObject({
      url: 'https://acme.example/welcome?utm_source=news&gclid=Cj0K',
      referrer: 'https://acme.example/login',
      properties: { url: 'https://acme.example/welcome?utm_source=news&gclid=Cj0K', referrer: 'https://acme.example/login', search: '?utm_source=news&gclid=Cj0K' },
    });
    expect(JSON.stringify(stored)).not.toMatch(/hunter2|user=jo/);
  });
});
