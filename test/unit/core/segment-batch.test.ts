import { describe, expect, it } from 'vitest';
import { privacy } from '#config/index.ts';
import { batchEvent, requestTypeOf, segmentBatchSchema, withoutClientExtras } from '../../../functions/core/segment-batch.ts';
import { toStoredEvent, trackingEventSchema } from '../../../functions/core/tracking-event.ts';

describe('the request type a path names', () => {
  it('reads the type from the last segment of the path', () => {
    expect(requestTypeOf('/v1/track')).toEqual({ type: 'track' });
    expect(requestTypeOf('/v1/page')).toEqual({ type: 'page' });
    expect(requestTypeOf('/v1/identify')).toEqual({ type: 'identify' });
    expect(requestTypeOf('/v1/group')).toEqual({ type: 'group' });
    expect(requestTypeOf('/v1/alias')).toEqual({ type: 'alias' });
    expect(requestTypeOf('/v1/batch')).toEqual({ type: 'batch' });
  });

  it('maps analytics.js’s short paths, the type’s first letter and b for a batch, to their types', () => {
    expect(requestTypeOf('/v1/t')).toEqual({ type: 'track' });
    expect(requestTypeOf('/v1/p')).toEqual({ type: 'page' });
    expect(requestTypeOf('/v1/i')).toEqual({ type: 'identify' });
    expect(requestTypeOf('/v1/g')).toEqual({ type: 'group' });
    expect(requestTypeOf('/v1/a')).toEqual({ type: 'alias' });
    expect(requestTypeOf('/v1/b')).toEqual({ type: 'batch' });
  });

  it('names the segment it could not read as a type', () => {
    expect(requestTypeOf('/v1/screen')).toEqual({ type: undefined, name: 'screen' });
    expect(requestTypeOf('/v1/x')).toEqual({ type: undefined, name: 'x' });
    expect(requestTypeOf('/v1/Track')).toEqual({ type: undefined, name: 'Track' });
    expect(requestTypeOf('/v1/')).toEqual({ type: undefined, name: '' });
  });
});

describe('what a client adds around an event', () => {
  it('takes off the write key and ids of null, keeping everything else', () => {
    const sent = { writeKey: 'wk_123', userId: null, anonymousId: null, event: 'Signed Up', properties: { plan: null } };

    expect(withoutClientExtras(sent)).toEqual({ event: 'Signed Up', properties: { plan: null } });
  });

  it('keeps ids that are set', () => {
    expect(withoutClientExtras({ userId: 'u-1', anonymousId: 'anon-1' })).toEqual({ userId: 'u-1', anonymousId: 'anon-1' });
    expect(withoutClientExtras({ userId: null, anonymousId: 'anon-1' })).toEqual({ anonymousId: 'anon-1' });
  });

  it('leaves the body it was given as it was', () => {
    const sent = { writeKey: 'wk_123', userId: null, anonymousId: 'anon-1' };

    withoutClientExtras(sent);

    expect(sent).toEqual({ writeKey: 'wk_123', userId: null, anonymousId: 'anon-1' });
  });
});

describe('an event of a batch', () => {
  it('gets the batch’s context under its own, its own keys winning', () => {
    const batch = { context: { campaign: { source: 'newsletter' }, page: { url: 'https://example.com/' }, ip: '192.0.2.1' } };

    const event = batchEvent(batch, { type: 'page', anonymousId: 'anon-1', context: { page: { url: 'https://example.com/docs' } } });

    expect(event.context).toEqual({ campaign: { source: 'newsletter' }, page: { url: 'https://example.com/docs' }, ip: '192.0.2.1' });
  });

  it('gets the batch’s context alone when its own context is not an object', () => {
    const batch = { context: { campaign: { source: 'newsletter' } } };

    expect(batchEvent(batch, { anonymousId: 'anon-1' }).context).toEqual({ campaign: { source: 'newsletter' } });
    expect(batchEvent(batch, { anonymousId: 'anon-1', context: ['not', 'an', 'object'] }).context).toEqual({ campaign: { source: 'newsletter' } });
  });

  it('keeps its own context as sent when the batch has none', () => {
    const context = ['not', 'an', 'object'];

    expect(batchEvent({}, { anonymousId: 'anon-1', context }).context).toBe(context);
    expect(batchEvent({}, { anonymousId: 'anon-1' })).not.toHaveProperty('context');
  });

  it('takes the batch’s sentAt when it has none of its own', () => {
    const batch = { sentAt: '2026-03-01T12:00:00.000Z' };

    expect(batchEvent(batch, { anonymousId: 'anon-1' }).sentAt).toBe('2026-03-01T12:00:00.000Z');
    expect(batchEvent(batch, { anonymousId: 'anon-1', sentAt: '2026-03-01T11:59:00.000Z' }).sentAt).toBe('2026-03-01T11:59:00.000Z');
    expect(batchEvent({}, { anonymousId: 'anon-1' })).not.toHaveProperty('sentAt');
  });

  it('loses its write key and ids of null, as an event sent alone does', () => {
    const event = batchEvent({ context: { ip: '192.0.2.1' } }, { writeKey: 'wk_123', userId: null, anonymousId: 'anon-1', event: 'Signed Up' });

    expect(event).toEqual({ anonymousId: 'anon-1', event: 'Signed Up', context: { ip: '192.0.2.1' } });
  });

  it('does not take the batch’s integrations, which would change the id derived for an event sent without one', () => {
    const parsed = segmentBatchSchema.parse({ batch: [{ type: 'track', anonymousId: 'anon-1', event: 'Signed Up' }], integrations: { All: false } });

    const event = batchEvent(parsed, parsed.batch[0]!);

    expect(event).not.toHaveProperty('integrations');
  });

  it('is stored with the campaign of the batch’s context and its own page', () => {
    const parsed = segmentBatchSchema.parse({
      batch: [{ type: 'page', messageId: 'b-2', userId: 'u-1', context: { page: { url: 'https://example.com/docs' } } }],
      context: { campaign: { source: 'newsletter', medium: 'email' } },
      sentAt: '2026-03-01T12:00:05.000Z',
    });

    const event = trackingEventSchema.parse(batchEvent(parsed, parsed.batch[0]!));
    const stored = toStoredEvent(event, new Date('2026-03-01T12:00:10.000Z'), 'src-web', privacy);

    expect(stored).toMatchObject({ messageId: 'b-2', type: 'page', url: 'https://example.com/docs', campaign: { source: 'newsletter', medium: 'email' } });
  });
});

describe('a batch', () => {
  it('needs at least one event and at most 2,500', () => {
    expect(segmentBatchSchema.safeParse({ batch: [] }).success).toBe(false);
    expect(segmentBatchSchema.safeParse({ batch: Array.from({ length: 2500 }, () => ({})) }).success).toBe(true);
    expect(segmentBatchSchema.safeParse({ batch: Array.from({ length: 2501 }, () => ({})) }).success).toBe(false);
  });
});
