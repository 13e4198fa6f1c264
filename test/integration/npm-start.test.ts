import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a person runs it: it prints where everything is and the
 * write key, answers /health, and Ctrl-C (SIGINT) stops every part.
 */
const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;

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
});

describe('npm start', () => {
  it('prints the URLs and a generated write key, answers /health, and stops cleanly on Ctrl-C', async () => {
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
    expect(dynamodbUrl).toBeDefined();
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
