import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The real `leadloop` command, bin/leadloop.js, run as a person runs it. */
const root = path.resolve(import.meta.dirname, '../../..');
const temp = mkdtempSync(path.join(tmpdir(), 'leadloop-cli-'));

function leadloop(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin/leadloop.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe('leadloop model check, as a command', () => {
  it('exits 0 and summarizes the default scoring model', () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(path.join(root, 'config/scoring-model.json'), 'utf8')) as { version: string };

    // Act
    const { status, stdout, stderr } = leadloop('model', 'check', 'config/scoring-model.json');

    // Assess
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain(`Scoring model ${version}`);
    expect(stdout).toContain('demo-request (Requested a demo): +40 points');
  });

  it('exits 1 for a broken copy and names the field and its line', () => {
    // Prepare: the pricing rule's points set to 0, which the schema refuses
    const original = readFileSync(path.join(root, 'config/scoring-model.json'), 'utf8');
    const pricingAt = original.indexOf('"id": "pricing-page"');
    const pointsAt = original.indexOf('"points": 10', pricingAt);
    const broken = `${original.slice(0, pointsAt)}"points": 0${original.slice(pointsAt + '"points": 10'.length)}`;
    const file = path.join(temp, 'scoring-model.json');
    writeFileSync(file, broken);
    const line = original.slice(0, pointsAt).split('\n').length;
    const index = (JSON.parse(original) as { engagement: { rules: { id: string }[] } }).engagement.rules.findIndex((r) => r.id === 'pricing-page');

    // Act
    const { status, stdout, stderr } = leadloop('model', 'check', file);

    // Assess
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file}:${line}: engagement.rules[${index}].points: points must not be 0`);
  });

  it('prints the usage for --help and exits 0', () => {
    const { status, stdout } = leadloop('--help');

    expect(status).toBe(0);
    expect(stdout).toContain('Usage: leadloop <command>');
    expect(stdout).toContain('model check <file>');
  });
});
