import { spawn, type ChildProcess } from 'node:child_process';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringModel } from '../../config/index.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { scoringModelSchema, type ScoringModel } from '../../functions/core/scoring.ts';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '../../functions/commons/clients.ts';
import { readSettings, SETTINGS, settingsEnvironment } from '../../functions/commons/settings.ts';
import type { RescoreProgress } from '../../functions/core/records.ts';
import { liveRescorePorts, rescoreAdapters, type RescoreAdapters } from '../../functions/rescore/ports.ts';
import { rescoreAll } from '../../functions/rescore/rescore-leads.ts';
import { localCredentials } from '../../local/dynamodb.ts';
import { LOCAL_REGION } from '../../local/template.ts';
import type { BacktestReport } from '../../functions/core/backtest.ts';
import { PROFILE_SK, SCORE_SK } from '../../functions/core/table-layout.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * Rescoring the leads of the local runtime under a changed model: from the
 * stored events, resumable after an interruption, safe while events arrive,
 * and a lead the new model qualifies gets exactly one hand-off. Real time
 * (clock speed 1), so the CLI's clock and the functions' clock agree.
 */
const root = path.resolve(import.meta.dirname, '../..');
const temp = mkdtempSync(path.join(tmpdir(), 'leadloop-rescore-'));
const LEADS = 12;

let runtime: LocalRuntime;
let adapters: RescoreAdapters;

/** The real `leadloop` command, run as a person runs it, against the test's runtime. */
function leadloop(
  args: string[],
  env: Record<string, string>,
  onStderr?: (stderr: string, child: ChildProcess) => void,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/leadloop.js'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The default model, except that a page view is worth 30 points: two views and a good fit qualify. */
function modelWithPageViewsAt(points: number, version: string): ScoringModel {
  return scoringModelSchema.parse({
    ...scoringModel,
    version,
    engagement: {
      ...scoringModel.engagement,
      rules: scoringModel.engagement.rules.map((rule) => (rule.id === 'page-view' ? { id: rule.id, description: rule.description, match: rule.match, points } : rule)),
    },
  });
}

async function send(pathname: string, body: unknown): Promise<void> {
  expect((await sendEvent(runtime, pathname, body)).status).toBe(200);
}

async function lead(email: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

async function handOffEmails(): Promise<{ destination: { to: string[] }; subject: string; body: { text?: string } }[]> {
  const response = await fetch(`${runtime.sesUrl}/store`);
  const { emails } = (await response.json()) as { emails: { destination: { to: string[] }; subject: string; body: { text?: string } }[] };
  return emails.filter((e) => /hand-?off|new lead/i.test(e.subject));
}

const emailOf = (i: number) => `buyer-${i}@rescore-corp.example`;

/** A well-fitting person (grade A under the default model) with two page views: known, far from qualified. */
function seedEvents(i: number) {
  const anonymousId = `rescore-visitor-${i}`;
  return [
    { type: 'identify', anonymousId, messageId: `${anonymousId}-1`, traits: { email: emailOf(i), phone: '+44 20 7946 0000', title: 'VP Sales', employees: 250 } },
    { type: 'page', anonymousId, messageId: `${anonymousId}-2`, name: 'Home', context: { page: { url: 'https://rescore.example/' } } },
    { type: 'page', anonymousId, messageId: `${anonymousId}-3`, name: 'Blog', context: { page: { url: 'https://rescore.example/blog' } } },
  ];
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, synth: false, log: () => undefined });
  // The adapters the CLI builds, from the runtime's tables, journey and endpoints.
  const local = { region: LOCAL_REGION, credentials: localCredentials };
  adapters = rescoreAdapters({
    ...readSettings(['leadsTable', 'eventsTable', 'journeyStateMachineArn'], runtime.cliEnv),
    client: createDocumentClient({ ...local, endpoint: runtime.dynamodbEndpoint }),
    sfn: new SFNClient({ ...local, endpoint: runtime.sfnEndpoint }),
  });

  await send('/v1/batch', { batch: Array.from({ length: LEADS }, (_, i) => seedEvents(i)).flat() });
  await eventually(
    'every seeded lead scored with its three events',
    async () => {
      for (let i = 0; i < LEADS; i++) if ((await lead(emailOf(i)))?.recentActivity.length !== 3) return undefined;
      return true;
    },
    60_000,
  );
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(temp, { recursive: true, force: true });
});

describe('rescoring under a changed model', () => {
  const draft = modelWithPageViewsAt(30, 'rescore-test-1');

  it('stops when interrupted, saving where each segment got to', async () => {
    // Prepare: the seeded leads are known, not MQLs
    expect((await lead(emailOf(0)))?.stage).toBe('known');
    const controller = new AbortController();
    const shown: number[] = [];

    // Act: small pages, one lead at a time, interrupted after five leads
    const result = await rescoreAll(liveRescorePorts(draft, adapters), {
      segments: 2,
      concurrency: 1,
      pageSize: 10,
      signal: controller.signal,
      onProgress: ({ leads }) => {
        shown.push(leads);
        if (leads >= 5) controller.abort();
      },
    });

    // Assess
    expect(result.status).toBe('interrupted');
    const saved = (await adapters.history.getRescoreProgress('rescore-test-1')) as RescoreProgress;
    expect(saved.finishedAt).toBeUndefined();
    expect(saved.leads).toBeLessThan(LEADS);
    expect(saved.segments.some((s) => s !== 'done')).toBe(true);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(shown.at(-1)).toBe(saved.leads);
  }, 60_000);

  it('resumes, rescores every lead once in the totals, and hands each newly qualified lead off exactly once', async () => {
    // Act
    const result = await rescoreAll(liveRescorePorts(draft, adapters), { segments: 4, concurrency: 4, pageSize: 10 });

    // Assess: the run continued the saved one and counted every lead and event once
    expect(result.status).toBe('finished');
    expect(result.resumed).toBe(true);
    expect(result.progress.segments).toEqual(['done', 'done']);
    expect(result.progress.leads).toBe(LEADS);
    expect(result.progress.events).toBe(3 * LEADS);
    expect(result.progress.advanced).toBe(LEADS);

    // Assess: every lead is an MQL under the draft, its score from its stored events under the draft's rules
    for (let i = 0; i < LEADS; i++) {
      const view = (await lead(emailOf(i)))!;
      expect(view.stage).toBe('mql');
      expect(view.score.scoredUnder).toBe('rescore-test-1');
      expect(view.score.breakdown.find((c) => c.ruleId === 'page-view')).toMatchObject({ points: 60, count: 2 });
      expect(view.stageHistory.at(-1)?.cause).toMatch(/^rescored under model rescore-test-1: grade A and engagement 60/);
    }
    const emails = await eventually('a hand-off email for every lead', async () => {
      const sent = await handOffEmails();
      return sent.length >= LEADS ? sent : undefined;
    });
    // One hand-off per lead although the interrupted pages were rescored again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await handOffEmails()).toHaveLength(LEADS);
    expect(emails).toHaveLength(LEADS);
  }, 60_000);

  it('backtests the draft against the current model on history, writing nothing', async () => {
    // Prepare: reps accept half of the hand-offs
    const accepted = (await handOffEmails()).slice(0, LEADS / 2).map((email) => /Accept: (\S+)/.exec(email.body.text ?? '')![1]!);
    for (const url of accepted) expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    await eventually('the accepted leads in SAL', async () => {
      let sal = 0;
      for (let i = 0; i < LEADS; i++) if ((await lead(emailOf(i)))?.stage === 'sal') sal += 1;
      return sal === LEADS / 2 ? true : undefined;
    });
    const draftFile = path.join(temp, 'backtest-draft.json');
    writeFileSync(draftFile, JSON.stringify(draft, null, 2));
    const before = await lead(emailOf(0));

    // Act
    const json = await leadloop(['backtest', draftFile, '--json'], runtime.cliEnv);
    const text = await leadloop(['backtest', draftFile], runtime.cliEnv);

    // Assess: under the default model two page views (6 points) qualify nobody; under the draft (60) everyone,
    // and sales saw every lead at 6 points by the default model's rules and 60 by the draft's
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as BacktestReport;
    expect(report.leads).toBe(LEADS);
    expect(report.handedOff).toBe(LEADS);
    expect([report.current.version, report.current.mqls, report.draft.version, report.draft.mqls]).toEqual([scoringModel.version, 0, 'rescore-test-1', LEADS]);
    expect(report.qualification).toMatchObject({ newly: LEADS, noLonger: 0 });
    const band = (bands: BacktestReport['current']['bands'], label: string) => bands.find((b) => b.label === label);
    expect(band(report.current.bands, '0–19')).toMatchObject({ leads: LEADS, accepted: LEADS / 2, rejected: 0, acceptanceRate: 1, winRate: null });
    expect(band(report.draft.bands, '60–79')).toMatchObject({ leads: LEADS, accepted: LEADS / 2, rejected: 0, acceptanceRate: 1, winRate: null });
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`Leads of tables ${runtime.cliEnv[SETTINGS.leadsTable]} and ${runtime.cliEnv[SETTINGS.eventsTable]}: ${LEADS} leads, ${3 * LEADS} events.`);
    expect(text.stdout).toContain(`Backtest of draft scoring model rescore-test-1 against current model ${scoringModel.version}`);
    expect(text.stdout).toContain(`${LEADS} leads newly qualify`);
    // Nothing was written.
    expect(await lead(emailOf(0))).toEqual({ ...before, score: { ...before!.score, at: expect.any(String), engagement: expect.any(Number) } });
  }, 60_000);

  it('says so and changes nothing when the same model version was already rescored', async () => {
    // Act
    const result = await rescoreAll(liveRescorePorts(draft, adapters));

    // Assess
    expect(result.status).toBe('already-finished');
    expect(result.progress.leads).toBe(LEADS);
  });

  it('loses no event and counts none twice when events arrive during the rescore', async () => {
    // Prepare: another model version, and three more page views per lead sent while it runs
    const next = modelWithPageViewsAt(25, 'rescore-test-2');
    const arriving = Array.from({ length: LEADS }, (_, i) =>
      [4, 5, 6].map((n) => ({ type: 'page', anonymousId: `rescore-visitor-${i}`, messageId: `rescore-visitor-${i}-${n}`, context: { page: { url: `https://rescore.example/p${n}` } } })),
    ).flat();

    // Act
    const sending = (async () => {
      for (const event of arriving) await send('/v1/page', event);
    })();
    const result = await rescoreAll(liveRescorePorts(next, adapters), { segments: 2, concurrency: 2, pageSize: 5 });
    await sending;

    // Assess: once the stream has caught up, each lead's ledger has each page view exactly once
    expect(result.status).toBe('finished');
    for (let i = 0; i < LEADS; i++) {
      const expected = [2, 3, 4, 5, 6].map((n) => `rescore-visitor-${i}-${n}`);
      const views = await eventually(`lead ${i} with all five page views`, async () => {
        const view = (await lead(emailOf(i)))!;
        const count = view.score.breakdown.find((c) => c.ruleId === 'page-view')?.count;
        return count !== undefined && count >= 5 ? view : undefined;
      });
      expect(views.score.breakdown.find((c) => c.ruleId === 'page-view')?.count).toBe(5);
      expect(views.recentActivity.map((a) => a.messageId).filter((id) => expected.includes(id)).sort()).toEqual(expected.sort());
    }
  }, 90_000);
});

describe('leadloop rescore, as a command', () => {
  it('rescores every lead under a model file, with progress, then says a second run has nothing to do', async () => {
    // Prepare
    const file = path.join(temp, 'draft.json');
    writeFileSync(file, JSON.stringify(modelWithPageViewsAt(20, 'rescore-cli-1'), null, 2));

    // Act
    const first = await leadloop(['rescore', '--model', file, '--segments', '2'], runtime.cliEnv);
    const second = await leadloop(['rescore', '--model', file], runtime.cliEnv);

    // Assess
    expect(first.stderr).toMatch(/\[#+\] 100% 12\/12 leads · \d+ events/);
    expect(first.stdout).toContain(`Rescoring the leads of tables ${runtime.cliEnv[SETTINGS.leadsTable]} and ${runtime.cliEnv[SETTINGS.eventsTable]} under model rescore-cli-1 (about 12 leads)`);
    expect(first.stdout).toContain('Finished: 12 leads');
    expect(first.status).toBe(0);
    expect(second.stdout).toContain('Every lead was already rescored under model rescore-cli-1');
    expect(second.status).toBe(0);
    expect((await lead(emailOf(3)))?.score.scoredUnder).toBe('rescore-cli-1');
  }, 60_000);

  it('refuses to guess which LeadLoop to use', async () => {
    // Act
    const { status, stderr } = await leadloop(['rescore'], settingsEnvironment({ leadsTable: '', eventsTable: '', journeyStateMachineArn: '' }));

    // Assess: the variables named as a person sets them
    expect(status).toBe(1);
    expect(stderr).toContain('say which LeadLoop to use: --local (npm start), --stack <name> (deployed), or set LEADS_TABLE, EVENTS_TABLE, JOURNEY_STATE_MACHINE_ARN');
  });
});

describe('leadloop rescore interrupted and resumed, as a command', () => {
  const MORE = 150;
  const version = 'rescore-interrupt-1';
  /** Every lead not merged into another, as stored: the model version that scored it and its score item's version (moved by each save that scores). */
  async function profiles(): Promise<Map<string, { modelVersion: string; version: number }>> {
    const client = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const scores = new Map<string, { modelVersion: string; version: number }>();
    const merged = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: runtime.cliEnv[SETTINGS.leadsTable]!,
          FilterExpression: 'sk = :score OR (sk = :profile AND attribute_exists(mergedInto))',
          ExpressionAttributeValues: { ':score': { S: SCORE_SK }, ':profile': { S: PROFILE_SK } },
          ...(startKey && { ExclusiveStartKey: startKey as never }),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk!.S === PROFILE_SK) merged.add(item.pk!.S!);
        else scores.set(item.pk!.S!, { modelVersion: item.modelVersion?.S ?? '', version: Number(item.version!.N) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    client.destroy();
    for (const pk of merged) scores.delete(pk);
    return scores;
  }
  /** The lead counts of the progress lines (`… 120/312 leads`), in the order printed. */
  const progressCounts = (stderr: string) => [...stderr.matchAll(/(\d[\d,]*)\/[\d,]+ leads/g)].map((m) => Number(m[1]!.replaceAll(',', '')));

  it('saves the leads done before Ctrl-C, never shows less progress, and the next run carries on after them', async () => {
    // Prepare: many more leads (one identify each), and a model that changes no stage, so only the rescore saves leads
    const identifies = Array.from({ length: MORE }, (_, i) => ({ type: 'identify', anonymousId: `interrupt-visitor-${i}`, messageId: `interrupt-${i}`, traits: { email: `interrupt-${i}@rescore-corp.example` } }));
    for (let i = 0; i < MORE; i += 100) await send('/v1/batch', { batch: identifies.slice(i, i + 100) });
    const before = await eventually(
      'every new lead stored',
      async () => {
        const found = await profiles();
        return found.size >= LEADS + MORE ? found : undefined;
      },
      150_000,
      2_000,
    );
    const total = before.size;
    const file = path.join(temp, 'interrupt.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(path.join(root, 'config/scoring-model.json'), 'utf8')), version }, null, 2));

    // Act: the default four segments, one lead at a time each; Ctrl-C once some leads are done
    let interrupted = false;
    const first = await leadloop(['rescore', '--model', file, '--concurrency', '1'], runtime.cliEnv, (stderr, child) => {
      if (!interrupted && progressCounts(stderr).some((n) => n > 0)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const afterFirst = await profiles();

    // Assess: interrupted, with the leads it did saved and counted, and progress that never went back
    expect(first.status).toBe(130);
    const saved = (await adapters.history.getRescoreProgress(version)) as RescoreProgress;
    const rescored = [...afterFirst].filter(([, p]) => p.modelVersion === version).map(([pk]) => pk);
    expect(saved.segments).toHaveLength(4);
    expect(saved.leads).toBeGreaterThan(0);
    expect(saved.leads).toBeLessThan(total);
    expect(rescored).toHaveLength(saved.leads);
    expect(first.stderr).toContain(`Interrupted: ${saved.leads} leads are rescored and saved.`);
    const firstCounts = progressCounts(first.stderr);
    expect(firstCounts).toEqual([...firstCounts].sort((a, b) => a - b));

    // Act: the same command again
    const second = await leadloop(['rescore', '--model', file, '--concurrency', '1'], runtime.cliEnv);
    const afterSecond = await profiles();

    // Assess: it said what was done, redid none of the saved leads, did every other lead, and counted each once
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`Resuming the interrupted rescore: ${saved.leads} leads were already rescored under model ${version}`);
    expect(second.stdout).toContain(`Resumed and finished: ${total} leads`);
    expect(second.stdout).toContain(`(this run: ${total - saved.leads} leads,`);
    for (const pk of rescored) expect(afterSecond.get(pk)?.version, pk).toBe(afterFirst.get(pk)!.version);
    expect([...afterSecond.values()].every((p) => p.modelVersion === version)).toBe(true);
    expect(((await adapters.history.getRescoreProgress(version)) as RescoreProgress).leads).toBe(total);
    const secondCounts = progressCounts(second.stderr);
    expect(second.stdout).not.toContain('Resumed and finished: 0');
    expect(secondCounts[0]).toBeGreaterThanOrEqual(saved.leads);
    expect(secondCounts).toEqual([...secondCounts].sort((a, b) => a - b));
  }, 240_000);

  it('starts afresh, not "resumed", when the interrupted run had done nothing', async () => {
    // Prepare: a run stopped before its first lead
    const model = { ...scoringModel, version: 'rescore-interrupt-0' };
    const stopped = new AbortController();
    stopped.abort();
    const first = await rescoreAll(liveRescorePorts(model, adapters), { signal: stopped.signal });
    expect(first.status).toBe('interrupted');

    // Act
    const starts: { resumed: boolean; already: { leads: number } }[] = [];
    const second = await rescoreAll(liveRescorePorts(model, adapters), { onStart: (start) => starts.push(start) });

    // Assess
    expect(starts).toEqual([{ resumed: false, already: { leads: 0, events: 0, advanced: 0 } }]);
    expect(second).toMatchObject({ status: 'finished', resumed: false });
    expect(second.progress.leads).toBe(LEADS + MORE);
  }, 60_000);

  it('prints a backtest report far beyond a pipe\'s 64 KiB as whole JSON', async () => {
    // Prepare: enough leads for a report several times what a pipe holds (every lead's detail is in it)
    const MANY = 180;
    const already = (await profiles()).size;
    const identifies = Array.from({ length: MANY }, (_, i) => ({ type: 'identify', anonymousId: `json-visitor-${i}`, messageId: `json-${i}`, traits: { email: `json-${i}@rescore-corp.example` } }));
    for (let i = 0; i < MANY; i += 100) await send('/v1/batch', { batch: identifies.slice(i, i + 100) });
    await eventually('every new lead stored', async () => ((await profiles()).size >= already + MANY ? true : undefined), 180_000, 3_000);
    const file = path.join(temp, 'backtest-many.json');
    writeFileSync(file, JSON.stringify(modelWithPageViewsAt(30, 'rescore-json-1'), null, 2));

    // Act: stdout is a pipe this test reads, as `| jq` would
    const { status, stdout } = await leadloop(['backtest', file, '--json'], runtime.cliEnv);

    // Assess
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(2 * 65_536);
    expect((JSON.parse(stdout) as BacktestReport).leads).toBe(already + MANY);
    expect(status).toBe(0);
  }, 240_000);
});
