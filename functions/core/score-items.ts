import { lastRecycledAt, type Lead } from './lead.ts';
import { engagementAt, foldBefore, ledgerHorizon, lookBackDays, type LedgerEntry, type ScoringModel } from './scoring.ts';

/**
 * What of a lead's ledger each stored item holds, so that no item grows with
 * the lead's history (docs/decisions.md, "The scoring path's data layout"):
 *
 * - each applied event leaves a marker holding the ledger entries it earned
 *   (an outcome's marker holds none): small, written once, rewritten only when
 *   a late event re-allocates a cap or a rescore or merge recomputes the lead;
 * - the lead's score item holds the ledger folded before its horizon (one
 *   entry per rule, half-life, model version and side of the last recycle),
 *   bounded by the model, not by the lead's age;
 * - the entries from the horizon on are read back from the markers of the
 *   events that happened since (ledgerOfItems).
 *
 * Pure: the lead store decides the items' keys and encoding.
 */

/** What an applied event leaves on its lead: its ledger entries, so a replay is refused and the ledger can be read back. */
export interface EventMarker {
  messageId: string;
  /** when the event happened (an outcome: when it was received) */
  at: string;
  /** the entries it earned, as they stand now (a cap may have re-allocated them since) */
  entries: LedgerEntry[];
  /** an outcome's marker (a tracking event's otherwise) */
  outcome?: true;
}

/** An event this save applies: its id and when it happened, which together name its marker. */
export interface EventRef {
  messageId: string;
  at: string;
  /** an outcome (a tracking event otherwise) */
  outcome?: true;
}

const sameEntry = (a: LedgerEntry, b: LedgerEntry): boolean =>
  a.ruleId === b.ruleId && a.points === b.points && a.capped === b.capped && a.base === b.base && a.halfLifeDays === b.halfLifeDays && a.modelVersion === b.modelVersion;

/** The individual (not folded) entries of a ledger, by event. */
function entriesByEvent(ledger: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const byEvent = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) {
    if (entry.events !== undefined) continue;
    const entries = byEvent.get(entry.messageId);
    if (entries) entries.push(entry);
    else byEvent.set(entry.messageId, [entry]);
  }
  return byEvent;
}

/**
 * The markers a save writes: one for each event it applies (`applied`, with
 * the entries the event earned in `after`, none when it scored nothing), and
 * one for each earlier event whose entries changed between `before` and
 * `after` (an event arriving late re-allocated a cap).
 */
export function markersToWrite(before: readonly LedgerEntry[], after: readonly LedgerEntry[], applied: readonly EventRef[]): EventMarker[] {
  const now = entriesByEvent(after);
  const was = entriesByEvent(before);
  const appliedIds = new Set(applied.map((ref) => ref.messageId));
  const markers: EventMarker[] = applied.map(({ messageId, at, outcome }) => ({
    messageId,
    at: new Date(at).toISOString(),
    entries: now.get(messageId) ?? [],
    ...(outcome && { outcome }),
  }));
  for (const [messageId, entries] of now) {
    if (appliedIds.has(messageId)) continue;
    const previous = was.get(messageId);
    if (previous && previous.length === entries.length && previous.every((entry, i) => sameEntry(entry, entries[i]!))) continue;
    markers.push({ messageId, at: entries[0]!.at, entries });
  }
  return markers;
}

/** Every event's marker, from a ledger recomputed from all of a lead's events (a rescore, a merge). */
export function allMarkers(ledger: readonly LedgerEntry[], events: readonly EventRef[]): EventMarker[] {
  return markersToWrite([], ledger, events);
}

/**
 * A lead's ledger from its items: the folded entries of its score item, then
 * the entries of the markers read back, in time order (then messageId, then
 * as each marker lists them), as addToLedger keeps a ledger.
 */
export function ledgerOfItems(folded: readonly LedgerEntry[], markers: readonly EventMarker[]): LedgerEntry[] {
  const ordered = [...markers].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  return [...folded, ...ordered.flatMap((marker) => marker.entries)];
}

/**
 * The lead as its score item keeps it: the ledger folded before the horizon
 * of its score (ledgerHorizon), `ledgerFrom` that horizon. The entries from it
 * on stay as they are: the markers hold them.
 */
export function foldForSave(lead: Lead, model: ScoringModel): Lead {
  const horizon = ledgerHorizon(model, lead.scoredAt);
  const from = lead.ledgerFrom !== undefined && lead.ledgerFrom > horizon ? lead.ledgerFrom : horizon;
  return { ...lead, ledger: foldBefore(lead.ledger, from, lastRecycledAt(lead)), ledgerFrom: from };
}

/**
 * Whether an event at `at` is scored exactly with the lead's ledger as read
 * (folded before `ledgerFrom`): its caps and activity rules look back no
 * further than the model's look-back. An earlier one needs the whole ledger,
 * read from every marker of the lead.
 */
export function ledgerCovers(lead: Pick<Lead, 'ledgerFrom'>, model: ScoringModel, at: string): boolean {
  if (lead.ledgerFrom === undefined) return true;
  return Date.parse(at) - lookBackDays(model) * 86_400_000 >= Date.parse(lead.ledgerFrom);
}

/** The lead's fields its score item holds (with the folded ledger), not its profile; recent activity and touches are read from the events. */
export type ScoreField = 'ledger' | 'ledgerFrom' | 'engagement' | 'grade' | 'scoredAt' | 'modelVersion' | 'touches' | 'recentActivity';

/**
 * The profile item's fields: the lead without what changes with every event
 * (score, ledger, recent activity; those live in the score item and the
 * markers), and with its first touch, for first-touch attribution.
 */
export function profileOf(lead: Lead): Omit<Lead, ScoreField> & { firstTouch?: Lead['touches'][number] } {
  const { ledger: _l, ledgerFrom: _f, engagement: _e, grade: _g, scoredAt: _s, modelVersion: _m, touches, recentActivity: _r, ...profile } = lead;
  return { ...profile, ...(touches[0] !== undefined && { firstTouch: touches[0] }) };
}

/** Whether the profile item of `after` differs from that of `before`: the profile is written only then. */
export function profileDiffers(before: Lead, after: Lead): boolean {
  return canonical(profileOf(before)) !== canonical(profileOf(after));
}

/** Whether the score item of `after` differs from that of `before` (the folded part of the ledger included). */
export function scoreDiffers(before: Lead, after: Lead): boolean {
  const scoreOf = (lead: Lead) => ({
    modelVersion: lead.modelVersion,
    engagement: lead.engagement,
    grade: lead.grade,
    scoredAt: lead.scoredAt,
    ledgerFrom: lead.ledgerFrom,
    folded: lead.ledger.filter((entry) => entry.events !== undefined),
  });
  return canonical(scoreOf(before)) !== canonical(scoreOf(after));
}

/** JSON with keys in order, so two leads compare equal whatever order their fields were set in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * The lead to save after applying events that earned nothing (they matched
 * no engagement rule) and moved nothing else: its score as it was, so the
 * save writes only their markers (an event that changes nothing costs its
 * marker, not a rewrite of the score). Otherwise `after` as it is.
 */
export function scoreUnlessUnscored(before: Lead, after: Lead, markers: readonly EventMarker[], changes: readonly unknown[]): Lead {
  const earned = markers.some((marker) => marker.entries.length > 0);
  if (earned || changes.length > 0 || profileDiffers(before, after)) return after;
  const kept: Lead = { ...after, engagement: before.engagement, grade: before.grade, scoredAt: before.scoredAt, modelVersion: before.modelVersion, ledger: before.ledger };
  if (before.ledgerFrom === undefined) delete kept.ledgerFrom;
  else kept.ledgerFrom = before.ledgerFrom;
  return kept;
}

/**
 * The lead as of its latest tracking event among `markers`: a save that
 * earned nothing keeps the score item as it was (scoreUnlessUnscored), so the
 * instant its score stands at (and engagement, decayed to it) moves on here,
 * as applying that event moved it. Outcomes do not move it.
 */
export function asOfLatestEvent(lead: Lead, markers: readonly EventMarker[]): Lead {
  const latest = markers.reduce((max, marker) => (!marker.outcome && marker.at > max ? marker.at : max), lead.scoredAt);
  if (latest === lead.scoredAt) return lead;
  return { ...lead, scoredAt: latest, engagement: engagementAt(lead.ledger, new Date(latest)) };
}
