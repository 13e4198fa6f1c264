import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { openJourneyAttributes } from '../../../functions/core/reconcile.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLeadStore, markerItem, PENDING_MARKERS, profileItem, scoreItem, SETTLE_AFTER_MS } from '../../../functions/adapters/lead-store.ts';
import { createDocumentClient } from '../../../functions/commons/clients.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { storedCountName, storedCounts } from '../../../functions/core/count-names.ts';
import { FUNNEL_SHARDS, funnelShardKey, funnelShardOf, identityKey, markerKey, REPORT_SHARDS, reportKey, reportMonthKey, scoreKey, STALLED_SHARDS, type ItemKey } from '../../../functions/core/table-layout.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import { reportCounts, UNCONFIGURED_SLICING, type ReportCount } from '../../../functions/core/report-counts.ts';
import type { Lead, Touch } from '../../../functions/core/lead.ts';
import type { EventMarker } from '../../../functions/core/score-items.ts';
import { basedOn, type PendingCount } from '../../../functions/core/records.ts';
import type { LedgerEntry } from '../../../functions/core/scoring.ts';
import { cycleKey, leadIdOf, mqlLead, profileKey } from '../handlers/fixtures.ts';

const {
  appliedMessageIds,
  assignOwner,
  clearJourneyPending,
  getFunnelCounters,
  getLead,
  linkIdentities,
  putCycle,
  recordEscalation,
  recordOutcome,
  recordTaskToken,
  resolveIdentities,
  retireLead,
  saveLead,
} = createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: 'leads-table' });

/**
 * The lead store's writes whose DynamoDB call is the contract: the condition
 * that keeps a decision and an escalation from both standing, the items a
 * lead is stored as (profile, score, markers) and which of them a save
 * writes, how (one PutItem for the score alone, a transaction otherwise) and
 * in what order, the reads that must be strongly consistent. (Their effect
 * against DynamoDB's own engine is tested in test/integration/adapters.test.ts.)
 */
const ddb = mockClient(DynamoDBDocumentClient);

const TABLE = 'leads-table';
const NOW = '2026-03-01T10:00:00.000Z';
const LEAD_ID = mqlLead().leadId;
const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T05:00:00.000Z' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: NOW };
const samMissed = { repId: 'rep-sam', acceptBy: '2026-03-01T09:00:00.000Z', at: NOW };
const ESCALATION_CONDITION = 'attribute_exists(pk) AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto) AND missed = :before';
const conditionalCheckFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The commands sent, in order. */
const sent = () => ddb.calls().map((call) => (call.args[0] as object).constructor.name);
/** The inputs of the UpdateItems sent, in order. */
const updates = () => ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);

/** The clock while a test runs (a count's `at`, a mark's value): NOW. */
const CLOCK = Date.parse(NOW);
const shardOfLead = (leadId: string) => funnelShardKey(funnelShardOf(leadId, FUNNEL_SHARDS));

/** The write that adds a count (`id`) to the lead's own shard once: refused where the shard bears the count's mark. */
function adding(leadId: string, id: string, counts: readonly (readonly [string, number])[], key: ItemKey = shardOfLead(leadId)): unknown {
  return {
    TableName: TABLE,
    Key: key,
    UpdateExpression: `ADD ${counts.map((_, i) => `#k${i} :v${i}`).join(', ')} SET #seen = :yes`,
    ConditionExpression: 'attribute_not_exists(#seen)',
    ExpressionAttributeNames: { '#seen': `counted.${id}`, ...Object.fromEntries(counts.map(([counter], i) => [`#k${i}`, counter])) },
    ExpressionAttributeValues: { ':yes': true, ...Object.fromEntries(counts.map(([, n], i) => [`:v${i}`, n])) },
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** The write that lets the profile (read at `profileVersion`) go of the counts settled, keeping `others` pending on it. */
function lettingGo(leadId: string, profileVersion: number, others: readonly PendingCount[] = []): unknown {
  return {
    TableName: TABLE,
    Key: profileKey(leadId),
    UpdateExpression: others.length > 0 ? 'SET funnelPending = :others, version = :next' : 'REMOVE funnelPending SET version = :next',
    ConditionExpression: 'version = :version',
    ExpressionAttributeValues: { ':version': profileVersion, ':next': profileVersion + 1, ...(others.length > 0 && { ':others': others }) },
    ReturnConsumedCapacity: 'TOTAL',
  };
}

/** The write that removes a count's mark from the lead's shard, once the profile let go of the count. */
function unmarking(leadId: string, id: string, key: ItemKey = shardOfLead(leadId)): unknown {
  return { TableName: TABLE, Key: key, UpdateExpression: 'REMOVE #seen', ExpressionAttributeNames: { '#seen': `counted.${id}` }, ReturnConsumedCapacity: 'TOTAL' };
}

/**
 * The writes that settle a save's funnel counts (`id`, pending on the lead's
 * profile written at `profileVersion`, beside `others`), in order: the counts
 * added to the lead's own shard once, the profile let go of them on its
 * version, then the mark removed.
 */
function settling(
  leadId: string,
  id: string,
  counts: readonly (readonly [string, number])[],
  profileVersion: number,
  others: readonly PendingCount[] = [],
  reports: readonly ReportCount[] = [],
): unknown[] {
  // each count goes to its day's item and to its month's total (one save's counts are of one day: no two share an item)
  const shard = funnelShardOf(leadId, REPORT_SHARDS);
  const reportItems = (report: ReportCount) => [reportKey('funnel', report.day, report.slice, shard), reportMonthKey('funnel', report.day.slice(0, 7), report.slice, shard)];
  const funnel = counts.length > 0;
  return [
    ...(funnel ? [adding(leadId, id, counts)] : []),
    ...reports.flatMap((report) => reportItems(report).map((item) => adding(leadId, id, Object.entries(storedCounts(report.counts)), item))),
    lettingGo(leadId, profileVersion, others),
    ...(funnel ? [unmarking(leadId, id)] : []),
    ...reports.flatMap((report) => reportItems(report).map((item) => unmarking(leadId, id, item))),
  ];
}

/** The report counts a save of `lead` with `changes` leaves pending (report-counts.ts: tested on its own), as the pending count holds them. */
function reportsOf(lead: Lead, changes: readonly StageChange[], created = false): { reports?: ReportCount[] } {
  const reports = reportCounts(lead, changes, created, UNCONFIGURED_SLICING);
  return reports.length > 0 ? { reports } : {};
}

/**
 * A lead as the scoring path reads it (version 6, profile version 3): its
 * ledger folded before FROM, m-1 and m-2 one by one; and as it saves it after
 * m-3 (scored) and m-15 (late, between m-1 and m-2).
 */
const FROM = '2026-02-01T00:00:00.000Z';
const firstTouch: Touch = { messageId: 'm-0', at: '2026-01-10T10:00:00.000Z', source: 'newsletter', medium: 'email' };
const foldedEntry: LedgerEntry = {
  ruleId: 'demo-request',
  messageId: 'folded:demo-request:2026-01-20T10:00:00.000Z',
  points: 31.5,
  at: '2026-01-20T10:00:00.000Z',
  halfLifeDays: 30,
  modelVersion: '2026-11-23.1',
  events: 2,
  first: { at: '2026-01-10T10:00:00.000Z', messageId: 'm-0' },
};
const entry = (messageId: string, at: string, ruleId = 'page-view', points = 3): LedgerEntry => ({ ruleId, messageId, points, at, halfLifeDays: 14, modelVersion: '2026-11-23.1' });
const e1 = entry('m-1', '2026-02-27T10:00:00.000Z');
const e15 = entry('m-15', '2026-02-27T12:00:00.000Z');
const e2 = entry('m-2', '2026-02-28T10:00:00.000Z', 'pricing-page', 10);
const e3 = entry('m-3', NOW);
const markerOf = (e: LedgerEntry): EventMarker => ({ messageId: e.messageId, at: e.at, entries: [e] });
const [marker1, marker15, marker2, marker3] = [e1, e15, e2, e3].map(markerOf) as [EventMarker, EventMarker, EventMarker, EventMarker];
const asRead = mqlLead({ ledger: [foldedEntry, e1, e2], ledgerFrom: FROM, touches: [firstTouch] });
const scored: Lead = { ...asRead, ledger: [foldedEntry, e1, e15, e2, e3], engagement: 68, scoredAt: NOW };

function cycleRecord(overrides: Partial<Cycle> = {}): Cycle {
  return { leadId: LEAD_ID, cycle: 1, owner: sam, previousReps: [], acceptBy: '2026-03-01T09:00:00.000Z', acceptWithinSeconds: 14_400, missed: 0, ...overrides };
}

describe('lead store (SDK calls that are the contract)', () => {
  beforeEach(() => {
    ddb.reset();
    // the clock only: the SDK's own timers run as they do
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(CLOCK);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('cycles', () => {
    it('writes a new cycle only where none exists, since one may carry a decision, in the open cycles the reconciler reads', async () => {
      ddb.on(PutCommand, { TableName: TABLE, Item: cycleKey(LEAD_ID, 1) }).resolves({});

      await putCycle(cycleRecord());

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
        TableName: TABLE,
        Item: { ...cycleKey(LEAD_ID, 1), ...cycleRecord(), ...openJourneyAttributes(cycleRecord()) },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('refuses to write over an existing cycle with ConcurrentUpdateError', async () => {
      ddb.on(PutCommand).rejects(conditionalCheckFailed());

      await expect(putCycle(cycleRecord())).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    });

    it('makes a rep the lead’s owner only while the lead is still in that cycle', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: profileKey(LEAD_ID) }).rejects(conditionalCheckFailed());

      await assignOwner(LEAD_ID, 1, kim);

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        ConditionExpression: '#cycle = :cycle',
        ExpressionAttributeNames: expect.objectContaining({ '#owner': 'owner', '#cycle': 'cycle' }),
        ExpressionAttributeValues: expect.objectContaining({ ':owner': kim, ':cycle': 1 }),
      });
    });

    it('keeps the task token on an existing cycle and returns the cycle as it is now', async () => {
      const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:30.000Z' };
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'token-2', outcome }) } });

      const current = await recordTaskToken(LEAD_ID, 1, 'token-2');

      expect(current).toEqual(cycleRecord({ taskToken: 'token-2', outcome }));
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET taskToken = :token',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':token': 'token-2' },
        ReturnValues: 'ALL_NEW',
      });
    });
  });

  describe('escalation steps, written only while no decision is there', () => {
    it('notify-manager: a fresh window for the same owner', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      const refused = await recordEscalation(LEAD_ID, 1, 1, { step: 'notify-manager', acceptBy: '2026-03-01T14:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T13:00:00.000Z', remindWithinSeconds: 10_800 });

      expect(refused).toBeUndefined();
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, acceptBy = :acceptBy, acceptWithinSeconds = :window, remindAt = :remindAt, remindWithinSeconds = :remindWindow',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 1, ':before': 0, ':acceptBy': '2026-03-01T14:00:00.000Z', ':window': 14_400, ':remindAt': '2026-03-01T13:00:00.000Z', ':remindWindow': 10_800 },
      });
    });

    it('reassign: the new owner, and the previous owner’s turn appended as a handover', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      await recordEscalation(LEAD_ID, 1, 2, { step: 'reassign', owner: kim, previousReps: ['rep-sam'], acceptBy: '2026-03-01T14:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T13:00:00.000Z', remindWithinSeconds: 10_800, handover: samMissed });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: expect.objectContaining({
          ':missed': 2,
          ':before': 1,
          ':owner': kim,
          ':previousReps': ['rep-sam'],
          ':acceptBy': '2026-03-01T14:00:00.000Z',
          ':handovers': [samMissed],
        }),
      });
    });

    it('recycle: the cycle ends with a recycled handover', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({});

      await recordEscalation(LEAD_ID, 1, 3, { step: 'recycle', handover: samMissed });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET missed = :missed, recycled = :handover',
        ConditionExpression: ESCALATION_CONDITION,
        ExpressionAttributeValues: { ':missed': 3, ':before': 2, ':handover': samMissed },
      });
    });

    it('with report counts: the step and the counts in one transaction, so a refused step counts nothing', async () => {
      ddb.on(TransactWriteCommand).resolvesOnce({}).rejects(new TransactionCanceledException({ message: 'refused', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
      const decided = cycleRecord({ missed: 1 });
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...decided } });
      const counts: ReportCount[] = [{ day: '2026-03-01', slice: 'rep=rep-sam', counts: { 'acceptance.missed': 1 } }];
      const change = { step: 'notify-manager', acceptBy: '2026-03-01T14:00:00.000Z', acceptWithinSeconds: 14_400, remindAt: '2026-03-01T13:00:00.000Z', remindWithinSeconds: 10_800 } as const;

      expect(await recordEscalation(LEAD_ID, 1, 1, change, counts)).toBeUndefined();
      expect(await recordEscalation(LEAD_ID, 1, 1, change, counts)).toEqual(decided);

      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
      expect(ddb).toHaveReceivedNthCommandWith(TransactWriteCommand, 1, {
        TransactItems: [
          { Update: expect.objectContaining({ Key: cycleKey(LEAD_ID, 1), ConditionExpression: ESCALATION_CONDITION }) },
          {
            Update: {
              TableName: TABLE,
              Key: reportKey('funnel', '2026-03-01', 'rep=rep-sam', funnelShardOf(LEAD_ID, REPORT_SHARDS)),
              UpdateExpression: 'ADD #k0 :v0',
              ExpressionAttributeNames: { '#k0': storedCountName('acceptance.missed') },
              ExpressionAttributeValues: { ':v0': 1 },
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: `REPORT#funnel#2026#${String(funnelShardOf(LEAD_ID, REPORT_SHARDS)).padStart(2, '0')}`, sk: 'rep#2026-03#rep-sam' },
              UpdateExpression: 'ADD #k0 :v0',
              ExpressionAttributeNames: { '#k0': storedCountName('acceptance.missed') },
              ExpressionAttributeValues: { ':v0': 1 },
            },
          },
        ],
      });
    });

    it('returns the cycle as it is now when refused, for the caller to see why', async () => {
      const decided = cycleRecord({ missed: 1, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T09:59:59.000Z' } });
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...decided } });

      const current = await recordEscalation(LEAD_ID, 1, 2, { step: 'recycle', handover: samMissed });

      expect(current).toEqual(decided);
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
    });
  });

  describe('the items a lead is stored as', () => {
    it('a score item: the score, where the ledger was folded, the folded entries, and the markers its save writes after it', () => {
      expect(scoreItem(scored, 7, [marker3])).toEqual({
        pk: `LEAD#${LEAD_ID}`,
        sk: 'SCORE',
        version: 7,
        modelVersion: '2026-11-23.1',
        engagement: 68,
        grade: 'A',
        scoredAt: NOW,
        ledgerFrom: FROM,
        // the score's model version is stated once, not per entry
        folded: [{ r: 'demo-request', p: 31.5, h: 30, a: Date.parse('2026-01-20T10:00:00.000Z'), n: 2, f: [Date.parse('2026-01-10T10:00:00.000Z'), 'm-0'] }],
        pending: [[Date.parse(NOW), 'm-3', [{ r: 'page-view', p: 3, h: 14 }]]],
      });
    });

    it('a score item states an entry’s model version when it is not the score’s (scored before a model change, not yet rescored)', () => {
      const newer = { ...scored, modelVersion: '2026-12-01.1' };

      const item = scoreItem(newer, 7, [marker3]);

      expect(item.folded).toEqual([expect.objectContaining({ r: 'demo-request', v: '2026-11-23.1' })]);
      expect(item.pending).toEqual([[Date.parse(NOW), 'm-3', [{ r: 'page-view', p: 3, v: '2026-11-23.1', h: 14 }]]]);
    });

    it('a score item of more markers than it keeps pending is marked rebuilding instead', () => {
      const eight = Array.from({ length: PENDING_MARKERS }, (_, i) => ({ ...marker3, messageId: `m-${10 + i}` }));

      expect(scoreItem(scored, 7, eight)).toMatchObject({ pending: expect.any(Array) });
      expect(scoreItem(scored, 7, eight).pending).toHaveLength(PENDING_MARKERS);
      expect(scoreItem(scored, 7, eight)).not.toHaveProperty('rebuilding');
      const nine = [...eight, marker3];
      expect(scoreItem(scored, 7, nine)).toMatchObject({ rebuilding: true });
      expect(scoreItem(scored, 7, nine)).not.toHaveProperty('pending');
      expect(scoreItem(scored, 7)).not.toHaveProperty('pending');
    });

    it('a profile item: the lead without its score, ledger and history, with its first touch, its own version and (in mql) the stalled index keys', () => {
      const item = profileItem(scored, 4);

      expect(item).toEqual({
        ...profileKey(LEAD_ID),
        leadId: LEAD_ID,
        email: 'dana@acme-corp.com',
        identities: ['email:dana@acme-corp.com'],
        traits: mqlLead().traits,
        stage: 'mql',
        stageHistory: mqlLead().stageHistory,
        cycle: 1,
        owner: mqlLead().owner,
        createdAt: mqlLead().createdAt,
        firstTouch,
        openStage: `mql#${funnelShardOf(LEAD_ID, STALLED_SHARDS)}`,
        stageSince: mqlLead().stageHistory.findLast((change) => change.to === 'mql')!.at,
        version: 4,
      });
    });

    it('a marker: the event’s entries under its instant and id', () => {
      // the model version once for the marker, not per entry
      expect(markerItem(LEAD_ID, marker3)).toEqual({ pk: `LEAD#${LEAD_ID}`, sk: `EVENT#${NOW}#m-3`, v: '2026-11-23.1', e: [{ r: 'page-view', p: 3, h: 14 }] });
      expect(markerItem(LEAD_ID, { messageId: 'handoff-1', at: NOW, entries: [] })).toEqual({ pk: `LEAD#${LEAD_ID}`, sk: `EVENT#${NOW}#handoff-1`, e: [] });
      // an outcome's marker says so
      expect(markerItem(LEAD_ID, { messageId: 'handoff-1', at: NOW, entries: [], outcome: true })).toEqual({ pk: `LEAD#${LEAD_ID}`, sk: `EVENT#${NOW}#handoff-1`, e: [], o: 1 });
    });
  });

  describe('saving a scored event: the score alone', () => {
    it('is one conditional PutItem of the score item on its version, no transaction, then the marker', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});

      expect(await saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers: [marker3], applied: 1 })).toBe(7);

      expect(sent()).toEqual(['PutCommand', 'BatchWriteCommand']);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
        TableName: TABLE,
        Item: scoreItem(scored, 7, [marker3]),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 6 },
        ReturnConsumedCapacity: 'TOTAL',
      });
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: markerItem(LEAD_ID, marker3) } }] } });
    });

    it('fails with ConcurrentUpdateError when another writer moved the score, and writes no marker', async () => {
      ddb.on(PutCommand).rejects(conditionalCheckFailed());

      await expect(saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers: [marker3] })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });

      expect(sent()).toEqual(['PutCommand']);
    });

    it('writes the markers 25 to a request, and again those DynamoDB left unprocessed', async () => {
      const markers = Array.from({ length: 30 }, (_, i) => ({ ...marker3, messageId: `m-${100 + i}` }));
      const items = markers.map((marker) => ({ PutRequest: { Item: markerItem(LEAD_ID, marker) } }));
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ddb
        .on(BatchWriteCommand)
        .resolvesOnce({ UnprocessedItems: { [TABLE]: items.slice(20, 25) } })
        .resolves({});

      await saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers });

      const requests = ddb.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]);
      expect(requests).toEqual([items.slice(0, 25), items.slice(20, 25), items.slice(25)]);
    });
  });

  describe('saving more markers than the score keeps pending (a rescore, a merge)', () => {
    const markers = Array.from({ length: PENDING_MARKERS + 1 }, (_, i) => ({ ...marker3, messageId: `m-${100 + i}` }));

    it('marks the score rebuilding, writes the markers, then clears the flag on the version it saved', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      expect(await saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers })).toBe(7);

      expect(sent()).toEqual(['PutCommand', 'BatchWriteCommand', 'UpdateCommand']);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual(scoreItem(scored, 7, markers));
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ rebuilding: true });
      expect(ddb.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems?.[TABLE]).toHaveLength(PENDING_MARKERS + 1);
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
        TableName: TABLE,
        Key: scoreKey(LEAD_ID),
        UpdateExpression: 'REMOVE rebuilding',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 7 },
        ReturnConsumedCapacity: 'TOTAL',
      });
    });

    it('leaves the flag to a writer who saved the lead since (it recomputed the lead; its save replaced the flag)', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

      await expect(saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers })).resolves.toBe(7);
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    });

    it('keeps up to PENDING_MARKERS pending, with no flag to clear', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});

      await saveLead({ lead: scored, version: 6, profileVersion: 3, before: asRead, changes: [], markers: markers.slice(1) });

      expect(sent()).toEqual(['PutCommand', 'BatchWriteCommand']);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ pending: expect.any(Array) });
    });
  });

  describe('saving a lead whose profile changed, or a new lead: one transaction', () => {
    const visitorId = leadIdOf('anon:anon-1');
    const visitor: Lead = {
      leadId: visitorId,
      identities: ['anon:anon-1'],
      traits: {},
      stage: 'visitor',
      stageHistory: [],
      ledger: [{ ruleId: 'page-view', messageId: 'm-1', points: 3, at: NOW, halfLifeDays: 14, modelVersion: '2026-11-23.1' }],
      ledgerFrom: '2026-01-29T10:00:00.000Z',
      modelVersion: '2026-11-23.1',
      engagement: 3,
      grade: 'D',
      scoredAt: NOW,
      cycle: 0,
      touches: [],
      recentActivity: [],
      createdAt: NOW,
    };
    const visitorMarker = { messageId: 'm-1', at: NOW, entries: visitor.ledger };

    it('creates a new lead: score and profile (the funnel counts pending on it) only where none exists, a link per identity; then the marker; then the counts settled', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      expect(await saveLead({ lead: visitor, version: 0, changes: [], markers: [visitorMarker], applied: 1, identities: ['anon:anon-1'] })).toBe(1);

      const created = reportsOf(visitor, [], true);
      const expected = settling(visitorId, `${visitorId}.1`, [
        ['reached.visitor', 1],
        ['current.visitor', 1],
      ], 1, [], created.reports);
      expect(sent()).toEqual(['TransactWriteCommand', 'BatchWriteCommand', ...expected.map(() => 'UpdateCommand')]);
      // no funnel shard or report item in the transaction: other leads write them
      expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toEqual([
        { Put: { TableName: TABLE, Item: scoreItem(visitor, 1, [visitorMarker]), ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName: TABLE,
            Item: { ...profileItem(visitor, 1), funnelPending: [{ id: `${visitorId}.1`, at: NOW, counts: { 'reached.visitor': 1, 'current.visitor': 1 }, ...created }] },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: TABLE, Item: { ...identityKey('anon:anon-1'), leadId: visitorId } } },
      ]);
      expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: markerItem(visitorId, visitorMarker) } }] } });
      expect(updates()).toEqual(expected);
      // the new visitor counted in the report items of the day it was first seen, once per slice
      // a new visitor only by how it came: it has no grade, score or owner yet
      expect(created.reports?.map((r) => r.slice)).toEqual(['all=all', 'source=(direct)', 'campaign=(none)']);
    });

    it('saves an existing lead whose stage changed on an outcome (its score as it was): the profile alone on its version, the count pending on it, in one PutItem; then the outcome’s marker; then the count settled', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      const accepted = { from: 'mql', to: 'sal', at: NOW, cause: 'accepted by rep-sam', decision: 'accepted' } as const;
      const sal: Lead = { ...asRead, stage: 'sal', stageHistory: [...asRead.stageHistory, accepted] };
      const handoff = { messageId: 'handoff-1', at: NOW, entries: [], outcome: true as const };

      // the score's version stays: its item is not written
      expect(await saveLead({ lead: sal, version: 6, profileVersion: 3, before: asRead, changes: [accepted], markers: [handoff], applied: 1 })).toBe(6);

      const counted = reportsOf(sal, [accepted]);
      const expected = settling(LEAD_ID, `${LEAD_ID}.4`, [
        ['reached.sal', 1],
        ['current.sal', 1],
        ['current.mql', -1],
      ], 4, [], counted.reports);
      expect(sent()).toEqual(['PutCommand', 'BatchWriteCommand', ...expected.map(() => 'UpdateCommand')]);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
        TableName: TABLE,
        Item: { ...profileItem(sal, 4), funnelPending: [{ id: `${LEAD_ID}.4`, at: NOW, counts: { 'reached.sal': 1, 'current.sal': 1, 'current.mql': -1 }, ...counted }] },
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 3 },
        ReturnConsumedCapacity: 'TOTAL',
      });
      // the outcome's marker says so (o: 1), so the lead's score is not read as of it
      expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: { ...markerKey(LEAD_ID, NOW, 'handoff-1'), e: [], o: 1 } } }] } });
      expect(updates()).toEqual(expected);
    });

    it('saves an existing lead whose stage changed on events that scored: the score on its version, the profile on the profile’s with the count pending; then the marker; then the count settled', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      const engaged = { from: 'mql', to: 'sal', at: NOW, cause: 'accepted by rep-sam', decision: 'accepted' } as const;
      const sal: Lead = { ...scored, stage: 'sal', stageHistory: [...scored.stageHistory, engaged] };

      expect(await saveLead({ lead: sal, version: 6, profileVersion: 3, before: asRead, changes: [engaged], markers: [marker3], applied: 1 })).toBe(7);

      const counted = reportsOf(sal, [engaged]);
      const expected = settling(LEAD_ID, `${LEAD_ID}.4`, [
        ['reached.sal', 1],
        ['current.sal', 1],
        ['current.mql', -1],
      ], 4, [], counted.reports);
      expect(sent()).toEqual(['TransactWriteCommand', 'BatchWriteCommand', ...expected.map(() => 'UpdateCommand')]);
      expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toEqual([
        { Put: { TableName: TABLE, Item: scoreItem(sal, 7, [marker3]), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 6 } } },
        {
          Put: {
            TableName: TABLE,
            Item: { ...profileItem(sal, 4), funnelPending: [{ id: `${LEAD_ID}.4`, at: NOW, counts: { 'reached.sal': 1, 'current.sal': 1, 'current.mql': -1 }, ...counted }] },
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': 3 },
          },
        },
      ]);
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: markerItem(LEAD_ID, marker3) } }] } });
      expect(updates()).toEqual(expected);
    });

    it('writes only the marker of an event that earned nothing and changed nothing: no score, no profile, no version moved', async () => {
      ddb.on(BatchWriteCommand).resolves({});
      const nothing = { messageId: 'm-webinar', at: NOW, entries: [] };

      expect(await saveLead({ lead: asRead, version: 6, profileVersion: 3, before: asRead, changes: [], markers: [nothing], applied: 1 })).toBe(6);

      expect(sent()).toEqual(['BatchWriteCommand']);
      expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: markerItem(LEAD_ID, nothing) } }] } });
    });

    it('writes the profile in the transaction when its traits changed with the score', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(BatchWriteCommand).resolves({});
      const withPhone: Lead = { ...scored, traits: { ...scored.traits, phone: '+44 20 7946 0000' } };

      await saveLead({ lead: withPhone, version: 6, profileVersion: 3, before: asRead, changes: [], markers: [marker3] });

      const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
      expect(items).toEqual([
        { Put: { TableName: TABLE, Item: scoreItem(withPhone, 7, [marker3]), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 6 } } },
        { Put: { TableName: TABLE, Item: profileItem(withPhone, 4), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 3 } } },
      ]);
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
    });

    it('fails with ConcurrentUpdateError, which the scoring path retries, when another writer got there first, and writes no marker', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }));

      await expect(saveLead({ lead: visitor, version: 0, changes: [], markers: [visitorMarker], identities: ['anon:anon-1'] })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(sent()).toEqual(['TransactWriteCommand']);
    });
  });

  it('adds the report counts a caller gives (attribution) with its own, one add per item: counts for one item summed first', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    const pipeline = { family: 'attribution', day: '2026-03-01', slice: 'linear:source=newsletter', counts: { 'pipeline.EUR': 600, 'pipeline.deals': 1 } };
    const revenue = { family: 'attribution', day: '2026-03-01', slice: 'linear:source=newsletter', counts: { 'revenue.EUR': 600, 'revenue.deals': 1 } };
    const flagged = mqlLead({ journeyPending: 1 });

    await saveLead({ lead: flagged, version: 4, profileVersion: 2, before: mqlLead(), changes: [], reports: [pipeline, revenue] });

    for (const item of [
      reportKey('attribution', '2026-03-01', 'linear:source=newsletter', funnelShardOf(LEAD_ID, REPORT_SHARDS)),
      reportMonthKey('attribution', '2026-03', 'linear:source=newsletter', funnelShardOf(LEAD_ID, REPORT_SHARDS)),
    ]) {
      const added = updates().filter((input) => JSON.stringify((input as { Key: unknown }).Key) === JSON.stringify(item));
      expect(added).toEqual([
        adding(LEAD_ID, `${LEAD_ID}.3`, Object.entries(storedCounts({ 'pipeline.EUR': 600, 'pipeline.deals': 1, 'revenue.EUR': 600, 'revenue.deals': 1 })), item),
        unmarking(LEAD_ID, `${LEAD_ID}.3`, item),
      ]);
    }
  });

  describe('saving a recycled lead (a stage change alone)', () => {
    const recycled = mqlLead({ stage: 'recycled', stageHistory: [...mqlLead().stageHistory, { from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' }] });
    const changes = [{ from: 'mql', to: 'recycled', at: NOW, cause: 'not accepted within the service agreement after escalation', decision: 'not-accepted' }] as const;
    /** the save's report counts: recycled reached, mql left (not accepted), per slice of the lead */
    const counted = reportsOf(recycled, changes);
    /** the report items its counts add to: each count's day item and its month total */
    const reportItems = 2 * (counted.reports?.length ?? 0);
    const recycledCounts = [
      ['reached.recycled', 1],
      ['current.recycled', 1],
      ['current.mql', -1],
    ] as const;

    it('writes the profile alone on its version, the counts pending on it, in one PutItem, leaving the score as it is; then settles the counts', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      // the score's version does not move: its item is not written
      expect(await saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).toBe(4);

      const expected = settling(LEAD_ID, `${LEAD_ID}.3`, recycledCounts, 3, [], counted.reports);
      expect(sent()).toEqual(['PutCommand', ...expected.map(() => 'UpdateCommand')]);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
        TableName: TABLE,
        Item: { ...profileItem(recycled, 3), funnelPending: [{ id: `${LEAD_ID}.3`, at: NOW, counts: { 'reached.recycled': 1, 'current.recycled': 1, 'current.mql': -1 }, ...counted }] },
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 2 },
        ReturnConsumedCapacity: 'TOTAL',
      });
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ ...profileKey(LEAD_ID), stage: 'recycled', version: 3 });
      // the lead's own shard of the counters and its shard of each report item, never an item every lead writes
      expect(updates()).toEqual(expected);
      expect(counted.reports?.every((r) => r.counts['reached.recycled'] === 1 && r.counts['left.mql.not-accepted'] === 1 && r.counts['decided.not-accepted'] === 1)).toBe(true);
    });

    it('takes counts its shard already bears the mark of as counted (a step cut short after adding them), and settles the rest', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ddb.on(UpdateCommand, { Key: funnelShardKey(funnelShardOf(LEAD_ID, FUNNEL_SHARDS)), ConditionExpression: 'attribute_not_exists(#seen)' }).rejects(conditionalCheckFailed());

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).resolves.toBe(4);

      // the ADD refused (no shard answered, so no mark looked at), then the profile let go of the counts all the same
      expect(updates()).toEqual(settling(LEAD_ID, `${LEAD_ID}.3`, recycledCounts, 3, [], counted.reports));
    });

    it('lets go of its counts on the profile another writer wrote since (it carried them on), keeping that writer’s, then removes the mark', async () => {
      const theirs: PendingCount = { id: `${LEAD_ID}.4`, at: NOW, counts: { 'reached.sal': 1 } };
      const own = { id: `${LEAD_ID}.3`, at: NOW, counts: { 'reached.recycled': 1, 'current.recycled': 1, 'current.mql': -1 }, ...counted };
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ddb.on(UpdateCommand, { Key: profileKey(LEAD_ID), ExpressionAttributeValues: { ':version': 3, ':next': 4 } }).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { Key: profileKey(LEAD_ID) }).resolves({ Item: { ...profileItem(recycled, 4), funnelPending: [own, theirs] } });

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).resolves.toBe(4);

      const [add, ...addReports] = settling(LEAD_ID, own.id, recycledCounts, 3, [], counted.reports).slice(0, 1 + reportItems);
      const unmarks = settling(LEAD_ID, own.id, recycledCounts, 3, [], counted.reports).slice(2 + reportItems);
      expect(updates()).toEqual([add, ...addReports, lettingGo(LEAD_ID, 3), lettingGo(LEAD_ID, 4, [theirs]), ...unmarks]);
      expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: profileKey(LEAD_ID), ConsistentRead: true });
    });

    it('leaves the mark when its counts are still on the profile after a few tries (settled later as a leftover, the mark refusing a second add)', async () => {
      const own = { id: `${LEAD_ID}.3`, at: NOW, counts: { 'reached.recycled': 1, 'current.recycled': 1, 'current.mql': -1 }, ...counted };
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ddb.on(UpdateCommand, { Key: profileKey(LEAD_ID) }).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { Key: profileKey(LEAD_ID) }).resolves({ Item: { ...profileItem(recycled, 9), funnelPending: [own] } });

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).resolves.toBe(4);

      const onProfile = updates().filter((input) => JSON.stringify((input as { Key: unknown }).Key) === JSON.stringify(profileKey(LEAD_ID)));
      expect(onProfile).toHaveLength(5);
      expect(updates()).not.toContainEqual(unmarking(LEAD_ID, own.id));
    });

    it('stops when another writer already let go of its counts (a claimer of leftovers), leaving the mark to it', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      ddb.on(UpdateCommand, { Key: profileKey(LEAD_ID) }).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { Key: profileKey(LEAD_ID) }).resolves({ Item: { ...profileItem(recycled, 5) } });

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).resolves.toBe(4);

      // the counts added (funnel shard and report items), one try to let go: no mark removed
      expect(updates()).toHaveLength(2 + reportItems);
      expect(updates()).not.toContainEqual(unmarking(LEAD_ID, `${LEAD_ID}.3`));
    });

    it('keeps the counts it read pending on the profile it writes, beside its own, and settles only its own', async () => {
      const carried: PendingCount = { id: `${LEAD_ID}.2`, at: '2026-03-01T09:58:00.000Z', counts: { 'reached.mql': 1, 'current.mql': 1 } };
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});

      await saveLead({ lead: recycled, version: 4, profileVersion: 2, pendingCounts: [carried], before: mqlLead(), changes });

      const own = { id: `${LEAD_ID}.3`, at: NOW, counts: { 'reached.recycled': 1, 'current.recycled': 1, 'current.mql': -1 }, ...counted };
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual({ ...profileItem(recycled, 3), funnelPending: [carried, own] });
      expect(updates()).toEqual(settling(LEAD_ID, own.id, recycledCounts, 3, [carried], counted.reports));
    });

    it('keeps the counts it read pending on a profile it writes with no count of its own, and settles nothing', async () => {
      const carried: PendingCount = { id: `${LEAD_ID}.2`, at: '2026-03-01T09:58:00.000Z', counts: { 'reached.mql': 1, 'current.mql': 1 } };
      ddb.on(PutCommand).resolves({});
      const flagged = mqlLead({ journeyPending: 1 });

      await saveLead({ lead: flagged, version: 4, profileVersion: 2, pendingCounts: [carried], before: mqlLead(), changes: [] });

      expect(sent()).toEqual(['PutCommand']);
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toEqual({ ...profileItem(flagged, 3), funnelPending: [carried] });
    });

    it('fails on any other error adding the counts, leaving them pending on the profile', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(UpdateCommand).rejects(new Error('throttled'));

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).rejects.toThrow('throttled');
      // the adds in flight when the first failed (they go several at once), and nothing after: the profile keeps the counts
      expect(sent()[0]).toBe('PutCommand');
      expect(sent().length).toBeGreaterThan(1);
      expect(updates().length).toBeLessThanOrEqual(8);
      expect(updates().some((input) => JSON.stringify((input as { Key: unknown }).Key) === JSON.stringify(profileKey(LEAD_ID)))).toBe(false);
    });

    it('fails with ConcurrentUpdateError, which the state machine retries, when the lead changed since read, and settles nothing', async () => {
      ddb.on(PutCommand).rejects(conditionalCheckFailed());

      await expect(saveLead({ lead: recycled, version: 4, profileVersion: 2, before: mqlLead(), changes })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(sent()).toEqual(['PutCommand']);
    });

    it('writes a profile change with no counter to move as one conditional PutItem of the profile', async () => {
      ddb.on(PutCommand).resolves({});
      const flagged = mqlLead({ journeyPending: 1 });

      expect(await saveLead({ lead: flagged, version: 4, profileVersion: 2, before: mqlLead(), changes: [] })).toBe(4);

      expect(sent()).toEqual(['PutCommand']);
      expect(ddb).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, Item: profileItem(flagged, 3), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 2 } });
    });

    it('writes nothing when nothing changed', async () => {
      expect(await saveLead({ lead: mqlLead(), version: 4, profileVersion: 2, before: mqlLead(), changes: [] })).toBe(4);

      expect(sent()).toEqual([]);
    });
  });

  describe('what the scoring path reads: strongly consistent, since it decides what to write', () => {
    /** The items a lead is stored as: its last save applied m-3 and, late, m-15; m-1 and m-2 were applied before. */
    const profileStored = profileItem(scored, 4);
    const scoreStored = scoreItem(scored, 7, [marker3, marker15, marker2]);
    const itemsQuery = { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :profile AND :score' };
    const markersQuery = { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :end' };
    const asStored = { ...scored, touches: [firstTouch], recentActivity: [] };

    it('reads the profile and the score in one query, then the markers since the ledger was folded, and assembles the lead', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreStored] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [markerItem(LEAD_ID, marker1), markerItem(LEAD_ID, marker2)] });

      const read = await getLead(LEAD_ID);

      // the folded entries, then the markers' entries in time order: pending ones merged, none twice
      expect(read).toEqual({ lead: { ...asStored, ledger: [foldedEntry, e1, e15, e2, e3] }, version: 7, profileVersion: 4 });
      expect(sent()).toEqual(['QueryCommand', 'QueryCommand']);
      expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :profile AND :score',
        ExpressionAttributeValues: { ':pk': `LEAD#${LEAD_ID}`, ':profile': 'PROFILE', ':score': 'SCORE' },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      });
      expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input).toEqual({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :end',
        ExpressionAttributeValues: { ':pk': `LEAD#${LEAD_ID}`, ':from': `EVENT#${FROM}`, ':end': 'EVENT$' },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      });
    });

    it('reads the markers page by page', async () => {
      const nextKey = markerKey(LEAD_ID, marker1.at, marker1.messageId);
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreItem(scored, 7)] });
      ddb
        .on(QueryCommand, markersQuery)
        .resolvesOnce({ Items: [markerItem(LEAD_ID, marker1)], LastEvaluatedKey: nextKey })
        .resolves({ Items: [markerItem(LEAD_ID, marker15), markerItem(LEAD_ID, marker2), markerItem(LEAD_ID, marker3)] });

      expect((await getLead(LEAD_ID))?.lead.ledger).toEqual([foldedEntry, e1, e15, e2, e3]);

      expect(ddb.commandCalls(QueryCommand)[2]!.args[0].input).toMatchObject({ ...markersQuery, ExclusiveStartKey: nextKey, ConsistentRead: true });
    });

    it('reads every marker and no folded entry for the whole ledger', async () => {
      const e0: LedgerEntry = { ruleId: 'demo-request', messageId: 'm-0', points: 40, at: '2026-01-10T10:00:00.000Z', halfLifeDays: 30, modelVersion: '2026-11-23.1' };
      const marker0 = { messageId: 'm-0', at: e0.at, entries: [e0] };
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreStored] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [markerItem(LEAD_ID, marker0), markerItem(LEAD_ID, marker1), markerItem(LEAD_ID, marker2)] });

      const read = await getLead(LEAD_ID, { wholeLedger: true });

      const { ledgerFrom: _from, ...whole } = asStored;
      expect(read).toEqual({ lead: { ...whole, ledger: [e0, e1, e15, e2, e3] }, version: 7, profileVersion: 4 });
      expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExpressionAttributeValues).toEqual({ ':pk': `LEAD#${LEAD_ID}`, ':from': 'EVENT#', ':end': 'EVENT$' });
    });

    it('writes, when asked to heal, the pending markers that are not stored, and only those', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreStored] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [markerItem(LEAD_ID, marker1), markerItem(LEAD_ID, marker2)] });
      // m-15 is stored (the save that left it pending got that far): looked up by key, it is not written again
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [markerItem(LEAD_ID, marker15)] } });
      ddb.on(BatchWriteCommand).resolves({});

      const read = await getLead(LEAD_ID, { heal: true });

      expect(read?.lead.ledger).toEqual([foldedEntry, e1, e15, e2, e3]);
      expect(sent()).toEqual(['QueryCommand', 'QueryCommand', 'BatchGetCommand', 'BatchWriteCommand']);
      // m-2 was read with the markers: only the others are looked up
      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
        RequestItems: { [TABLE]: { Keys: [markerKey(LEAD_ID, marker3.at, 'm-3'), markerKey(LEAD_ID, marker15.at, 'm-15')], ConsistentRead: true } },
      });
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchWriteCommand, { RequestItems: { [TABLE]: [{ PutRequest: { Item: markerItem(LEAD_ID, marker3) } }] } });
    });

    it('writes nothing when healing finds every pending marker stored', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreStored] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [marker1, marker15, marker2, marker3].map((m) => markerItem(LEAD_ID, m)) });

      expect((await getLead(LEAD_ID, { heal: true }))?.lead.ledger).toEqual([foldedEntry, e1, e15, e2, e3]);

      expect(sent()).toEqual(['QueryCommand', 'QueryCommand']);
    });

    it('writes nothing without being asked to heal', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreStored] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [] });

      expect((await getLead(LEAD_ID))?.lead.ledger).toEqual([foldedEntry, e15, e2, e3]);

      expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
      expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
    });

    describe('funnel counts left pending on the profile', () => {
      /** Counts pending just longer than a save's own settling may take (its writer stopped), and just less (its writer may still settle them). */
      const stale: PendingCount = { id: `${LEAD_ID}.4`, at: new Date(CLOCK - SETTLE_AFTER_MS - 1).toISOString(), counts: { 'reached.sal': 1, 'current.sal': 1, 'current.mql': -1 } };
      const young: PendingCount = { id: `${LEAD_ID}.3`, at: new Date(CLOCK - SETTLE_AFTER_MS + 1).toISOString(), counts: { 'reached.mql': 1 } };
      /** The counts of a move from mql to sal (the stale ones' and the next save's). */
      const salCounts = [
        ['reached.sal', 1],
        ['current.sal', 1],
        ['current.mql', -1],
      ] as const;
      /** The stale counts as the writer that claims them writes them back: their clock restarted. */
      const claimed = { ...stale, at: NOW };
      /** The write that claims stale counts on the profile read at version 4, keeping the young ones. */
      const claiming = (pending: readonly PendingCount[]) => ({
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        UpdateExpression: 'SET funnelPending = :pending, version = :next',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': 4, ':next': 5, ':pending': pending },
        ReturnConsumedCapacity: 'TOTAL',
      });
      const stored = (...pending: PendingCount[]) => ({ ...profileStored, funnelPending: pending });
      const readAs = (...pending: PendingCount[]) => {
        ddb.on(QueryCommand, itemsQuery).resolves({ Items: [stored(...pending), scoreStored] });
        ddb.on(QueryCommand, markersQuery).resolves({ Items: [marker1, marker15, marker2, marker3].map((m) => markerItem(LEAD_ID, m)) });
      };
      const lead = { ...asStored, ledger: [foldedEntry, e1, e15, e2, e3] };

      it('stale: claimed by a read that heals (their clock restarted, the profile’s version moved), then settled, before it answers the lead with the profile’s version after', async () => {
        readAs(stale);
        ddb.on(UpdateCommand).resolves({});

        const read = await getLead(LEAD_ID, { heal: true });

        expect(read).toEqual({ lead, version: 7, profileVersion: 6 });
        expect(sent()).toEqual(['QueryCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand', 'QueryCommand']);
        expect(updates()).toEqual([claiming([claimed]), ...settling(LEAD_ID, stale.id, salCounts, 5)]);
      });

      it('stale beside young: only the stale ones claimed and settled; the young ones kept on the profile and answered pending', async () => {
        readAs(young, stale);
        ddb.on(UpdateCommand).resolves({});

        const read = await getLead(LEAD_ID, { heal: true });

        expect(read).toEqual({ lead, version: 7, profileVersion: 6, pendingCounts: [young] });
        expect(updates()).toEqual([claiming([young, claimed]), ...settling(LEAD_ID, stale.id, salCounts, 5, [young])]);
      });

      it('stale, claimed by another writer first (the claim refused): nothing settled, the lead answered on the version read with the counts as read', async () => {
        readAs(stale);
        ddb.on(UpdateCommand).resolves({});
        ddb.on(UpdateCommand, { Key: profileKey(LEAD_ID) }).rejects(conditionalCheckFailed());

        expect(await getLead(LEAD_ID, { heal: true })).toEqual({ lead, version: 7, profileVersion: 4, pendingCounts: [stale] });
        expect(updates()).toEqual([claiming([claimed])]);
      });

      it('stale, claimed and added, the profile written by another writer since the claim (carrying them on): let go of there, then the mark removed', async () => {
        readAs(young, stale);
        ddb.on(UpdateCommand).resolves({});
        ddb.on(UpdateCommand, { Key: profileKey(LEAD_ID), ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 5, ':next': 6, ':others': [young] } }).rejects(conditionalCheckFailed());
        ddb.on(GetCommand, { Key: profileKey(LEAD_ID) }).resolves({ Item: { ...profileKey(LEAD_ID), version: 6, funnelPending: [young, claimed] } });

        expect(await getLead(LEAD_ID, { heal: true })).toEqual({ lead, version: 7, profileVersion: 7, pendingCounts: [young] });
        expect(updates()).toEqual([claiming([young, claimed]), adding(LEAD_ID, stale.id, salCounts), lettingGo(LEAD_ID, 5, [young]), lettingGo(LEAD_ID, 6, [young]), unmarking(LEAD_ID, stale.id)]);
      });

      it('young: not settled by a read that heals (their writer may still settle them), answered pending, and carried onto the profile the next save writes', async () => {
        readAs(young);
        ddb.on(PutCommand).resolves({});
        ddb.on(UpdateCommand).resolves({});

        const read = (await getLead(LEAD_ID, { heal: true }))!;

        expect(read).toEqual({ lead, version: 7, profileVersion: 4, pendingCounts: [young] });
        expect(sent()).toEqual(['QueryCommand', 'QueryCommand']);

        // Act: the next save, a stage change based on that read
        ddb.resetHistory();
        const accepted = { from: 'mql', to: 'sal', at: NOW, cause: 'accepted by rep-sam', decision: 'accepted' } as const;
        const sal: Lead = { ...read.lead, stage: 'sal', stageHistory: [...read.lead.stageHistory, accepted] };
        await saveLead({ lead: sal, ...basedOn(read), changes: [accepted] });

        // Assess: the young counts kept on the profile beside the save's own; only its own settled, the young ones left pending
        const counted = reportsOf(sal, [accepted]);
        const own = { id: `${LEAD_ID}.5`, at: NOW, counts: { 'reached.sal': 1, 'current.sal': 1, 'current.mql': -1 }, ...counted };
        const expected = settling(LEAD_ID, own.id, salCounts, 5, [young], counted.reports);
        expect(sent()).toEqual(['PutCommand', ...expected.map(() => 'UpdateCommand')]);
        expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({ Item: { ...profileItem(sal, 5), funnelPending: [young, own] }, ExpressionAttributeValues: { ':version': 4 } });
        expect(updates()).toEqual(expected);
      });

      it('are not part of the lead, answered pending, and a read that does not heal writes nothing, stale or not', async () => {
        readAs(young, stale);

        const read = await getLead(LEAD_ID);

        expect(read).toEqual({ lead, version: 7, profileVersion: 4, pendingCounts: [young, stale] });
        expect(read?.lead).not.toHaveProperty('funnelPending');
        expect(sent()).toEqual(['QueryCommand', 'QueryCommand']);
      });
    });

    it('tells a score marked rebuilding', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [profileStored, scoreItem(scored, 7, Array.from({ length: PENDING_MARKERS + 1 }, () => marker3))] });
      ddb.on(QueryCommand, markersQuery).resolves({ Items: [] });

      expect(await getLead(LEAD_ID)).toMatchObject({ version: 7, profileVersion: 4, rebuilding: true });
    });

    it('finds no lead, and reads no marker, where its items are not there', async () => {
      ddb.on(QueryCommand, itemsQuery).resolves({ Items: [] });

      expect(await getLead(LEAD_ID)).toBeUndefined();
      expect(sent()).toEqual(['QueryCommand']);
    });

    it('reads identity links and event markers in consistent batch reads, markers by the instant and id of their event', async () => {
      ddb.on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [identityKey('anon:anon-1'), identityKey('email:dana@acme-corp.com')] } } }).resolves({
        Responses: { [TABLE]: [{ ...identityKey('anon:anon-1'), leadId: LEAD_ID }] },
      });
      const keys = [markerKey(LEAD_ID, marker1.at, 'm-1'), markerKey(LEAD_ID, marker2.at, 'm-2')];
      ddb.on(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: keys } } }).resolves({ Responses: { [TABLE]: [markerItem(LEAD_ID, marker2)] } });

      expect(await resolveIdentities(['anon:anon-1', 'email:dana@acme-corp.com'])).toEqual(new Map([['anon:anon-1', LEAD_ID]]));
      expect(
        await appliedMessageIds(LEAD_ID, [
          { messageId: 'm-1', at: marker1.at },
          { messageId: 'm-2', at: marker2.at },
        ]),
      ).toEqual(new Set(['m-2']));

      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [identityKey('anon:anon-1'), identityKey('email:dana@acme-corp.com')], ConsistentRead: true } } });
      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: keys, ConsistentRead: true } } });
    });
  });

  describe('merges', () => {
    it('retires a lead in one transaction: the profile on its version (out of the current count, pending on it), the score’s version moved on its version; then settles the count', async () => {
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      const retired = mqlLead({ mergedInto: 'lead-ffffffffffffffffffff' });

      await retireLead(retired, { version: 7, profileVersion: 4 });

      expect(sent()).toEqual(['TransactWriteCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand']);
      expect(ddb).toHaveReceivedCommandExactlyOnceWith(TransactWriteCommand, {
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { ...profileItem(retired, 5), funnelPending: [{ id: `${LEAD_ID}.5`, at: NOW, counts: { 'current.mql': -1 } }] },
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':version': 4 },
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: scoreKey(LEAD_ID),
              UpdateExpression: 'SET version = :next',
              ConditionExpression: 'version = :version',
              ExpressionAttributeValues: { ':version': 7, ':next': 8 },
            },
          },
        ],
      });
      expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems).toHaveLength(2);
      expect(updates()).toEqual(settling(LEAD_ID, `${LEAD_ID}.5`, [['current.mql', -1]], 5));
    });

    it('retires a lead keeping the counts it read pending on its profile, beside its own, and settles only its own', async () => {
      const carried: PendingCount = { id: `${LEAD_ID}.4`, at: '2026-03-01T09:58:00.000Z', counts: { 'reached.mql': 1, 'current.mql': 1 } };
      ddb.on(TransactWriteCommand).resolves({});
      ddb.on(UpdateCommand).resolves({});
      const retired = mqlLead({ mergedInto: 'lead-ffffffffffffffffffff' });

      await retireLead(retired, { version: 7, profileVersion: 4, pendingCounts: [carried] });

      const own = { id: `${LEAD_ID}.5`, at: NOW, counts: { 'current.mql': -1 } };
      expect(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems?.[0]).toEqual({
        Put: { TableName: TABLE, Item: { ...profileItem(retired, 5), funnelPending: [carried, own] }, ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': 4 } },
      });
      expect(updates()).toEqual(settling(LEAD_ID, own.id, [['current.mql', -1]], 5, [carried]));
    });

    it('refuses to retire a lead that changed since read with ConcurrentUpdateError, so the merge runs again, and settles nothing', async () => {
      ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {} }));

      await expect(retireLead(mqlLead({ mergedInto: 'lead-ffffffffffffffffffff' }), { version: 7, profileVersion: 4 })).rejects.toMatchObject({ name: 'ConcurrentUpdateError' });
      expect(sent()).toEqual(['TransactWriteCommand']);
    });

    it('points identities at the survivor in batch writes', async () => {
      ddb.on(BatchWriteCommand).resolves({});

      await linkIdentities(LEAD_ID, ['anon:anon-1', 'email:dana@acme-corp.com']);

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchWriteCommand, {
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: { ...identityKey('anon:anon-1'), leadId: LEAD_ID } } },
            { PutRequest: { Item: { ...identityKey('email:dana@acme-corp.com'), leadId: LEAD_ID } } },
          ],
        },
      });
    });
  });

  describe('the pending journey flag', () => {
    it('is cleared only while it holds the cycle whose journey was started, bumping the version', async () => {
      ddb.on(UpdateCommand).resolves({});

      await clearJourneyPending(LEAD_ID, 1);

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: profileKey(LEAD_ID),
        UpdateExpression: 'REMOVE journeyPending SET version = version + :one',
        ConditionExpression: 'journeyPending = :cycle',
        ExpressionAttributeValues: { ':cycle': 1, ':one': 1 },
      });
    });

    it('already cleared (by an earlier delivery) is taken as done', async () => {
      ddb.on(UpdateCommand).rejects(conditionalCheckFailed());

      await expect(clearJourneyPending(LEAD_ID, 1)).resolves.toBeUndefined();
      expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    });
  });

  describe('a rep’s outcome on the cycle', () => {
    const outcome = { kind: 'accepted' as const, cycle: 1, repId: 'rep-sam', at: NOW };

    it('is written only while the rep may still decide, and the cycle is answered as it is now', async () => {
      ddb.on(UpdateCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Attributes: { ...cycleKey(LEAD_ID, 1), ...cycleRecord({ taskToken: 'task-token-9' }), outcome } });

      expect(await recordOutcome(LEAD_ID, outcome)).toEqual({ ...cycleRecord({ taskToken: 'task-token-9' }), outcome });

      expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
        TableName: TABLE,
        Key: cycleKey(LEAD_ID, 1),
        UpdateExpression: 'SET outcome = :outcome',
        // only while the rep may still decide: the owner, nothing decided, not recycled
        ConditionExpression: 'attribute_exists(pk) AND #owner.repId = :rep AND attribute_not_exists(outcome) AND attribute_not_exists(recycled) AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':rep': 'rep-sam', ':outcome': outcome },
        ReturnValues: 'ALL_NEW',
      });
    });

    it('when refused, answers the cycle as it is now, for the caller to see which decision stands', async () => {
      const rejected = { kind: 'rejected' as const, cycle: 1, repId: 'rep-sam', at: NOW, reason: 'No budget' };
      ddb.on(UpdateCommand).rejects(conditionalCheckFailed());
      ddb.on(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1) }).resolves({ Item: { ...cycleKey(LEAD_ID, 1), ...cycleRecord(), outcome: rejected } });

      expect(await recordOutcome(LEAD_ID, outcome)).toEqual({ ...cycleRecord(), outcome: rejected });

      expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: cycleKey(LEAD_ID, 1), ConsistentRead: true });
    });
  });

  describe('funnel counters', () => {
    const shardKeys = Array.from({ length: FUNNEL_SHARDS }, (_, shard) => funnelShardKey(shard));

    it('reads the old counters item and every shard in one BatchGetItem, and sums them per stage', async () => {
      const oldItem = { pk: 'REPORT#funnel', sk: 'COUNTERS' };
      ddb.on(BatchGetCommand).resolves({
        Responses: {
          [TABLE]: [
            { ...oldItem, 'reached.visitor': 200, 'current.visitor': 120, 'reached.mql': 20, 'current.mql': 4 },
            { ...shardKeys[3], 'reached.visitor': 5, 'current.visitor': 2, 'reached.recycled': 3, 'current.recycled': 3 },
            // a save's mark that it counted its counts here (when, kept until it expires) is no counter
            { ...shardKeys[41], 'reached.mql': 1, 'current.mql': -1, 'current.visitor': -2, [`counted.${LEAD_ID}.4`]: CLOCK },
          ],
        },
      });

      expect(await getFunnelCounters()).toEqual({ reached: { visitor: 205, mql: 21, recycled: 3 }, current: { visitor: 120, mql: 3, recycled: 3 } });
      expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
      expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, { RequestItems: { [TABLE]: { Keys: [oldItem, ...shardKeys] } }, ReturnConsumedCapacity: 'TOTAL' });
    });

    it('reads no counters as an empty funnel before any lead exists', async () => {
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });

      expect(await getFunnelCounters()).toEqual({ reached: {}, current: {} });
      expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    });

    it('refuses a shard count that one BatchGetItem could not read, naming the value', () => {
      expect(() => createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: TABLE, funnelShards: 100 })).toThrow(/funnelShards must be an integer from 1 to 99, got 100/);
      expect(() => createLeadStore({ client: createDocumentClient({ region: 'eu-west-1' }), leadsTable: TABLE, funnelShards: 0 })).toThrow(/got 0/);
    });
  });
});
