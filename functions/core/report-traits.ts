import { aggregateValue } from './personal-values.ts';
import * as z from './zod.ts';

/**
 * The lead traits the funnel report can be sliced by (config/reports.json):
 * `by=trait:industry` slices by the trait's value as the lead gave it,
 * `by=trait:employees` by bands of a number (`50-249`). Each configured trait
 * is one more slice every counted change of a lead writes (its day item and
 * its month total, each an add and the removal of its mark), so only the traits named here are kept, and
 * only from the moment a lead is known (a new visitor has no traits yet).
 */

/** Traits every counted change writes: a few, not every field a form sends. */
export const MAX_REPORT_TRAITS = 8;
const MAX_BANDS = 20;

/** A trait's name as events carry it (`industry`, `employees`, `annual_revenue`): it is part of `by=trait:<name>` and of keys. */
const traitNameSchema = z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a trait name: a letter, then letters, digits or _ (at most 40)'));

const traitSchema = z.strictObject({
  /**
   * Lower edges of the bands a number falls into, whole numbers in increasing
   * order: `[10, 50, 250, 1000]` gives `<10`, `10-49`, `50-249`, `250-999`,
   * `1000+`. Without bands the value is kept as given.
   */
  bands: z.optional(
    z
      .array(z.number().check(z.int('a whole number'), z.gte(-1e12), z.lte(1e12)))
      .check(
        z.minLength(1, 'give at least one edge, or leave bands out'),
        z.maxLength(MAX_BANDS, `at most ${MAX_BANDS} edges`),
        z.refine((edges) => edges.every((edge, i) => i === 0 || edge > edges[i - 1]!), 'edges in increasing order, each once'),
      ),
  ),
});

export const reportsConfigSchema = z.strictObject({
  /** the traits the funnel can be sliced by (`by=trait:<name>`) */
  traits: z
    .record(traitNameSchema, traitSchema)
    .check(z.refine((traits) => Object.keys(traits).length <= MAX_REPORT_TRAITS, `at most ${MAX_REPORT_TRAITS} traits: each is four more writes per counted change of every lead`)),
});

export type ReportsConfig = z.infer<typeof reportsConfigSchema>;
export type ReportTraits = ReportsConfig['traits'];

/** A lead whose trait is missing (or blank). */
export const NO_TRAIT = '(none)';
/** A banded trait whose value is not a number. */
export const NOT_A_NUMBER = '(not a number)';
/** Trait values are part of keys and attribute names: bounded, and one line. */
const MAX_TRAIT_VALUE_LENGTH = 100;

/** The label of the band a number falls into: `<10`, `10-49`, `1000+`. */
export function bandLabel(value: number, edges: readonly number[]): string {
  const first = edges[0];
  if (first === undefined) throw new RangeError('bandLabel needs at least one edge');
  if (value < first) return `<${first}`;
  const index = edges.findLastIndex((edge) => value >= edge);
  const next = edges[index + 1];
  return next === undefined ? `${edges[index]}+` : `${edges[index]}-${next - 1}`;
}

/** Every label of a banded trait's bands, in order (what a report can show even when a band is empty). */
export function bandLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return [];
  return [`<${edges[0]}`, ...edges.map((edge, i) => (i + 1 < edges.length ? `${edge}-${edges[i + 1]! - 1}` : `${edge}+`))];
}

/**
 * The value a lead counts under for one trait: its band for a banded trait (a
 * number, or a string that is one: `"250"`), else its value as text, one
 * line, at most 100 characters; `(none)` when the lead has none, and
 * `(personal)` when it looks like an email address (personal-values.ts: an
 * operator's `industry` trait a form filled with an address is not kept).
 */
export function traitSliceValue(value: unknown, trait: ReportTraits[string]): string {
  if (value === undefined || value === null) return NO_TRAIT;
  if (trait.bands !== undefined) {
    if (typeof value === 'string' && value.trim() === '') return NO_TRAIT;
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    return Number.isFinite(n) ? bandLabel(n, trait.bands) : NOT_A_NUMBER;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return NO_TRAIT;
  const text = String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text === '' ? NO_TRAIT : aggregateValue(text).slice(0, MAX_TRAIT_VALUE_LENGTH);
}

/** The dimension a trait's counts are kept under: `trait:industry`. */
export const traitDimension = (name: string): string => `trait:${name}`;
