import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { forEachConcurrently } from '#commons/concurrency.ts';
import { ConcurrentUpdateError } from '#commons/errors.ts';
import { funnelIncrements, type FunnelCounters } from '#core/funnel.ts';
import { reportCounts, UNCONFIGURED_SLICING, type ReportCount, type ReportSlicing } from '#core/report-counts.ts';
import { withoutPersonalValues } from '#core/personal-values.ts';
import type { Lead, Owner, Touch } from '#core/lead.ts';
import type { Grade } from '#core/scoring.ts';
import { asOfLatestEvent, ledgerOfItems, profileDiffers, profileOf, scoreDiffers, type EventMarker, type EventRef, type ScoreField } from '#core/score-items.ts';
import type { IdentityKey } from '#core/identity.ts';
import type { Outcome } from '#core/outcomes.ts';
import type { StageChange } from '#core/lifecycle.ts';
import type { Cycle, CycleEscalation, CycleRef } from '#core/cycle.ts';
import { openJourneyAttributes, RESUMES } from '#core/reconcile.ts';
import type { LeadUpdate, PendingCount, VersionedLead } from '#core/records.ts';
import { createBatchGet } from './batch-get.ts';
import {
  decodeFolded,
  decodeMarker,
  decodePending,
  encodeFolded,
  encodeMarkerEntries,
  encodePending,
  markerVersion,
  type StoredEntry,
  type StoredMarker,
} from './score-codec.ts';
import { reportCountUpdates, transactWithCounts } from './report-writes.ts';
import { meteredClient, type OnConsumed } from './capacity.ts';
import {
  cycleKey,
  eventOfMarker,
  FUNNEL_SHARDS,
  funnelKeys,
  funnelShardKey,
  reportItemsOf,
  REPORT_SHARDS,
  type ItemKey,
  funnelShardOf,
  identityKey,
  identityOfPartition,
  leadPartition,
  MARKER_PREFIX,
  markerKey,
  MARKERS_END,
  markersFrom,
  MAX_FUNNEL_SHARDS,
  OPEN_STAGE,
  PROFILE_SK,
  profileKey,
  SCORE_SK,
  scoreKey,
  STAGE_SINCE,
} from '#core/table-layout.ts';
import { stalledIndexAttributes } from '#core/reports/stalled.ts';
import { EscalationStepName } from '#core/journey-contract.ts';
import type { RoutingRecord } from '#core/rep-availability.ts';
import { OPEN_FOR, openCountUpdate, rotationPut, type RotationTurn } from './rep-store.ts';

/**
 * How an escalation step moves the reps' open-lead counts (rep-store.ts):
 * `release` the rep the cycle counts for now (its `openFor`), `take` the
 * new owner; a reassignment also moves the team's round robin and keeps the
 * routing decision on the cycle.
 */
export interface OpenLeadMove {
  release?: string;
  take?: string;
  rotation?: RotationTurn;
  routing?: RoutingRecord;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Funnel counts a save left on the lead's profile, to be added to its shard once (settleFunnel). */
type FunnelPending = PendingCount;

/**
 * How long a save's own settling of its funnel counts may take: longer than
 * any function runs (Lambda's limit is 15 minutes). Counts pending longer were
 * left by a writer that stopped; a later writer settles them.
 */
export const SETTLE_AFTER_MS = 15 * 60_000;
const COUNT_MARK_PREFIX = 'counted.';
/** How many times a writer tries to let go of a count it added, against other writers' profiles. */
const MAX_CLEAR_ATTEMPTS = 5;
/** Report items a settling count adds to (or unmarks) at once: each on its own mark, so in any order. */
const ADDS_AT_ONCE = 8;

/**
 * The most markers a save keeps pending in the score item (about 100 bytes
 * each, most of it the messageId): a save of one stream batch's events of a lead. A save of more (a
 * rescore, a merge) marks the score rebuilding instead (see saveLead).
 */
export const PENDING_MARKERS = 8;

/** The item of a lead's score at `version`: the folded part of its ledger, and the markers its save writes after it (see saveLead). */
export function scoreItem(lead: Lead, version: number, markers: readonly EventMarker[] = []): Record<string, unknown> {
  return {
    ...scoreKey(lead.leadId),
    version,
    modelVersion: lead.modelVersion,
    engagement: lead.engagement,
    grade: lead.grade,
    scoredAt: lead.scoredAt,
    ...(lead.ledgerFrom !== undefined && { ledgerFrom: lead.ledgerFrom }),
    folded: encodeFolded(lead.ledger, lead.modelVersion),
    ...(markers.length > PENDING_MARKERS ? { rebuilding: true } : markers.length > 0 && { pending: encodePending(markers, lead.modelVersion) }),
  };
}

/**
 * The item of a lead's profile at `version`, with the stalled index's key
 * attributes while the lead is in a watched stage (a Put of the whole item
 * drops them once it is not: the index is sparse).
 */
export function profileItem(lead: Lead, version: number): Record<string, unknown> {
  return { ...profileKey(lead.leadId), ...profileOf(lead), ...stalledIndexAttributes(lead), version };
}

/** The item of an event's marker on its lead. */
export function markerItem(leadId: string, marker: EventMarker): Record<string, unknown> {
  const version = markerVersion(marker);
  return { ...markerKey(leadId, marker.at, marker.messageId), ...(version !== undefined && { v: version }), e: encodeMarkerEntries(marker, version), ...(marker.outcome && { o: 1 }) };
}

/**
 * The condition under which a rep's decision may be written on the cycle:
 * the rep owns it now, nothing was decided, and the ladder has not sent the
 * lead back to marketing, and no merge moved the hand-off elsewhere. The
 * escalation's writes have the mirror condition (no decision), so whichever
 * is written first stands.
 */
export function openForDecision(repId: string) {
  return {
    ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto)',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: { ':rep': repId },
  };
}

/**
 * The write of a rep's decision on the cycle, under openForDecision's
 * condition. `counted`: a rejection that ends the rep's open lead, on
 * condition that the cycle still counts for them (the rep's −1 goes in the
 * same transaction, rep-store.ts). An uncounted rejection is only for a
 * cycle that never counted (written before open leads were); an acceptance
 * leaves the count as it is (open until the first contact).
 */
export function decisionUpdate(open: ReturnType<typeof openForDecision>, outcome: Outcome, counted: boolean) {
  const names = { ...open.ExpressionAttributeNames, '#openFor': OPEN_FOR };
  if (counted) {
    return {
      UpdateExpression: 'SET outcome = :outcome REMOVE #openFor',
      ConditionExpression: `${open.ConditionExpression} AND #openFor = :rep`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':outcome': outcome },
    };
  }
  return {
    UpdateExpression: 'SET outcome = :outcome',
    ConditionExpression: outcome.kind === 'rejected' ? `${open.ConditionExpression} AND attribute_not_exists(#openFor)` : open.ConditionExpression,
    ExpressionAttributeNames: outcome.kind === 'rejected' ? names : open.ExpressionAttributeNames,
    ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':outcome': outcome },
  };
}

/** A cycle as its item holds it, without its keys and the reconciler's own attributes (its index entry, its resumptions). */
export function cycleOfItem(item: Record<string, unknown>): Cycle {
  const { pk: _pk, sk: _sk, [OPEN_STAGE]: _open, [STAGE_SINCE]: _since, [RESUMES]: _resumes, ...rest } = item;
  return rest as unknown as Cycle;
}

export interface LeadStoreSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  /**
   * How many items the funnel counters are spread over; each lead adds to one,
   * chosen from its id. Every writer and reader of a table must agree on it.
   * @default FUNNEL_SHARDS (core/table-layout.ts)
   */
  funnelShards?: number;
  /** told the read and write units of every call (each asks for them) */
  onConsumed?: OnConsumed;
  /**
   * The campaigns and traits a save's report counts are sliced by
   * (config/index.ts `reportSlicing`). Every writer of a table must give the
   * same, or one lead's counts land in different slices.
   * @default - no campaign defined (a first touch's campaign slice is `utm:<name>`) and no trait slices
   */
  slicing?: ReportSlicing;
}

export type LeadStore = ReturnType<typeof createLeadStore>;

/**
 * The leads table: each lead's profile with its version, the markers of the
 * events it applied, identity links, cycles and the funnel counters.
 */
export function createLeadStore({ client: sdkClient, leadsTable, funnelShards = FUNNEL_SHARDS, onConsumed, slicing = UNCONFIGURED_SLICING }: LeadStoreSettings) {
  if (!Number.isInteger(funnelShards) || funnelShards < 1 || funnelShards > MAX_FUNNEL_SHARDS) {
    throw new RangeError(`funnelShards must be an integer from 1 to ${MAX_FUNNEL_SHARDS}, got ${funnelShards}`);
  }
  const client = meteredClient(sdkClient, onConsumed);
  const batchGetAll = createBatchGet({ client });
  /** The shard of the funnel counters this lead adds to. */
  const funnelShardKeyOf = (leadId: string) => funnelShardKey(funnelShardOf(leadId, funnelShards));

  /** Every marker of a lead from `from` on (all of them when undefined), strongly consistent. */
  async function markersSince(leadId: string, from?: string): Promise<EventMarker[]> {
    const markers: EventMarker[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: leadsTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :end',
          ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':from': from === undefined ? MARKER_PREFIX : markersFrom(from), ':end': MARKERS_END },
          ConsistentRead: true,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const { at, messageId } = eventOfMarker(String(item.sk));
        markers.push(decodeMarker(messageId, at, item.e as StoredEntry[] | undefined, item.v as string | undefined, Number(item.o) === 1));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return markers;
  }

  /** Writes markers (idempotent puts of their current entries), 25 to a request. */
  async function putMarkers(leadId: string, markers: readonly EventMarker[]): Promise<void> {
    await batchWrite(markers.map((marker) => markerItem(leadId, marker)));
  }

  async function batchWrite(items: readonly Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [leadsTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        const response = await client.send(new BatchWriteCommand({ RequestItems: request }));
        request = response.UnprocessedItems as typeof request;
      }
    }
  }

  /**
   * The pending markers of the last save that are not stored as it left them
   * (it stopped between its score and its markers: a marker missing, or one a
   * late event's cap changed still as it was): written now, before anything
   * relies on them. `read` are the markers read back already, by messageId.
   */
  async function healPending(leadId: string, pending: readonly EventMarker[], read: ReadonlyMap<string, EventMarker>): Promise<void> {
    if (pending.length === 0) return;
    const unread = pending.filter((marker) => !read.has(marker.messageId));
    const found = unread.length === 0 ? [] : await batchGetAll(leadsTable, unread.map((m) => markerKey(leadId, m.at, m.messageId)), { consistentRead: true });
    const stored = new Map(read);
    for (const item of found) {
      const { at, messageId } = eventOfMarker(String(item.sk));
      stored.set(messageId, decodeMarker(messageId, at, item.e as StoredEntry[] | undefined, item.v as string | undefined, Number(item.o) === 1));
    }
    const same = (a: EventMarker, b: EventMarker | undefined) => b !== undefined && JSON.stringify(a.entries) === JSON.stringify(b.entries);
    await putMarkers(leadId, pending.filter((marker) => !same(marker, stored.get(marker.messageId))));
  }

  /**
   * A lead as its items hold it: the profile, the score with the folded part
   * of the ledger, and the markers from `ledgerFrom` on (every marker, for
   * `wholeLedger`, and the ledger is whole). Recent activity and touches
   * beyond the first are not read here (see lead history). The markers the
   * last save left pending count as read; with `heal` (the scoring path,
   * before it saves) any of them not yet stored is written; with
   * `withEvents`, the read says which events it found (VersionedLead.readEvents).
   */
  async function getLead(leadId: string, options: { wholeLedger?: boolean; heal?: boolean; withEvents?: boolean } = {}): Promise<VersionedLead | undefined> {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: leadsTable,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :profile AND :score',
        ExpressionAttributeValues: { ':pk': leadPartition(leadId), ':profile': PROFILE_SK, ':score': SCORE_SK },
        ConsistentRead: true,
      }),
    );
    const profileItem = Items.find((item) => item.sk === PROFILE_SK);
    const scoreItem = Items.find((item) => item.sk === SCORE_SK);
    if (!profileItem || !scoreItem) return undefined;
    const { pk: _pk, sk: _sk, version: storedProfileVersion, firstTouch, funnelPending, [OPEN_STAGE]: _openStage, [STAGE_SINCE]: _stageSince, ...profile } = profileItem;
    // funnel counts a writer that stopped left pending: a writer settles them (settleLeftovers); the others it carries on
    const asStored = { profileVersion: Number(storedProfileVersion), pending: (funnelPending ?? []) as FunnelPending[] };
    const { profileVersion, pending: pendingCounts } = options.heal ? await settleLeftovers(leadId, asStored.pending, asStored.profileVersion) : asStored;
    const { version, modelVersion, engagement, grade, scoredAt, ledgerFrom, folded, pending, rebuilding } = scoreItem;
    const whole = options.wholeLedger === true || ledgerFrom === undefined;
    const markers = await markersSince(leadId, whole ? undefined : String(ledgerFrom));
    const pendingMarkers = decodePending(pending as StoredMarker[] | undefined, String(modelVersion));
    const read = new Map(markers.map((m) => [m.messageId, m]));
    if (options.heal) await healPending(leadId, pendingMarkers, read);
    // The last save's markers as it wrote them, whether or not they are all stored yet.
    const window = new Map(read);
    for (const marker of pendingMarkers) if (whole || marker.at >= String(ledgerFrom)) window.set(marker.messageId, marker);
    const stored = {
      ...(profile as Omit<Lead, ScoreField>),
      touches: firstTouch ? [firstTouch as Touch] : [],
      recentActivity: [],
      modelVersion: String(modelVersion),
      engagement: Number(engagement),
      grade: grade as Grade,
      scoredAt: String(scoredAt),
      ledger: ledgerOfItems(whole ? [] : decodeFolded((folded ?? []) as StoredEntry[], String(modelVersion)), [...window.values()]),
      ...(!whole && { ledgerFrom: String(ledgerFrom) }),
    } as Lead;
    const lead = asOfLatestEvent(stored, [...window.values()]);
    return {
      lead,
      version: Number(version),
      profileVersion,
      ...(rebuilding === true && { rebuilding: true as const }),
      ...(options.withEvents && { readEvents: new Set(window.keys()), pendingEvents: pendingMarkers.map((m) => m.messageId) }),
      ...(pendingCounts.length > 0 && { pendingCounts }),
    };
  }

  /**
   * The lead an identity is linked to. The scoring path writes the link in the
   * same transaction as the lead, so a link found here always has its lead.
   */
  async function leadIdOf(identity: IdentityKey): Promise<string | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: identityKey(identity) }));
    return typeof Item?.leadId === 'string' ? Item.leadId : undefined;
  }

  /** The identity keys already linked to a lead, with the lead they point to. */
  async function resolveIdentities(keys: readonly IdentityKey[]): Promise<Map<IdentityKey, string>> {
    const items = await batchGetAll(leadsTable, [...new Set(keys)].map(identityKey), { consistentRead: true });
    return new Map(items.map((item) => [identityOfPartition(String(item.pk)) as IdentityKey, String(item.leadId)]));
  }

  /**
   * Which of these events were already applied to the lead: their markers.
   * Read after getLead, which writes any marker the last save left pending;
   * an event applied since by another writer moved the version, so a save
   * based on this answer is refused.
   */
  async function appliedMessageIds(leadId: string, events: readonly EventRef[]): Promise<Set<string>> {
    const keys = new Map(events.map((e) => [e.messageId, markerKey(leadId, e.at, e.messageId)]));
    const items = await batchGetAll(leadsTable, [...keys.values()], { consistentRead: true });
    return new Set(items.map((item) => eventOfMarker(String(item.sk)).messageId));
  }

  /**
   * Adds the funnel counts a save left pending on the lead's profile to the
   * lead's shard, exactly once, with plain writes (no transaction holds a
   * shared item, so leads changing stage at once never conflict): the shard
   * is added to and marked with the count's id in one conditional update (a
   * repeat is refused by the mark); then the profile lets go of the count
   * (keeping any other), retried on the profile as it is now when another
   * writer wrote it since (it carried the count on); only then is the mark
   * removed, so a mark lives exactly as long as its count is pending somewhere
   * and a shard holds only the marks of counts in flight. Only the save that
   * wrote a count settles it, or, once SETTLE_AFTER_MS have passed (that writer
   * stopped), the one writer that claimed it (settleLeftovers): never two at
   * once. Returns the profile's version after.
   */
  async function settleFunnel(leadId: string, pending: readonly FunnelPending[], profileVersion: number, others: readonly FunnelPending[] = []): Promise<number> {
    if (pending.length === 0) return profileVersion;
    const ids = new Set(pending.map((count) => count.id));
    // each item is added to on its own mark, so the adds go at once (a count's day items and month totals are many)
    const adds = pending.flatMap(({ id, counts, reports = [] }) => countTargets(leadId, counts, reports).map(([key, itemCounts]) => ({ id, key, itemCounts })));
    await forEachConcurrently(adds, ADDS_AT_ONCE, ({ id, key, itemCounts }) => addOnce(key, id, itemCounts));
    let version = profileVersion;
    let rest = others;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: profileKey(leadId),
            UpdateExpression: rest.length > 0 ? 'SET funnelPending = :others, version = :next' : 'REMOVE funnelPending SET version = :next',
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': version, ':next': version + 1, ...(rest.length > 0 && { ':others': rest }) },
          }),
        );
        version += 1;
        break;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // another writer's profile since, which carried the count on: let go of it there
        const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: profileKey(leadId), ConsistentRead: true }));
        const onProfile = ((Item?.funnelPending ?? []) as FunnelPending[]);
        if (!onProfile.some((count) => ids.has(count.id))) return Number(Item?.version ?? version);
        // still there after a few tries: the mark stays and the count is settled as a leftover (its mark refuses a second add)
        if (attempt >= MAX_CLEAR_ATTEMPTS) return version;
        version = Number(Item?.version);
        rest = onProfile.filter((count) => !ids.has(count.id));
      }
    }
    await forEachConcurrently(adds, ADDS_AT_ONCE, ({ id, key }) =>
      client.send(new UpdateCommand({ TableName: leadsTable, Key: key, UpdateExpression: 'REMOVE #seen', ExpressionAttributeNames: { '#seen': `${COUNT_MARK_PREFIX}${id}` } })).then(() => undefined),
    );
    return version;
  }

  /**
   * The items one pending count adds to: the lead's funnel shard, and each
   * report item in the lead's report shard, the day's and the month total
   * (table-layout.ts reportItemsOf, counts summed per item: the count's mark
   * refuses a second add to the same item).
   */
  function countTargets(leadId: string, counts: Record<string, number>, reports: readonly ReportCount[]): [ItemKey, Record<string, number>][] {
    const targets: [ItemKey, Record<string, number>][] = [];
    if (Object.keys(counts).length > 0) targets.push([funnelShardKeyOf(leadId), counts]);
    return [...targets, ...reportItemsOf(reports, funnelShardOf(leadId, REPORT_SHARDS))];
  }

  /** Adds counts to an item once: with the mark of the count, refused when the mark is there (added already, by a writer stopped before it let go). */
  async function addOnce(key: ItemKey, id: string, counts: Record<string, number>): Promise<void> {
    const names: Record<string, string> = { '#seen': `${COUNT_MARK_PREFIX}${id}` };
    const values: Record<string, unknown> = { ':yes': true };
    const parts: string[] = [];
    Object.entries(counts).forEach(([name, n], i) => {
      names[`#k${i}`] = name;
      values[`:v${i}`] = n;
      parts.push(`#k${i} :v${i}`);
    });
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: key,
          UpdateExpression: `ADD ${parts.join(', ')} SET #seen = :yes`,
          ConditionExpression: 'attribute_not_exists(#seen)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Counts pending on a profile longer than SETTLE_AFTER_MS (their writer
   * stopped) are settled by the one writer that claims them: a conditional
   * update of the profile's version, which also restarts their clock so no
   * other writer settles them meanwhile. Returns the profile's version and
   * the counts still pending after.
   */
  async function settleLeftovers(leadId: string, pending: readonly FunnelPending[], profileVersion: number): Promise<{ profileVersion: number; pending: readonly FunnelPending[] }> {
    const now = Date.now();
    const stale = pending.filter((count) => Date.parse(count.at) < now - SETTLE_AFTER_MS);
    if (stale.length === 0) return { profileVersion, pending };
    const young = pending.filter((count) => !stale.includes(count));
    const claimed = stale.map((count) => ({ ...count, at: new Date(now).toISOString() }));
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'SET funnelPending = :pending, version = :next',
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': profileVersion, ':next': profileVersion + 1, ':pending': [...young, ...claimed] },
        }),
      );
    } catch (error) {
      // another writer changed the profile since it was read: its read settles them, or the next
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { profileVersion, pending };
    }
    const settled = await settleFunnel(leadId, claimed, profileVersion + 1, young);
    return { profileVersion: settled, pending: settled === profileVersion + 1 ? [...young, ...claimed] : young };
  }

  /**
   * Saves a lead: its score item always (conditional on the version read: a
   * concurrent writer makes this one retry), its profile only when it changed
   * (conditional on the profile's version), with identity links in the same
   * transaction; the score alone is one PutItem. Funnel counts ride on the
   * profile as pending and are added to the lead's shard after, exactly once
   * (settleFunnel): no transaction holds an item other leads write. The
   * markers are written after the score, which holds them as `pending` until
   * the next save, so a save cut short between the two is completed by the
   * next read (healPending). A save of more markers than the score can hold
   * (a rescore, a merge) marks the score `rebuilding` until they are all
   * written; a reader meanwhile recomputes the lead from its events.
   */
  async function saveLead(update: LeadUpdate): Promise<number> {
    const { lead, version, changes } = update;
    const nextVersion = version + 1;
    const markers = update.markers ?? [];
    const rebuilding = markers.length > PENDING_MARKERS;
    const scorePut: TransactItem = {
      Put: {
        TableName: leadsTable,
        Item: scoreItem(lead, nextVersion, markers),
        ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
        ...(version !== 0 && { ExpressionAttributeValues: { ':version': version } }),
      },
    };
    const { before } = update;
    const increments = funnelIncrements(changes, version === 0);
    // the funnel's report counts of the changes, and any the caller adds (attribution: config the store does not know)
    // a client-controlled slice value that is one of the lead's identities is counted as (personal): report items hold no person
    const reports = withoutPersonalValues([...reportCounts(lead, changes, version === 0, slicing, before?.owner), ...(update.reports ?? [])], lead.identities);
    const profileVersion = update.profileVersion ?? 0;
    // the funnel and report counts of this save, pending on the profile until added to the lead's shard and report items (settleFunnel)
    const pending: FunnelPending[] =
      increments.size === 0 && reports.length === 0
        ? []
        : [{ id: `${lead.leadId}.${profileVersion + 1}`, at: new Date().toISOString(), counts: Object.fromEntries(increments), ...(reports.length > 0 && { reports }) }];
    // counts earlier saves left pending, kept on the profile this save writes until they are settled
    const carried = update.pendingCounts ?? [];
    const profileChanged = version === 0 || before === undefined || pending.length > 0 || profileDiffers(before, lead);
    // A stage change alone (the journey recycling a lead) leaves the score item and its pending markers as they are.
    // Markers of events that earned nothing go alone: the score item holds pending only markers with entries.
    const scoreChanged = version === 0 || before === undefined || markers.some((marker) => marker.entries.length > 0) || scoreDiffers(before, lead);
    const items: TransactItem[] = scoreChanged ? [scorePut] : [];
    if (profileChanged) {
      items.push({
        Put: {
          TableName: leadsTable,
          Item: { ...profileItem(lead, profileVersion + 1), ...(pending.length + carried.length > 0 && { funnelPending: [...carried, ...pending] }) },
          ConditionExpression: profileVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(profileVersion !== 0 && { ExpressionAttributeValues: { ':version': profileVersion } }),
        },
      });
    }
    for (const key of update.identities ?? []) items.push({ Put: { TableName: leadsTable, Item: { ...identityKey(key), leadId: lead.leadId } } });
    if (update.releaseOpen) {
      // the move ends the accepted hand-off's open lead: once, with the fact (rep-store.ts)
      const { cycle, repId } = update.releaseOpen;
      items.push(
        {
          Update: {
            TableName: leadsTable,
            Key: cycleKey(lead.leadId, cycle),
            UpdateExpression: 'REMOVE #openFor',
            ConditionExpression: '#openFor = :rep',
            ExpressionAttributeNames: { '#openFor': OPEN_FOR },
            ExpressionAttributeValues: { ':rep': repId },
          },
        },
        openCountUpdate(leadsTable, repId, -1),
      );
    }
    if (items.length > 100) throw new Error(`a lead update of ${items.length} items exceeds one transaction; apply fewer events at once`);
    if (items.length === 0) {
      // nothing but the markers of events that earned nothing and changed nothing
      await putMarkers(lead.leadId, markers);
      return version;
    }
    try {
      // One item alone (the score, most often) is one conditional put: a transaction costs twice the write units.
      const [only] = items;
      if (items.length === 1 && only?.Put) await client.send(new PutCommand(only.Put));
      else await client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException || error instanceof ConditionalCheckFailedException) {
        throw new ConcurrentUpdateError(`lead ${lead.leadId}`, { cause: error });
      }
      throw error;
    }
    await putMarkers(lead.leadId, markers);
    await settleFunnel(lead.leadId, pending, profileVersion + 1, carried);
    if (!scoreChanged) return version;
    if (rebuilding) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: leadsTable,
            Key: scoreKey(lead.leadId),
            UpdateExpression: 'REMOVE rebuilding',
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': nextVersion },
          }),
        );
      } catch (error) {
        // another writer saved the lead since: it recomputed the lead, the flag went with its save
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return nextVersion;
  }

  /** Clears the pending-journey flag once the journey execution is known to exist. */
  async function clearJourneyPending(leadId: string, cycle: number): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'REMOVE journeyPending SET version = version + :one',
          ConditionExpression: 'journeyPending = :cycle',
          ExpressionAttributeValues: { ':cycle': cycle, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The funnel counters: the sum of every shard (and of the item from before shards), read in one BatchGetItem. */
  async function getFunnelCounters(): Promise<FunnelCounters> {
    const items = await batchGetAll(leadsTable, funnelKeys(funnelShards));
    const counters: FunnelCounters = { reached: {}, current: {} };
    for (const item of items) {
      for (const [key, value] of Object.entries(item)) {
        const [kind, stage] = key.split('.');
        if ((kind === 'reached' || kind === 'current') && stage) {
          const sums = counters[kind] as Record<string, number>;
          sums[stage] = (sums[stage] ?? 0) + Number(value);
        }
      }
    }
    return counters;
  }

  async function getCycle(leadId: string, cycle: number): Promise<Cycle | undefined> {
    const { Item } = await client.send(new GetCommand({ TableName: leadsTable, Key: cycleKey(leadId, cycle), ConsistentRead: true }));
    if (!Item) return undefined;
    return cycleOfItem(Item);
  }

  /** Writes a new cycle; never over one that exists (it may carry a decision). */
  async function putCycle(cycle: Cycle): Promise<void> {
    try {
      await client.send(
        new PutCommand({ TableName: leadsTable, Item: { ...cycleKey(cycle.leadId, cycle.cycle), ...cycle, ...openJourneyAttributes(cycle) }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConcurrentUpdateError(`cycle ${cycle.cycle} of lead ${cycle.leadId}`, { cause: error });
      throw error;
    }
  }

  /**
   * Records where the journey waits for the rep. Returns the cycle as it is now:
   * when an outcome is already there, the caller resumes the journey itself.
   */
  async function recordTaskToken(leadId: string, cycle: number, taskToken: string): Promise<Cycle> {
    const { Attributes } = await client.send(
      new UpdateCommand({
        TableName: leadsTable,
        Key: cycleKey(leadId, cycle),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':token': taskToken },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return cycleOfItem(Attributes ?? {});
  }

  /**
   * Records a rep's outcome on the cycle, if the rep may still decide (see
   * openForDecision); returns the cycle as it is now (with the journey's
   * token, if waiting): its `outcome` is the decision that stands, if any.
   */
  async function recordOutcome(leadId: string, outcome: Outcome): Promise<Cycle | undefined> {
    const open = openForDecision(outcome.repId);
    const write = async (counted: boolean): Promise<Cycle | undefined> => {
      const update = { TableName: leadsTable, Key: cycleKey(leadId, outcome.cycle), ...decisionUpdate(open, outcome, counted) };
      if (counted) return (await transactWithCounts(client, [{ Update: update }, openCountUpdate(leadsTable, outcome.repId, -1)])) === undefined ? getCycle(leadId, outcome.cycle) : undefined;
      try {
        const { Attributes } = await client.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
        return cycleOfItem(Attributes ?? {});
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    };
    // A rejection ends the rep's open lead, counted with it (see decisionUpdate).
    return (outcome.kind === 'rejected' ? await write(true) : undefined) ?? (await write(false)) ?? getCycle(leadId, outcome.cycle);
  }

  /**
   * Writes an escalation step on the cycle (with its report counts), only while no decision is recorded,
   * the cycle is not recycled nor closed by a merge, and `missed` is still the count the step follows
   * from. Returns undefined when written, else the cycle as it is now, for the
   * caller to see why (a decision stands, or a retry finds its step already written).
   */
  async function recordEscalation(
    leadId: string,
    cycle: number,
    missed: number,
    change: CycleEscalation,
    reports: readonly ReportCount[] = [],
    open: OpenLeadMove = {},
  ): Promise<Cycle | undefined> {
    const sets = ['missed = :missed'];
    const values: Record<string, unknown> = { ':missed': missed, ':before': missed - 1 };
    const names: Record<string, string> = {};
    // the open-lead counts move with the step (rep-store.ts): the owner's −1 while the cycle still counts for them, the new owner's +1
    const removes: string[] = [];
    const openItems: TransactItem[] = [];
    let openCondition = '';
    if (open.release !== undefined) {
      openCondition = ` AND ${OPEN_FOR} = :released`;
      values[':released'] = open.release;
      openItems.push(openCountUpdate(leadsTable, open.release, -1));
      if (open.take === undefined) removes.push(OPEN_FOR);
    }
    if (open.take !== undefined) {
      sets.push(`${OPEN_FOR} = :taken`);
      values[':taken'] = open.take;
      openItems.push(openCountUpdate(leadsTable, open.take, 1));
    }
    if (open.rotation) openItems.push(rotationPut(leadsTable, open.rotation));
    if (open.routing) {
      sets.push('routing = :routing');
      values[':routing'] = open.routing;
    }
    if (change.step === EscalationStepName.recycle) {
      sets.push('recycled = :handover');
      values[':handover'] = change.handover;
    } else {
      sets.push('acceptBy = :acceptBy', 'acceptWithinSeconds = :window', 'remindAt = :remindAt', 'remindWithinSeconds = :remindWindow');
      Object.assign(values, { ':acceptBy': change.acceptBy, ':window': change.acceptWithinSeconds, ':remindAt': change.remindAt, ':remindWindow': change.remindWithinSeconds });
    }
    if (change.step === EscalationStepName.reassign) {
      sets.push('#owner = :owner', 'previousReps = :previousReps', 'reassignments = list_append(if_not_exists(reassignments, :none), :handovers)');
      names['#owner'] = 'owner';
      Object.assign(values, { ':owner': change.owner, ':previousReps': change.previousReps, ':none': [], ':handovers': [change.handover] });
    }
    const update = {
      TableName: leadsTable,
      Key: cycleKey(leadId, cycle),
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto) AND missed = :before${openCondition}`,
      ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
      ExpressionAttributeValues: values,
    };
    if (reports.length === 0 && openItems.length === 0) {
      try {
        await client.send(new UpdateCommand(update));
        return undefined;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    } else {
      // the step and its report counts (scorecard-counts.ts) are written together, so they are counted once
      const failed = await transactWithCounts(client, [{ Update: update }, ...openItems, ...reportCountUpdates(leadsTable, leadId, reports)]);
      if (!failed) return undefined;
    }
    const current = await getCycle(leadId, cycle);
    if (!current) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);
    return current;
  }

  /**
   * Closes an open hand-off a merge moves (see core/merge.ts): the cycle
   * records where it went, only while no decision, recycling or other merge
   * is there (the same merge run again finds its own write). Decisions and
   * escalations are refused on it from then on, so what the merge copies is
   * final. Returns the cycle as it is now, and whether it is closed into `into`.
   */
  async function closeCycleForMerge(leadId: string, cycle: number, into: CycleRef): Promise<{ closed: boolean; cycle: Cycle | undefined }> {
    try {
      const { Attributes } = await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: cycleKey(leadId, cycle),
          UpdateExpression: 'SET mergedInto = :into',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND (attribute_not_exists(mergedInto) OR (mergedInto.leadId = :lead AND mergedInto.#cycle = :cycle))',
          ExpressionAttributeNames: { '#cycle': 'cycle' },
          ExpressionAttributeValues: { ':into': into, ':lead': into.leadId, ':cycle': into.cycle },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { closed: true, cycle: cycleOfItem(Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { closed: false, cycle: await getCycle(leadId, cycle) };
      throw error;
    }
  }

  /** Makes a rep the owner of the lead's current cycle (ignored when the lead moved on to another cycle). */
  async function assignOwner(leadId: string, cycle: number, owner: Owner): Promise<void> {
    try {
      await client.send(
        new UpdateCommand({
          TableName: leadsTable,
          Key: profileKey(leadId),
          UpdateExpression: 'SET #owner = :owner, version = version + :one',
          ConditionExpression: '#cycle = :cycle',
          ExpressionAttributeNames: { '#owner': 'owner', '#cycle': 'cycle' },
          ExpressionAttributeValues: { ':owner': owner, ':cycle': cycle, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Points identities at a lead: idempotent puts, so a repeated merge writes the same items again. */
  async function linkIdentities(leadId: string, identities: readonly IdentityKey[]): Promise<void> {
    await batchWrite(identities.map((key) => ({ ...identityKey(key), leadId })));
  }

  /**
   * Saves a lead retired by a merge (its profile points at the survivor) and
   * takes it out of the funnel's current counts (pending on the profile, then
   * settled, as saveLead's), refused when the lead changed
   * since read: its profile, or its score (an event applied to it meanwhile
   * must reach the survivor, so the merge runs again).
   */
  async function retireLead(lead: Lead, read: Pick<VersionedLead, 'version' | 'profileVersion' | 'pendingCounts'>): Promise<void> {
    const profileVersion = read.profileVersion ?? 0;
    const pending: FunnelPending[] = [{ id: `${lead.leadId}.${profileVersion + 1}`, at: new Date().toISOString(), counts: { [`current.${lead.stage}`]: -1 } }];
    const carried = read.pendingCounts ?? [];
    try {
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: leadsTable,
                Item: { ...profileItem(lead, profileVersion + 1), funnelPending: [...carried, ...pending] },
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': profileVersion },
              },
            },
            {
              Update: {
                TableName: leadsTable,
                Key: scoreKey(lead.leadId),
                UpdateExpression: 'SET version = :next',
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': read.version, ':next': read.version + 1 },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new ConcurrentUpdateError(`lead ${lead.leadId}`, { cause: error });
      throw error;
    }
    await settleFunnel(lead.leadId, pending, profileVersion + 1, carried);
  }

  return {
    getLead,
    leadIdOf,
    resolveIdentities,
    appliedMessageIds,
    saveLead,
    clearJourneyPending,
    getFunnelCounters,
    getCycle,
    putCycle,
    recordTaskToken,
    recordOutcome,
    recordEscalation,
    closeCycleForMerge,
    assignOwner,
    linkIdentities,
    retireLead,
    markersSince,
  };
}
