import { createEventStore } from '#adapters/event-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { dynamodb } from '#commons/clients.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '#commons/errors.ts';
import { header, httpHandler, json, parseJsonBody, validate, type HttpEvent } from '#commons/http.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import type { KeyLookup } from '#commons/auth.ts';
import { ingestLimits, privacy } from '#config/index.ts';
import { BATCH } from '#core/event-types.ts';
import { createKeyLimiter, KEY_LIMIT_NAME, keyLimitFrom, keyLimitMessage, type KeyLimiter } from '#core/key-limit.ts';
import { browserUseRefusal, keyFromAuthorization, keyKindRefusal } from '#core/keys.ts';
import { batchEvent, requestTypeOf, segmentBatchSchema, withoutClientExtras, type RequestType } from '#core/segment-batch.ts';
import { itemSizeIssue, storableIssues } from '#core/storable.ts';
import { toStoredEvent, trackingEventSchema, type StoredEvent, type TrackingEvent } from '#core/tracking-event.ts';
import { recordEvents, type RecordEventsPorts } from './record-events.ts';

/** What taking events in needs: the use case's ports, the keys to check the sender's, and the clock that dates receipt. */
export interface IngestHandlerPorts extends RecordEventsPorts, KeyLookup {
  now: () => Date;
  /** The per-write-key limit: admits a request's events (counted one by one) or refuses them all. */
  keyLimiter: KeyLimiter;
}

const EVENT_LIMIT_BYTES = 32 * 1024;
const BATCH_LIMIT_BYTES = 500 * 1024;
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** The write key: the user of HTTP Basic auth (Segment's convention), a Bearer token, or `writeKey` in the body. */
function writeKeyOf(event: HttpEvent, body: unknown): string | undefined {
  const fromHeader = keyFromAuthorization(header(event, 'authorization'));
  if (fromHeader) return fromHeader;
  const fromBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One event, valid by the Segment spec and storable by DynamoDB as it is (see core/storable.ts). */
function validEvent(candidate: Record<string, unknown>, path = ''): TrackingEvent {
  const unstorable = storableIssues(candidate, path);
  if (unstorable.length > 0) throw new ValidationError(unstorable);
  return validate(trackingEventSchema, candidate, path);
}

/** The stored form of each event, refused (400, naming the event) if one would pass DynamoDB's item size. */
function storedEvents(type: RequestType, events: readonly TrackingEvent[], receivedAt: Date, sourceId: string): StoredEvent[] {
  const stored = events.map((e) => toStoredEvent(e, receivedAt, sourceId, privacy));
  const issues = stored.flatMap((item, i) => itemSizeIssue(item, type === BATCH ? `batch[${i}]` : 'body') ?? []);
  if (issues.length > 0) throw new ValidationError(issues);
  return stored;
}

/**
 * Validates the request into tracking events. A batch is all or nothing:
 * when any event is invalid, none is stored and every problem is named.
 */
function parseEvents(type: RequestType, body: unknown): TrackingEvent[] {
  if (!isObject(body)) throw new ValidationError([{ path: 'body', message: 'must be a JSON object' }]);
  if (type !== BATCH) {
    const candidate = withoutClientExtras(body);
    if (candidate.type !== undefined && candidate.type !== type) {
      throw new ValidationError([{ path: 'type', message: `must be "${type}" on /v1/${type}` }]);
    }
    return [validEvent({ ...candidate, type })];
  }
  const envelope = withoutClientExtras(body);
  // What the events share (context, integrations, …) is checked as sent, before zod copies it: a copy by
  // assignment would turn a "__proto__" into a prototype, and the field would vanish instead of being named.
  const { batch: sent, ...shared } = envelope;
  const sharedIssues = storableIssues(shared);
  if (sharedIssues.length > 0) throw new ValidationError(sharedIssues, 'the batch has invalid fields; none of its events was stored');
  const batch = validate(segmentBatchSchema, envelope);
  // The events as sent (the schema checked each is an object), not zod's copies, for the same reason.
  const items = sent as Record<string, unknown>[];
  const events: TrackingEvent[] = [];
  const issues: { path: string; message: string }[] = [];
  items.forEach((item, i) => {
    // Checked first: an event nested too deep could not even be measured (JSON.stringify recurses).
    const unstorable = storableIssues(item, `batch[${i}]`);
    if (unstorable.length > 0) {
      issues.push(...unstorable);
      return;
    }
    if (Buffer.byteLength(JSON.stringify(item)) > EVENT_LIMIT_BYTES) {
      issues.push({ path: `batch[${i}]`, message: `an event must be at most ${EVENT_LIMIT_BYTES} bytes` });
      return;
    }
    try {
      events.push(validEvent(batchEvent(batch, item), `batch[${i}]`));
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...(error.issues ?? []));
      else throw error;
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, 'the batch has invalid events; none was stored');
  return events;
}

/**
 * The Segment-compatible ingest API (POST /v1/{type}, /v1/batch): checks the
 * write key, validates and stores each event once; scoring happens downstream.
 */
export function ingestHandler(ports: IngestHandlerPorts) {
  // A flood would log a line per refused request: one warning per source and minute, with the count.
  const refusals = new Map<string, { warnedAtMs: number; requests: number; events: number }>();
  const noteRefusal = (sourceId: string, events: number, nowMs: number, retryAfterSeconds: number) => {
    const seen = refusals.get(sourceId) ?? { warnedAtMs: -Infinity, requests: 0, events: 0 };
    const counted = { ...seen, requests: seen.requests + 1, events: seen.events + events };
    if (nowMs - seen.warnedAtMs < REFUSAL_LOG_INTERVAL_MS) return void refusals.set(sourceId, counted);
    logger.warn('write key over its limit', { sourceId, refusedRequests: counted.requests, refusedEvents: counted.events, retryAfterSeconds });
    refusals.set(sourceId, { warnedAtMs: nowMs, requests: 0, events: 0 });
  };
  return httpHandler(async (event) => {
    const requested = requestTypeOf(event.rawPath);
    if (requested.type === undefined) throw new ValidationError([{ path: 'type', message: `unknown event type "${requested.name}"` }]);
    const { type } = requested;
    const body = parseJsonBody(event, type === BATCH ? BATCH_LIMIT_BYTES : EVENT_LIMIT_BYTES);
    const writeKey = writeKeyOf(event, body);
    if (!writeKey) throw new UnauthorizedError('a write key is required as the HTTP Basic user or as writeKey in the body');
    const key = await ports.findKey(writeKey);
    if (!key) throw new UnauthorizedError('the write key is not valid');
    const refusal = browserUseRefusal(key, header(event, 'origin')) ?? keyKindRefusal(key, 'send events');
    if (refusal) throw new ForbiddenError(refusal);

    const receivedAt = ports.now();
    const events = storedEvents(type, parseEvents(type, body), receivedAt, key.sourceId);
    // Counted per event, after validation (a refused request spends nothing) and before any write.
    const decision = ports.keyLimiter.take(writeKey, events.length, receivedAt.getTime());
    if (!decision.admitted) {
      const { limit } = ports.keyLimiter;
      noteRefusal(key.sourceId, events.length, receivedAt.getTime(), decision.retryAfterSeconds);
      return json(
        429,
        { error: keyLimitMessage(limit, decision.retryAfterSeconds), limit: { name: KEY_LIMIT_NAME, ...limit }, retryAfterSeconds: decision.retryAfterSeconds },
        { 'retry-after': String(decision.retryAfterSeconds) },
      );
    }
    const result = await recordEvents(events, ports);
    logger.info('events recorded', { ...result, sourceId: key.sourceId });
    return json(200, { success: true });
  });
}

// Wiring, once per cold start: settings → adapters → the handler's ports.
const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { findKey } = createKeys({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { putEventsOnce } = createEventStore({ client: dynamodb, eventsTable, onConsumed: meter.onConsumed });

// Per instance: each function instance keeps its own buckets (see README, "Abuse limits and alarms").
const keyLimiter = createKeyLimiter(keyLimitFrom(ingestLimits.perWriteKey, process.env));

export const handler = ingestHandler({ findKey, putEventsOnce, now: () => new Date(), keyLimiter });

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
