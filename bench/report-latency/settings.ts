import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { benchDir, numberFromEnv } from '../lib/harness.ts';

/** bench/report-latency's settings, from the environment (see bench/report-latency.ts). */

export const LEADS = numberFromEnv('BENCH_LEADS', 100_000);
export const EVENTS = numberFromEnv('BENCH_EVENTS', 1_000_000);
/** the seeded year: leads first seen over this many days up to END */
export const DAYS = numberFromEnv('BENCH_DAYS', 366);
/** Fixed, so a seeded data directory can be kept between runs: the reports' "today" is the day before. */
export const END = new Date('2026-12-01T00:00:00Z');
export const REPEATS = numberFromEnv('BENCH_REPEATS', 5);
export const SEED_CONCURRENCY = numberFromEnv('BENCH_SEED_CONCURRENCY', 8);
/** one marker item per event under its lead, as scoring leaves them (1,000,000 more items to write); off unless BENCH_MARKERS=1 */
export const MARKERS = process.env.BENCH_MARKERS === '1';
/** BENCH_CACHE=0: seed again even when a data directory of the same seed is kept */
export const CACHE = process.env.BENCH_CACHE !== '0';
export const RECORD = process.env.BENCH_RECORD !== '0';
export const PERIODS = [7, 30, 90, 366] as const;

export const root = path.resolve(benchDir, '..');
/** seeded data directories are kept here, one per seed (.leadloop/ is not committed) */
export const cacheRoot = path.join(root, '.leadloop', 'bench-cache', 'report-latency');
/**
 * The copy DynamoDB Local runs on: in memory (tmpfs) where the machine has
 * one, as `-inMemory` would be, since SQLite's syncs on a disk make seeding
 * a million items take hours; BENCH_WORK_DIR to choose another.
 */
export const workDir = process.env.BENCH_WORK_DIR ?? (existsSync('/dev/shm') ? path.join('/dev/shm', `leadloop-report-latency-${process.pid}`) : path.join(root, '.leadloop', 'bench-run', 'report-latency'));
export const log = (message: string) => console.log(`[bench/report-latency] ${message}`);
