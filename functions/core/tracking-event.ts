import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Events in the Segment Tracking API shape, validated once at the edge,
 * and the normalized form they are stored in.
 */

const MAX_STRING = 2048;
const isoDate = z.iso.datetime({ offset: true });

const campaignSchema = z.looseObject({
  source: z.string().max(MAX_STRING).optional(),
  medium: z.string().max(MAX_STRING).optional(),
  name: z.string().max(MAX_STRING).optional(),
  term: z.string().max(MAX_STRING).optional(),
  content: z.string().max(MAX_STRING).optional(),
});

const contextSchema = z.looseObject({
  page: z
    .looseObject({
      url: z.string().max(MAX_STRING).optional(),
      path: z.string().max(MAX_STRING).optional(),
      referrer: z.string().max(MAX_STRING).optional(),
      title: z.string().max(MAX_STRING).optional(),
      search: z.string().max(MAX_STRING).optional(),
    })
    .optional(),
  campaign: campaignSchema.optional(),
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(MAX_STRING).optional(),
  traits: z.record(z.string(), z.unknown()).optional(),
});

const common = {
  messageId: z.string().min(1).max(255).optional(),
  userId: z.string().min(1).max(255).optional(),
  anonymousId: z.string().min(1).max(255).optional(),
  timestamp: isoDate.optional(),
  sentAt: isoDate.optional(),
  context: contextSchema.optional(),
  integrations: z.record(z.string(), z.unknown()).optional(),
  // Sent by Segment's own libraries; accepted and not used.
  _metadata: z.record(z.string(), z.unknown()).optional(),
  version: z.union([z.number(), z.string()]).optional(),
  channel: z.string().max(64).optional(),
  originalTimestamp: isoDate.optional(),
  receivedAt: isoDate.optional(),
};

const trackSchema = z.strictObject({
  ...common,
  type: z.literal('track'),
  event: z.string().min(1).max(255),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const pageSchema = z.strictObject({
  ...common,
  type: z.literal('page'),
  name: z.string().max(255).optional(),
  category: z.string().max(255).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const identifySchema = z.strictObject({
  ...common,
  type: z.literal('identify'),
  traits: z.record(z.string(), z.unknown()).optional(),
});

const groupSchema = z.strictObject({
  ...common,
  type: z.literal('group'),
  groupId: z.string().min(1).max(255),
  traits: z.record(z.string(), z.unknown()).optional(),
});

/** Two identities of one person: `previousId` (usually an anonymous id) becomes `userId`. */
const aliasSchema = z.strictObject({
  ...common,
  type: z.literal('alias'),
  previousId: z.string().min(1).max(255),
});

export const trackingEventSchema = z
  .discriminatedUnion('type', [trackSchema, pageSchema, identifySchema, groupSchema, aliasSchema])
  .superRefine((event, ctx) => {
    if (event.userId === undefined && event.anonymousId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'either userId or anonymousId is required' });
    }
  });
export type TrackingEvent = z.infer<typeof trackingEventSchema>;
export type TrackingEventType = TrackingEvent['type'];

/** The UTM parameters of a visit: utm_source, utm_medium, utm_campaign (name), utm_term, utm_content. */
export interface Campaign {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

/** An event as stored: immutable, identity normalized, time corrected. */
export interface StoredEvent {
  messageId: string;
  type: TrackingEventType;
  event?: string;
  name?: string;
  userId?: string;
  anonymousId?: string;
  /** normalized email, when the event carries one */
  email?: string;
  /** alias: the identity the person had before */
  previousId?: string;
  /** group: the account the person belongs to, and its traits */
  groupId?: string;
  groupTraits?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  url?: string;
  referrer?: string;
  campaign?: Campaign;
  /** when it happened, corrected for client clock skew */
  timestamp: string;
  receivedAt: string;
  sourceId: string;
}

/** One person never becomes two leads by letter case or whitespace. */
export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
}

/**
 * Corrects the event time for the client's clock skew: the client said it sent
 * at `sentAt`; we received at `receivedAt`; the difference is the skew.
 */
export function correctedTimestamp(event: Pick<TrackingEvent, 'timestamp' | 'sentAt'>, receivedAt: Date): string {
  if (event.timestamp === undefined) return receivedAt.toISOString();
  const timestamp = Date.parse(event.timestamp);
  if (event.sentAt === undefined) return new Date(Math.min(timestamp, receivedAt.getTime())).toISOString();
  const skew = receivedAt.getTime() - Date.parse(event.sentAt);
  return new Date(Math.min(timestamp + skew, receivedAt.getTime())).toISOString();
}

function campaignOf(event: TrackingEvent): Campaign | undefined {
  const c = event.context?.campaign;
  if (!c) return undefined;
  const campaign: Campaign = {
    ...(c.source !== undefined && { source: c.source }),
    ...(c.medium !== undefined && { medium: c.medium }),
    ...(c.name !== undefined && { name: c.name }),
    ...(c.term !== undefined && { term: c.term }),
    ...(c.content !== undefined && { content: c.content }),
  };
  return Object.keys(campaign).length > 0 ? campaign : undefined;
}

/**
 * A deterministic id for an event that came without one: the same payload
 * retried produces the same id, so de-duplication still holds.
 */
export function derivedMessageId(event: TrackingEvent): string {
  // sentAt changes on every retry of the same event, so it is not part of its identity.
  const { sentAt: _sentAt, ...identity } = event;
  return 'll-' + createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}

export function toStoredEvent(event: TrackingEvent, receivedAt: Date, sourceId: string): StoredEvent {
  const traits = event.type === 'identify' ? event.traits : event.context?.traits;
  const email = normalizeEmail(traits?.email) ?? normalizeEmail(event.userId);
  const properties = event.type === 'track' || event.type === 'page' ? event.properties : undefined;
  const url = event.context?.page?.url ?? (typeof properties?.url === 'string' ? properties.url : undefined);
  const referrer = event.context?.page?.referrer;
  const campaign = campaignOf(event);
  return {
    messageId: event.messageId ?? derivedMessageId(event),
    type: event.type,
    ...(event.type === 'track' && { event: event.event }),
    ...(event.type === 'page' && event.name !== undefined && { name: event.name }),
    ...(event.userId !== undefined && { userId: event.userId }),
    ...(event.anonymousId !== undefined && { anonymousId: event.anonymousId }),
    ...(email !== undefined && { email }),
    ...(event.type === 'alias' && { previousId: event.previousId }),
    ...(event.type === 'group' && { groupId: event.groupId, ...(event.traits && { groupTraits: event.traits }) }),
    ...(traits !== undefined && { traits }),
    ...(properties !== undefined && { properties }),
    ...(url !== undefined && { url }),
    ...(referrer !== undefined && { referrer }),
    ...(campaign !== undefined && { campaign }),
    timestamp: correctedTimestamp(event, receivedAt),
    receivedAt: receivedAt.toISOString(),
    sourceId,
  };
}
