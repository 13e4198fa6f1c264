import { describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../bin/cli/run.ts';
import { leadIdFor } from '../../functions/core/lead-id.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { KEY_LIMIT_VARIABLES } from '../../functions/core/key-limit.ts';
import { appliedTo } from '../../bench/lib/markers.ts';
import { eventually, sendEvent, storedEvents, useLocalRuntime } from '../support/local.ts';

/**
 * The per-write-key limit through the local local.runtime (the ingest function's
 * bundled code, its buckets in its worker): a key past its limit gets 429
 * naming the limit and nothing of the refused requests is stored, while
 * another key's events go through and are scored. The limit is set small
 * through the function's environment: 20 events in a burst, and a refill
 * (one event per 100 s) too slow to matter within the test.
 */
const BURST = 20;

const local = useLocalRuntime({ functionEnvironment: { [KEY_LIMIT_VARIABLES.eventsPerSecond]: '0.01', [KEY_LIMIT_VARIABLES.burstEvents]: String(BURST) } });

/** A write key for `source`, issued by `leadloop keys create --local`. */
async function writeKeyFor(source: string): Promise<string> {
  const out: string[] = [];
  const io: CliIo = { readFile: () => '', out: (t) => out.push(t), err: () => undefined, env: { ...local.runtime.cliEnv }, progress: { write: () => true }, onInterrupt: () => () => undefined };
  expect(await run(['keys', 'create', '--kind', 'write', '--source', source, '--json'], io)).toBe(0);
  return (JSON.parse(out.join('\n')) as { key: string }).key;
}

const batchOf = (prefix: string, n: number) => ({ batch: Array.from({ length: n }, (_, i) => ({ type: 'page', name: 'Blog', anonymousId: `${prefix}-visitor`, messageId: `${prefix}-${i}` })) });

async function leadOf(anonymousId: string): Promise<LeadView | undefined> {
  const response = await fetch(`${local.runtime.apiUrl}/v1/leads/${leadIdFor(`anon:${anonymousId}`)}`, { headers: { authorization: `Bearer ${local.runtime.serverKey}` } });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return (await response.json()) as LeadView;
}

describe('the per-write-key limit at ingest', () => {
  it("refuses a key past its limit with 429 naming the limit and stores nothing of it, while another key's events are stored and scored", async () => {
    // Prepare
    const flooding = await writeKeyFor('flood');

    // Act: the burst is spent by one batch; the next batch and a single event are refused
    const spent = await sendEvent(local.runtime, '/v1/batch', batchOf('spent', BURST), flooding);
    const refusedBatch = await sendEvent(local.runtime, '/v1/batch', batchOf('refused', 15), flooding);
    const refusedTrack = await sendEvent(local.runtime, '/v1/track', { event: 'Viewed Pricing', anonymousId: 'refused-visitor', messageId: 'refused-track' }, flooding);
    // the local.runtime's own write key, untouched by the flood
    const other = await sendEvent(local.runtime, '/v1/batch', batchOf('other', BURST), local.runtime.writeKey);

    // Assess
    expect(spent.status).toBe(200);
    expect(refusedBatch.status).toBe(429);
    // 15 events missing at 0.01 per second: 1,500 s, less what refilled since the burst was spent (a slow machine's seconds)
    expect(Number(refusedBatch.headers.get('retry-after'))).toBeGreaterThanOrEqual(1_490);
    expect(Number(refusedBatch.headers.get('retry-after'))).toBeLessThanOrEqual(1_500);
    const body = (await refusedBatch.json()) as { error: string; limit: unknown; retryAfterSeconds: number };
    expect(body.retryAfterSeconds).toBe(Number(refusedBatch.headers.get('retry-after')));
    expect(body.limit).toEqual({ name: 'events per write key', eventsPerSecond: 0.01, burstEvents: BURST });
    expect(body.error).toContain('the limit of events per write key is 0.01 per second, bursts of 20');
    expect(refusedTrack.status).toBe(429);
    expect(Number(refusedTrack.headers.get('retry-after'))).toBeGreaterThanOrEqual(90);
    expect(Number(refusedTrack.headers.get('retry-after'))).toBeLessThanOrEqual(100);
    expect(other.status).toBe(200);

    const flood = await storedEvents(local.dynamodb, (e) => e.sourceId === 'flood');
    expect(flood.map((e) => e.messageId).sort()).toEqual(batchOf('spent', BURST).batch.map((e) => e.messageId).sort());
    expect((await storedEvents(local.dynamodb, (e) => String(e.messageId).startsWith('other-'))).length).toBe(BURST);

    // scored: each of its events applied to its lead (the lead's markers), and the lead has a score
    const otherLead = leadIdFor('anon:other-visitor');
    await eventually('every event of the other key to be applied', async () => ((await appliedTo(local.dynamodb, local.runtime.cliEnv.LEADS_TABLE!, otherLead)).size === BURST ? true : undefined));
    expect((await leadOf('other-visitor'))?.score.engagement).toBeGreaterThan(0);
  });
});
