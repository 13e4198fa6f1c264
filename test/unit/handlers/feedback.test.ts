import { beforeEach, describe, expect, it } from 'vitest';
import { feedback } from '../../../config/index.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { FeedbackOccasion } from '../../../functions/core/feedback.ts';
import { signLink } from '../../../functions/core/links.ts';
import type { FeedbackEntry, FeedbackEvent } from '../../../functions/core/records.ts';
import { feedbackHandler } from '../../../functions/feedback/handler.ts';
import type { GiveFeedbackPorts } from '../../../functions/feedback/give-feedback.ts';
import { mqlLead } from './fixtures.ts';
import { httpEvent, issuePaths, lambdaContext } from './http-event.ts';
import { InMemoryJourney } from './in-memory-journey.ts';

const SIGNING_KEY = 'test-link-signing-key';
const NOW = '2026-03-02T08:00:00.000Z';
const LEAD_ID = 'lead-0123456789abcdef0123';
const EXP = Date.parse('2026-03-31T10:30:00.000Z') / 1000;
const sam = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:05.000Z' };
const kim = { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:00:00.000Z' };

function cycle(overrides: Partial<Cycle> = {}): Cycle {
  return {
    leadId: LEAD_ID,
    cycle: 1,
    owner: sam,
    previousReps: [],
    acceptBy: '2026-03-01T13:00:05.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
    outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' },
    ...overrides,
  };
}

let journey: InMemoryJourney;
/** The feedback items and events in memory, keeping the store's rule: the first per cycle and occasion stands, item and event together. */
let items: Map<string, FeedbackEntry>;
let events: Map<string, FeedbackEvent>;

const itemKey = (leadId: string, cycle: number, occasion: string) => `${leadId}#${cycle}#${occasion}`;

function ports(): GiveFeedbackPorts {
  const { now, linkSigningKey, getLead, getCycle } = journey.ports;
  return {
    now,
    linkSigningKey,
    getLead,
    getCycle,
    feedbackConfig: feedback,
    getFeedback: async (leadId, cycle, occasion) => structuredClone(items.get(itemKey(leadId, cycle, occasion))),
    storeFeedback: async (event) => {
      const key = itemKey(event.leadId, event.feedback.cycle, event.feedback.occasion);
      if (items.has(key) || events.has(event.messageId)) return 'duplicate';
      items.set(key, structuredClone(event.feedback));
      events.set(event.messageId, structuredClone(event));
      return 'recorded';
    },
  };
}

interface Visit {
  occasion?: FeedbackOccasion;
  method?: 'GET' | 'POST';
  rep?: string;
  cycle?: number;
  exp?: number;
  sig?: string;
  body?: string;
}

function visit({ occasion = 'accepted', method = 'GET', rep = 'rep-sam', cycle = 1, exp = EXP, sig, body }: Visit) {
  const signature = sig ?? signLink({ leadId: LEAD_ID, cycle, repId: rep, occasion, exp }, SIGNING_KEY);
  return feedbackHandler(ports())(
    httpEvent({
      method,
      path: `/v1/feedback/${LEAD_ID}/${cycle}/${occasion}`,
      pathParameters: { leadId: LEAD_ID, cycle: String(cycle), occasion },
      queryStringParameters: { rep, exp: String(exp), sig: signature },
      headers: { accept: 'text/html', ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(body !== undefined && { body }),
    }),
    lambdaContext('feedback'),
  );
}

function expectNothingStored() {
  expect(items.size).toBe(0);
  expect(events.size).toBe(0);
}

describe('feedback handler (signed feedback links)', () => {
  beforeEach(() => {
    journey = new InMemoryJourney(new Date(NOW), SIGNING_KEY);
    items = new Map();
    events = new Map();
    journey.putLead(mqlLead({ stage: 'sal' }));
    journey.setCycle(cycle());
  });

  it('shows the form: a rating 1 to 5, the occasion’s reason boxes, a comment; and stores nothing', async () => {
    const page = await visit({});

    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    for (const rating of [1, 2, 3, 4, 5]) expect(page.body).toContain(`name="rating" value="${rating}"`);
    for (const reason of feedback.reasons.accepted) expect(page.body).toContain(`name="reason" value="${reason.id}"`);
    expect(page.body).not.toContain('value="no-need"');
    expect(page.body).toContain('<textarea name="comment"');
    expectNothingStored();
  });

  it('stores the feedback once, as its event and its item, and thanks the rep', async () => {
    const page = await visit({ method: 'POST', body: 'rating=4&reason=right-fit&reason=clear-need&comment=+Keen+buyer+' });

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Thanks for your feedback');
    expect(page.body).toContain('Has a clear need we solve');
    const entry: FeedbackEntry = {
      leadId: LEAD_ID,
      cycle: 1,
      occasion: 'accepted',
      repId: 'rep-sam',
      rating: 4,
      reasons: ['right-fit', 'clear-need'],
      comment: 'Keen buyer',
      at: NOW,
    };
    expect([...items.values()]).toEqual([entry]);
    expect([...events.values()]).toEqual([{ messageId: `feedback-${LEAD_ID}-1-accepted`, kind: 'feedback', leadId: LEAD_ID, feedback: entry, receivedAt: NOW }]);
  });

  it('keeps the first feedback: a second submission shows what is stored and changes nothing', async () => {
    await visit({ method: 'POST', body: 'rating=2' });

    const again = await visit({ method: 'POST', body: 'rating=5&reason=budget-confirmed' });

    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('The first feedback on this stands; this one was not saved.');
    expect(again.body).toContain('2 of 5');
    expect([...items.values()].map((e) => e.rating)).toEqual([2]);
    expect(events.size).toBe(1);
  });

  it('shows the feedback given when the link is opened again', async () => {
    await visit({ method: 'POST', body: 'rating=3&reason=timing-now' });

    const page = await visit({});

    expect(page.body).toContain('This is the feedback you gave. It stands.');
    expect(page.body).toContain('Wants to buy this quarter');
    expect(page.body).not.toContain('<form');
  });

  it.each([
    ['no rating', 'reason=right-fit', 'rating'],
    ['a rating of 6', 'rating=6', 'rating'],
    ['a rating that is not a number', 'rating=good', 'rating'],
    ['a reason of another occasion', 'rating=3&reason=no-need', 'reasons[0]'],
    ['a comment past 2,000 characters', `rating=3&comment=${'x'.repeat(2001)}`, 'comment'],
  ])('answers 400 naming the field for %s, shows the form again, and stores nothing', async (_, body, field) => {
    const page = await visit({ method: 'POST', body });

    expect(page.statusCode).toBe(400);
    expect(page.body).toContain(`<strong>${field}</strong>`);
    expect(page.body).toContain('Nothing was saved.');
    expect(page.body).toContain('<form method="post">');
    expectNothingStored();
  });

  it('requires at least one reason for a rejection (400 naming `reasons`)', async () => {
    journey.putLead(mqlLead({ stage: 'recycled' }));
    journey.setCycle(cycle({ outcome: { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z', reason: 'No budget' } }));

    const page = await visit({ occasion: 'rejected', method: 'POST', body: 'rating=1' });
    const ok = await visit({ occasion: 'rejected', method: 'POST', body: 'rating=1&reason=no-need' });

    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('<strong>reasons</strong>: a rejection needs at least one reason');
    expect(ok.statusCode).toBe(200);
    expect([...items.values()].map((e) => e.reasons)).toEqual([['no-need']]);
  });

  it('refuses a tampered link (403) before reading anything', async () => {
    const genuine = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', occasion: 'accepted', exp: EXP }, SIGNING_KEY);

    const tampered = await visit({ method: 'POST', body: 'rating=5', sig: (genuine[0] === 'A' ? 'B' : 'A') + genuine.slice(1) });
    const otherOccasion = await visit({ occasion: 'closed', method: 'POST', body: 'rating=5', sig: genuine });
    const otherRep = await visit({ rep: 'rep-kim', method: 'POST', body: 'rating=5', sig: genuine });
    const handoffSig = await visit({ method: 'POST', body: 'rating=5', sig: signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: EXP }, SIGNING_KEY) });

    for (const page of [tampered, otherOccasion, otherRep, handoffSig]) expect(page.statusCode).toBe(403);
    expect(journey.reads).toEqual([]);
    expectNothingStored();
  });

  it('refuses an expired link with a 410 page that says it is out of date', async () => {
    const page = await visit({ method: 'POST', body: 'rating=5', exp: Date.parse(NOW) / 1000 });

    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('This link is out of date');
    expectNothingStored();
  });

  it('refuses a rep the lead was reassigned away from, saying why (409)', async () => {
    journey.setCycle(cycle({ owner: kim, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-kim', at: '2026-03-01T18:00:00.000Z' }, reassignments: [{ repId: 'rep-sam', acceptBy: '2026-03-01T13:00:05.000Z', at: '2026-03-01T13:01:00.000Z' }] }));

    const page = await visit({ method: 'POST', body: 'rating=5' });

    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('The lead was reassigned from you to another rep. Nothing was saved.');
    expectNothingStored();
  });

  it('refuses a link of an earlier cycle, saying why (409)', async () => {
    journey.putLead(mqlLead({ stage: 'mql', cycle: 2 }));

    const page = await visit({ method: 'POST', body: 'rating=5' });

    expect(page.statusCode).toBe(409);
    expect(page.body).toContain('This link is for an earlier hand-off of the lead');
    expectNothingStored();
  });

  it('answers 404 for a lead that does not exist', async () => {
    journey.leads.clear();

    const page = await visit({ method: 'POST', body: 'rating=5' });

    expect(page.statusCode).toBe(404);
    expectNothingStored();
  });

  it('answers 400 naming `occasion` for an occasion that does not exist, without reading anything', async () => {
    const result = await feedbackHandler(ports())(
      httpEvent({
        method: 'GET',
        path: `/v1/feedback/${LEAD_ID}/1/someday`,
        pathParameters: { leadId: LEAD_ID, cycle: '1', occasion: 'someday' },
        queryStringParameters: { rep: 'rep-sam', exp: String(EXP), sig: 'x' },
      }),
      lambdaContext('feedback'),
    );

    expect(result.statusCode).toBe(400);
    expect(issuePaths(result)).toEqual(['occasion']);
    expect(journey.reads).toEqual([]);
  });
});
