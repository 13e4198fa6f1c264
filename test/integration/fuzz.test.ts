import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DescribeTableCommand, ListTablesCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../functions/commons/concurrency.ts';
import { ingestTypeOf } from '../../functions/core/event-types.ts';
import { readTemplate } from '../../local/template.ts';
import { useLocalRuntime } from '../support/local.ts';

/**
 * Issue 14, fuzzing: FUZZ_RUNS (10,000) generated requests, seeded
 * (FUZZ_SEED, printed on failure), over every route of the synthesized API
 * (read from the template, so a route added later is fuzzed too), through the
 * local runtime: structurally extreme JSON (depth, number range and
 * precision past DynamoDB's, empty and huge names, lone surrogates and NULs,
 * sizes at and past the limits after marshalling, duplicate keys, not JSON
 * at all, compressed or claiming to be), valid events with one field made
 * extreme, field names of Object.prototype and the SDK (`__proto__`,
 * `constructor`, `prototype`, `toString`, …) at any depth of properties,
 * traits and context, and hostile headers (keys of every kind and none, odd
 * content types and encodings).
 *
 * Then: no answer is a 5xx; every 4xx names the field, parameter or header
 * that was wrong (see namesTheField for the statuses with none to name);
 * the events table grew by exactly the events of the accepted requests, each
 * stored as it was sent (its properties and traits round-trip), and the
 * leads table not at all (both counted before and after); no lead exists for
 * a visitor whose every request was refused.
 *
 * The stream is held while the requests are sent: scoring reads only stored
 * events, and none is stored for a refused request (checked), so the lead
 * check is that nothing else writes a lead for one. Scoring a thousand new
 * visitors meanwhile only slowed the requests (about 30 report-count writes
 * each, see docs/decisions.md).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 2_147_483_647));

const local = useLocalRuntime();

interface Route {
  method: string;
  path: string;
}

/** Every public route of the API as synthesized (cdk.out), `ANY`, `$default` and the local-only ones aside. */
function routes(): Route[] {
  const template = readTemplate(path.resolve(import.meta.dirname, '../../cdk.out'));
  const found: Route[] = [];
  for (const resource of Object.values(template.Resources ?? {}) as { Type: string; Properties?: { RouteKey?: string } }[]) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    const [method, routePath] = String(resource.Properties?.RouteKey).split(' ') as [string, string | undefined];
    if (routePath && method !== 'ANY') found.push({ method, path: routePath });
  }
  return found;
}

/** One generated request: where, how, and the visitor it speaks for (when its body is an event we marked). */
interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** messageIds this request's events carry (marked by us), to trace what was stored */
  messageIds: string[];
  /** the events as sent, by messageId, to check the stored ones round-trip */
  sent: Map<string, Record<string, unknown>>;
  anonymousIds: string[];
  describe: string;
}

// ---- values at and past every limit -------------------------------------------------------------

const extremeString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', 'a\u0000b', '\u202Etxt.exe', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '😀'.repeat(300), '<img src=x onerror=alert(1)>', '{{7*7}}', '${jndi:x}', "' OR 1=1 --", '../../etc/passwd', '%00', 'NaN', '-0'),
  fc.integer({ min: 1, max: 6 }).map((k) => 'x'.repeat(10 ** k / 2)),
);
const extremeNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 1e126, 9.9e125, 1e-130, 1e-131, 2 ** 53, 2 ** 53 + 1, -(2 ** 63), 0.1 + 0.2, 123456789.123456789),
);
/** Raw JSON number texts JSON.stringify never writes: 39 significant digits, past DynamoDB's 38, exponents past its range. */
const rawNumberText = fc.constantFrom('123456789012345678901234567890123456789', '1e400', '-1e400', '1e-400', '0.000000000000000000000000000000000000000001', '1E+126', '-0.0e0');

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { n: value } : [value];
  return value;
}

/** Names JavaScript or the SDK may read as other than data: each must be refused with a 400 or round-trip. */
const prototypeName = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__');
const fieldName = fc.oneof({ weight: 3, arbitrary: extremeString }, { weight: 1, arbitrary: prototypeName });
/** A map of `names` with `value` at the bottom, each name an own field (as JSON.parse makes "__proto__"), a sibling or two beside. */
const namedPath = fc
  .tuple(fc.array(fc.oneof(fieldName, prototypeName), { minLength: 1, maxLength: 6 }), fc.oneof(extremeString, extremeNumber, fc.constant({})), fc.boolean())
  .map(([names, value, sibling]) => names.reduceRight<unknown>((inner, name) => Object.fromEntries([[name, inner], ...(sibling ? [['plan', 'pro']] : [])]), value));

const extremeValue: fc.Arbitrary<unknown> = fc.oneof(
  extremeString,
  extremeNumber,
  fc.constantFrom(null, true, false, [], {}),
  fc.integer({ min: 1, max: 200 }).map(nested),
  fc.array(fc.tuple(fieldName, fc.oneof(extremeString, extremeNumber)), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  namedPath,
  namedPath,
  fc.array(fc.oneof(extremeString, extremeNumber), { maxLength: 20 }),
  fc.jsonValue({ maxDepth: 4 }),
);

// ---- bodies --------------------------------------------------------------------------------------

/** A body; the events we built whole (to compare what is stored), and the messageIds it carries (raw texts we wrote too). */
type Body = { text: string | Buffer; events?: Record<string, unknown>[]; messageIds?: string[] };

const eventTypes = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

/** A valid-looking event of a type, marked with our ids, with one field (or several) made extreme. */
const oddEvent = (i: number) =>
  fc
    .record({
      type: fc.constantFrom(...eventTypes),
      field: fc.constantFrom('properties', 'traits', 'context', 'event', 'name', 'timestamp', 'userId', 'previousId', 'groupId', 'integrations', 'extra', 'properties.revenue', 'traits.email', 'context.page.url', 'context.campaign', 'context.traits', 'properties.deal', 'traits.company'),
      value: extremeValue,
      keep: fc.boolean(),
    })
    .map(({ type, field, value, keep }) => {
      const anonymousId = `fuzz-anon-${i}`;
      const event: Record<string, unknown> = {
        type,
        anonymousId,
        messageId: `fuzz-${i}`,
        timestamp: '2026-11-30T10:00:00.000Z',
        ...(type === 'track' && { event: 'Content Downloaded', properties: { asset: 'guide' } }),
        ...(type === 'page' && { name: 'Docs', properties: { url: 'https://example.com/docs' } }),
        ...(type === 'identify' && { traits: { email: `fuzz.${i}@example.com` } }),
        ...(type === 'group' && { groupId: 'g-1', traits: { name: 'Acme' } }),
        ...(type === 'alias' && { previousId: `fuzz-prev-${i}`, userId: `fuzz-user-${i}` }),
      };
      if (!keep) {
        const [head, ...rest] = field.split('.') as [string, ...string[]];
        const at = rest.reduceRight<unknown>((inner, name) => ({ [name]: inner }), value);
        // spread, not assigned: an own "__proto__" inside `value` stays an own field
        event[head] = rest.length === 0 ? at : { ...((event[head] as object | undefined) ?? {}), ...(at as object) };
      }
      return event;
    });

function jsonBody(i: number): fc.Arbitrary<Body> {
  return fc.oneof(
    // one event, valid or with one field made extreme
    oddEvent(i).map((event) => ({ text: JSON.stringify(event), events: [event] })),
    // a batch of them, odd sizes included
    fc.tuple(fc.array(oddEvent(i), { minLength: 0, maxLength: 6 }), fc.oneof({ weight: 4, arbitrary: fc.constant<unknown>({}) }, { weight: 1, arbitrary: namedPath })).map(([events, shared]) => {
      const marked = events.map((e, j) => ({ ...e, messageId: `fuzz-${i}-${j}` }));
      // the batch's context, merged under each event's: sometimes with odd names of its own
      return { text: JSON.stringify({ batch: marked, context: { library: { name: 'fuzz' }, ...(shared as object) } }), events: marked };
    }),
    // anything JSON
    fc.jsonValue({ maxDepth: 6 }).map((value) => ({ text: JSON.stringify(value) })),
    // deep: past any parser's patience and DynamoDB's 32 levels
    fc.integer({ min: 10, max: 5000 }).map((depth) => ({ messageIds: [`fuzz-${i}`], text: `{"type":"track","event":"Deep","anonymousId":"fuzz-anon-${i}","messageId":"fuzz-${i}","properties":{"deep":${'['.repeat(depth)}1${']'.repeat(depth)}}}` })),
    // numbers JSON.stringify would never write
    rawNumberText.map((n) => ({ messageIds: [`fuzz-${i}`], text: `{"type":"track","event":"Odd number","anonymousId":"fuzz-anon-${i}","messageId":"fuzz-${i}","properties":{"n":${n}}}` })),
    // duplicate keys: which one wins must not matter to what is stored
    fc.constant<Body>({ messageIds: [`fuzz-${i}`], text: `{"type":"track","event":"Twice","event":"Twice again","anonymousId":"fuzz-anon-${i}","messageId":"fuzz-${i}","messageId":"fuzz-${i}"}` }),
    // huge: at and past the body limit and DynamoDB's 400 KB item
    fc.constantFrom(100_000, 390_000, 420_000, 600_000).map((size) => ({ messageIds: [`fuzz-${i}`], text: JSON.stringify({ type: 'track', event: 'Big', anonymousId: `fuzz-anon-${i}`, messageId: `fuzz-${i}`, properties: { blob: 'b'.repeat(size) } }) })),
    // many small properties: past DynamoDB's item size after marshalling, not before
    fc.constantFrom(5_000, 30_000).map((count) => ({ messageIds: [`fuzz-${i}`], text: JSON.stringify({ type: 'track', event: 'Wide', anonymousId: `fuzz-anon-${i}`, messageId: `fuzz-${i}`, properties: Object.fromEntries(Array.from({ length: count }, (_, k) => [`p${k}`, k])) }) })),
    // names: empty, huge, odd
    fc.constantFrom('', 'x'.repeat(70_000), '\u0000', '.', '#', ':', '$').map((name) => ({ messageIds: [`fuzz-${i}`], text: JSON.stringify({ type: 'track', event: 'Names', anonymousId: `fuzz-anon-${i}`, messageId: `fuzz-${i}`, properties: { [name]: 1 } }) })),
    // not JSON, or not text
    fc.constantFrom('', 'null', '[]', '{', '{"a":', 'NaN', 'undefined', '\uFEFF{}', 'a=1&b=2', '<xml/>').map((text) => ({ text })),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ text: Buffer.from(bytes) })),
    fc.constant({ text: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }), // invalid UTF-8 in a string
  );
}

// ---- headers and URLs ----------------------------------------------------------------------------

const authorization = (keys: { write: string; server: string }) =>
  fc.oneof(
    fc.constant(`Basic ${Buffer.from(`${keys.write}:`).toString('base64')}`),
    fc.constant(`Bearer ${keys.server}`),
    fc.constant(`Basic ${Buffer.from(`${keys.server}:`).toString('base64')}`),
    fc.constant(`Bearer ${keys.write}`),
    fc.constantFrom('', 'Basic', 'Basic !!!', `Basic ${'A'.repeat(8000)}`, 'Bearer ', 'Bearer x', 'Digest abc', `Basic ${Buffer.from(':').toString('base64')}`, 'basic ' + Buffer.from('wk_nope:').toString('base64')),
    fc.constant(undefined),
  );

const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1', undefined);

const pathParam = fc.oneof(
  fc.constantFrom('lead-0123456789abcdef0123', 'lead-00000000000000000000', '1', '0', '-1', '99999999999999999999', 'accept', 'reject', 'contacted', 'closed', 'accepted', 'rejected', '..', 'a'.repeat(3000)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

const queryValue = fc.oneof(
  fc.constantFrom('2026-11-01', '2026-02-30', '2026-13-01', '1970-01-01', '9999-12-31', '2026-11-30T10:00:00Z', 'campaign', 'source', 'rep', 'trait:industry', 'trait:', 'linear', 'w-shaped', 'time-decay', 'csv', 'json', 'week', 'month', 'rep-sam', '0', '-1', '1e9', ''),
  extremeString,
);
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom('from', 'to', 'by', 'model', 'format', 'period', 'email', 'rep', 'exp', 'sig', 'days', 'halfLifeDays', 'token', 'u', 'l'), fc.string({ maxLength: 8 })), queryValue), { maxLength: 5 });

function fillPath(template: string, params: string[]): string {
  let k = 0;
  return template.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[k++] ?? 'x'));
}

function requestsOf(apiUrl: string, keys: { write: string; server: string }, all: readonly Route[]): fc.Arbitrary<(i: number) => FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...all),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD') }),
      params: fc.array(pathParam, { minLength: 3, maxLength: 3 }),
      query,
      authorization: authorization(keys),
      contentType,
      gzip: fc.constantFrom('none', 'none', 'none', 'gzip', 'claims-gzip', 'deflate-claimed'),
      extraHeaders: fc.array(fc.tuple(fc.constantFrom('x-forwarded-for', 'origin', 'user-agent', 'accept', 'referer', 'x-amz-date', 'cookie'), fc.oneof(fc.string({ maxLength: 30 }), fc.constant('x'.repeat(6000)))), { maxLength: 3 }),
      seed: fc.integer(),
    })
    .map((r) => (i: number): FuzzRequest => {
      const method = r.method ?? r.route.method;
      const url = new URL(`${apiUrl}${fillPath(r.route.path, r.params)}`);
      for (const [name, value] of r.query) url.searchParams.append(name, value);
      const headers: Record<string, string> = {};
      if (r.authorization !== undefined) headers.authorization = r.authorization;
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      for (const [name, value] of r.extraHeaders) headers[name] = value.replace(/[^\t\x20-\x7e]/g, '?');
      const [generated] = fc.sample(jsonBody(i), { seed: r.seed, numRuns: 1 }) as [Body];
      let body: Buffer | undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        body = Buffer.isBuffer(generated.text) ? generated.text : Buffer.from(generated.text);
        if (r.gzip === 'gzip') {
          body = gzipSync(body);
          headers['content-encoding'] = 'gzip';
        } else if (r.gzip === 'claims-gzip') headers['content-encoding'] = 'gzip';
        else if (r.gzip === 'deflate-claimed') headers['content-encoding'] = 'br';
      }
      const events = body ? (generated.events ?? []) : [];
      return {
        method,
        url: url.toString(),
        headers,
        body,
        messageIds: body ? [...events.map((e) => String(e.messageId)), ...(generated.messageIds ?? [])] : [],
        sent: new Map(events.map((e) => [String(e.messageId), e])),
        anonymousIds: [`fuzz-anon-${i}`],
        describe: `${method} ${url.pathname}${url.search.slice(0, 200)} [${Object.keys(headers).join(',')}] body ${body ? body.subarray(0, 300).toString() : '-'}`,
      };
    });
}

interface Answer {
  request: FuzzRequest;
  status: number;
  contentType: string;
  text: string;
}

/** The two tables by their keys: events by messageId, leads by pk. */
async function tableNames(dynamodb: DynamoDBClient): Promise<{ events: string; leads: string }> {
  const names: Partial<Record<'events' | 'leads', string>> = {};
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  for (const name of TableNames) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    const key = Table?.KeySchema?.[0]?.AttributeName;
    if (key === 'messageId') names.events = name;
    if (key === 'pk') names.leads = name;
  }
  if (!names.events || !names.leads) throw new Error(`tables not found among ${TableNames.join(', ')}`);
  return names as { events: string; leads: string };
}

async function scanAll(dynamodb: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/** A POST to /v1/{type}: the ingest API, the only route that stores a body's events. */
function isIngest(request: FuzzRequest): boolean {
  const [root, version, name, ...rest] = new URL(request.url).pathname.split('/');
  return request.method === 'POST' && root === '' && version === 'v1' && rest.length === 0 && name !== undefined && ingestTypeOf(name) !== undefined;
}

async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

/**
 * 4xx answers with no field, parameter or header to name: the credential as a whole is missing or unknown (401), a
 * valid key may not do this (403), no such route or resource (404, 405), the body as a whole is too large (413), the
 * key is over its limit (429), the headers as a whole are too large (431). These still say what in `error`.
 */
const NOTHING_TO_NAME = new Set([401, 403, 404, 405, 413, 429, 431]);

/**
 * A 4xx names what was wrong: JSON with an `error` and `issues` each with a non-empty `path` (the field,
 * parameter or header), or the same as an HTML page (`<li><strong>path</strong>`, for people at the hand-off,
 * feedback and unsubscribe links). Only the statuses of NOTHING_TO_NAME may come without issues.
 */
function namesTheField(answer: Answer): boolean {
  if (answer.request.method === 'HEAD') return answer.text === ''; // an answer to HEAD has no body to name anything in
  const exempt = NOTHING_TO_NAME.has(answer.status);
  // The HTTP server refuses headers too large before any route runs, with no body (as API Gateway does).
  if (answer.status === 431) return true;
  if (answer.contentType.includes('text/html')) return exempt ? answer.text.length > 0 : /<li><strong>[^<]+<\/strong>/.test(answer.text);
  if (!answer.contentType.includes('json')) return false;
  let body: { error?: unknown; issues?: { path?: unknown }[] };
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return false;
  }
  // API Gateway's own answer to a route it does not have is {"message":"Not Found"}: exempt, and it says what.
  if (exempt && body.issues === undefined) return [body.error, (body as { message?: unknown }).message].some((text) => typeof text === 'string' && text !== '');
  if (typeof body.error !== 'string' || body.error === '') return false;
  return Array.isArray(body.issues) && body.issues.length > 0 && body.issues.every((issue) => typeof issue.path === 'string' && issue.path.length > 0);
}

describe(`${RUNS} generated requests over every route (seed ${SEED})`, () => {
  it('get no 5xx; each 4xx names the field; only accepted events are stored, as sent; refused visitors have no lead', async () => {
    const { runtime, dynamodb } = local;
    const all = routes();
    expect(all.length).toBeGreaterThan(10);
    const makers = fc.sample(requestsOf(runtime.apiUrl, { write: runtime.writeKey, server: runtime.serverKey }, all), { seed: SEED, numRuns: RUNS });
    const requests = makers.map((make, i) => make(i));
    const tables = await tableNames(dynamodb);

    // Act: every request, sixteen at a time, the stream held (nothing scores meanwhile), both tables counted around them
    const answers: Answer[] = [];
    await runtime.streams.hold();
    const before = { events: await countItems(dynamodb, tables.events), leads: await countItems(dynamodb, tables.leads) };
    await forEachConcurrently(requests, 16, async (request) => {
      const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' });
      answers.push({ request, status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() });
    });
    const after = { events: await countItems(dynamodb, tables.events), leads: await countItems(dynamodb, tables.leads) };
    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    console.log(`fuzz: seed ${SEED}, ${answers.length} requests over ${all.length} routes, answers ${[...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(', ')}`);
    const named = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'].map((name) => {
      const carrying = answers.filter((a) => a.request.body?.includes(`"${name}":`));
      return `${name} ${carrying.length} (${carrying.filter((a) => a.status < 300).length} accepted)`;
    });
    console.log(`fuzz: requests carrying prototype-style field names: ${named.join(', ')}`);
    const where = (answer: Answer) => `seed ${SEED} (FUZZ_SEED=${SEED} to replay): ${answer.status} for ${answer.request.describe}\n→ ${answer.text.slice(0, 300)}`;

    // Assess: no 5xx, and each 400 says what was wrong
    const failures = answers.filter((a) => a.status >= 500);
    expect(failures.map(where).slice(0, 5), `${failures.length} answers were 5xx`).toEqual([]);
    const unnamed = answers.filter((a) => a.status >= 400 && a.status < 500 && !namesTheField(a));
    expect(unnamed.map(where).slice(0, 5), `${unnamed.length} 4xx answers did not name the field`).toEqual([]);
    expect(answers.filter((a) => a.status >= 200 && a.status < 300).length, 'some requests are accepted').toBeGreaterThan(RUNS / 50);

    // every stored event of ours belongs to an accepted request, and round-trips
    const accepted = new Map<string, Answer>();
    for (const answer of answers) if (answer.status >= 200 && answer.status < 300) for (const id of answer.request.messageIds) accepted.set(id, answer);
    const stored = (await scanAll(dynamodb, tables.events)).filter((e) => String(e.messageId).startsWith('fuzz-'));
    const strays = stored.filter((e) => !accepted.has(String(e.messageId)));
    expect(strays.map((e) => String(e.messageId)).slice(0, 5), 'events stored for refused requests').toEqual([]);
    // Counted, whatever their ids: the events table grew by the events of the accepted ingest requests exactly (each
    // stored, none else: another route's 2xx to an event-shaped body stores none of it), and the leads table not at
    // all (the stream is held; no request here writes it directly)
    const ingested = new Set(answers.filter((a) => a.status >= 200 && a.status < 300 && isIngest(a.request)).flatMap((a) => a.request.messageIds));
    expect(stored.length, 'events of accepted ingest requests stored').toBe(ingested.size);
    expect(after, 'items in both tables after, beside the events of accepted requests').toEqual({ events: before.events + ingested.size, leads: before.leads });
    for (const event of stored) {
      const sent = accepted.get(String(event.messageId))!.request.sent.get(String(event.messageId));
      if (!sent) continue; // a request whose events we did not build (raw text)
      // stored as tracking-event.ts toStoredEvent names them: a track's or page's properties, an identify's traits
      // (other calls' come from context.traits), a group's traits as groupTraits
      const context = sent.context as { traits?: unknown } | undefined;
      const expected = {
        properties: sent.type === 'track' || sent.type === 'page' ? sent.properties : undefined,
        traits: sent.type === 'identify' ? sent.traits : context?.traits,
        groupTraits: sent.type === 'group' ? sent.traits : undefined,
      };
      for (const [field, value] of Object.entries(expected)) if (value !== undefined) expect(event[field], `${field} of ${String(event.messageId)}`).toEqual(value);
    }

    // no lead (identity, profile) names a visitor none of whose requests was accepted
    const acceptedVisitors = new Set(answers.filter((a) => a.status >= 200 && a.status < 300).flatMap((a) => a.request.anonymousIds));
    const leadItems = await scanAll(dynamodb, tables.leads);
    const refusedVisitors = leadItems.flatMap((item) => JSON.stringify(item).match(/fuzz-anon-\d+/g) ?? []).filter((id) => !acceptedVisitors.has(id));
    expect([...new Set(refusedVisitors)].slice(0, 5), 'lead items of visitors whose requests were all refused').toEqual([]);
  }, 1_200_000);
});
