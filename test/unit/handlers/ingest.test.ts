import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import { createKeyLimiter, type KeyLimit, type KeyLimiter } from '../../../functions/core/key-limit.ts';
import type { EventRecord } from '../../../functions/core/records.ts';
import { ingestHandler } from '../../../functions/ingest/handler.ts';
import { basicAuth, freshKey, httpEvent, issuePaths, jsonBody, lambdaContext } from './http-event.ts';

/**
 * The ingest handler on its ports in memory: the registered keys (as the keys
 * adapter answers them: a key switched off is not found) and the events
 * table (an event is stored once per messageId). What the DynamoDB calls
 * look like (the conditional put, the key looked up by its hash) is tested
 * on the adapters: test/unit/adapters/event-store-sdk.test.ts and
 * test/integration/adapters (event store, keys).
 */
const RECEIVED_AT = '2026-03-01T12:00:10.000Z';

type StoredKey = ApiKey & { active: boolean };

let keys: Map<string, StoredKey>;
/** the events table */
let events: Map<string, EventRecord>;
/** every put attempted, stored or not, in order */
let puts: EventRecord[];
/** keys looked up, in order */
let lookedUp: string[];
/** makes the events table fail a put, as DynamoDB can (throttling, …) */
let failPut: ((event: EventRecord) => Error | undefined) | undefined;
let handler: ReturnType<typeof ingestHandler>;
/** the handler's clock, in ms; tests of the per-key limit move it */
let clockMs: number;
/** the per-write-key limiter; generous unless a test sets a small one */
let limiter: KeyLimiter;
const GENEROUS: KeyLimit = { eventsPerSecond: 10_000, burstEvents: 100_000 };

/** The key is registered for source `src-web` as a write key, unless said otherwise. */
function stubWriteKey(key: string, item: StoredKey = { sourceId: 'src-web', kind: 'write', active: true }) {
  keys.set(key, item);
}

function expectKeyLookedUp(key: string) {
  expect(lookedUp).toContain(key);
}

function post(type: string, body: unknown, headers: Record<string, string> = {}) {
  return handler(
    httpEvent({ path: `/v1/${type}`, body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
    lambdaContext('ingest'),
  );
}

/** The events stored, in the order they were written. */
function storedItems(): EventRecord[] {
  return [...events.values()];
}

describe('ingest handler', () => {
  beforeEach(() => {
    keys = new Map();
    events = new Map();
    puts = [];
    lookedUp = [];
    failPut = undefined;
    clockMs = Date.parse(RECEIVED_AT);
    limiter = createKeyLimiter(GENEROUS);
    handler = ingestHandler({
      now: () => new Date(clockMs),
      keyLimiter: {
        get limit() {
          return limiter.limit;
        },
        take: (key, n, nowMs) => limiter.take(key, n, nowMs),
      },
      findKey: async (key) => {
        lookedUp.push(key);
        const found = keys.get(key);
        if (!found?.active) return undefined;
        const { active: _active, ...apiKey } = found;
        return apiKey;
      },
      putEventsOnce: async (batch) =>
        batch.map((event) => {
          puts.push(structuredClone(event));
          const failure = failPut?.(event);
          if (failure) throw failure;
          if (events.has(event.messageId)) return false;
          events.set(event.messageId, structuredClone(event));
          return true;
        }),
    });
  });

  describe('keys used from browsers', () => {
    it('accepts a write key from an origin it allows', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key, { sourceId: 'src-web', kind: 'write', active: true, allowedOrigins: ['https://www.acme.example'] });

      // Act
      const result = await post('page', { messageId: 'msg-origin-1', anonymousId: 'anon-1' }, { ...basicAuth(key), origin: 'https://www.acme.example' });

      // Assess
      expect(result.statusCode).toBe(200);
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(1);
      expect(storedItems()).toEqual([expect.objectContaining({ messageId: 'msg-origin-1', sourceId: 'src-web' })]);
    });

    it('refuses a write key from an origin it does not list, and stores nothing', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key, { sourceId: 'src-web', kind: 'write', active: true, allowedOrigins: ['https://www.acme.example'] });

      // Act
      const result = await post('page', { anonymousId: 'anon-1' }, { ...basicAuth(key), origin: 'https://evil.example' });

      // Assess
      expect(result.statusCode).toBe(403);
      expect(jsonBody(result)).toEqual({ error: 'this write key is not allowed from https://evil.example' });
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('refuses a server key sent from a browser, and stores nothing', async () => {
      // Prepare
      const key = freshKey('sk');
      stubWriteKey(key, { sourceId: 'src-crm', kind: 'server', active: true });

      // Act
      const result = await post('track', { anonymousId: 'anon-1', event: 'Signed Up' }, { ...basicAuth(key), origin: 'https://www.acme.example' });

      // Assess
      expect(result.statusCode).toBe(403);
      expect(jsonBody(result)).toEqual({ error: 'a server key cannot be used from a browser' });
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });
  });

  describe('what a key may do', () => {
    it('refuses a server key on ingest with 403 (server keys read; write keys send events), and stores nothing', async () => {
      // Prepare
      const key = freshKey('sk');
      stubWriteKey(key, { sourceId: 'src-crm', kind: 'server', active: true });

      // Act
      const result = await post('track', { anonymousId: 'anon-1', event: 'Signed Up' }, basicAuth(key));

      // Assess
      expect(result.statusCode).toBe(403);
      expect(jsonBody(result)).toEqual({ error: 'this needs a write key; a server key cannot send events' });
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('reads the Basic scheme in any letter case', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act
      const result = await post('track', { messageId: 'msg-basic-case', anonymousId: 'anon-1', event: 'Signed Up' }, { authorization: `BASIC ${Buffer.from(`${key}:`).toString('base64')}` });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(storedItems()).toContainEqual(expect.objectContaining({ messageId: 'msg-basic-case' }));
    });
  });

  describe('group and alias calls', () => {
    it('stores an alias with the identity it links, and a group with its account', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act
      const alias = await post('alias', { messageId: 'msg-alias-1', userId: 'crm-7', previousId: 'anon-9' }, basicAuth(key));
      const group = await post('group', { messageId: 'msg-group-1', userId: 'crm-7', groupId: 'acme', traits: { name: 'Acme', employees: 300 } }, basicAuth(key));

      // Assess
      expect([alias.statusCode, group.statusCode]).toEqual([200, 200]);
      expectKeyLookedUp(key);
      expect(storedItems()).toContainEqual(expect.objectContaining({ messageId: 'msg-alias-1', type: 'alias', userId: 'crm-7', previousId: 'anon-9' }));
      expect(storedItems()).toContainEqual(expect.objectContaining({ messageId: 'msg-group-1', type: 'group', groupId: 'acme', groupTraits: { name: 'Acme', employees: 300 } }));
    });

    it('refuses an alias without the identity it links, naming previousId, and stores nothing', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act
      const result = await post('alias', { userId: 'crm-7' }, basicAuth(key));

      // Assess
      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toContain('previousId');
      expect(puts).toEqual([]);
    });
  });

  describe('accepting events', () => {
    it('stores a track event once, with the email normalized and the time corrected for clock skew', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act: the client clock runs 5 s behind ours (sent at 12:00:05 by its clock, received at 12:00:10)
      const result = await post(
        'track',
        {
          messageId: 'msg-track-1',
          anonymousId: 'anon-1',
          event: 'Content Downloaded',
          properties: { asset: 'whitepaper' },
          context: { traits: { email: '  Jane.Doe@Example.COM ' } },
          timestamp: '2026-03-01T12:00:00.000Z',
          sentAt: '2026-03-01T12:00:05.000Z',
        },
        basicAuth(key),
      );

      // Assess
      expect(result.statusCode).toBe(200);
      expect(jsonBody(result)).toEqual({ success: true });
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(1);
      expect(storedItems()).toEqual([expect.objectContaining({
          messageId: 'msg-track-1',
          kind: 'tracking',
          type: 'track',
          event: 'Content Downloaded',
          anonymousId: 'anon-1',
          email: 'jane.doe@example.com',
          timestamp: '2026-03-01T12:00:05.000Z',
          receivedAt: RECEIVED_AT,
          sourceId: 'src-web',
        })]);
    });

    it('never dates an event after it was received', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'page',
        { messageId: 'msg-future', anonymousId: 'anon-2', timestamp: '2026-03-01T13:00:00.000Z' },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(200);
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(1);
      expect(storedItems()).toEqual([expect.objectContaining({ messageId: 'msg-future', timestamp: RECEIVED_AT })]);
    });

    it('accepts the write key as writeKey in the body of a page call and does not store it', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('page', {
        writeKey: key,
        messageId: 'msg-page-1',
        anonymousId: 'anon-3',
        name: 'Pricing',
        context: { page: { url: 'https://example.com/pricing', referrer: 'https://news.example.org/' } },
      });

      expect(result.statusCode).toBe(200);
      expect(jsonBody(result)).toEqual({ success: true });
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(1);
      expect(storedItems()).toEqual([expect.objectContaining({
          messageId: 'msg-page-1',
          type: 'page',
          name: 'Pricing',
          url: 'https://example.com/pricing',
          referrer: 'https://news.example.org/',
          timestamp: RECEIVED_AT,
        })]);
      expect(storedItems()[0]).not.toHaveProperty('writeKey');
    });

    it('stores an identify call with its traits and the email taken from them', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'identify',
        { messageId: 'msg-identify-1', userId: 'user-42', traits: { email: 'SAM@Acme-Corp.com', title: 'Head of Ops' } },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(200);
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(1);
      expect(storedItems()).toEqual([expect.objectContaining({
          messageId: 'msg-identify-1',
          type: 'identify',
          userId: 'user-42',
          email: 'sam@acme-corp.com',
          traits: { email: 'SAM@Acme-Corp.com', title: 'Head of Ops' },
        })]);
    });

    it('stores every event of a batch with one conditional put each, sharing the batch context', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'batch',
        {
          batch: [
            { type: 'identify', messageId: 'b-1', userId: 'u-1', traits: { email: 'Kim@Example.com' } },
            { type: 'page', messageId: 'b-2', userId: 'u-1', context: { page: { url: 'https://example.com/docs' } } },
            { type: 'track', messageId: 'b-3', userId: 'u-1', event: 'Email Clicked' },
          ],
          context: { campaign: { source: 'newsletter', medium: 'email' } },
        },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(200);
      expect(jsonBody(result)).toEqual({ success: true });
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(3);
      const campaign = { source: 'newsletter', medium: 'email' };
      for (const [messageId, type] of [['b-1', 'identify'], ['b-2', 'page'], ['b-3', 'track']]) {
        expect(storedItems()).toContainEqual(expect.objectContaining({ messageId, type, userId: 'u-1', campaign, sourceId: 'src-web' }));
      }
      expect(storedItems().find((item) => item.messageId === 'b-1')).toMatchObject({ email: 'kim@example.com' });
    });

    it('gives an event without messageId the same derived id when a client retries it later', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      const event = { anonymousId: 'anon-4', event: 'Email Clicked', timestamp: '2026-03-01T11:00:00.000Z' };

      await post('track', { ...event, sentAt: '2026-03-01T11:00:01.000Z' }, basicAuth(key));
      await post('track', { ...event, sentAt: '2026-03-01T11:05:00.000Z' }, basicAuth(key));

      expectKeyLookedUp(key);
      expect(puts).toHaveLength(2);
      const [first, second] = puts;
      expect(first?.messageId).toMatch(/^ll-[0-9a-f]{32}$/);
      expect(second?.messageId).toBe(first?.messageId);
      // so the retry is stored once
      expect(storedItems()).toHaveLength(1);
    });
  });

  describe('write keys', () => {
    it('refuses a request without a write key with 401 and stores nothing', async () => {
      stubWriteKey('wk-registered');

      const result = await post('track', { anonymousId: 'anon-5', event: 'Email Clicked' });

      expect(result.statusCode).toBe(401);
      expect(jsonBody(result).error).toMatch(/write key/);
      expect(lookedUp).toEqual([]);
      expect(puts).toEqual([]);
    });

    it('refuses an unknown write key with 401 and stores nothing', async () => {
      const key = freshKey('unknown');

      const result = await post('track', { anonymousId: 'anon-6', event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(401);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('refuses a deactivated write key with 401 and stores nothing', async () => {
      const key = freshKey('rotated');
      stubWriteKey(key, { sourceId: 'src-web', kind: 'write', active: false });

      const result = await post('track', { anonymousId: 'anon-7', event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(401);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });
  });

  describe('refusing invalid requests', () => {
    it('answers 400 naming `type` for a path that is not an event type, before reading the body or the key', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('purchase', { anonymousId: 'anon-8', event: 'Bought' }, basicAuth(key));

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['type']);
      expect(lookedUp).toEqual([]);
      expect(puts).toEqual([]);
    });

    it('answers 400 naming `body` when the body is not JSON, before looking at the key', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('track', '{"anonymousId": "anon-8",', basicAuth(key));

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['body']);
      expect(lookedUp).toEqual([]);
      expect(puts).toEqual([]);
    });

    it('answers 400 naming the nested field path when a field has the wrong type', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('page', { anonymousId: 'anon-9', context: { page: { url: 42 } } }, basicAuth(key));

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['context.page.url']);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('answers 400 naming `type` when the body says another type than the path', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('track', { type: 'page', anonymousId: 'anon-10', event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['type']);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('answers 400 naming `userId` when the event has neither userId nor anonymousId', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post('track', { event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['userId']);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('answers 413 for a single event over 32 KB and stores nothing', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'track',
        { anonymousId: 'anon-11', event: 'Content Downloaded', properties: { blob: 'x'.repeat(33 * 1024) } },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(413);
      expect(issuePaths(result)).toEqual(['body']);
      expect(lookedUp).toEqual([]);
      expect(puts).toEqual([]);
    });

    it('refuses a whole batch with 400 naming batch[i].<field> when one event is invalid, storing none', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'batch',
        {
          batch: [
            { type: 'track', messageId: 'ok-1', anonymousId: 'anon-12', event: 'Email Clicked' },
            { type: 'track', messageId: 'bad-1', anonymousId: 'anon-12' },
            { type: 'page', messageId: 'ok-2', anonymousId: 'anon-12' },
          ],
        },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['batch[1].event']);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });

    it('names every invalid event of a batch, including one over 32 KB', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      const result = await post(
        'batch',
        {
          batch: [
            { type: 'page', messageId: 'big', anonymousId: 'anon-13', properties: { blob: 'x'.repeat(33 * 1024) } },
            { type: 'page', messageId: 'ok-3', anonymousId: 'anon-13' },
            { type: 'identify', messageId: 'no-id', traits: {} },
          ],
        },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['batch[0]', 'batch[2].userId']);
      expectKeyLookedUp(key);
      expect(puts).toEqual([]);
    });
  });

  describe('storage outcomes', () => {
    it('answers 200 for an event already stored (a retried request)', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      const first: EventRecord = { kind: 'tracking', messageId: 'msg-dup', type: 'track', event: 'Email Clicked', anonymousId: 'anon-14', timestamp: '2026-03-01T11:59:00.000Z', receivedAt: '2026-03-01T11:59:00.000Z', sourceId: 'src-web' };
      events.set('msg-dup', first);

      const result = await post('track', { messageId: 'msg-dup', anonymousId: 'anon-14', event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(200);
      expect(jsonBody(result)).toEqual({ success: true });
      expectKeyLookedUp(key);
      expect(puts).toEqual([expect.objectContaining({ messageId: 'msg-dup', receivedAt: RECEIVED_AT })]);
      // the event stored first stays as it was
      expect(storedItems()).toEqual([first]);
    });

    it('stores the rest of a batch when some of its events are duplicates', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      const seenBefore: EventRecord = { kind: 'tracking', messageId: 'seen-before', type: 'track', event: 'Email Clicked', anonymousId: 'anon-15', timestamp: '2026-03-01T11:59:00.000Z', receivedAt: '2026-03-01T11:59:00.000Z', sourceId: 'src-web' };
      events.set('seen-before', seenBefore);

      const result = await post(
        'batch',
        {
          batch: [
            { type: 'track', messageId: 'seen-before', anonymousId: 'anon-15', event: 'Email Clicked' },
            { type: 'track', messageId: 'brand-new', anonymousId: 'anon-15', event: 'Email Clicked' },
          ],
        },
        basicAuth(key),
      );

      expect(result.statusCode).toBe(200);
      expectKeyLookedUp(key);
      expect(puts).toHaveLength(2);
      expect(puts).toContainEqual(expect.objectContaining({ messageId: 'seen-before' }));
      expect(storedItems()).toEqual([seenBefore, expect.objectContaining({ messageId: 'brand-new', receivedAt: RECEIVED_AT })]);
    });

    it('answers a bare 500 that does not leak the error when DynamoDB fails otherwise', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      failPut = () => Object.assign(new Error('rate exceeded on table events-table-secret'), { name: 'ProvisionedThroughputExceededException' });

      const result = await post('track', { messageId: 'msg-500', anonymousId: 'anon-16', event: 'Email Clicked' }, basicAuth(key));

      expect(result.statusCode).toBe(500);
      expect(jsonBody(result)).toEqual({ error: 'internal error' });
      expect(result.body).not.toMatch(/secret|rate exceeded|ProvisionedThroughput/);
      expectKeyLookedUp(key);
      expect(puts).toEqual([expect.objectContaining({ messageId: 'msg-500' })]);
      expect(storedItems()).toEqual([]);
    });
  });
  describe('the per-write-key limit', () => {
    const SMALL: KeyLimit = { eventsPerSecond: 2, burstEvents: 5 };
    const batchOf = (prefix: string, n: number) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'track', event: 'Viewed', anonymousId: `${prefix}-anon`, messageId: `${prefix}-${i}` })) });

    beforeEach(() => {
      limiter = createKeyLimiter(SMALL);
    });

    it('counts every event of a batch, refuses the request past the limit whole with 429 naming the limit and Retry-After, and stores none of it', async () => {
      // Prepare
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act: 3 events fit the bucket of 5; 3 more do not
      const first = await post('batch', batchOf('first', 3), basicAuth(key));
      const second = await post('batch', batchOf('second', 3), basicAuth(key));

      // Assess: 2 events left, 1 missing, at 2 per second: 1 s
      expect(first.statusCode).toBe(200);
      expect(second.statusCode).toBe(429);
      expect(second.headers?.['retry-after']).toBe('1');
      const body = jsonBody(second);
      expect(body.limit).toEqual({ name: 'events per write key', eventsPerSecond: 2, burstEvents: 5 });
      expect(body.retryAfterSeconds).toBe(1);
      expect(body.error).toMatch(/events per write key is 2 per second, bursts of 5; none of this request's events was stored, retry after 1 s/);
      expect(storedItems().map((e) => e.messageId)).toEqual(['first-0', 'first-1', 'first-2']);
    });

    it('admits the same request once the Retry-After has passed', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      await post('batch', batchOf('first', 5), basicAuth(key));
      const refused = await post('batch', batchOf('again', 4), basicAuth(key));
      expect(refused.statusCode).toBe(429);

      clockMs += Number(refused.headers?.['retry-after']) * 1000;
      const retried = await post('batch', batchOf('again', 4), basicAuth(key));

      expect(refused.headers?.['retry-after']).toBe('2');
      expect(retried.statusCode).toBe(200);
      expect(storedItems()).toHaveLength(9);
    });

    it("leaves another key's events alone while one key is over its limit", async () => {
      const flooding = freshKey('flood');
      const other = freshKey('other');
      stubWriteKey(flooding, { sourceId: 'src-flood', kind: 'write', active: true });
      stubWriteKey(other, { sourceId: 'src-other', kind: 'write', active: true });
      await post('batch', batchOf('flood', 5), basicAuth(flooding));

      const refused = await post('track', { event: 'Viewed', anonymousId: 'f', messageId: 'flood-more' }, basicAuth(flooding));
      const accepted = await post('batch', batchOf('other', 5), basicAuth(other));

      expect(refused.statusCode).toBe(429);
      expect(accepted.statusCode).toBe(200);
      expect(storedItems().map((e) => e.messageId)).toEqual(['flood-0', 'flood-1', 'flood-2', 'flood-3', 'flood-4', 'other-0', 'other-1', 'other-2', 'other-3', 'other-4']);
    });

    it('spends nothing on a refused invalid request', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);
      const invalid = { batch: [...batchOf('bad', 4).batch, { type: 'track', anonymousId: 'x' }] };

      const refused = await post('batch', invalid, basicAuth(key));
      const valid = await post('batch', batchOf('good', 5), basicAuth(key));

      expect(refused.statusCode).toBe(400);
      expect(valid.statusCode).toBe(200);
    });

    it('admits a batch larger than the bucket when the bucket is full, then refuses until the debt is paid back', async () => {
      const key = freshKey('wk');
      stubWriteKey(key);

      // Act: 9 events from a full bucket of 5 leave it at -4; 1 s later it holds -2
      const large = await post('batch', batchOf('large', 9), basicAuth(key));
      clockMs += 1_000;
      const tooSoon = await post('track', { event: 'Viewed', anonymousId: 'l', messageId: 'soon' }, basicAuth(key));
      clockMs += Number(tooSoon.headers?.['retry-after']) * 1000;
      const paidBack = await post('track', { event: 'Viewed', anonymousId: 'l', messageId: 'later' }, basicAuth(key));

      // Assess: 3 tokens missing for one event at 2 per second: 2 s
      expect(large.statusCode).toBe(200);
      expect(tooSoon.statusCode).toBe(429);
      expect(tooSoon.headers?.['retry-after']).toBe('2');
      expect(paidBack.statusCode).toBe(200);
      expect(storedItems().map((e) => e.messageId)).not.toContain('soon');
    });
  });
});
