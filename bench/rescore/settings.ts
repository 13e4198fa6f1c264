import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { scoringModel } from '../../config/index.ts';
import { scoringModelSchema, type ScoringModel } from '../../functions/core/scoring.ts';
import { benchDir, numberFromEnv } from '../lib/harness.ts';

/** bench/rescore's settings, from the environment (see bench/rescore.ts), this run's id, and the model leads are rescored under. */

export const EVENTS = numberFromEnv('BENCH_EVENTS', 100_000);
export const LEADS = numberFromEnv('BENCH_LEADS', 1000);
export const SEGMENTS = numberFromEnv('BENCH_SEGMENTS', 4);
export const CONCURRENCY = numberFromEnv('BENCH_CONCURRENCY', 4);
export const REPEATS = numberFromEnv('BENCH_REPEATS', 3);
export const SEED_CONCURRENCY = numberFromEnv('BENCH_SEED_CONCURRENCY', 8);
export const WARMUP_RESCORES = process.env.BENCH_WARMUP === '0' ? 0 : numberFromEnv('BENCH_WARMUP_RESCORES', 5);
export const SEQUENTIAL = process.env.BENCH_SEQUENTIAL !== '0';
export const RECORD = process.env.BENCH_RECORD !== '0';
export const IN_FLIGHT = SEGMENTS * CONCURRENCY;

export const runId = randomBytes(4).toString('hex');
export const log = (message: string) => console.log(`[bench/rescore] ${message}`);
export const root = path.resolve(benchDir, '..');

// ---------------------------------------------------------------- the model under which leads are rescored

/** The deployed model with a new version; two rules without caps are worth less, so no lead newly qualifies. */
export function changedModel(version: string): ScoringModel {
  const points: Record<string, number> = { 'demo-request': 35, 'careers-page': -15 };
  return scoringModelSchema.parse({
    ...scoringModel,
    version,
    engagement: {
      ...scoringModel.engagement,
      rules: scoringModel.engagement.rules.map((rule) => (rule.id in points ? { ...rule, points: points[rule.id]! } : rule)),
    },
  });
}
for (const id of ['demo-request', 'careers-page']) {
  const rule = scoringModel.engagement.rules.find((r) => r.id === id);
  if (!rule || rule.cap) throw new Error(`the bench lowers the points of rule ${id}, which must exist and have no cap; update changedModel() for the deployed model`);
}
