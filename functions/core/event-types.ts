/**
 * The event types LeadLoop takes (Segment's Tracking API) and the paths they
 * arrive on: one statement shared by the ingest handler, the event schemas
 * and the HTTP API's routes (lib/). Pure constants.
 */

export const EventType = {
  track: 'track',
  page: 'page',
  identify: 'identify',
  group: 'group',
  alias: 'alias',
} as const;
export type EventTypeName = (typeof EventType)[keyof typeof EventType];

/** Every single-event type, in Segment's order. */
export const eventTypes = [EventType.track, EventType.page, EventType.identify, EventType.group, EventType.alias] as const;

/** Several events of any type in one request: `POST /v1/batch`. */
export const BATCH = 'batch';
export type IngestType = EventTypeName | typeof BATCH;

/** Segment's browser library (analytics.js 2.0) posts to short paths: the type's first letter, `b` for a batch. */
export const shortIngestPaths: Readonly<Record<string, IngestType>> = {
  t: EventType.track,
  p: EventType.page,
  i: EventType.identify,
  g: EventType.group,
  a: EventType.alias,
  b: BATCH,
};

/** The ingest API's path prefix. */
export const INGEST_PATH_PREFIX = '/v1/';

/** Every last path segment events are posted to (`/v1/<segment>`): the types, `batch`, and the short paths. */
export const ingestPathSegments: readonly string[] = [...eventTypes, BATCH, ...Object.keys(shortIngestPaths)];

/** What a path's last segment asks for; undefined for a path that is not an ingest path. */
export function ingestTypeOf(segment: string): IngestType | undefined {
  const type = Object.hasOwn(shortIngestPaths, segment) ? shortIngestPaths[segment]! : segment;
  return type === BATCH || (eventTypes as readonly string[]).includes(type) ? (type as IngestType) : undefined;
}
