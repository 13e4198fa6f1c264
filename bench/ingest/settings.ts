import { randomBytes } from 'node:crypto';
import { numberFromEnv } from '../lib/harness.ts';

/** bench/ingest's settings, from the environment (see bench/ingest.ts), and this run's id. */

export const EVENTS = numberFromEnv('BENCH_EVENTS', 3000);
export const CONCURRENCY = numberFromEnv('BENCH_CONCURRENCY', 16);
export const BATCH_SIZE = numberFromEnv('BENCH_BATCH_SIZE', 50);
// One batch in flight: the function writes a batch 16 puts at a time (functions/ingest/record-events.ts),
// so DynamoDB Local sees at most 16 puts in flight, as in the other phases.
export const BATCH_CONCURRENCY = numberFromEnv('BENCH_BATCH_CONCURRENCY', 1);
export const REPEATS = numberFromEnv('BENCH_REPEATS', 3);
export const WARMUP = numberFromEnv('BENCH_WARMUP', 2000);
export const LATENCY_EVENTS = numberFromEnv('BENCH_LATENCY_EVENTS', 300);
export const VISITORS = numberFromEnv('BENCH_VISITORS', 500);
export const RECORD = process.env.BENCH_RECORD !== '0';
export const DRAIN_TIMEOUT_MS = numberFromEnv('BENCH_DRAIN_TIMEOUT_SECONDS', 300) * 1000;

export const runId = randomBytes(4).toString('hex');
export const log = (message: string) => console.log(`[bench/ingest] ${message}`);
