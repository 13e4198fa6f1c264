import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import type { ConsumedUnits } from '../../../functions/adapters/capacity.ts';
import { createFeedbackStore, type FeedbackStore } from '../../../functions/adapters/feedback-store.ts';
import { createReportStore } from '../../../functions/adapters/report-store.ts';
import { feedbackCounts } from '../../../functions/core/report-counts.ts';
import type { FeedbackEntry, FeedbackEvent } from '../../../functions/core/records.ts';
import { leadPartition } from '../../../functions/core/table-layout.ts';
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
}
