import { randomBytes } from 'node:crypto';
import { numberFromEnv } from '../lib/harness.ts';

/** bench/cost's settings, from the environment (see bench/cost.ts), and this run's id. */

/** Visitors in the scripted workload (about 4.5 events each, one in ten qualifies). */
export const VISITORS = numberFromEnv('BENCH_VISITORS', 250);
/** Real seconds over which the visitors' sessions start; the events arrive at about VISITORS × 4.5 / SECONDS per second. */
export const SECONDS = numberFromEnv('BENCH_SECONDS', 80);
/**
 * Virtual seconds per real second: the 4-hour acceptance windows of unanswered hand-offs pass in 16 s. Much faster,
 * and a rep's answer, which reaches the journey through the stream and scoring, can arrive after the window.
 */
export const CLOCK_SPEED = numberFromEnv('BENCH_CLOCK_SPEED', 900);
/** The workload's seed: the same seed plans the same visitors and rep answers. */
export const SEED = numberFromEnv('BENCH_SEED', 10);
/** How long to wait, after the last request, for the stream, the journeys and the reps to finish. */
export const DRAIN_TIMEOUT_MS = numberFromEnv('BENCH_DRAIN_TIMEOUT_SECONDS', 180) * 1000;
export const RECORD = process.env.BENCH_RECORD !== '0';

export const runId = randomBytes(4).toString('hex');
export const log = (message: string) => console.log(`[bench/cost] ${message}`);
