import type { LedgerEntry } from '#core/scoring.ts';
import type { EventMarker } from '#core/score-items.ts';

/**
 * How ledger entries are written in the lead's score item and the events'
 * markers: short attribute names and instants as epoch milliseconds, because
 * DynamoDB bills every started KB of an item (a 1 KB score item is one write
 * unit, 1.1 KB two). Round trips exactly: ledger timestamps are ISO-8601 in
 * UTC with milliseconds (scoreEvent writes them so).
 */

/** A marker's or a folded entry's ledger entry as stored. */
export interface StoredEntry {
  /** ruleId */
  r: string;
  /** points */
  p: number;
  /** modelVersion, when it is not the item's own (the score's, the marker's) */
  v?: string;
  /** halfLifeDays */
  h?: number;
  /** base, on a capped entry */
  b?: number;
  /** capped */
  c?: 1;
  /** a folded entry: when it stands (epoch ms), how many events, its first event [epoch ms, messageId] */
  a?: number;
  n?: number;
  f?: [number, string];
}

/** A pending marker in the score item: [epoch ms, messageId, entries, 1 for an outcome]. */
export type StoredMarker = [number, string, StoredEntry[]] | [number, string, StoredEntry[], 1];

const ms = (iso: string): number => Date.parse(iso);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

function encodeEntry(entry: LedgerEntry, itemVersion?: string): StoredEntry {
  return {
    r: entry.ruleId,
    p: entry.points,
    ...(entry.modelVersion !== itemVersion && { v: entry.modelVersion }),
    ...(entry.halfLifeDays !== undefined && { h: entry.halfLifeDays }),
    ...(entry.base !== undefined && { b: entry.base }),
    ...(entry.capped && { c: 1 as const }),
    ...(entry.events !== undefined && { a: ms(entry.at), n: entry.events }),
    ...(entry.first !== undefined && { f: [ms(entry.first.at), entry.first.messageId] as [number, string] }),
  };
}

function decodeEntry(stored: StoredEntry, messageId: string, at: string, itemVersion?: string): LedgerEntry {
  return {
    ruleId: stored.r,
    messageId,
    points: stored.p,
    at,
    ...(stored.h !== undefined && { halfLifeDays: Number(stored.h) }),
    modelVersion: String(stored.v ?? itemVersion),
    ...(stored.c === 1 && { capped: true as const }),
    ...(stored.b !== undefined && { base: Number(stored.b) }),
    ...(stored.n !== undefined && { events: Number(stored.n) }),
    ...(stored.f !== undefined && { first: { at: iso(Number(stored.f[0])), messageId: String(stored.f[1]) } }),
  };
}

/**
 * The folded entries of a ledger as the score item holds them; an entry's
 * model version only when it is not the score's (`scoreVersion`).
 */
export function encodeFolded(ledger: readonly LedgerEntry[], scoreVersion?: string): StoredEntry[] {
  return ledger.filter((entry) => entry.events !== undefined).map((entry) => encodeEntry(entry, scoreVersion));
}

export function decodeFolded(stored: readonly StoredEntry[], scoreVersion?: string): LedgerEntry[] {
  return stored.map((entry) => {
    const at = iso(Number(entry.a));
    return decodeEntry(entry, `folded:${entry.r}:${at}`, at, scoreVersion);
  });
}

/** The model version a marker item states once for its entries: its first entry's (none for an event that scored nothing). */
export const markerVersion = (marker: EventMarker): string | undefined => marker.entries[0]?.modelVersion;

/** A marker's entries as stored on it (its key names the event and when it happened), each model version only when it is not `itemVersion`. */
export function encodeMarkerEntries(marker: EventMarker, itemVersion = markerVersion(marker)): StoredEntry[] {
  return marker.entries.map((entry) => encodeEntry(entry, itemVersion));
}

export function decodeMarker(messageId: string, at: string, stored: readonly StoredEntry[] | undefined, itemVersion?: string, outcome = false): EventMarker {
  return { messageId, at, entries: (stored ?? []).map((entry) => decodeEntry(entry, messageId, at, itemVersion)), ...(outcome && { outcome: true as const }) };
}

/** The markers a save holds pending in the score item, their model versions stated only when not the score's. */
export function encodePending(markers: readonly EventMarker[], scoreVersion?: string): StoredMarker[] {
  return markers.map((marker): StoredMarker => {
    const entries = marker.entries.map((entry) => encodeEntry(entry, scoreVersion));
    return marker.outcome ? [ms(marker.at), marker.messageId, entries, 1] : [ms(marker.at), marker.messageId, entries];
  });
}

export function decodePending(stored: readonly StoredMarker[] | undefined, scoreVersion?: string): EventMarker[] {
  return (stored ?? []).map(([at, messageId, entries, outcome]) => decodeMarker(String(messageId), iso(Number(at)), entries, scoreVersion, Number(outcome) === 1));
}
