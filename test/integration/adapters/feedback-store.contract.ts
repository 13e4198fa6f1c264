import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createCommentReader, createFeedbackStore, type FeedbackStore } from '../../../functions/adapters/feedback-store.ts';
import { createReportStore } from '../../../functions/adapters/report-store.ts';
import { feedbackCounts } from '../../../functions/core/report-counts.ts';
import type { FeedbackEntry, FeedbackEvent } from '../../../functions/core/records.ts';
import { commentsPartition, leadPartition } from '../../../functions/core/table-layout.ts';
import { eventsWhere, uniqueLeadId, type TestTables } from '../../support/tables.ts';

/** Feedback against DynamoDB Local: the first per cycle and occasion stored with its event, in one transaction; read back per lead and per cycle. */
let tables: TestTables;
let store: FeedbackStore;
const consumed: ConsumedUnits[] = [];

const entry = (leadId: string, cycle: number, occasion: FeedbackEntry['occasion'], rating = 4): FeedbackEntry => ({
  leadId,
  cycle,
  occasion,
  repId: 'rep-sam',
  rating,
  reasons: occasion === 'rejected' ? ['no-need'] : ['right-fit'],
  comment: 'Keen',
  at: '2026-03-02T08:00:00.000Z',
});

const eventOf = (feedback: FeedbackEntry): FeedbackEvent => ({
  messageId: `feedback-${feedback.leadId}-${feedback.cycle}-${feedback.occasion}`,
  kind: 'feedback',
  leadId: feedback.leadId,
  feedback,
  receivedAt: feedback.at,
});

/** This run's days for comments, somewhere in the 2040s: the comment partitions are per day and shared with every other test. */
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2040-01-01T00:00:00.000Z') + Math.floor(Math.random() * 3000) * DAY_MS;
const dayOf = (n: number) => new Date(FIRST_DAY + n * DAY_MS).toISOString().slice(0, 10);
const atOn = (n: number, time: string) => `${dayOf(n)}T${time}.000Z`;

export function feedbackStoreContract(getTables: () => TestTables): void {
  beforeAll(() => {
    tables = getTables();
    const { client, leadsTable, eventsTable } = tables;
    store = createFeedbackStore({ client, leadsTable, eventsTable, onConsumed: (c) => consumed.push(c) });
  });

  it('adds the feedback’s report counts in its transaction: once, and not for a repeat', async () => {
    const leadId = uniqueLeadId();
    const rep = `rep-${leadId}`;
    const first = { ...entry(leadId, 1, 'accepted', 5), repId: rep };
    const reports = feedbackCounts(first, 'sales-emea', true);
    const reader = createReportStore({ client: tables.client, leadsTable: tables.leadsTable });

    expect(await store.storeFeedback(eventOf(first), reports)).toBe('recorded');
    expect(await store.storeFeedback(eventOf(first), reports)).toBe('duplicate');

    const byRep = await reader.sliceCounts('funnel', ['2026-03-02'], 'rep');
    expect(byRep.get(rep)).toEqual({ 'feedback.given': 1, 'feedback.accepted': 1, 'rating.5': 1, 'reason.accepted.right-fit': 1, 'feedback.covered': 1 });
    // the whole of March is read from its month totals, which the same transaction added to: once too
    const march = Array.from({ length: 31 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`);
    expect((await reader.sliceCounts('funnel', march, 'rep')).get(rep)).toEqual(byRep.get(rep));
  });

  it('stores the first feedback per cycle and occasion with its event; a second changes nothing', async () => {
    const leadId = uniqueLeadId();
    const first = entry(leadId, 1, 'accepted', 4);

    expect(await store.storeFeedback(eventOf(first))).toBe('recorded');
    expect(await store.storeFeedback(eventOf({ ...first, rating: 1, comment: 'changed my mind' }))).toBe('duplicate');

    expect(await store.getFeedback(leadId, 1, 'accepted')).toEqual(first);
    const events = await eventsWhere(tables, (e) => e.kind === 'feedback' && e.leadId === leadId);
    expect(events).toEqual([eventOf(first)]);
  });

  it('stores neither the item nor the event when the event is already there (one transaction)', async () => {
    const leadId = uniqueLeadId();
    const feedback = entry(leadId, 1, 'rejected');
    // Prepare: the event alone, as if a half-write were possible
    await store.storeFeedback(eventOf(entry(leadId, 9, 'closed')));
    const clash: FeedbackEvent = { ...eventOf(feedback), messageId: `feedback-${leadId}-9-closed` };

    expect(await store.storeFeedback(clash)).toBe('duplicate');

    expect(await store.getFeedback(leadId, 1, 'rejected')).toBeUndefined();
  });

  it('reads a lead’s feedback of one cycle or of every cycle, and none of another lead', async () => {
    const leadId = uniqueLeadId();
    const other = uniqueLeadId();
    const fed = [entry(leadId, 1, 'rejected'), entry(leadId, 2, 'accepted'), entry(leadId, 2, 'closed'), entry(other, 1, 'accepted')];
    for (const f of fed) await store.storeFeedback(eventOf(f));

    expect(await store.feedbackOf(leadId, 2)).toEqual([fed[1], fed[2]]);
    expect(await store.feedbackOf(leadId)).toEqual([fed[0], fed[1], fed[2]]);
    expect(await store.feedbackOf(uniqueLeadId())).toEqual([]);
    expect(await store.getFeedback(leadId, 3, 'accepted')).toBeUndefined();
  });

  it('keeps the item under the lead at FEEDBACK#<cycle4>#<occasion>, without repeating the lead id', async () => {
    const leadId = uniqueLeadId();
    await store.storeFeedback(eventOf(entry(leadId, 12, 'closed')));

    const { Items = [] } = await tables.client.send(
      new QueryCommand({ TableName: tables.leadsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': leadPartition(leadId) } }),
    );

    expect(Items.map((i) => i.sk)).toEqual(['FEEDBACK#0012#closed']);
    expect(Items[0]).not.toHaveProperty('leadId');
  });

  it('reports the capacity its calls consume', async () => {
    consumed.length = 0;
    const leadId = uniqueLeadId();

    await store.storeFeedback(eventOf(entry(leadId, 1, 'accepted')));
    await store.feedbackOf(leadId);

    expect(consumed.map((c) => c.operation)).toEqual(expect.arrayContaining(['TransactWrite', 'Query']));
  });

  it('indexes a comment under its day in the feedback’s transaction: once, not for a repeat, and not for feedback without one', async () => {
    const leadId = uniqueLeadId();
    const commented = { ...entry(leadId, 1, 'accepted', 5), comment: 'Great fit <b>really</b>', at: atOn(0, '10:00:00') };
    const silent = { ...entry(leadId, 1, 'closed', 3), at: atOn(0, '11:00:00') };
    delete silent.comment;
    const blank = { ...entry(leadId, 1, 'rejected', 2), comment: '   ', at: atOn(0, '12:00:00') };

    expect(await store.storeFeedback(eventOf(commented), [], 'sales-emea')).toBe('recorded');
    // the rep submits again (a retry, or a second tab): the first stands, and its comment once
    expect(await store.storeFeedback(eventOf({ ...commented, at: atOn(0, '10:05:00'), comment: 'second thoughts' }), [], 'sales-emea')).toBe('duplicate');
    expect(await store.storeFeedback(eventOf(silent))).toBe('recorded');
    expect(await store.storeFeedback(eventOf(blank))).toBe('recorded');

    const { Items = [] } = await tables.client.send(
      new QueryCommand({ TableName: tables.leadsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': commentsPartition(dayOf(0)) }, ConsistentRead: true }),
    );
    const mine = Items.filter((item) => item.leadId === leadId);
    expect(mine).toEqual([
      {
        pk: `COMMENTS#${dayOf(0)}`,
        sk: `${commented.at}#feedback-${leadId}-1-accepted`,
        at: commented.at,
        leadId,
        cycle: 1,
        occasion: 'accepted',
        rating: 5,
        repId: 'rep-sam',
        teamId: 'sales-emea',
        comment: 'Great fit <b>really</b>',
      },
    ]);
  });

  it('reads the latest comments newest first from the newest day on, and stops once it has the limit', async () => {
    const leadId = uniqueLeadId();
    const given = [
      { ...entry(leadId, 1, 'accepted'), at: atOn(2, '09:00:00'), comment: 'first' },
      { ...entry(leadId, 1, 'closed'), at: atOn(3, '08:00:00'), comment: 'second' },
      { ...entry(leadId, 2, 'accepted'), at: atOn(3, '17:00:00'), comment: 'third' },
      { ...entry(leadId, 2, 'closed'), at: atOn(12, '07:00:00'), comment: 'fourth' },
    ];
    for (const f of given) expect(await store.storeFeedback(eventOf(f))).toBe('recorded');
    const days = Array.from({ length: 13 }, (_, n) => dayOf(12 - n));
    const reader = createCommentReader({ client: tables.client, leadsTable: tables.leadsTable, onConsumed: (c) => consumed.push(c) });

    // (day 0 holds the test above's comment)
    const all = (await reader.latestComments(days, 10)).filter((c) => c.leadId === leadId);
    expect(all.map((c) => c.comment)).toEqual(['fourth', 'third', 'second', 'first']);
    expect(all[0]).toEqual({ at: given[3]!.at, leadId, cycle: 2, occasion: 'closed', rating: 4, repId: 'rep-sam', teamId: null, comment: 'fourth' });

    expect((await reader.latestComments(days, 2)).slice(0, 2).map((c) => c.comment)).toEqual(['fourth', 'third']);

    consumed.length = 0;
    expect((await reader.latestComments(days, 1)).map((c) => c.comment)).toEqual(['fourth']);
    // the newest week of days (read at once) holds it: the older days are not read
    expect(consumed.filter((c) => c.operation === 'Query')).toHaveLength(7);

    // only the days asked for: day 11 back to day 3
    expect((await reader.latestComments(days.slice(1, 10), 10)).filter((c) => c.leadId === leadId).map((c) => c.comment)).toEqual(['third', 'second']);
  });
}
