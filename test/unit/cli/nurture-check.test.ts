import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../bin/cli/run.ts';

/** `leadloop nurture check`, run as the CLI runs it, on files given as text. */
async function check(files: Record<string, string>, ...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    readFile: (file) => {
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
      return text;
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: {},
    progress: { write: () => undefined },
    onInterrupt: () => () => undefined,
  };
  const status = await run(['nurture', 'check', ...args], io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('leadloop nurture check', () => {
  it('lists the shipped programs in words: who enters, each step’s wait and condition', async () => {
    const { status, out } = await check({ 'config/nurture.json': readFileSync('config/nurture.json', 'utf8') });
    expect(status).toBe(0);
    expect(out).toContain('enters: known leads');
    expect(out).toContain('2. after 3 days: "How Acme closed the loop between marketing and sales" (story)');
    expect(out).toContain('when score at least 10');
    expect(out).toContain('enters: recycled leads');
  });

  it('refuses an invalid file with each problem at its line and field', async () => {
    const text = JSON.stringify({ consent: { traits: ['marketingConsent'], grantedValues: [true] }, linkDays: 30, programs: [{ id: 'a', name: 'A', enter: { from: 'cold' }, steps: [] }] }, null, 2);
    const { status, err } = await check({ 'draft.json': text }, 'draft.json');
    expect(status).toBe(1);
    expect(err).toContain('draft.json is not a valid nurture file (2 problems):');
    expect(err).toMatch(/draft\.json:\d+: programs\[0\]\.enter\.from: /);
    expect(err).toMatch(/draft\.json:\d+: programs\[0\]\.steps: give at least one step/);
  });
});
