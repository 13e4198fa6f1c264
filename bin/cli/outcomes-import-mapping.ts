import * as z from '#core/zod.ts';
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { crmStages, type CrmStage } from '#core/crm-outcomes.ts';
import { jsonTree, lineOfPath } from './json-lines.ts';

/**
 * How the columns of a CRM export become outcomes (`leadloop outcomes import`):
 * which column holds each field of an outcome, what each of the CRM's stage
 * names means in LeadLoop, and how the export writes amounts and dates. Given
 * as a mapping file (config/crm-mappings/*.json), as flags, or a file with
 * flags on top of it; validated the same way in all three cases.
 */

/** The fields of an outcome a column can fill. */
export const mappedFields = ['outcomeId', 'leadId', 'email', 'stage', 'at', 'amount', 'currency', 'opportunityId', 'reason', 'repId'] as const;
export type MappedField = (typeof mappedFields)[number];

/** How an export writes a date when it is not ISO 8601 (`2024-03-15`, which is always understood). */
export const dateFormats = ['YYYY-MM-DD', 'M/D/YYYY', 'D/M/YYYY', 'D.M.YYYY'] as const;
export type DateFormat = (typeof dateFormats)[number];

/** How an export writes 1234.56: thousands separator and decimal mark. */
export const numberFormats = ['1,234.56', '1.234,56', '1 234,56'] as const;
export type NumberFormat = (typeof numberFormats)[number];

/** A stage name mapped to `skip`: its rows are left out (an early pipeline stage LeadLoop does not track, say). */
export const SKIP = 'skip';
export type StageTarget = CrmStage | typeof SKIP;

const columnName = z.string().check(z.minLength(1, 'a column name is not empty'), z.maxLength(200));

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const crmMappingSchema = z
  .strictObject({
    /** what the file maps, for people (the CRM, its export, what was assumed) */
    description: z.optional(z.string()),
    notes: z.optional(z.array(z.string())),
    columns: z.strictObject({
      /** the CRM's id of the record the row is (a deal, an opportunity) */
      outcomeId: columnName,
      leadId: z.optional(columnName),
      /** the lead's email; a cell with text around the address (`Jane Doe (jane@example.com)`) gives its first address */
      email: z.optional(columnName),
      stage: columnName,
      /** when the row's stage was reached, unless `atByStage` names another column for that stage */
      at: columnName,
      amount: z.optional(columnName),
      currency: z.optional(columnName),
      opportunityId: z.optional(columnName),
      reason: z.optional(columnName),
      repId: z.optional(columnName),
    }),
    /** the date column of rows in a given LeadLoop stage (`won`: the close date; open stages: the create date) */
    atByStage: z.optional(z.partialRecord(z.enum(crmStages), columnName)),
    /** the CRM's stage names (matched ignoring case and surrounding spaces) and the LeadLoop stage each means, or `skip` */
    stages: z.record(
      z.string().check(z.minLength(1, 'a stage name is not empty')),
      z.enum([...crmStages, SKIP], `a LeadLoop stage (${crmStages.join(', ')}) or ${SKIP}`),
    ),
    /**
     * The outcome's id is `<outcomeId column>:<stage>` (default true), so a
     * deal exported again after it moved on records its new stage; false uses
     * the column's value as is (an export with one row per stage change).
     */
    outcomeIdPerStage: z.optional(z.boolean()),
    /** the currency of every amount, when the export has no currency column or leaves it empty */
    currency: z.optional(z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code: three capital letters, e.g. EUR'))),
    dateFormat: z.optional(z.enum(dateFormats, `one of ${dateFormats.join(', ')}`)),
    /** the time zone of dates and times written without one (an IANA name, e.g. Europe/Berlin; default UTC) */
    timeZone: z.optional(z.string().check(z.refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin or UTC'))),
    numberFormat: z.optional(z.enum(numberFormats, `one of ${numberFormats.join(', ')}`)),
    delimiter: z.optional(z.enum([',', ';', '\t'], 'a comma, a semicolon or a tab')),
    /** the data ends at the first empty row (a Salesforce report's export has a footer after one) */
    endsAtBlankRow: z.optional(z.boolean()),
    /** an unknown email becomes a sales-sourced lead instead of a refusal */
    createIfMissing: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((mapping, ctx) => {
      if (mapping.columns.leadId === undefined && mapping.columns.email === undefined) {
        ctx.addIssue({ code: 'custom', path: ['columns', 'email'], message: 'map the lead: an email column, or a leadId column (or both: a row uses leadId when it has one)' });
      }
      if (mapping.createIfMissing === true && mapping.columns.email === undefined) {
        ctx.addIssue({ code: 'custom', path: ['createIfMissing'], message: 'a lead is created only from an email: map an email column' });
      }
      if (!Object.values(mapping.stages).some((stage) => stage !== SKIP)) {
        ctx.addIssue({ code: 'custom', path: ['stages'], message: 'map at least one of the CRM\'s stage names to a LeadLoop stage' });
      }
      const seen = new Map<string, string>();
      for (const name of Object.keys(mapping.stages)) {
        const key = stageKey(name);
        const earlier = seen.get(key);
        if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['stages', name], message: `the same stage name as "${earlier}" (names are matched ignoring case)` });
        else seen.set(key, name);
      }
    }),
  );

export type CrmMapping = z.infer<typeof crmMappingSchema>;

/** How a stage name is matched: ignoring case and surrounding spaces. */
export function stageKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export type LoadedMapping = { ok: true; mapping: CrmMapping } | { ok: false; problems: string[] };

/** zod's words for a missing field, said the way a person would. */
function readable(message: string): string {
  return message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is missing (a $1 is required)');
}

/** A mapping file's text, validated; each problem at `file:line: field: message`. */
export function loadMappingFile(file: string, text: string): LoadedMapping {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, problems: [`${file}: not valid JSON: ${(error as Error).message}`] };
  }
  try {
    return { ok: true, mapping: parseConfig(file, crmMappingSchema, json) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const tree = jsonTree(text.replace(/^\uFEFF/, ''));
    return {
      ok: false,
      problems: error.issues.map(({ path, message }) => `${file}:${lineOfPath(tree, path)}: ${path || '(root)'}: ${readable(message)}`),
    };
  }
}

/** What the import's flags say about the mapping; each adds to or overrides the mapping file's. */
export interface MappingFlags {
  /** `--map <field>=<column>`, `--map at.<stage>=<column>` */
  map?: readonly string[];
  /** `--stage "<CRM stage>=<LeadLoop stage or skip>"` */
  stage?: readonly string[];
  currency?: string;
  dateFormat?: string;
  timeZone?: string;
  numberFormat?: string;
  delimiter?: string;
  endsAtBlankRow?: boolean;
  createMissing?: boolean;
}

/** `name=value`, split at the first `=` or the last, whichever side never holds one. */
function pair(flag: string, text: string, valueFirst: boolean): [string, string] | string {
  const at = valueFirst ? text.indexOf('=') : text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1) return `${flag} takes <name>=<value>, got "${text}"`;
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

/**
 * The mapping the flags give on top of a mapping file's (or on their own), as
 * raw JSON to validate with crmMappingSchema, or the problem with a flag.
 * `--map` splits at its first `=` (a field name never holds one), `--stage`
 * at its last (a LeadLoop stage never does).
 */
export function mappingWithFlags(base: Partial<CrmMapping> | undefined, flags: MappingFlags): Record<string, unknown> | string {
  const columns: Record<string, string> = { ...base?.columns };
  const atByStage: Record<string, string> = { ...base?.atByStage };
  for (const text of flags.map ?? []) {
    const parsed = pair('--map', text, true);
    if (typeof parsed === 'string') return parsed;
    const [field, column] = parsed;
    const stage = /^at\.(.+)$/.exec(field)?.[1];
    if (stage !== undefined) {
      if (!(crmStages as readonly string[]).includes(stage)) return `--map ${field}: at.<stage> takes a LeadLoop stage (${crmStages.join(', ')}), got "${stage}"`;
      atByStage[stage] = column;
    } else if ((mappedFields as readonly string[]).includes(field)) {
      columns[field] = column;
    } else {
      return `--map: unknown field "${field}"; the fields are ${mappedFields.join(', ')} (and at.<stage>)`;
    }
  }
  const stages: Record<string, string> = { ...base?.stages };
  for (const text of flags.stage ?? []) {
    const parsed = pair('--stage', text, false);
    if (typeof parsed === 'string') return parsed;
    const [name, stage] = parsed;
    // A flag replaces the file's entry for the same name, however it is spelt.
    for (const existing of Object.keys(stages)) if (stageKey(existing) === stageKey(name)) delete stages[existing];
    stages[name] = stage;
  }
  const mapping: Record<string, unknown> = { ...base, columns, stages };
  if (Object.keys(atByStage).length > 0) mapping.atByStage = atByStage;
  if (flags.currency !== undefined) mapping.currency = flags.currency;
  if (flags.dateFormat !== undefined) mapping.dateFormat = flags.dateFormat;
  if (flags.timeZone !== undefined) mapping.timeZone = flags.timeZone;
  if (flags.numberFormat !== undefined) mapping.numberFormat = flags.numberFormat;
  if (flags.delimiter !== undefined) mapping.delimiter = flags.delimiter === '\\t' || flags.delimiter === 'tab' ? '\t' : flags.delimiter;
  if (flags.endsAtBlankRow) mapping.endsAtBlankRow = true;
  if (flags.createMissing) mapping.createIfMissing = true;
  return mapping;
}

/** The flag a mapping field is set with, for problems found in a mapping built from flags. */
function flagOf(path: string): string {
  const [head, second] = path.split('.');
  if (head === 'columns') return second === undefined ? '--map' : `--map ${second}=…`;
  if (head === 'atByStage') return `--map at.${second ?? '<stage>'}=…`;
  if (head === 'stages') return second === undefined ? '--stage' : `--stage "${path.slice('stages.'.length)}=…"`;
  const flags: Record<string, string> = {
    currency: '--currency',
    dateFormat: '--date-format',
    timeZone: '--time-zone',
    numberFormat: '--number-format',
    delimiter: '--delimiter',
    createIfMissing: '--create-missing',
  };
  return flags[head ?? ''] ?? path;
}

/**
 * The mapping a (validated) mapping file gives with the flags on top, or the
 * problems with the flags, each named by the flag that sets the field (and
 * the field of the file named `fileName`, when there is one).
 */
export function resolveMapping(base: CrmMapping | undefined, flags: MappingFlags, fileName?: string): LoadedMapping {
  const raw = mappingWithFlags(base, flags);
  if (typeof raw === 'string') return { ok: false, problems: [raw] };
  const result = z.safeParse(crmMappingSchema, raw);
  if (result.success) return { ok: true, mapping: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      const [head, field] = issue.path.map(String);
      if (head === 'columns' && field !== undefined && /received undefined$/.test(issue.message)) {
        return `the ${field} column is required: --map ${field}=<column>${fileName ? ` (or columns.${field} in ${fileName})` : ''}`;
      }
      const where = fileName ? `${flagOf(path)} (or ${path || '(root)'} in ${fileName})` : flagOf(path);
      return `${where}: ${readable(issue.message)}`;
    }),
  };
}

/** The LeadLoop stage a CRM's stage name means, or undefined when the mapping does not name it. */
export function stageFor(mapping: Pick<CrmMapping, 'stages'>, name: string): StageTarget | undefined {
  const key = stageKey(name);
  for (const [crmName, stage] of Object.entries(mapping.stages)) if (stageKey(crmName) === key) return stage;
  return undefined;
}

/** The column whose date is `at` for a row in `stage`. */
export function atColumnFor(mapping: Pick<CrmMapping, 'columns' | 'atByStage'>, stage: CrmStage): string {
  return mapping.atByStage?.[stage] ?? mapping.columns.at;
}
