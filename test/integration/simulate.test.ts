import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planSimulation } from '../../bin/cli/simulate-plan.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { logTail, storedEvents } from '../support/local.ts';

/**
 * `leadloop simulate` run as a person runs it (bin/leadloop.js) against the
 * local runtime on a fast clock: a small run qualifies leads, answers their
 * hand-offs by the emails' links, and records activities, feedback and deals,
 * all as stored events the funnel report counts.
 */
const root = path.resolve(import.meta.dirname, '../..');
let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;
/** the runtime's own log (set-aside stream batches, router errors), printed when the run reports a failure */
const runtimeLog = logTail();

function leadloop(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/leadloop.js'), ...args], { cwd: root, env: { ...process.env, ...runtime.cliEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The figure a summary line gives, e.g. `  accepted   12`. */
const figure = (stdout: string, label: string) => Number(new RegExp(`^\\s+${label}\\s+([\\d,]+)`, 'm').exec(stdout)?.[1]?.replaceAll(',', '') ?? NaN);

beforeAll(async () => {
  // An hour per second: the reps' work spreads over hours, and hand-offs left alone escalate.
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 3600, synth: false, log: runtimeLog.log });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
});

describe('leadloop simulate, as a command', () => {
  it('qualifies leads, answers their hand-offs, and records activities, feedback and deals', async () => {
    // Act
    const { status, stdout, stderr } = await leadloop(['simulate', '--leads', '40', '--days', '3', '--seed', '4']);

    // Assess: the summary (a failure comes with what the runtime set aside and logged)
    const why = /failed/.test(stderr) ? `\nfailed records: ${await (await fetch(`${runtime.apiUrl}/_local/failed-records`)).text()}\nruntime log:\n${runtimeLog.tail()}` : '';
    expect(stderr, why).not.toMatch(/failed/);
    expect(status).toBe(0);
    const mqls = figure(stdout, 'MQLs \\(hand-offs\\)');
    const accepted = figure(stdout, 'accepted');
    const rejected = figure(stdout, 'rejected');
    expect(figure(stdout, 'visitors')).toBe(40);
    expect(mqls).toBeGreaterThan(3);
    expect(accepted).toBeGreaterThan(0);
    expect(accepted + rejected + figure(stdout, 'left to escalate')).toBe(mqls);
    expect(figure(stdout, 'errors')).toBe(0);

    // Assess: what is stored, by kind
    const plan = planSimulation({ leads: 40, days: 3, seed: 4, now: new Date() });
    const ours = new Set(plan.map((v) => v.leadId));
    // an identified visitor's lead is its email's when its identify was applied before its first page
    for (const { email } of plan.filter((v) => v.email !== undefined)) {
      const found = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email!)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
      if (found.status === 200) ours.add(((await found.json()) as { leadId: string }).leadId);
    }
    const events = await storedEvents(dynamodb, (e) => typeof e.leadId !== 'string' || ours.has(e.leadId));
    const count = (kind: string) => events.filter((e) => e.kind === kind).length;
    expect(events.filter((e) => typeof e.messageId === 'string' && e.messageId.startsWith('sim-4-')).length).toBe(figure(stdout, 'events'));
    expect(count('activity')).toBe(figure(stdout, 'activities'));
    expect(count('feedback')).toBe(figure(stdout, 'feedback'));
    expect(count('crm-outcome')).toBe(figure(stdout, 'opportunities') + figure(stdout, 'won') + figure(stdout, 'lost'));

    // Assess: the funnel report counts the leads that qualified and those sales accepted
    const response = await fetch(`${runtime.apiUrl}/v1/reports/funnel`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
    const funnel = (await response.json()) as { stages: { stage: string; reached: number }[] };
    const reached = (stage: string) => funnel.stages.find((s) => s.stage === stage)?.reached ?? 0;
    expect(reached('mql')).toBe(mqls);
    expect(reached('sal')).toBe(accepted);
    expect(reached('opportunity')).toBe(figure(stdout, 'opportunities'));
    expect(reached('won')).toBe(figure(stdout, 'won'));
  }, 240_000);

  it('says what is wrong with its flags', async () => {
    const { status, stderr } = await leadloop(['simulate', '--leads', 'many']);

    expect(status).toBe(2);
    expect(stderr).toContain('--leads must be a whole number from 1 to 1,000,000, got "many"');
  });
});
