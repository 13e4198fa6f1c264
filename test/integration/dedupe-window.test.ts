import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import { eventually, sendEvent, storedEvents } from '../support/local.ts';

/**
 * The de-duplication window is at least seven days: a delivery repeated
 * more than a week later (a client retrying from a queue, a replayed
 * export) is still recognized. The clock runs a week per real second, so
 * the functions see eight days pass between the two deliveries.
 */
const WEEK_PER_SECOND = 7 * 86_400;
let runtime: LocalRuntime;

async function page(messageId: string): Promise<number> {
  const response = await sendEvent(runtime, '/v1/page', { anonymousId: 'week-later-visitor', messageId, context: { page: { url: 'https://example.com/pricing' } } });
  return response.status;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: WEEK_PER_SECOND, synth: false, log: () => undefined });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the same messageId delivered again eight days later', () => {
  it('is stored once and scored once', async () => {
    // Prepare: the first delivery, scored
    const leadPath = `/v1/leads/${leadIdFor('anon:week-later-visitor')}`;
    const read = async () => {
      const response = await fetch(`${runtime.apiUrl}${leadPath}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
      return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
    };
    expect(await page('week-later-1')).toBe(200);
    const first = await eventually('the first delivery scored', read);
    const firstReceived = Date.parse(first.recentActivity[0]!.at);

    // Act: eight virtual days later, the same event again, then a new one to know when scoring has caught up
    await new Promise((r) => setTimeout(r, (8 / 7) * 1000 + 100));
    expect(await page('week-later-1')).toBe(200);
    expect(await page('week-later-2')).toBe(200);
    const after = await eventually('the later event scored', async () => {
      const lead = await read();
      return lead && lead.recentActivity.some((a) => a.messageId === 'week-later-2') ? lead : undefined;
    });

    // Assess: eight days apart, one stored item and one ledger entry per rule for the repeated message
    const secondReceived = Date.parse(after.recentActivity.find((a) => a.messageId === 'week-later-2')!.at);
    expect(secondReceived - firstReceived).toBeGreaterThan(8 * 86_400_000);
    const dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect(await storedEvents(dynamodb, (e) => e.messageId === 'week-later-1')).toHaveLength(1);
    expect(after.recentActivity.map((a) => a.messageId).sort()).toEqual(['week-later-1', 'week-later-2']);
    expect(after.score.breakdown.find((c) => c.ruleId === 'page-view')?.count).toBe(2);
  }, 60_000);
});
