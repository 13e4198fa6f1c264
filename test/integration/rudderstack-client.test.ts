import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { describe, expect, it } from 'vitest';
import { eventually, storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * RudderStack's Node SDK, a widely used Segment-spec client, sends its
 * batches gzip-compressed (`Content-Encoding: gzip`). Pointed at LeadLoop, its
 * events land as they do from Segment's own library.
 */
const local = useLocalRuntime();

describe('the real @rudderstack/rudder-sdk-node client', () => {
  it('delivers gzip-compressed identify, track, page, group and alias calls that land once each', async () => {
    // Prepare: the library as a site would configure it (gzip is its default), pointed at LeadLoop
    const errors: unknown[] = [];
    const client = new RudderAnalytics(local.runtime.writeKey, {
      dataPlaneUrl: local.runtime.apiUrl,
      flushAt: 10,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: 'error',
      errorHandler: (error: unknown) => errors.push(error),
    });
    expect((client as unknown as { gzip: boolean }).gzip).toBe(true);

    // Act: the first call is sent at once, the other four together as one batch
    client.identify({ userId: 'rs-42', anonymousId: 'anon-rs-42', traits: { email: 'Ola@Globex.example', title: 'CFO' } });
    client.track({ userId: 'rs-42', event: 'Content Downloaded', properties: { asset: 'guide.pdf' } });
    client.page({ userId: 'rs-42', name: 'Pricing', properties: { url: 'https://globex.example/pricing?utm_source=rs&session=secret' } });
    client.group({ userId: 'rs-42', groupId: 'globex', traits: { name: 'Globex', employees: 900 } });
    client.alias({ userId: 'rs-42', previousId: 'anon-rs-42' });
    await client.flush();

    // Assess
    expect(errors).toEqual([]);
    const stored = await eventually('all five events stored', async () => {
      const events = await storedEvents(local.dynamodb, (e) => e.userId === 'rs-42');
      return events.length >= 5 ? events : undefined;
    });
    expect(stored.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'track']);
    expect(stored.find((e) => e.type === 'identify')!.email).toBe('ola@globex.example');
    expect(stored.find((e) => e.type === 'track')!.event).toBe('Content Downloaded');
    expect(stored.find((e) => e.type === 'page')!.url).toBe('https://globex.example/pricing?utm_source=rs');
    expect(stored.find((e) => e.type === 'group')!.groupId).toBe('globex');
    expect(new Set(stored.map((e) => e.messageId)).size).toBe(5);
  });
});
