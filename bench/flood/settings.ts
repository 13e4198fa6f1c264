import { numberFromEnv } from '../lib/harness.ts';

/** bench/flood's settings, from the environment (defaults in README.md). */
export interface FloodSettings {
  /** the per-write-key limit the limited run gives the ingest function: events per second, and the burst */
  limitPerSecond: number;
  burst: number;
  /** key B: events per second, one per request, spread over this many leads */
  bRate: number;
  bLeads: number;
  /** key A offers this many times its limit, in batches of this many events */
  floodTimes: number;
  floodBatch: number;
  /** each phase's sending time */
  seconds: number;
  /** also run the control: the same phases with no effective limit */
  control: boolean;
  record: boolean;
}

export function floodSettings(): FloodSettings {
  return {
    limitPerSecond: numberFromEnv('BENCH_LIMIT', 5),
    burst: numberFromEnv('BENCH_BURST', 25),
    bRate: numberFromEnv('BENCH_B_RATE', 2),
    bLeads: numberFromEnv('BENCH_B_LEADS', 8),
    floodTimes: numberFromEnv('BENCH_FLOOD_TIMES', 20),
    floodBatch: numberFromEnv('BENCH_FLOOD_BATCH', 10),
    seconds: numberFromEnv('BENCH_SECONDS', 20),
    control: process.env.BENCH_CONTROL !== '0',
    record: process.env.BENCH_RECORD !== '0',
  };
}
