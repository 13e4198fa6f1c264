import { spawn, type ChildProcess } from 'node:child_process';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_DIR } from '../../bin/cli/outcomes-import-state.ts';
import { SETTINGS } from '../../functions/commons/settings.ts';
import type { LeadView } from '../../functions/core/lead-view.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime.ts';
import { eventually, sendEvent } from '../support/local.ts';

/**
 * `leadloop outcomes import` of a HubSpot-shaped deals export into the local
 * runtime, run as a person runs it (bin/leadloop.js), with the shipped
 * HubSpot mapping: a dry run stores nothing, a file with one bad row applies
 * nothing and names it, a good file is applied, and running it again changes
 * nothing.
 */
const root = path.resolve(import.meta.dirname, '../..');
const temp = mkdtempSync(path.join(tmpdir(), 'leadloop-outcomes-import-'));
const statesBefore = new Set(existsSync(STATE_DIR) ? readdirSync(STATE_DIR) : []);
const LEADS = 6;

let runtime: LocalRuntime;
let dynamodb: DynamoDBClient;

function leadloop(args: string[], onStderr?: (stderr: string, child: ChildProcess) => void): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/leadloop.js'), ...args], { cwd: root, env: { ...process.env, ...runtime.cliEnv } });
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

/** Every item of a table (a handful in this test). */
async function items(table: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(startKey && { ExclusiveStartKey: startKey }) }));
    found.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey);
  return found;
}

const eventsTable = () => runtime.cliEnv[SETTINGS.eventsTable]!;
const leadsTable = () => runtime.cliEnv[SETTINGS.leadsTable]!;
const crmOutcomes = async () => (await items(eventsTable())).filter((item) => item.kind === 'crm-outcome');
const emailOf = (i: number) => `buyer-${i}@import-corp.example`;

const HEADER = '"Record ID","Deal Name","Deal Stage","Amount","Close Date","Create Date","Deal owner","Associated Contact","Closed Lost Reason"';
/** A deal row as HubSpot exports it; the contact is "Name (email)". */
const deal = (id: string, email: string, stage: string, amount: string, closeDate: string) =>
  `"${id}","Deal ${id}","${stage}","${amount}","${closeDate}","2026-02-01 10:00","Ann Rep","Buyer (${email})","${stage === 'Closed Lost' ? 'Price, then timing' : ''}"`;

/** The good export: every lead's deal, open, won and lost, with a BOM and CRLF as spreadsheets save them. */
const goodRows = Array.from({ length: LEADS }, (_, i) =>
  deal(`90${i}`, emailOf(i), ['Contract Sent', 'Closed Won', 'Closed Lost'][i % 3]!, i % 3 === 2 ? '' : `${(i + 1) * 1000}.50`, `2026-03-${String(10 + i).padStart(2, '0')} 14:30`),
);
const write = (name: string, rows: string[]) => {
  const file = path.join(temp, name);
  writeFileSync(file, `\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`);
  return file;
};
const MAPPING = ['--mapping', 'config/crm-mappings/hubspot-deals.json', '--currency', 'USD'];

async function lead(email: string): Promise<LeadView | undefined> {
  const response = await fetch(`${runtime.apiUrl}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${runtime.serverKey}` } });
  return response.status === 200 ? ((await response.json()) as LeadView) : undefined;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, sesPort: 0, clockSpeed: 1, synth: false, log: () => undefined });
  dynamodb = new DynamoDBClient({ endpoint: runtime.dynamodbEndpoint, region: runtime.cliEnv.AWS_REGION!, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const identifies = Array.from({ length: LEADS }, (_, i) => ({ type: 'identify', anonymousId: `import-visitor-${i}`, messageId: `import-${i}`, traits: { email: emailOf(i) } }));
  expect((await sendEvent(runtime, '/v1/batch', { batch: identifies })).status).toBe(200);
  await eventually('every lead stored', async () => {
    for (let i = 0; i < LEADS; i++) if (!(await lead(emailOf(i)))) return undefined;
    return true;
  });
  // and everything those events lead to written (report counts come after the profiles): the dry run's "stores nothing" compares counts
  await eventually(
    'the tables to settle',
    async () => {
      const count = async () => (await items(leadsTable())).length + (await items(eventsTable())).length;
      const first = await count();
      await new Promise((r) => setTimeout(r, 2_000));
      return (await count()) === first ? true : undefined;
    },
    60_000,
  );
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  await runtime?.stop();
  rmSync(temp, { recursive: true, force: true });
  // The state files this test's imports left (their names carry this runtime's endpoint).
  if (existsSync(STATE_DIR)) for (const name of readdirSync(STATE_DIR)) if (!statesBefore.has(name)) rmSync(path.join(STATE_DIR, name), { force: true });
});

describe('leadloop outcomes import, as a command', () => {
  it('stores nothing in a dry run, and says what it would do', async () => {
    // Prepare
    const file = write('deals.csv', goodRows);
    const before = [(await items(leadsTable())).length, (await items(eventsTable())).length];

    // Act
    const { status, stdout, stderr } = await leadloop(['outcomes', 'import', file, ...MAPPING, '--dry-run']);

    // Assess
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain(`Dry run of ${file} against tables ${leadsTable()} and ${eventsTable()}: ${LEADS} outcomes would be recorded, 0 outcomes already recorded, 0 rows refused. Nothing was stored.`);
    expect([(await items(leadsTable())).length, (await items(eventsTable())).length]).toEqual(before);
  }, 60_000);

  it('applies nothing from a file with one bad row, and names its row and field', async () => {
    // Prepare: row 4 names a person LeadLoop does not know
    const rows = [...goodRows];
    rows[2] = deal('999', 'stranger@elsewhere.example', 'Closed Won', '10', '2026-03-20');
    const file = write('deals-bad.csv', rows);

    // Act
    const { status, stdout, stderr } = await leadloop(['outcomes', 'import', file, ...MAPPING]);

    // Assess
    expect(stdout).toBe('');
    expect(status).toBe(1);
    expect(stderr).toContain('Nothing was imported: 1 row is refused.');
    expect(stderr).toContain('row 4: email (column "Associated Contact"): 404 no lead with the email stranger@elsewhere.example');
    expect(await crmOutcomes()).toEqual([]);
  }, 60_000);

  it('records every row as an outcome with a progress bar, then changes nothing when run again', async () => {
    // Prepare
    const file = write('deals.csv', goodRows);

    // Act
    const first = await leadloop(['outcomes', 'import', file, ...MAPPING]);
    const afterFirst = await crmOutcomes();
    const second = await leadloop(['outcomes', 'import', file, ...MAPPING]);
    const afterSecond = await crmOutcomes();

    // Assess: one event per deal, as mapped
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`\\[#+\\] 100% ${LEADS}/${LEADS} rows`));
    expect(first.stdout).toContain(`Finished: ${LEADS} outcomes recorded from ${file} into tables ${leadsTable()} and ${eventsTable()}; 0 outcomes were already recorded.`);
    expect(afterFirst).toHaveLength(LEADS);
    const won = afterFirst.find((item) => item.messageId === 'crm-901:won') as { leadId: string; outcome: Record<string, unknown> } | undefined;
    expect(won?.outcome).toEqual({
      outcomeId: '901:won',
      email: emailOf(1),
      stage: 'won',
      at: '2026-03-11T14:30:00.000Z',
      amount: 2000.5,
      currency: 'USD',
      opportunityId: '901',
      repId: 'Ann Rep',
      via: 'import:deals.csv',
    });
    expect(won?.leadId).toBe((await lead(emailOf(1)))?.leadId);
    const open = afterFirst.find((item) => item.messageId === 'crm-900:opportunity') as { outcome: { at: string } } | undefined;
    expect(open?.outcome.at).toBe('2026-02-01T10:00:00.000Z');
    const lost = afterFirst.find((item) => item.messageId === 'crm-902:lost') as { outcome: { reason: string } } | undefined;
    expect(lost?.outcome.reason).toBe('Price, then timing');

    // Assess: the second run found everything recorded and wrote nothing
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`Nothing to do: all ${LEADS} outcomes of ${file} are already recorded`);
    expect(afterSecond).toEqual(afterFirst);
  }, 60_000);
});

describe('leadloop outcomes import interrupted and resumed, as a command', () => {
  const MORE = 250;
  const moreEmail = (i: number) => `many-${i}@import-corp.example`;
  /** The row counts of the progress lines (`… 100/400 rows`), in the order printed. */
  const progressCounts = (stderr: string) => [...stderr.matchAll(/(\d[\d,]*)\/[\d,]+ rows/g)].map((m) => Number(m[1]!.replaceAll(',', '')));

  it('applies the chunk in flight on Ctrl-C, saves where it got to, and the same command resumes after it', async () => {
    // Prepare: many more leads, and a won deal for each
    const identifies = Array.from({ length: MORE }, (_, i) => ({ type: 'identify', anonymousId: `many-visitor-${i}`, messageId: `many-${i}`, traits: { email: moreEmail(i) } }));
    for (let i = 0; i < MORE; i += 100) expect((await sendEvent(runtime, '/v1/batch', { batch: identifies.slice(i, i + 100) })).status).toBe(200);
    await eventually(
      'every new lead stored',
      async () => {
        for (let i = MORE - 1; i >= 0; i--) if (!(await lead(moreEmail(i)))) return undefined;
        return true;
      },
      150_000,
      1_000,
    );
    const file = write('many.csv', Array.from({ length: MORE }, (_, i) => deal(`m${i}`, moreEmail(i), 'Closed Won', '100', `2026-04-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`)));
    const ours = async () => (await crmOutcomes()).filter((item) => String(item.messageId).startsWith('crm-m'));

    // Act: Ctrl-C once the first chunk is applied
    let interrupted = false;
    const first = await leadloop(['outcomes', 'import', file, ...MAPPING], (stderr, child) => {
      if (!interrupted && progressCounts(stderr).some((n) => n > 0)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const afterFirst = (await ours()).length;

    // Assess: stopped between chunks, with what it applied counted
    expect(first.status).toBe(130);
    expect(afterFirst % 100).toBe(0);
    expect(afterFirst).toBeGreaterThan(0);
    expect(afterFirst).toBeLessThan(MORE);
    expect(first.stderr).toContain(`Interrupted: ${afterFirst} outcomes of ${MORE} applied and saved.`);

    // Act: the same command again
    const second = await leadloop(['outcomes', 'import', file, ...MAPPING]);

    // Assess: it said where it had stopped, applied the rest only, and every deal is recorded once
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`Resuming the import of ${file} stopped at`);
    expect(second.stdout).toContain(`${afterFirst} outcomes were recorded then.`);
    expect(second.stdout).toContain(`Resumed and finished: ${MORE - afterFirst} outcomes recorded from ${file}`);
    expect(second.stdout).toContain(`${afterFirst} outcomes were already recorded.`);
    expect(progressCounts(second.stderr).at(-1)).toBe(MORE - afterFirst);
    const all = await ours();
    expect(all).toHaveLength(MORE);
    expect(new Set(all.map((item) => item.messageId)).size).toBe(MORE);
  }, 240_000);
});
