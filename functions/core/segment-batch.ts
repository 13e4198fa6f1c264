import * as z from './zod.ts';
import { ingestTypeOf, type IngestType } from './event-types.ts';

/**
 * What a Segment client sends around its events, taken off before they are
 * validated: the request type named by the path, the write key in the body,
 * ids of null for "none", and a batch's shared context and send time.
 */

export type RequestType = IngestType;

/**
 * The request type the path's last segment names (`/v1/track`, or `/v1/t` as
 * analytics.js sends it); `name` is that segment as read, for a refusal.
 */
export function requestTypeOf(path: string): { type: RequestType } | { type: undefined; name: string } {
  const last = path.split('/').at(-1) ?? '';
  const type = ingestTypeOf(last);
  return type === undefined ? { type: undefined, name: last } : { type };
}

/** A Segment batch: its events and what they share. Each event is validated on its own, after merging. */
export const segmentBatchSchema = z.looseObject({
  batch: z.array(z.record(z.string(), z.unknown())).check(z.minLength(1, 'a batch needs at least one event'), z.maxLength(2500)),
  context: z.optional(z.record(z.string(), z.unknown())),
  integrations: z.optional(z.record(z.string(), z.unknown())),
  sentAt: z.optional(z.iso.datetime({ offset: true })),
});
export type SegmentBatch = z.infer<typeof segmentBatchSchema>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body (an event, or a batch's envelope) without what Segment's browser
 * library adds around it: the write key (on every event of its batches too)
 * and a `userId` or `anonymousId` of null for "none". The body is not changed.
 */
export function withoutClientExtras(value: Record<string, unknown>): Record<string, unknown> {
  const { writeKey: _writeKey, ...rest } = value;
  if (rest.userId === null) delete rest.userId;
  if (rest.anonymousId === null) delete rest.anonymousId;
  return rest;
}

/**
 * One event of a batch as if it had been sent alone: the batch's context
 * under the event's own (the event's keys win, key by key at the top level),
 * the batch's `sentAt` when the event has none, and the client's extras taken
 * off (see withoutClientExtras). The batch's `integrations` are not merged:
 * they are not stored, and an event sent without a messageId is identified by
 * its content, so merging them would change the id of a retried event.
 */
export function batchEvent(batch: Pick<SegmentBatch, 'context' | 'sentAt'>, event: Record<string, unknown>): Record<string, unknown> {
  return {
    ...withoutClientExtras(event),
    ...(batch.context && { context: { ...batch.context, ...(isObject(event.context) ? event.context : {}) } }),
    ...(batch.sentAt && event.sentAt === undefined && { sentAt: batch.sentAt }),
  };
}
