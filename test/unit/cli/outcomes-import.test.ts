import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrmOutcome } from '#core/crm-outcomes.ts';
import type { LeadRef } from '#core/lead-ref.ts';
import type { Lead } from '#core/lead.ts';
import type { Stage } from '#core/lifecycle.ts';
import type { CrmOutcomeEvent, VersionedLead } from '#core/records.ts';
import { recordOutcomes, type RecordOutcomesPorts } from '../../../functions/crm/record-outcomes.ts';
import { runImport, type ImportDeps, type ImportInput } from '../../../bin/cli/outcomes-import.ts';
import { run } from '../../../bin/cli/run.ts';
import { resolveMapping, type CrmMapping } from '../../../bin/cli/outcomes-import-mapping.ts';
import { mapRows, readCsv, type MappedRows } from '../../../bin/cli/outcomes-import-rows.ts';
import { readState, sha256 } from '../../../bin/cli/outcomes-import-state.ts';
import { assignedMql } from '../core/lead-fixtures.ts';

/**
 * An import run against the real use case (recordOutcomes) with its storage
 * in memory: leads by email, and the events table keyed by messageId.
 */
const temp = mkdtempSync(path.join(tmpdir(), 'leadloop-import-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const NOW = new Date('2026-12-01T09:00:00.000Z');
let leads: Map<string, Lead>;
let stored: Map<string, CrmOutcomeEvent>;
/** the outcomes of each call to storeOutcomes, in order */
let writes: CrmOutcomeEvent[][];
let afterWrite: (() => void) | undefined;
let ports: RecordOutcomesPorts;

const emailOf = (i: number) => `buyer-${i}@acme.example`;

function addLead(i: number, stage: Stage = 'sal'): void {
  const email = emailOf(i);
  leads.set(email, { ...assignedMql(), leadId: `lead-${String(i).padStart(20, '0')}`, email, identities: [`email:${email}`], stage, stageHistory: [{ from: 'mql', to: stage, at: '2026-02-01T09:00:00.000Z', cause: 'accepted' }] });
}

beforeEach(() => {
  leads = new Map();
  stored = new Map();
  writes = [];
  afterWrite = undefined;
  ports = {
    now: () => NOW,
    findLead: async (ref: LeadRef): Promise<VersionedLead | undefined> => {
      const lead = 'email' in ref ? leads.get(ref.email) : [...leads.values()].find((l) => l.leadId === ref.leadId);
      return lead && { lead, version: 1 };
    },
    storeOutcomes: async (events) => {
      writes.push(events);
      const duplicates = new Set(events.filter((e) => stored.has(e.messageId)).map((e) => e.messageId));
      for (const event of events) if (!duplicates.has(event.messageId)) stored.set(event.messageId, event);
      afterWrite?.();
      return { duplicates };
    },
    storedOutcomes: async (messageIds) => new Set(messageIds.filter((id) => stored.has(id))),
  };
});

const resolved = resolveMapping(undefined, {
  map: ['outcomeId=Deal ID', 'email=Email', 'stage=Stage', 'at=Date', 'amount=Amount'],
  stage: ['Discovery=sql', 'Proposal=opportunity', 'Closed Won=won', 'Closed Lost=lost'],
  currency: 'EUR',
});
if (!resolved.ok) throw new Error(resolved.problems.join('\n'));
const mapping: CrmMapping = resolved.mapping;

function rowsOf(lines: string[]): MappedRows {
  const table = readCsv(['Deal ID,Email,Stage,Amount,Date', ...lines].join('\n'));
  if (!table.ok) throw new Error(table.message);
  const result = mapRows(table, mapping, NOW);
  if ('missingColumns' in result) throw new Error('missing columns');
  return result;
}

function input(mapped: MappedRows, dryRun = false): ImportInput {
  return { file: 'deals.csv', fileHash: sha256(JSON.stringify(mapped)), mapping, mapped, target: 'test', dryRun };
}

function deps(stateFile: string, extra: Partial<ImportDeps> = {}): ImportDeps {
  return {
    record: (outcomes: CrmOutcome[], dryRun: boolean) => recordOutcomes(outcomes, { via: 'import:deals.csv', dryRun, batch: false }, ports),
    stateFile,
    now: () => NOW,
    ...extra,
  };
}

let files = 0;
const stateFile = () => path.join(temp, `state-${++files}.json`);

/** `n` won deals for leads 0…n-1, dated one minute apart in reverse row order. */
function wonDeals(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `d-${i},${emailOf(i)},Closed Won,${1000 + i},2026-06-01T${String(Math.floor((n - i) / 60)).padStart(2, '0')}:${String((n - i) % 60).padStart(2, '0')}:00Z`);
}

describe('an outcomes import, dry run', () => {
  it("lists the rows the file refuses and those the LeadLoop would refuse, with their field and column, and stores nothing", async () => {
    // Prepare: lead 0 is in sal, lead 1 is won already, nobody has email 9
    addLead(0);
    addLead(1, 'won');
    const mapped = rowsOf([
      `d-0,${emailOf(0)},Proposal,5000,2026-05-01`,
      `d-1,${emailOf(1)},Proposal,,2026-05-01`,
      `d-2,${emailOf(9)},Closed Won,1,2026-05-01`,
      `d-3,${emailOf(0)},Negotiation,1,2026-05-02`,
      `d-4,${emailOf(0)},Closed Won,1,2026-05-03`,
      `d-5,${emailOf(0)},Discovery,1,2026-05-04`,
    ]);

    // Act
    const report = await runImport(input(mapped, true), deps(stateFile()));

    // Assess
    expect(report).toMatchObject({ status: 'dry-run', outcomes: 5, toApply: 2, already: 0 });
    expect(report.refusals).toEqual([
      { row: 5, field: 'stage', column: 'Stage', message: expect.stringMatching(/^"Negotiation" is not in the stage map/) },
      { row: 3, field: 'stage', column: 'Stage', code: 409, message: 'the lead is won, a closed stage: no outcome moves it' },
      { row: 4, field: 'email', column: 'Email', code: 404, message: `no lead with the email ${emailOf(9)} (--create-missing creates it, as a sales-sourced lead)` },
      { row: 7, field: 'stage', column: 'Stage', code: 409, message: 'the lead is won, a closed stage: no outcome moves it (after row 6 of this file, which moves it to won)' },
    ]);
    expect(stored.size).toBe(0);
    expect(writes).toEqual([]);
  });
});

describe('an outcomes import', () => {
  it('applies nothing when one row is refused', async () => {
    // Prepare
    addLead(0);
    addLead(1);
    const mapped = rowsOf([`d-0,${emailOf(0)},Proposal,5000,2026-05-01`, `d-1,${emailOf(1)},Proposal,lots,2026-05-01`]);
    const file = stateFile();

    // Act
    const report = await runImport(input(mapped), deps(file));

    // Assess
    expect(report.status).toBe('refused');
    expect(report.refusals).toEqual([{ row: 3, field: 'amount', column: 'Amount', message: '"lots" is not an amount written as 1,234.56' }]);
    expect(writes).toEqual([]);
    expect(readState(file)).toBeUndefined();
  });

  it('applies every outcome in the order they happened, in chunks of at most 100, and says so as it goes', async () => {
    // Prepare
    for (let i = 0; i < 250; i++) addLead(i);
    const mapped = rowsOf(wonDeals(250));
    const file = stateFile();
    const shown: [number, number][] = [];

    // Act
    const report = await runImport(input(mapped), deps(file, { onProgress: (done, total) => shown.push([done, total]) }));

    // Assess: three writes, each in time order and each after the one before
    expect(report).toMatchObject({ status: 'finished', toApply: 250, recorded: 250, duplicates: 0, already: 0 });
    expect(writes.map((w) => w.length)).toEqual([100, 100, 50]);
    const ats = writes.flat().map((event) => event.outcome.at);
    expect(ats).toEqual([...ats].sort());
    expect(writes.flat().map((e) => e.outcome.via)).toEqual(Array(250).fill('import:deals.csv'));
    expect(shown).toEqual([[100, 250], [200, 250], [250, 250]]);
    expect(readState(file)).toMatchObject({ total: 250, applied: 250, recorded: 250, finishedAt: NOW.toISOString() });
  });

  it('changes nothing when run again once finished, and says how many were already recorded', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) addLead(i);
    const mapped = rowsOf(wonDeals(5));
    const file = stateFile();
    await runImport(input(mapped), deps(file));
    writes = [];

    // Act
    const again = await runImport(input(mapped), deps(file));

    // Assess
    expect(again).toMatchObject({ status: 'nothing-to-do', already: 5, toApply: 0, finishedBefore: NOW.toISOString() });
    expect(writes).toEqual([]);
  });

  it('stops after the chunk in flight when interrupted, and the next run applies only the rest', async () => {
    // Prepare
    for (let i = 0; i < 250; i++) addLead(i);
    const mapped = rowsOf(wonDeals(250));
    const file = stateFile();
    const controller = new AbortController();

    // Act: Ctrl-C during the first chunk
    const first = await runImport(input(mapped), deps(file, { signal: controller.signal, onProgress: () => controller.abort() }));
    const afterFirst = readState(file);
    writes = [];
    const second = await runImport(input(mapped), deps(file));

    // Assess
    expect(first).toMatchObject({ status: 'interrupted', recorded: 100 });
    expect(afterFirst).toMatchObject({ applied: 100, total: 250 });
    expect(afterFirst?.finishedAt).toBeUndefined();
    expect(second).toMatchObject({ status: 'finished', already: 100, toApply: 150, recorded: 150, resumed: { applied: 100 } });
    expect(writes.map((w) => w.length)).toEqual([100, 50]);
    expect(stored.size).toBe(250);
    expect(readState(file)).toMatchObject({ applied: 250, recorded: 250, finishedAt: NOW.toISOString() });
  });

  it('stops, keeping the chunks before, when the LeadLoop refuses a chunk it accepted in the dry pass', async () => {
    // Prepare: lead 0 has a proposal early and a loss in the last chunk; someone wins the deal meanwhile
    for (let i = 1; i <= 150; i++) addLead(i);
    addLead(0);
    const lines = [...wonDeals(151).slice(1), `d-0,${emailOf(0)},Closed Lost,,2026-06-02`];
    const mapped = rowsOf(lines);
    afterWrite = () => addLead(0, 'won');

    // Act
    const report = await runImport(input(mapped), deps(stateFile()));

    // Assess
    expect(report.status).toBe('stopped');
    expect(report.recorded).toBe(100);
    expect(report.refusals).toEqual([{ row: 152, field: 'stage', column: 'Stage', code: 409, message: 'the lead is won, a closed stage: no outcome moves it' }]);
    expect(writes.map((w) => w.length)).toEqual([100]);
  });
});

describe('leadloop outcomes import, before it reaches a LeadLoop', () => {
  /** The CLI run without a process: files from a map, output kept. */
  async function cli(args: string[], files: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const status = await run(args, {
      readFile: (file) => {
        const text = files[file];
        if (text === undefined) throw new Error(`ENOENT: no such file ${file}`);
        return text;
      },
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      env: {},
      progress: { write: () => true },
      onInterrupt: () => () => undefined,
    });
    return { status, out: out.join('\n'), err: err.join('\n') };
  }
  const csv = 'Deal ID,Email,Stage,Date\nd-1,a@a.example,Won,2026-03-01\n';

  it('shows its help, saying where the shipped mappings are', async () => {
    const { status, out } = await cli(['outcomes', 'import', '--help'], {});
    expect(status).toBe(0);
    expect(out).toContain('Usage: leadloop outcomes import <file.csv>');
    expect(out).toContain('config/crm-mappings/');
  });

  it('refuses a mapping file with the line and field of each problem (exit 1)', async () => {
    // Prepare
    const mappingFile = JSON.stringify({ columns: { outcomeId: 'Deal ID', email: 'Email', stage: 'Stage', at: 'Date' }, stages: { Won: 'won!' } }, null, 2);

    // Act
    const { status, err } = await cli(['outcomes', 'import', 'deals.csv', '--mapping', 'map.json'], { 'deals.csv': csv, 'map.json': mappingFile });

    // Assess
    expect(status).toBe(1);
    expect(err).toContain('map.json is not a valid mapping (1 problem):\nmap.json:9: stages.Won: a LeadLoop stage');
  });

  it('refuses a flag that does not map (exit 2), and a file without a mapped column (exit 1), naming it', async () => {
    // Act
    const flag = await cli(['outcomes', 'import', 'deals.csv', '--map', 'outcomeId=Deal ID', '--map', 'email=Email', '--map', 'stage=Stage', '--map', 'at=Date', '--stage', 'Won=winning'], { 'deals.csv': csv });
    const column = await cli(['outcomes', 'import', 'deals.csv', '--map', 'outcomeId=Deal ID', '--map', 'email=Email', '--map', 'stage=Stage', '--map', 'at=Closed', '--stage', 'Won=won'], { 'deals.csv': csv });

    // Assess
    expect(flag.status).toBe(2);
    expect(flag.err).toContain('leadloop: --stage "Won=…": a LeadLoop stage (sql, opportunity, won, lost, disqualified, recycled) or skip');
    expect(column.status).toBe(1);
    expect(column.err).toContain('leadloop: deals.csv has no column "Closed"; its columns are "Deal ID", "Email", "Stage", "Date".');
  });

  it('refuses to guess which LeadLoop to import into', async () => {
    // Act
    const { status, err } = await cli(['outcomes', 'import', 'deals.csv', '--map', 'outcomeId=Deal ID', '--map', 'email=Email', '--map', 'stage=Stage', '--map', 'at=Date', '--stage', 'Won=won', '--dry-run'], { 'deals.csv': csv });

    // Assess
    expect(status).toBe(1);
    expect(err).toContain('leadloop: say which LeadLoop to use: --local (npm start), --stack <name> (deployed), or set');
  });
});
