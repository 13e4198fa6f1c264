import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, summarizeModel } from '../../../bin/cli/model-check.ts';

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

// Each test starts the command as a process (node loading TypeScript): seconds, more on a busy machine.
describe('leadloop model check, as a command', { timeout: 30_000 }, () => {
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

describe('leadloop in scripts', { timeout: 30_000 }, () => {
  it('writes all of a long output into a pipe before it exits', async () => {
    // Prepare: a valid model with thousands of rules, whose summary is far beyond a pipe's 64 KiB
    const model = JSON.parse(readFileSync(path.join(root, 'config/scoring-model.json'), 'utf8')) as { engagement: { rules: Record<string, unknown>[] } };
    const template = model.engagement.rules[0]!;
    for (let i = 0; i < 4000; i++) {
      model.engagement.rules.push({ ...template, id: `rule-${i}`, description: `Viewed generated page number ${i}`, match: { type: 'page', urlPattern: `/generated/${i}` } });
    }
    const text = JSON.stringify(model, null, 2);
    const file = path.join(temp, 'big-model.json');
    writeFileSync(file, text);
    const loaded = loadModel(file, text);
    if (!loaded.ok) throw new Error(loaded.output);
    const expected = `${summarizeModel(loaded.model)}\n`;
    expect(Buffer.byteLength(expected)).toBeGreaterThan(4 * 65_536);

    // Act: the command's stdout is a pipe this test reads, as \`| jq\` would
    const child = spawn(process.execPath, [path.join(root, 'bin/leadloop.js'), 'model', 'check', file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    // Assess
    expect(stdout.length).toBe(expected.length);
    expect(stdout).toBe(expected);
    expect(status).toBe(0);
  }, 60_000);

  /** The pids of the processes whose parent is \`pid\`. */
  const childrenOf = (pid: number): number[] =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`passes ${signal} on to the CLI it runs and leaves no process behind`, async () => {
      // Prepare: a "DynamoDB" that accepts connections and never answers, so the command waits
      const sockets: Socket[] = [];
      let connected!: () => void;
      const waiting = new Promise<void>((resolve) => (connected = resolve));
      const stall = createServer((socket) => {
        sockets.push(socket);
        connected();
      });
      await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
      const endpoint = `http://127.0.0.1:${(stall.address() as { port: number }).port}`;
      const wrapper = spawn(process.execPath, [path.join(root, 'bin/leadloop.js'), 'rescore'], {
        cwd: root,
        env: { ...process.env, LEADS_TABLE: 'leads', EVENTS_TABLE: 'events', JOURNEY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:j', AWS_ENDPOINT_URL_DYNAMODB: endpoint },
        stdio: 'ignore',
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => wrapper.on('exit', (code, sig) => resolve({ code, signal: sig })));
      await waiting;
      const [cli] = childrenOf(wrapper.pid!);
      expect(cli).toBeDefined();

      // Act
      wrapper.kill(signal);
      const result = await exited;

      // Assess: the CLI it started is gone too, and the wrapper ended the way the CLI did
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        stall.close(() => resolve());
      });
      expect(alive(cli!)).toBe(false);
      expect(result).toEqual({ code: null, signal });
    }, 60_000);
  }
});
