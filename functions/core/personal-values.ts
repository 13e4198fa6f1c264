import type { ReportCount } from './report-counts.ts';

/**
 * The length slice values are cut at (report-counts.ts MAX_SLICE_VALUE_LENGTH,
 * report-traits.ts): written out, not imported, so campaign naming (which
 * ingest bundles) does not bring the report counting with it; a test holds
 * them equal.
 */
export const SLICE_VALUE_LENGTH = 100;

/**
 * Report aggregates keep counts only: a slice's value is part of a report
 * item's key, and it comes from text a client controls (UTM source, medium
 * and campaign, a trait's value). The rule that keeps a person out of those
 * keys, by construction (docs/decisions.md, "Erasure and export"):
 *
 * - a value holding an `@` (or its URL-encoded `%40`, or the full-width `＠`)
 *   is counted as `(personal)`: every email address has one, and no id of
 *   ours (campaign, team, rep ids are `[a-z0-9-]`) nor a band or grade does;
 * - a client-controlled value equal to one of the lead's own identities (its
 *   email, userId or anonymous id, case and spaces aside), as it is or as a
 *   campaign names it (`utm:<value>`, `source:<value>`), is `(personal)` too.
 *
 * The first part needs nothing but the value (slicing, campaign naming and
 * the report key itself apply it); the second needs the lead, and is applied
 * to a save's report counts. Neither recognises a name, a phone number or
 * other identifying text a client puts in a UTM parameter or a free-text
 * trait: only configure traits that are not about the person.
 */

/** What a value holding personal data is counted as. */
export const PERSONAL = '(personal)';

const AT_SIGN = /@|%40|\uff20/i;

/** Whether a value looks like (or holds) an email address: it has an `@`, `%40` or `＠`. */
export function looksPersonal(value: string): boolean {
  return AT_SIGN.test(value);
}

/** The value as an aggregate may keep it: `(personal)` when it looks like an email address, else itself. */
export function aggregateValue(value: string): string {
  return looksPersonal(value) ? PERSONAL : value;
}

/**
 * The dimensions whose values a client controls: the first touch's source,
 * medium and campaign, and every trait (`trait:industry`), also as the
 * attribution family keys them (`linear:source`). Grade, score band, team
 * and rep come from the configuration and the model.
 */
function clientControlled(dimension: string): boolean {
  const bare = dimension.slice(dimension.indexOf(':') + 1);
  return bare === 'source' || bare === 'medium' || bare === 'campaign' || dimension.startsWith('trait:');
}

const norm = (value: string) => value.trim().toLowerCase();

/** The identities' values (`email:a@b.example` → `a@b.example`), normalized: what a slice value is compared with. */
function identityValues(identities: readonly string[]): Set<string> {
  return new Set(identities.map((identity) => norm(identity.slice(identity.indexOf(':') + 1))).filter((value) => value !== ''));
}

/** A slice value with a campaign's prefix taken off (`utm:spring` → `spring`); others as they are. */
const unprefixed = (value: string) => value.replace(/^(?:utm|source):/, '');

/** Whether a value is one of the identities' values; one cut at the slices' length (report-counts.ts sliceValue) when an identity starts with it. */
function isOwn(own: ReadonlySet<string>, value: string): boolean {
  const text = norm(value);
  if (own.has(text)) return true;
  return value.length >= SLICE_VALUE_LENGTH - 'source:'.length && text !== '' && [...own].some((identity) => identity.startsWith(text));
}

/**
 * A save's report counts with every client-controlled slice value that looks
 * personal, or is one of the lead's identities, counted as `(personal)`:
 * `source=eve-7731` for a lead whose userId is `eve-7731` becomes
 * `source=(personal)`. Pure; the counts are otherwise unchanged (two counts
 * now of one slice are summed where they are written, reportItemsOf).
 */
export function withoutPersonalValues(reports: readonly ReportCount[], identities: readonly string[]): ReportCount[] {
  const own = identityValues(identities);
  return reports.map((report) => {
    const at = report.slice.indexOf('=');
    if (at === -1) return report;
    const dimension = report.slice.slice(0, at);
    const value = report.slice.slice(at + 1);
    if (!clientControlled(dimension) || value === PERSONAL) return report;
    const personal = looksPersonal(value) || isOwn(own, value) || isOwn(own, unprefixed(value));
    return personal ? { ...report, slice: `${dimension}=${PERSONAL}` } : report;
  });
}
