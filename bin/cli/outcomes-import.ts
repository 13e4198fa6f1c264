import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createCrmOutcomeStore } from '#adapters/crm-outcome-store.ts';
import { createDocumentClient } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import type { CrmOutcome, CrmStage } from '#core/crm-outcomes.ts';
import { recordOutcomes, type OutcomeResult } from '../../functions/crm/record-outcomes.ts';
import { clientConfig, findTarget, TARGET_OPTIONS, TARGET_USAGE } from './connect.ts';
import { targetClock } from './target.ts';
import { atColumnFor, dateFormats, loadMappingFile, mappedFields, numberFormats, resolveMapping, type CrmMapping, type MappingFlags } from './outcomes-import-mapping.ts';
import { mapRows, readCsv, type MappedRow, type MappedRows } from './outcomes-import-rows.ts';
import {
  applyOrder,
  chunksOf,
  describeRefusals,
  plural,
  readState,
  sha256,
  STATE_DIR,
  statePath,
  writeState,
  type ImportState,
  type Refusal,
} from './outcomes-import-state.ts';
import { progressWriter } from './progress.ts';
import type { CliIo } from './run.ts';

export const OUTCOMES_USAGE = `Usage: leadloop outcomes import <file.csv> (--mapping <file.json> | --map <field>=<column> …) [--local | --stack <name>] [options]

Records a CRM export (CSV) as CRM outcomes, one per row: the row's deal or
opportunity at the LeadLoop stage its CRM stage means, when it got there,
and as mapped its amount and currency, opportunity, reason and rep.

Every row is checked first: against the mapping and the outcome's rules,
and against the LeadLoop (the lead must exist; the move must be one its
stage allows). If any row is refused, nothing is imported and each refused
row is listed with its field and why. Then the outcomes are applied in
chunks of at most 100, in the order they happened, with a progress bar.
On Ctrl-C the chunk in flight finishes; what was applied is saved under
.leadloop/imports/, and the same command run again resumes. An outcome
already recorded is counted, never recorded twice: a finished import run
again changes nothing.

Mappings for a HubSpot deals export and a Salesforce opportunity report:
config/crm-mappings/ (its README.md says what they assume).

${TARGET_USAGE}

Mapping (flags add to the mapping file or override its entries):
  --mapping <file>           a mapping file, e.g. config/crm-mappings/hubspot-deals.json
  --map <field>=<column>     the column of an outcome field: ${mappedFields.slice(0, 5).join(', ')},
                             ${mappedFields.slice(5).join(', ')};
                             at.<stage>=<column> dates the rows of one LeadLoop stage
                             from another column (e.g. at.opportunity="Create Date")
  --stage "<name>=<stage>"   what a CRM stage name means: sql, opportunity, won, lost,
                             disqualified, recycled, or skip (its rows are left out);
                             names match ignoring case
  --currency <code>          the currency of amounts the export gives none for (e.g. EUR)
  --date-format <format>     ${dateFormats.join(', ')}
                             (default YYYY-MM-DD; ISO dates are read whatever the format)
  --time-zone <zone>         the time zone of dates written without one (IANA, default UTC)
  --number-format <format>   ${numberFormats.map((f) => `"${f}"`).join(', ')} (default "1,234.56")
  --delimiter <char>         , (default), ; or tab
  --create-missing           an unknown email becomes a sales-sourced lead, not a refusal

Options:
  --dry-run                  check every row and list those that would be refused; store nothing

Exit status: 0 when every outcome is recorded (or already was) or a dry run refuses no row,
1 when rows are refused (nothing is imported) or on an error, 2 for a usage error,
130 when interrupted (run again to resume).`;

const isHelp = (arg: string | undefined) => arg === '-h' || arg === '--help' || arg === 'help';

/** What recording outcomes is, to the import: the use case with its ports bound. */
export type RecordFn = (outcomes: CrmOutcome[], dryRun: boolean) => Promise<{ stored: boolean; results: OutcomeResult[] }>;

export interface ImportInput {
  /** the file as named, for the state file and messages */
  file: string;
  fileHash: string;
  mapping: CrmMapping;
  mapped: MappedRows;
  /** the LeadLoop the outcomes go into (its tables and endpoint): the state file is per export and target */
  target: string;
  dryRun: boolean;
}

export interface ImportDeps {
  record: RecordFn;
  /** where the import's state is kept (see outcomes-import-state.ts) */
  stateFile: string;
  now: () => Date;
  /** aborted: stop after the chunk in flight */
  signal?: AbortSignal;
  /** after the dry pass, when outcomes are about to be applied */
  onStart?: (start: { toApply: number; resumed: ImportState | undefined }) => void;
  onProgress?: (applied: number, toApply: number) => void;
}

export interface ImportReport {
  status: 'dry-run' | 'refused' | 'nothing-to-do' | 'finished' | 'interrupted' | 'stopped';
  /** rows refused, by the file or by the LeadLoop (in the dry pass, or in a chunk that was then not applied) */
  refusals: Refusal[];
  /** outcomes in the file (rows not skipped) */
  outcomes: number;
  skipped: number;
  /** outcomes the LeadLoop had before this run */
  already: number;
  /** outcomes this run applies (or, in a dry run, would) */
  toApply: number;
  /** of those, applied so far: new, and recorded meanwhile by someone else */
  recorded: number;
  duplicates: number;
  /** the state of an earlier run that stopped before the end, which this run carried on */
  resumed?: ImportState;
  /** when an earlier run of the same import finished */
  finishedBefore?: string;
}

/** The column a field of an outcome came from. */
function columnOf(mapping: CrmMapping, field: string, stage: CrmStage): string | undefined {
  if (field === 'at') return atColumnFor(mapping, stage);
  return (mapping.columns as Record<string, string | undefined>)[field];
}

/** How a row names its lead, to find the other rows of the same lead. */
const leadOf = (outcome: CrmOutcome) => outcome.leadId ?? outcome.email?.trim().toLowerCase();

/**
 * The refusals among a call's results, as rows. A move refused because an
 * earlier row of the file moves the same lead first says which row that is:
 * the LeadLoop has not seen it yet.
 */
function refusalsOf(results: readonly OutcomeResult[], rows: readonly MappedRow[], mapping: CrmMapping): Refusal[] {
  const refusals: Refusal[] = [];
  for (const result of results) {
    if (result.status !== 'refused') continue;
    const { row, outcome } = rows[result.index]!;
    const field = result.path.replace(/^batch\[\d+\]\./, '');
    const column = columnOf(mapping, field, outcome.stage);
    let message = result.message.replace('(send createIfMissing: true to create a sales-sourced lead)', '(--create-missing creates it, as a sales-sourced lead)');
    if (result.code === 409) {
      const earlier = applyOrder(rows.filter((r, i) => r !== rows[result.index] && leadOf(r.outcome) === leadOf(outcome) && results[i]?.status === 'would-record' && (Date.parse(r.outcome.at) - Date.parse(outcome.at) || r.row - row) < 0));
      const last = earlier.at(-1);
      if (last !== undefined) message += ` (after row ${last.row} of this file, which moves it to ${last.outcome.stage})`;
    }
    refusals.push({ row, field, ...(column !== undefined && { column }), code: result.code, message });
  }
  return refusals;
}

/**
 * An import, given its rows: a dry pass over the whole file (the rows the
 * mapping refused, and what the LeadLoop would refuse), then, when nothing is
 * refused and it is not a dry run, the outcomes not yet recorded applied in
 * time order, chunk by chunk, the state saved after each chunk.
 */
export async function runImport(input: ImportInput, deps: ImportDeps): Promise<ImportReport> {
  const { mapped, mapping } = input;
  const rows = mapped.outcomes;
  const mappingHash = sha256(JSON.stringify(mapping));
  const previous = readState(deps.stateFile);
  const sameImport = previous !== undefined && previous.mappingHash === mappingHash;

  // The dry pass: the whole file at once, so a lead's outcomes are checked in order, each against the stage the last left.
  const checked = rows.length === 0 ? { results: [] } : await deps.record(rows.map((r) => r.outcome), true);
  const refusals: Refusal[] = [
    ...mapped.issues.map(({ row, field, column, message }) => ({ row, field, ...(column !== undefined && { column }), message })),
    ...refusalsOf(checked.results, rows, mapping),
  ];
  const already = checked.results.filter((r) => r.status === 'duplicate').length;
  const pending = applyOrder(rows.filter((_, i) => checked.results[i]?.status === 'would-record'));
  const report: ImportReport = {
    status: 'dry-run',
    refusals,
    outcomes: rows.length,
    skipped: mapped.skipped.length,
    already,
    toApply: pending.length,
    recorded: 0,
    duplicates: 0,
    ...(sameImport && previous.finishedAt === undefined && { resumed: previous }),
    ...(sameImport && previous.finishedAt !== undefined && { finishedBefore: previous.finishedAt }),
  };
  if (input.dryRun) return report;
  if (refusals.length > 0) return { ...report, status: 'refused' };

  const startedAt = deps.now().toISOString();
  const state: ImportState = {
    file: input.file,
    fileHash: input.fileHash,
    mappingHash,
    target: input.target,
    total: rows.length,
    applied: already,
    recorded: sameImport ? previous.recorded : 0,
    duplicates: sameImport ? previous.duplicates : 0,
    startedAt: sameImport && previous.finishedAt === undefined ? previous.startedAt : startedAt,
    updatedAt: startedAt,
  };
  if (pending.length === 0) {
    writeState(deps.stateFile, { ...state, finishedAt: sameImport && previous.finishedAt ? previous.finishedAt : startedAt });
    return { ...report, status: 'nothing-to-do' };
  }

  deps.onStart?.({ toApply: pending.length, resumed: report.resumed });
  writeState(deps.stateFile, state);
  let applied = 0;
  for (const chunk of chunksOf(pending, 100)) {
    if (deps.signal?.aborted) return { ...report, status: 'interrupted' };
    const { stored, results } = await deps.record(chunk.map((r) => r.outcome), false);
    if (!stored) {
      // The LeadLoop changed since the dry pass (another writer, the stream applying): the chunks before stand.
      return { ...report, status: 'stopped', refusals: refusalsOf(results, chunk, mapping) };
    }
    const recorded = results.filter((r) => r.status === 'recorded').length;
    report.recorded += recorded;
    report.duplicates += results.length - recorded;
    applied += chunk.length;
    state.applied += chunk.length;
    state.recorded += recorded;
    state.duplicates += results.length - recorded;
    state.updatedAt = deps.now().toISOString();
    if (applied === pending.length) state.finishedAt = state.updatedAt;
    writeState(deps.stateFile, state);
    deps.onProgress?.(applied, pending.length);
  }
  return { ...report, status: 'finished' };
}

interface ParsedArgs {
  file: string;
  mappingFile?: string;
  flags: MappingFlags;
  dryRun: boolean;
  local?: boolean;
  stack?: string;
}

function parseImportArgs(args: readonly string[], io: CliIo): ParsedArgs | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        mapping: { type: 'string' },
        map: { type: 'string', multiple: true },
        stage: { type: 'string', multiple: true },
        currency: { type: 'string' },
        'date-format': { type: 'string' },
        'time-zone': { type: 'string' },
        'number-format': { type: 'string' },
        delimiter: { type: 'string' },
        'create-missing': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        ...TARGET_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    io.err(`leadloop: ${(error as Error).message}\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(OUTCOMES_USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined) {
    io.err(`leadloop: outcomes import needs a CSV file\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  if (extra.length > 0) {
    io.err(`leadloop: outcomes import takes one file, got also ${extra.join(' ')}\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  if (values.mapping === undefined && (values.map ?? []).length === 0) {
    io.err(`leadloop: say how the columns map: --mapping <file> (see config/crm-mappings/) or --map <field>=<column> …\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  return {
    file,
    ...(values.mapping !== undefined && { mappingFile: values.mapping }),
    flags: {
      ...(values.map && { map: values.map }),
      ...(values.stage && { stage: values.stage }),
      ...(values.currency !== undefined && { currency: values.currency }),
      ...(values['date-format'] !== undefined && { dateFormat: values['date-format'] }),
      ...(values['time-zone'] !== undefined && { timeZone: values['time-zone'] }),
      ...(values['number-format'] !== undefined && { numberFormat: values['number-format'] }),
      ...(values.delimiter !== undefined && { delimiter: values.delimiter }),
      ...(values['create-missing'] && { createMissing: true }),
    },
    dryRun: values['dry-run'] === true,
    ...(values.local && { local: true }),
    ...(values.stack !== undefined && { stack: values.stack }),
  };
}

/** `leadloop outcomes <subcommand>`: only `import` so far. */
export async function outcomesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || isHelp(subcommand)) {
    if (subcommand === undefined) io.err(`leadloop: outcomes needs a subcommand\n\n${OUTCOMES_USAGE}`);
    else io.out(OUTCOMES_USAGE);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== 'import') {
    io.err(`leadloop: unknown outcomes subcommand "${subcommand}"\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  return outcomesImportCommand(rest, io);
}

export async function outcomesImportCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseImportArgs(args, io);
  if (typeof parsed === 'number') return parsed;
  const { file } = parsed;

  // The mapping: a file's problems at their lines (exit 1), a flag's as a usage error (exit 2).
  let base: CrmMapping | undefined;
  if (parsed.mappingFile !== undefined) {
    let text: string;
    try {
      text = io.readFile(parsed.mappingFile);
    } catch (error) {
      io.err(`leadloop: cannot read ${parsed.mappingFile}: ${(error as Error).message}`);
      return 1;
    }
    const loaded = loadMappingFile(parsed.mappingFile, text);
    if (!loaded.ok) {
      io.err([`${parsed.mappingFile} is not a valid mapping (${plural(loaded.problems.length, 'problem')}):`, ...loaded.problems].join('\n'));
      return 1;
    }
    base = loaded.mapping;
  }
  const resolved = resolveMapping(base, parsed.flags, parsed.mappingFile);
  if (!resolved.ok) {
    io.err(`leadloop: ${resolved.problems.join('\nleadloop: ')}\n\n${OUTCOMES_USAGE}`);
    return 2;
  }
  const { mapping } = resolved;

  // The file, read and mapped before anything is reached.
  let text: string;
  try {
    text = io.readFile(file);
  } catch (error) {
    io.err(`leadloop: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  const table = readCsv(text, mapping.delimiter);
  if (!table.ok) {
    io.err(`leadloop: ${file} is not a CSV file LeadLoop can read: ${table.message}`);
    return 1;
  }
  const mapped = mapRows(table, mapping, new Date());
  if ('missingColumns' in mapped) {
    io.err(
      `leadloop: ${file} has no column ${mapped.missingColumns.map((c) => `"${c}"`).join(', ')}; its columns are ${table.header.map((c) => `"${c}"`).join(', ')}.\n` +
        'Map the fields to the columns the file has (--map <field>=<column>).',
    );
    return 1;
  }
  for (const { field, column } of mapped.absent) io.out(`Note: ${file} has no column "${column}"; ${field} is left out.`);

  const target = await findTarget(io, parsed, OUTCOMES_USAGE);
  if (typeof target === 'number') return target;
  const { leadsTable, eventsTable } = readSettings(['leadsTable', 'eventsTable'], target.env);
  const config = clientConfig(target.env, 'DYNAMODB');
  const store = createCrmOutcomeStore({ client: createDocumentClient(config), leadsTable, eventsTable });
  const ports = { now: targetClock(target.env), findLead: store.findLead, storeOutcomes: store.storeOutcomes, storedOutcomes: store.storedOutcomes };
  const via = `import:${path.basename(file)}`;
  const record: RecordFn = (outcomes, dryRun) => recordOutcomes(outcomes, { via, dryRun, batch: false }, ports);
  const targetKey = [config.endpoint ?? target.env.AWS_REGION ?? target.env.AWS_DEFAULT_REGION ?? '', leadsTable, eventsTable].join(' ');
  const fileHash = sha256(text);

  const controller = new AbortController();
  const stopInterrupt = io.onInterrupt(() => {
    io.err('\nStopping after the chunk in flight; what is applied is saved. (Ctrl-C again to quit at once.)');
    controller.abort();
  });
  const progress = progressWriter(io.progress);
  const started = performance.now();
  let report: ImportReport;
  try {
    report = await runImport(
      { file, fileHash, mapping, mapped, target: targetKey, dryRun: parsed.dryRun },
      {
        record,
        stateFile: statePath(STATE_DIR, fileHash, targetKey),
        now: () => new Date(),
        signal: controller.signal,
        onStart: ({ toApply, resumed }) => {
          if (resumed) io.out(`Resuming the import of ${file} stopped at ${resumed.updatedAt}: ${plural(resumed.applied, 'outcome was', 'outcomes were')} recorded then.`);
          io.out(`Importing ${plural(toApply, 'outcome')} from ${file} into ${target.description} …`);
          progress.update({ done: 0, total: toApply, elapsedMs: 0, unit: 'rows' }, true);
        },
        onProgress: (done, total) => progress.update({ done, total, elapsedMs: performance.now() - started, unit: 'rows' }, done === total),
      },
    );
  } catch (error) {
    progress.end();
    io.err(`leadloop: outcomes import failed: ${(error as Error).message}\nWhat was applied before is saved: run the same command to resume.`);
    return 1;
  } finally {
    stopInterrupt();
  }
  progress.end();
  return printReport(io, file, target.description, report);
}

function printReport(io: CliIo, file: string, target: string, report: ImportReport): number {
  const skipped = report.skipped > 0 ? `, ${plural(report.skipped, 'row')} skipped (empty, or a stage the mapping skips)` : '';
  const refused = describeRefusals(report.refusals);
  switch (report.status) {
    case 'dry-run': {
      const summary =
        `Dry run of ${file} against ${target}: ${plural(report.toApply, 'outcome')} would be recorded, ` +
        `${plural(report.already, 'outcome')} already recorded${skipped}, ${plural(new Set(report.refusals.map((r) => r.row)).size, 'row')} refused. Nothing was stored.`;
      io.out(refused.length > 0 ? [summary, 'Refused:', ...refused].join('\n') : summary);
      return refused.length > 0 ? 1 : 0;
    }
    case 'refused':
      io.err([`Nothing was imported: ${plural(new Set(report.refusals.map((r) => r.row)).size, 'row is', 'rows are')} refused. Fix them (or map them differently) and run again:`, ...refused].join('\n'));
      return 1;
    case 'nothing-to-do':
      io.out(`Nothing to do: all ${plural(report.already, 'outcome')} of ${file} are already recorded in ${target}${skipped}.${report.finishedBefore ? ` (This import finished at ${report.finishedBefore}.)` : ''}`);
      return 0;
    case 'stopped':
      io.err(
        [
          `Stopped: ${target} refused a chunk it had accepted in the dry pass (its leads changed meanwhile). ${plural(report.recorded + report.duplicates, 'outcome')} before it are applied and saved; nothing of the chunk was stored:`,
          ...refused,
          'Run the same command to check again and resume.',
        ].join('\n'),
      );
      return 1;
    case 'interrupted':
      io.err(`Interrupted: ${plural(report.recorded + report.duplicates, 'outcome')} of ${report.toApply} applied and saved. Run the same command to resume after them.`);
      return 130;
    case 'finished': {
      const meanwhile = report.duplicates > 0 ? ` (${report.duplicates} of them recorded meanwhile by another sender)` : '';
      io.out(
        `${report.resumed ? 'Resumed and finished' : 'Finished'}: ${plural(report.recorded, 'outcome')} recorded from ${file} into ${target}${meanwhile}; ` +
          `${plural(report.already, 'outcome was', 'outcomes were')} already recorded${skipped}.`,
      );
      return 0;
    }
  }
}
