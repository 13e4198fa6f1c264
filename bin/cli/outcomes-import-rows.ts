import { parse } from 'csv-parse/sync';
import * as z from '#core/zod.ts';
import { describeIssues } from '#core/config-errors.ts';
import { crmOutcomeSchema, crmStages, type CrmOutcome, type CrmStage } from '#core/crm-outcomes.ts';
import { atColumnFor, SKIP, stageFor, type CrmMapping, type DateFormat, type MappedField, type NumberFormat } from './outcomes-import-mapping.ts';
import { instantOf as zonedInstant } from '#core/zoned-time.ts';

/**
 * A CRM export's rows as outcomes, purely: the CSV read into cells, each row
 * mapped to one outcome by the mapping (amounts with their currency, dates in
 * the export's format and time zone, the CRM's stage names), and every row
 * that cannot become one named with its problems.
 */

/** A CSV file's records: the header first. Row numbers count the header as row 1, as a spreadsheet shows them. */
export type CsvTable = { ok: true; header: string[]; rows: string[][] } | { ok: false; message: string };

export function readCsv(text: string, delimiter: ',' | ';' | '\t' = ','): CsvTable {
  let records: string[][];
  try {
    // Empty lines are kept (as [""]) so that row numbers stay those a spreadsheet shows.
    records = parse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const [header, ...rows] = records;
  if (!header || header.every((cell) => cell.trim() === '')) return { ok: false, message: 'the file has no header row' };
  return { ok: true, header: header.map((cell) => cell.trim()), rows };
}

/** A problem with one row: its number, the outcome field and the column it comes from, and what is wrong. */
export interface RowIssue {
  row: number;
  field: string;
  column?: string;
  message: string;
}

/** A row that became an outcome. */
export interface MappedRow {
  row: number;
  outcome: CrmOutcome;
}

export interface MappedRows {
  outcomes: MappedRow[];
  /** rows whose stage the mapping skips, and empty rows */
  skipped: { row: number; reason: string }[];
  issues: RowIssue[];
  /** mapped columns the file does not have, left out: optional fields, and one of leadId and email when the other is there */
  absent: { field: MappedField; column: string }[];
}

const optionalFields = ['amount', 'currency', 'opportunityId', 'reason', 'repId'] as const satisfies readonly MappedField[];

const EMAIL = /[^\s<>()[\],;:"']+@[^\s<>()[\],;:"']+\.[^\s<>()[\],;:"']+/;

/** The first email address in a cell (`Jane Doe (jane@example.com)`, `a@x.com; b@y.com`), or the cell when it has none. */
export function emailIn(cell: string): string {
  return EMAIL.exec(cell)?.[0] ?? cell;
}

const SYMBOLS: Record<string, string | undefined> = { '€': 'EUR', '£': 'GBP', $: undefined, '¥': undefined };

const NUMBER_PATTERNS: Record<NumberFormat, { pattern: RegExp; group: RegExp; decimal: string }> = {
  '1,234.56': { pattern: /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/, group: /,/g, decimal: '.' },
  '1.234,56': { pattern: /^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$/, group: /\./g, decimal: ',' },
  '1 234,56': { pattern: /^(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,\d+)?$/, group: /[ \u00a0\u202f]/g, decimal: ',' },
};

/**
 * An amount as an export writes it: `12500`, `12,500.00`, `USD 12,500.00`,
 * `$12,500`, `12.500,00 €` (in the given number format), with the currency it
 * names if any (a code, or € and £; $ and ¥ name none: several currencies use
 * them). A minus sign or parentheses make it negative, which outcomes refuse.
 */
export function parseAmount(cell: string, format: NumberFormat): { amount: number; currency?: string } | { error: string } {
  let text = cell.trim();
  let currency: string | undefined;
  const code = /^([A-Z]{3})\s*(.+)$/.exec(text) ?? /^(.+?)\s*([A-Z]{3})$/.exec(text);
  if (code) {
    const [, a, b] = code;
    const isCodeFirst = /^[A-Z]{3}$/.test(a!);
    currency = isCodeFirst ? a : b;
    text = (isCodeFirst ? b : a)!.trim();
  }
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (text.startsWith('-')) {
    negative = !negative;
    text = text.slice(1).trim();
  }
  const symbol = /^([€£$¥])\s*(.+)$/.exec(text) ?? /^(.+?)\s*([€£$¥])$/.exec(text);
  if (symbol) {
    const mark = /^[€£$¥]$/.test(symbol[1]!) ? symbol[1]! : symbol[2]!;
    text = (mark === symbol[1] ? symbol[2] : symbol[1])!.trim();
    const named = SYMBOLS[mark];
    if (named !== undefined) {
      if (currency !== undefined && currency !== named) return { error: `"${cell}" names two currencies, ${currency} and ${mark}` };
      currency = named;
    }
  }
  if (text.startsWith('-') && !negative) {
    negative = true;
    text = text.slice(1).trim();
  }
  const { pattern, group, decimal } = NUMBER_PATTERNS[format];
  if (!pattern.test(text)) return { error: `"${cell}" is not an amount written as ${format}` };
  const amount = Number(text.replace(group, '').replace(decimal, '.'));
  return { amount: negative ? -amount : amount, ...(currency !== undefined && { currency }) };
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const REGIONAL_DATE: Record<Exclude<DateFormat, 'YYYY-MM-DD'>, { pattern: RegExp; dayFirst: boolean }> = {
  'M/D/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]\.?M\.?)?)?$/i, dayFirst: false },
  'D/M/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]\.?M\.?)?)?$/i, dayFirst: true },
  'D.M.YYYY': { pattern: /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]\.?M\.?)?)?$/i, dayFirst: true },
};

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offset?: string;
}

function instantOf(p: DateParts, timeZone: string): number | string {
  if (p.month < 1 || p.month > 12) return 'no such month';
  const daysInMonth = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
  if (p.day < 1 || p.day > daysInMonth) return 'no such day';
  if (p.hour > 23 || p.minute > 59 || p.second > 59) return 'no such time';
  // a time a clock change skips is read with the offset before it; one it repeats, as its first occurrence
  if (p.offset === undefined) return zonedInstant(p, timeZone).getTime() + p.ms;
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms);
  if (/^z$/i.test(p.offset)) return wall;
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(p.offset)!;
  const minutes = Number(hh) * 60 + Number(mm ?? 0);
  return wall - (sign === '-' ? -1 : 1) * minutes * 60_000;
}

/**
 * A date as an export writes it, as an ISO 8601 instant. ISO dates
 * (`2024-03-15`, `2024-03-15 14:31`, `2024-03-15T14:31:00Z`) are always
 * understood; `format` adds a regional one (`3/15/2024 2:31 PM`,
 * `15/03/2024`, `15.03.2024 14:31`). A date or time written without a time
 * zone is read in `timeZone`; a date alone is that day's midnight.
 */
export function parseDate(cell: string, format: DateFormat, timeZone: string): { at: string } | { error: string } {
  const text = cell.trim();
  let parts: DateParts | undefined;
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, offset] = iso;
    parts = {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h ?? 0),
      minute: Number(mi ?? 0),
      second: Number(s ?? 0),
      ms: frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0')),
      ...(offset !== undefined && { offset }),
    };
  } else if (format !== 'YYYY-MM-DD') {
    const { pattern, dayFirst } = REGIONAL_DATE[format];
    const regional = pattern.exec(text);
    if (regional) {
      const [, a, b, y, h, mi, s, meridiem] = regional;
      let hour = Number(h ?? 0);
      if (meridiem !== undefined) {
        if (hour < 1 || hour > 12) return { error: `"${cell}" has an hour ${hour} with ${meridiem}` };
        hour = (hour % 12) + (/^p/i.test(meridiem) ? 12 : 0);
      }
      parts = { year: Number(y), month: Number(dayFirst ? b : a), day: Number(dayFirst ? a : b), hour, minute: Number(mi ?? 0), second: Number(s ?? 0), ms: 0 };
    }
  }
  const written = format === 'YYYY-MM-DD' ? 'YYYY-MM-DD' : `YYYY-MM-DD or ${format}`;
  if (!parts) return { error: `"${cell}" is not a date written as ${written}` };
  const instant = instantOf(parts, timeZone);
  if (typeof instant === 'string') return { error: `"${cell}" is not a date written as ${written} (${instant})` };
  return { at: new Date(instant).toISOString() };
}

/** An `at` this far ahead of now is refused: an open deal's expected close date is not when anything happened. */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * Every row of the table as an outcome, or its problems. `now` is when the
 * import runs (no outcome happened after it). Rows are refused for: a missing
 * or unknown stage name, an amount or date the formats do not read, a field
 * the outcome schema refuses, an outcomeId another row already has.
 */
export function mapRows(table: { header: readonly string[]; rows: readonly string[][] }, given: CrmMapping, now: Date): MappedRows | { missingColumns: string[] } {
  const index = new Map<string, number>();
  table.header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const has = (column: string | undefined) => column !== undefined && index.has(column.trim());
  // A column for an optional field that the export does not have is left out (and said); the rest must be there.
  const absent = optionalFields.filter((field) => given.columns[field] !== undefined && !has(given.columns[field]));
  const lead = (['leadId', 'email'] as const).filter((field) => has(given.columns[field]));
  const required = [given.columns.outcomeId, given.columns.stage, given.columns.at, ...Object.values(given.atByStage ?? {})];
  const missing = [...new Set(required.filter((column): column is string => column !== undefined && !has(column)))];
  if (lead.length === 0) missing.push(...(['leadId', 'email'] as const).map((field) => given.columns[field]).filter((c): c is string => c !== undefined));
  if (missing.length > 0) return { missingColumns: missing };
  const columns = { ...given.columns };
  for (const field of [...absent, ...(['leadId', 'email'] as const).filter((f) => !lead.includes(f))]) delete columns[field];
  const mapping: CrmMapping = { ...given, columns };

  const result: MappedRows = { outcomes: [], skipped: [], issues: [], absent: [...absent, ...(['leadId', 'email'] as const).filter((f) => given.columns[f] !== undefined && !lead.includes(f))].map((field) => ({ field, column: given.columns[field]! })) };
  const firstRowOf = new Map<string, number>();
  const dateFormat = mapping.dateFormat ?? 'YYYY-MM-DD';
  const numberFormat = mapping.numberFormat ?? '1,234.56';
  const timeZone = mapping.timeZone ?? 'UTC';

  for (let i = 0; i < table.rows.length; i++) {
    const cells = table.rows[i]!;
    const row = i + 2;
    if (cells.every((cell) => cell.trim() === '')) {
      if (mapping.endsAtBlankRow) break;
      result.skipped.push({ row, reason: 'empty row' });
      continue;
    }
    const issues: RowIssue[] = [];
    const refuse = (field: string, column: string | undefined, message: string) => issues.push({ row, field, ...(column !== undefined && { column }), message });
    if (cells.length > table.header.length) {
      refuse('(row)', undefined, `${cells.length} cells, the header has ${table.header.length}: a comma inside a value that is not quoted?`);
      result.issues.push(...issues);
      continue;
    }
    const cell = (column: string | undefined) => (column === undefined ? '' : (cells[index.get(column.trim())!] ?? '').trim());
    const columnOf = (field: MappedField) => mapping.columns[field];

    const stageName = cell(columnOf('stage'));
    const stage = stageName === '' ? undefined : stageFor(mapping, stageName);
    if (stageName === '') refuse('stage', columnOf('stage'), 'no stage');
    else if (stage === undefined) refuse('stage', columnOf('stage'), `"${stageName}" is not in the stage map: map it with --stage "${stageName}=<stage>" (${crmStages.join(', ')}, or ${SKIP})`);
    if (stage === SKIP) {
      result.skipped.push({ row, reason: `stage "${stageName}" is skipped` });
      continue;
    }

    const outcome: Record<string, unknown> = {};
    const id = cell(columnOf('outcomeId'));
    if (id === '') refuse('outcomeId', columnOf('outcomeId'), 'no id');
    else outcome.outcomeId = stage !== undefined && mapping.outcomeIdPerStage !== false ? `${id}:${stage}` : id;
    if (stage !== undefined) outcome.stage = stage;

    const leadId = cell(columnOf('leadId'));
    const email = cell(columnOf('email'));
    if (leadId !== '') outcome.leadId = leadId;
    else if (email !== '') outcome.email = emailIn(email);
    else refuse(columnOf('email') !== undefined ? 'email' : 'leadId', columnOf('email') ?? columnOf('leadId'), 'no lead: the cell is empty');

    if (stage !== undefined) {
      const atColumn = atColumnFor(mapping, stage as CrmStage);
      const written = cell(atColumn);
      if (written === '') refuse('at', atColumn, `no date (the ${stage} rows' date comes from this column)`);
      else {
        const date = parseDate(written, dateFormat, timeZone);
        if ('error' in date) refuse('at', atColumn, date.error);
        else if (Date.parse(date.at) > now.getTime() + FUTURE_SLACK_MS) {
          refuse('at', atColumn, `${date.at} is in the future: for an open deal, take the date from a column of when it happened (--map at.${stage}="<column>")`);
        } else outcome.at = date.at;
      }
    }

    const amountCell = cell(columnOf('amount'));
    if (amountCell !== '') {
      const amount = parseAmount(amountCell, numberFormat);
      if ('error' in amount) refuse('amount', columnOf('amount'), amount.error);
      else {
        outcome.amount = amount.amount;
        // The export's own word on the currency (its column, or the amount's code or symbol) wins over the mapping's.
        const fromColumn = cell(columnOf('currency')).toUpperCase() || undefined;
        if (fromColumn !== undefined && amount.currency !== undefined && fromColumn !== amount.currency) {
          refuse('currency', columnOf('currency'), `the currency column says ${fromColumn}, the amount "${amountCell}" says ${amount.currency}`);
        } else {
          const currency = fromColumn ?? amount.currency ?? mapping.currency;
          if (currency === undefined) refuse('currency', columnOf('currency') ?? columnOf('amount'), `no currency for the amount "${amountCell}": map a currency column or give --currency`);
          else outcome.currency = currency;
        }
      }
    }

    for (const field of ['opportunityId', 'reason', 'repId'] as const) {
      const value = cell(columnOf(field));
      if (value !== '') outcome[field] = value;
    }
    if (mapping.createIfMissing && outcome.email !== undefined) outcome.createIfMissing = true;

    if (issues.length === 0) {
      const parsed = z.safeParse(crmOutcomeSchema, outcome);
      if (!parsed.success) {
        for (const { path, message } of describeIssues(parsed.error)) {
          const field = path.split(/[.[]/)[0] ?? path;
          const column = field === 'at' && stage !== undefined ? atColumnFor(mapping, stage as CrmStage) : mapping.columns[field as MappedField];
          refuse(field || '(row)', column, message);
        }
      } else {
        const earlier = firstRowOf.get(parsed.data.outcomeId);
        if (earlier !== undefined) refuse('outcomeId', columnOf('outcomeId'), `the same outcome as row ${earlier} (${parsed.data.outcomeId})`);
        else {
          firstRowOf.set(parsed.data.outcomeId, row);
          result.outcomes.push({ row, outcome: parsed.data });
        }
      }
    }
    result.issues.push(...issues);
  }
  return result;
}
