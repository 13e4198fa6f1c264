import { Analytics } from '@segment/analytics-node';
import { describe, expect, it } from 'vitest';
import { storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * A source already instrumented with Segment's own Node library switches to
 * LeadLoop by changing the host only.
 */
const local = useLocalRuntime();

describe('the real @segment/analytics-node client', () => {
  it('delivers identify, track, page, group and alias calls that land once each', async () => {
    // Prepare: the library as a site would configure it, pointed at LeadLoop
    const analytics = new Analytics({ writeKey: local.runtime.writeKey, host: local.runtime.apiUrl, flushInterval: 50, maxRetries: 1 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));

    // Act
    analytics.identify({ userId: 'crm-42', anonymousId: 'anon-crm-42', traits: { email: 'Lee@Initech.example', title: 'CTO' } });
    analytics.track({ userId: 'crm-42', event: 'Content Downloaded', properties: { asset: 'guide.pdf' } });
    analytics.page({ userId: 'crm-42', name: 'Pricing', properties: { url: 'https://initech.example/pricing' } });
    analytics.group({ userId: 'crm-42', groupId: 'initech', traits: { name: 'Initech', employees: 400 } });
    analytics.alias({ userId: 'crm-42', previousId: 'anon-crm-42' });
    await analytics.closeAndFlush({ timeout: 10_000 });

    // Assess
    expect(errors).toEqual([]);
    const stored = await storedEvents(local.dynamodb, (e) => e.userId === 'crm-42' || e.anonymousId === 'anon-crm-42');
    expect(stored.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'track']);
    const identify = stored.find((e) => e.type === 'identify')!;
    expect(identify.email).toBe('lee@initech.example');
    expect(stored.find((e) => e.type === 'track')!.event).toBe('Content Downloaded');
    expect(stored.find((e) => e.type === 'group')!.groupId).toBe('initech');
    expect(new Set(stored.map((e) => e.messageId)).size).toBe(5);
  });
});
