import { existsSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Shared by the benchmarks in bench/: load generation at a fixed concurrency,
 * simple statistics, CPU accounting, the machine description and the
 * RESULTS.md writer. Not a benchmark itself (bench/run.ts runs only the
 * top-level bench/*.ts files).
 */

export const benchDir = path.resolve(import.meta.dirname, '..');
export const resultsFile = path.join(benchDir, 'RESULTS.md');

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The index whose value is the median (the middle run of an odd number of runs). */
export function medianIndex(values: readonly number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.floor((order.length - 1) / 2)]![1];
}

export interface PoolResult {
  seconds: number;
  /** per-task latency in milliseconds */
  latencies: number[];
}

/**
 * Runs `task` once per item with exactly `concurrency` tasks in flight until
 * all are done. A task that throws is counted by the caller, not here: tasks
 * should catch and record their own failures.
 */
export async function runPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<PoolResult> {
  const latencies: number[] = new Array<number>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const started = performance.now();
      await task(items[i]!);
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by the direct child processes of this one (Linux only; undefined elsewhere). */
export function childProcessesCpuSeconds(): number | undefined {
  try {
    const taskDir = `/proc/${process.pid}/task`;
    const children = new Set<string>();
    for (const tid of readdirSync(taskDir)) {
      const list = readFileSync(path.join(taskDir, tid, 'children'), 'utf8').trim();
      for (const pid of list.split(/\s+/).filter(Boolean)) children.add(pid);
    }
    let ticks = 0;
    for (const pid of children) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name (which is in parentheses and may hold spaces).
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
      } catch {
        // the child exited between listing and reading
      }
    }
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Machine-wide CPU seconds so far from /proc/stat (Linux only): busy (user,
 * nice, system, irq, softirq) and steal (taken by the hypervisor).
 */
export function machineCpuSeconds(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return { busy: (user! + nice! + system! + irq! + softirq!) / CLOCK_TICKS_PER_SECOND, steal: steal! / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by this process, all threads (main, Lambda workers, …). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.platform}`;
}

const RESULTS_HEADER = `# Benchmark results

Each section is appended by a run of \`npm run bench\` (see README.md): newest last.
Figures are from one machine and one run; compare sections only when the machine line matches.
`;

/** Appends a section to bench/RESULTS.md, creating the file with its header the first time. */
export function appendResults(section: string): void {
  if (!existsSync(resultsFile)) writeFileSync(resultsFile, RESULTS_HEADER);
  appendFileSync(resultsFile, `\n${section.trim()}\n`);
}

/** Formats a number with a fixed number of decimals and thousands separators. */
export function fmt(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A Markdown table; also readable as plain text in a terminal. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
