import fc from 'fast-check';
import { privacy } from '#config/index.ts';
import { identityKey, markerKey } from '#core/table-layout.ts';
import { identityKeys } from '#core/identity.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { describe, expect, it } from 'vitest';
import {
  correctedTimestamp,
  derivedMessageId,
  toStoredEvent,
  trackingEventSchema,
  type TrackingEvent,
} from '#core/tracking-event.ts';

const receivedAt = new Date('2026-03-01T10:02:00.000Z');

function parse(value: unknown): TrackingEvent {
  return trackingEventSchema.parse(value);
}

function issuesOf(value: unknown): { path: string; code: string; message: string }[] {
  const result = trackingEventSchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
}

describe('the tracking event schema', () => {
  it('accepts track, page and identify events in the Segment shape', () => {
    // Prepare
    const track = { type: 'track', event: 'Form Submitted', userId: 'u-1', properties: { formId: 'demo' } };
    const page = { type: 'page', anonymousId: 'a-1', name: 'Pricing', context: { page: { url: 'https://x.io/pricing' } } };
    const identify = { type: 'identify', userId: 'u-1', traits: { email: 'jo@acme.io' }, timestamp: '2026-03-01T10:00:00+02:00' };

    // Act
    const results = [track, page, identify].map((e) => trackingEventSchema.safeParse(e).success);

    // Assess
    expect(results).toEqual([true, true, true]);
  });

  it('refuses an event with neither userId nor anonymousId, naming userId', () => {
    // Prepare
    const anonymousless = { type: 'track', event: 'Form Submitted' };

    // Act
    const issues = issuesOf(anonymousless);

    // Assess
    expect(issues).toEqual([{ path: 'userId', code: 'custom', message: 'either userId or anonymousId is required' }]);
  });

  it('refuses unknown top-level keys', () => {
    // Prepare
    const withExtra = { type: 'track', event: 'Form Submitted', userId: 'u-1', secret: 'x' };

    // Act
    const issues = issuesOf(withExtra);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.code).toBe('unrecognized_keys');
    expect(issues[0]?.message).toContain('secret');
  });

  it('refuses top-level traits on a track event (they belong in context.traits)', () => {
    // Prepare
    const track = { type: 'track', event: 'Form Submitted', userId: 'u-1', traits: { email: 'jo@acme.io' } };

    // Act
    const issues = issuesOf(track);

    // Assess
    expect(issues.map((i) => i.code)).toContain('unrecognized_keys');
  });

  it('allows keys it does not know inside context', () => {
    // Prepare
    const event = { type: 'page', userId: 'u-1', context: { library: { name: 'analytics.js' }, locale: 'en-GB' } };

    // Act
    const result = trackingEventSchema.safeParse(event);

    // Assess
    expect(result.success).toBe(true);
  });

  it.each([
    ['an event name that is not a string', { type: 'track', event: 42, userId: 'u-1' }, 'event'],
    ['a track without an event name', { type: 'track', userId: 'u-1' }, 'event'],
    ['a timestamp that is not ISO-8601', { type: 'page', userId: 'u-1', timestamp: 'yesterday' }, 'timestamp'],
    ['an empty userId', { type: 'page', userId: '', anonymousId: 'a-1' }, 'userId'],
    ['properties that are not an object', { type: 'track', event: 'x', userId: 'u-1', properties: 'formId=demo' }, 'properties'],
    ['a campaign source that is not a string', { type: 'page', userId: 'u-1', context: { campaign: { source: 7 } } }, 'context.campaign.source'],
    ['a messageId longer than 255 characters', { type: 'page', userId: 'u-1', messageId: 'm'.repeat(256) }, 'messageId'],
  ])('refuses %s, naming the field', (_, event, path) => {
    // Prepare / Act
    const issues = issuesOf(event);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('refuses an event type it does not handle', () => {
    // Prepare
    const screen = { type: 'screen', userId: 'u-1', name: 'Home' };

    // Act
    const issues = issuesOf(screen);

    // Assess
    expect(issues.map((i) => i.path)).toContain('type');
  });
});

describe('correcting the event time for clock skew', () => {
  it('shifts the timestamp by receivedAt − sentAt when the client clock runs fast', () => {
    // Prepare: the client clock is 3 minutes ahead (sent 10:05 by its clock, received 10:02)
    const event = { timestamp: '2026-03-01T10:00:00.000Z', sentAt: '2026-03-01T10:05:00.000Z' };

    // Act
    const corrected = correctedTimestamp(event, receivedAt);

    // Assess: 10:00 − 3 min
    expect(corrected).toBe('2026-03-01T09:57:00.000Z');
  });

  it('shifts the timestamp forward when the client clock runs slow', () => {
    // Prepare: the client clock is one hour behind
    const event = { timestamp: '2026-03-01T09:00:00.000Z', sentAt: '2026-03-01T09:01:00.000Z' };

    // Act
    const corrected = correctedTimestamp(event, new Date('2026-03-01T10:01:00.000Z'));

    // Assess
    expect(corrected).toBe('2026-03-01T10:00:00.000Z');
  });

  it('never puts an event after the moment it was received', () => {
    // Prepare: happened "after" it was sent by the client's own clock
    const event = { timestamp: '2026-03-01T10:10:00.000Z', sentAt: '2026-03-01T10:00:00.000Z' };

    // Act
    const corrected = correctedTimestamp(event, receivedAt);

    // Assess
    expect(corrected).toBe(receivedAt.toISOString());
  });

  it('keeps a past timestamp without sentAt, and clamps a future one to receivedAt', () => {
    // Prepare
    const past = { timestamp: '2026-03-01T09:00:00.000Z' };
    const future = { timestamp: '2026-03-02T09:00:00.000Z' };

    // Act / Assess
    expect(correctedTimestamp(past, receivedAt)).toBe('2026-03-01T09:00:00.000Z');
    expect(correctedTimestamp(future, receivedAt)).toBe(receivedAt.toISOString());
  });

  it('uses receivedAt when the event has no timestamp', () => {
    // Prepare / Act / Assess
    expect(correctedTimestamp({ sentAt: '2026-03-01T09:00:00.000Z' }, receivedAt)).toBe(receivedAt.toISOString());
  });

  it('writes the result in UTC', () => {
    // Prepare: 11:30 at +02:00 is 09:30 UTC
    const event = { timestamp: '2026-03-01T11:30:00+02:00' };

    // Act / Assess
    expect(correctedTimestamp(event, receivedAt)).toBe('2026-03-01T09:30:00.000Z');
  });

  it('is never later than receivedAt (property)', () => {
    const HOUR = 3_600_000;
    fc.assert(
      fc.property(
        fc.integer({ min: -48 * HOUR, max: 48 * HOUR }),
        fc.option(fc.integer({ min: -48 * HOUR, max: 48 * HOUR })),
        (timestampOffset, sentAtOffset) => {
          // Prepare
          const event = {
            timestamp: new Date(receivedAt.getTime() + timestampOffset).toISOString(),
            ...(sentAtOffset !== null && { sentAt: new Date(receivedAt.getTime() + sentAtOffset).toISOString() }),
          };

          // Act
          const corrected = Date.parse(correctedTimestamp(event, receivedAt));

          // Assess
          expect(corrected).toBeLessThanOrEqual(receivedAt.getTime());
        },
      ),
    );
  });
});

describe('the stored form of an event', () => {
  it('keeps a given messageId and records where and when it was received', () => {
    // Prepare
    const event = parse({ type: 'page', messageId: 'msg-1', anonymousId: 'a-1' });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored).toEqual({
      messageId: 'msg-1',
      type: 'page',
      anonymousId: 'a-1',
      timestamp: receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      sourceId: 'website',
    });
  });

  it('corrects the timestamp with sentAt', () => {
    // Prepare: sent 10:05 by the client clock, received 10:02 → 3 minutes subtracted
    const event = parse({
      type: 'track',
      event: 'Email Clicked',
      userId: 'u-1',
      timestamp: '2026-03-01T10:00:00.000Z',
      sentAt: '2026-03-01T10:05:00.000Z',
    });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.timestamp).toBe('2026-03-01T09:57:00.000Z');
  });

  it('derives the same messageId for the same payload received twice', () => {
    // Prepare
    const payload = { type: 'track', event: 'Content Downloaded', userId: 'u-1', properties: { asset: 'guide.pdf' } };

    // Act
    const first = toStoredEvent(parse(payload), receivedAt, 'website', privacy);
    const retried = toStoredEvent(parse(structuredClone(payload)), new Date(receivedAt.getTime() + 60_000), 'website', privacy);

    // Assess
    expect(first.messageId).toMatch(/^ll-[0-9a-f]{32}$/);
    expect(retried.messageId).toBe(first.messageId);
    expect(first.messageId).toBe(derivedMessageId(parse(payload)));
  });

  it('derives different messageIds for different payloads', () => {
    // Prepare
    const a = parse({ type: 'track', event: 'Content Downloaded', userId: 'u-1', properties: { asset: 'guide.pdf' } });
    const b = parse({ type: 'track', event: 'Content Downloaded', userId: 'u-1', properties: { asset: 'report.pdf' } });

    // Act / Assess
    expect(derivedMessageId(a)).not.toBe(derivedMessageId(b));
  });

  it('takes the email from identify traits, normalized, and keeps the traits as sent', () => {
    // Prepare
    const event = parse({ type: 'identify', userId: 'u-1', traits: { email: ' Jo@Acme.IO ', phone: '123' } });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.email).toBe('jo@acme.io');
    expect(stored.traits).toEqual({ email: ' Jo@Acme.IO ', phone: '123' });
    expect(stored.userId).toBe('u-1');
  });

  it('takes the email from context.traits on a track event', () => {
    // Prepare
    const event = parse({ type: 'track', event: 'Form Submitted', anonymousId: 'a-1', context: { traits: { email: 'JO@acme.io' } } });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.email).toBe('jo@acme.io');
    expect(stored.traits).toEqual({ email: 'JO@acme.io' });
  });

  it('falls back to a userId that is an email address', () => {
    // Prepare
    const noTraits = parse({ type: 'page', userId: 'Jo@Acme.io' });
    const badTraitEmail = parse({ type: 'identify', userId: 'jo@acme.io', traits: { email: 'not an email' } });

    // Act / Assess
    expect(toStoredEvent(noTraits, receivedAt, 'website', privacy).email).toBe('jo@acme.io');
    expect(toStoredEvent(badTraitEmail, receivedAt, 'website', privacy).email).toBe('jo@acme.io');
  });

  it('has no email when neither traits nor userId hold one', () => {
    // Prepare
    const event = parse({ type: 'page', userId: 'crm-123' });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored).not.toHaveProperty('email');
  });

  it('takes the campaign from context.campaign: source, medium, name, term and content', () => {
    // Prepare
    const event = parse({
      type: 'page',
      anonymousId: 'a-1',
      context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring-launch', term: 'crm', content: 'cta' } },
    });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.campaign).toEqual({ source: 'newsletter', medium: 'email', name: 'spring-launch', term: 'crm', content: 'cta' });
  });

  it('has no campaign when context.campaign holds no UTM parameter', () => {
    // Prepare: only fields that are not UTM parameters
    const event = parse({ type: 'page', anonymousId: 'a-1', context: { campaign: { gclid: 'abc', id: '42' } } });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored).not.toHaveProperty('campaign');
  });

  it('takes the URL and referrer from context.page, else the URL from properties', () => {
    // Prepare
    const fromContext = parse({
      type: 'page',
      anonymousId: 'a-1',
      properties: { url: 'https://acme.io/ignored' },
      context: { page: { url: 'https://acme.io/pricing', referrer: 'https://search.example/' } },
    });
    const fromProperties = parse({ type: 'page', anonymousId: 'a-1', name: 'Pricing', properties: { url: 'https://acme.io/pricing' } });

    // Act
    const a = toStoredEvent(fromContext, receivedAt, 'website', privacy);
    const b = toStoredEvent(fromProperties, receivedAt, 'website', privacy);

    // Assess
    expect([a.url, a.referrer]).toEqual(['https://acme.io/pricing', 'https://search.example/']);
    expect([b.url, b.referrer, b.name]).toEqual(['https://acme.io/pricing', undefined, 'Pricing']);
  });

  it('keeps the event name of a track event and its properties', () => {
    // Prepare
    const event = parse({ type: 'track', event: 'Form Submitted', userId: 'u-1', properties: { formId: 'demo' } });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.event).toBe('Form Submitted');
    expect(stored.properties).toEqual({ formId: 'demo' });
  });
});

describe('a retried event without a messageId', () => {
  it('keeps its derived messageId when the client re-sends it with a new sentAt', () => {
    // Prepare: the same event, sent a second time a minute later
    const first = parse({ type: 'track', event: 'Email Clicked', userId: 'u-1', timestamp: '2026-01-01T10:00:00.000Z', sentAt: '2026-01-01T10:00:01.000Z' });
    const retry = parse({ type: 'track', event: 'Email Clicked', userId: 'u-1', timestamp: '2026-01-01T10:00:00.000Z', sentAt: '2026-01-01T10:01:01.000Z' });

    // Act / Assess
    expect(derivedMessageId(retry)).toBe(derivedMessageId(first));
  });
});

describe('group and alias calls', () => {
  it('keeps the account of a group call for fit', () => {
    // Prepare
    const event = parse({ type: 'group', userId: 'u-1', groupId: 'acme', traits: { name: 'Acme', employees: 300 } });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.groupId).toBe('acme');
    expect(stored.groupTraits).toEqual({ name: 'Acme', employees: 300 });
  });

  it('keeps the earlier identity of an alias call', () => {
    // Prepare
    const event = parse({ type: 'alias', userId: 'crm-7', previousId: 'anon-9' });

    // Act
    const stored = toStoredEvent(event, receivedAt, 'website', privacy);

    // Assess
    expect(stored.previousId).toBe('anon-9');
    expect(stored.userId).toBe('crm-7');
  });

  it('accepts the fields Segment libraries add (_metadata, context.library)', () => {
    // Prepare / Act
    const result = trackingEventSchema.safeParse({
      type: 'track',
      event: 'Signed Up',
      anonymousId: 'a-1',
      _metadata: { nodeVersion: 'v24.0.0', jsRuntime: 'node' },
      context: { library: { name: '@segment/analytics-node', version: '3.0.0' } },
    });

    // Assess
    expect(result.error?.issues).toBeUndefined();
    expect(result.success).toBe(true);
  });
});

describe('identity values that become part of DynamoDB keys', () => {
  const PARTITION_KEY_BYTES = 2048;
  const SORT_KEY_BYTES = 1024;
  const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

  it('refuses an identify whose email trait is longer than an address may be (254), naming traits.email', () => {
    // Prepare: about 3 KB, longer than a DynamoDB partition key may be
    const email = `${'a'.repeat(3000)}@acme.example`;

    // Act
    const issues = issuesOf({ type: 'identify', anonymousId: 'a-1', traits: { email } });

    // Assess
    expect(issues).toEqual([{ path: 'traits.email', code: 'custom', message: 'an email address must be at most 254 characters' }]);
  });

  it('refuses an over-long email in context.traits of a track call, naming context.traits.email', () => {
    const issues = issuesOf({ type: 'track', event: 'Signed Up', userId: 'u-1', context: { traits: { email: `${'b'.repeat(250)}@acme.example` } } });

    expect(issues.map((i) => i.path)).toEqual(['context.traits.email']);
  });

  it('accepts an email of exactly 254 characters, surrounding whitespace aside', () => {
    const email = `${'c'.repeat(254 - '@acme.example'.length)}@acme.example`;
    expect(email).toHaveLength(254);

    expect(trackingEventSchema.safeParse({ type: 'identify', userId: 'u-1', traits: { email: `  ${email}  ` } }).success).toBe(true);
  });

  it('refuses ids over 255 characters, naming each', () => {
    const long = 'x'.repeat(256);
    const paths = [
      issuesOf({ type: 'track', event: 'E', userId: long }),
      issuesOf({ type: 'track', event: 'E', anonymousId: long }),
      issuesOf({ type: 'track', event: 'E', userId: 'u', messageId: long }),
      issuesOf({ type: 'alias', userId: 'u', previousId: long }),
      issuesOf({ type: 'group', userId: 'u', groupId: long }),
    ].map((issues) => issues.map((i) => i.path));

    expect(paths).toEqual([['userId'], ['anonymousId'], ['messageId'], ['previousId'], ['groupId']]);
  });

  it('keeps every key built from the longest accepted values within DynamoDB’s key limits, even in 3-byte characters', () => {
    // Prepare: the longest values the schema accepts, in characters that take 3 bytes each in UTF-8
    const id = '界'.repeat(255);
    const email = `${'界'.repeat(254 - '@acme.example'.length)}@acme.example`;
    const event = parse({ type: 'identify', messageId: id, userId: id, anonymousId: `${id.slice(1)}a`, traits: { email } });
    const alias = parse({ type: 'alias', userId: 'u', previousId: id });

    // Act
    const stored = [toStoredEvent(event, receivedAt, 'website', privacy), toStoredEvent(alias, receivedAt, 'website', privacy)];
    const identities = stored.flatMap((e) => identityKeys(e));

    // Assess: identity items (leads table), the events table's key, the marker an applied event leaves
    expect(identities.map((k) => k.split(':')[0]).sort()).toEqual(['anon', 'anon', 'email', 'user', 'user']);
    for (const identity of identities) expect(bytes(identityKey(identity).pk)).toBeLessThanOrEqual(PARTITION_KEY_BYTES);
    expect(bytes(stored[0]!.messageId)).toBeLessThanOrEqual(PARTITION_KEY_BYTES);
    expect(bytes(markerKey(leadIdFor(identities[0]!), stored[0]!.timestamp, stored[0]!.messageId).sk)).toBeLessThanOrEqual(SORT_KEY_BYTES);
  });
});
