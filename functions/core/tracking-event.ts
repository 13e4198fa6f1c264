import { createHash } from 'node:crypto';
import * as z from './zod.ts';
import { normalizeEmail } from './identity.ts';
import { withKeptQuery, type Privacy } from './privacy.ts';
import { EventType } from './event-types.ts';

/**
 * Events in the Segment Tracking API shape, validated once at the edge,
 * and the normalized form they are stored in.
 */

const MAX_STRING = 2048;
/**
 * The longest email address (RFC 5321: a 256-octet path less its angle
 * brackets). An email becomes part of a DynamoDB key (`IDENTITY#email:…`),
 * so a longer one is refused at the edge rather than failing the scoring path.
 */
export const MAX_EMAIL_LENGTH = 254;
/**
 * The longest identity value (userId, anonymousId, previousId, groupId) and
 * messageId, in UTF-16 code units: at most 3 UTF-8 bytes each, so 765 bytes,
 * well inside DynamoDB's key limits (2048 bytes for a partition key, 1024 for
 * a sort key) with the prefixes the tables put before them.
 */
export const MAX_ID_LENGTH = 255;
const isoDate = z.iso.datetime({ offset: true });
/** A string of at most `max` characters, when present. */
const text = (max: number) => z.optional(z.string().check(z.maxLength(max)));
/** An identity value or id: not empty, at most MAX_ID_LENGTH characters. */
const id = () => z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH));
const record = () => z.optional(z.record(z.string(), z.unknown()));

const campaignSchema = z.looseObject({
  source: text(MAX_STRING),
  medium: text(MAX_STRING),
  name: text(MAX_STRING),
  term: text(MAX_STRING),
  content: text(MAX_STRING),
});

const contextSchema = z.looseObject({
  page: z.optional(
    z.looseObject({
      url: text(MAX_STRING),
      path: text(MAX_STRING),
      referrer: text(MAX_STRING),
      title: text(MAX_STRING),
      search: text(MAX_STRING),
    }),
  ),
  campaign: z.optional(campaignSchema),
  ip: text(64),
  userAgent: text(MAX_STRING),
  traits: record(),
});

const common = {
  messageId: z.optional(id()),
  userId: z.optional(id()),
  anonymousId: z.optional(id()),
  timestamp: z.optional(isoDate),
  sentAt: z.optional(isoDate),
  context: z.optional(contextSchema),
  integrations: record(),
  // Sent by Segment's own libraries; accepted and not used.
  _metadata: record(),
  version: z.optional(z.union([z.number(), z.string()])),
  channel: text(64),
  originalTimestamp: z.optional(isoDate),
  receivedAt: z.optional(isoDate),
};

const trackSchema = z.strictObject({
  ...common,
  type: z.literal(EventType.track),
  event: z.string().check(z.minLength(1), z.maxLength(255)),
  properties: record(),
});

const pageSchema = z.strictObject({
  ...common,
  type: z.literal(EventType.page),
  name: text(255),
  category: text(255),
  properties: record(),
});

const identifySchema = z.strictObject({
  ...common,
  type: z.literal(EventType.identify),
  traits: record(),
});

const groupSchema = z.strictObject({
  ...common,
  type: z.literal(EventType.group),
  groupId: id(),
  traits: record(),
});

/** Two identities of one person: `previousId` (usually an anonymous id) becomes `userId`. */
const aliasSchema = z.strictObject({
  ...common,
  type: z.literal(EventType.alias),
  previousId: id(),
});

export const trackingEventSchema = z.discriminatedUnion('type', [trackSchema, pageSchema, identifySchema, groupSchema, aliasSchema]).check(
  z.superRefine((event, ctx) => {
    if (event.userId === undefined && event.anonymousId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'either userId or anonymousId is required' });
    }
    // The traits an email is taken from (see toStoredEvent): it becomes part of a key, so it is bounded.
    const [traits, path] = event.type === 'identify' ? [event.traits, ['traits', 'email']] : [event.context?.traits, ['context', 'traits', 'email']];
    const email = traits?.email;
    if (typeof email === 'string' && email.trim().length > MAX_EMAIL_LENGTH) {
      ctx.addIssue({ code: 'custom', path, message: `an email address must be at most ${MAX_EMAIL_LENGTH} characters` });
    }
  }),
);
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

/** The URL-valued page properties Segment's libraries send (`page()` sends all four). */
const URL_PROPERTIES = ['url', 'referrer', 'search', 'path'] as const;

/** Properties with their URL-valued entries reduced to the kept query parameters. */
function withPrivateQueriesRemoved(properties: Record<string, unknown> | undefined, privacy: Privacy): Record<string, unknown> | undefined {
  if (properties === undefined) return undefined;
  const cleaned = { ...properties };
  for (const name of URL_PROPERTIES) {
    const value = cleaned[name];
    if (typeof value === 'string') cleaned[name] = withKeptQuery(value, privacy);
  }
  return cleaned;
}

/**
 * The event as it is stored. URLs (the page's, the referrer, and the
 * URL-valued properties) keep only the query parameters `privacy` allows.
 */
export function toStoredEvent(event: TrackingEvent, receivedAt: Date, sourceId: string, privacy: Privacy): StoredEvent {
  const traits = event.type === 'identify' ? event.traits : event.context?.traits;
  const email = normalizeEmail(traits?.email) ?? normalizeEmail(event.userId);
  const properties = withPrivateQueriesRemoved(event.type === 'track' || event.type === 'page' ? event.properties : undefined, privacy);
  const pageUrl = event.context?.page?.url ?? (typeof properties?.url === 'string' ? properties.url : undefined);
  const url = pageUrl === undefined ? undefined : withKeptQuery(pageUrl, privacy);
  const pageReferrer = event.context?.page?.referrer;
  const referrer = pageReferrer === undefined ? undefined : withKeptQuery(pageReferrer, privacy);
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
