import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../../local/clock.ts';
import { LocalLambdas, type InvocationReport } from '../../../local/lambdas.ts';
import type { LocalFunction } from '../../../local/template.ts';

/**
 * What the local Lambdas tell an observer (bench/cost counts the work with
 * it): one report per invocation with the function's memory size and the
 * handler's duration, and each line the function prints.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-lambdas-'));
const codeFile = path.join(dir, 'handler.mjs');
// A handler that prints one line per invocation, waits when asked to (so invocations overlap), and throws when asked to.
writeFileSync(
  codeFile,
  `export const handler = async (event) => {
  console.log(JSON.stringify({ printed: event.n }));
  if (event.waitMs) await new Promise((r) => setTimeout(r, event.waitMs));
  if (event.fail) { const e = new Error('asked to fail'); e.name = 'AskedToFail'; throw e; }
  return { n: event.n };
};
`,
);

const fn: LocalFunction = {
  logicalId: 'Echo',
  name: 'Echo',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:Echo',
  codeFile,
  exportName: 'handler',
  environment: {},
  timeoutSeconds: 10,
  memorySize: 384,
};

const reports: InvocationReport[] = [];
const lines: { functionLogicalId: string; line: string }[] = [];
let lambdas: LocalLambdas;

beforeAll(async () => {
  lambdas = new LocalLambdas(new Map([[fn.name, fn]]), {}, createClock(1), {
    invoked: (report) => reports.push(report),
    printed: (functionLogicalId, line) => lines.push({ functionLogicalId, line }),
  });
  await lambdas.startAll();
});

afterAll(async () => {
  await lambdas.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

describe('observing the local Lambdas', () => {
  it('reports each invocation with the function, its memory size and the handler’s duration, failed or not', async () => {
    reports.length = 0;

    await expect(lambdas.invoke('Echo', { n: 1 })).resolves.toEqual({ n: 1 });
    await expect(lambdas.invoke(fn.arn, { n: 2, fail: true })).rejects.toMatchObject({ name: 'AskedToFail' });

    expect(reports).toHaveLength(2);
    expect(reports.map((r) => [r.functionLogicalId, r.memorySize, r.failed])).toEqual([
      ['Echo', 384, false],
      ['Echo', 384, true],
    ]);
    for (const report of reports) {
      expect(Number.isFinite(report.durationMs)).toBe(true);
      expect(report.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts the invocations already running in the same worker when one starts', async () => {
    reports.length = 0;

    await Promise.all([lambdas.invoke('Echo', { n: 3, waitMs: 200 }), lambdas.invoke('Echo', { n: 4 })]);

    expect(reports.map((r) => r.concurrent).sort()).toEqual([0, 1]);
  });

  it('hands the observer what the function prints, a line at a time, naming the function', async () => {
    await lambdas.invoke('Echo', { n: 5 });

    await until('the printed line', () => lines.some((l) => l.line === '{"printed":5}'));
    expect(lines.find((l) => l.line === '{"printed":5}')?.functionLogicalId).toBe('Echo');
  });
});
