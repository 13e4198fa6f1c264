import { beforeEach, describe, expect, it } from 'vitest';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { Outcome } from '../../../functions/core/outcomes.ts';
import type { ActivityRecord } from '../../../functions/core/records.ts';
import { signLink, type HandoffAction } from '../../../functions/core/links.ts';
import { feedback } from '../../../config/index.ts';
import { handoffLinkHandler, type HandoffLinkPorts } from '../../../functions/outcome/handler.ts';
import { mqlLead } from './fixtures.ts';
import { httpEvent, issuePaths, lambdaContext } from './http-event.ts';
import { InMemoryJourney } from './in-memory-journey.ts';

const SIGNING_KEY = 'test-link-signing-key';
const NOW = '2026-03-01T10:30:00.000Z';
const LEAD_ID = 'lead-0123456789abcdef0123';
/** Links in these tests work until 2026-03-31T10:30:00Z, 30 days after NOW. */
const EXP = Date.parse('2026-03-31T10:30:00.000Z') / 1000;

/** The cycle record of cycle 1 as assign-rep writes it: rep-sam owns it, nothing decided. */
function openCycle(overrides: Partial<Cycle> = {}): Cycle {
  return {
    leadId: LEAD_ID,
    cycle: 1,
    owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-01T09:00:05.000Z' },
    previousReps: [],
    acceptBy: '2026-03-01T13:00:05.000Z',
    acceptWithinSeconds: 14_400,
    missed: 0,
    ...overrides,
  };
}

let store: InMemoryJourney;
/** activities stored through the port, by activityId: the first one stands */
let activities: Map<string, ActivityRecord>;

/** The journey's in-memory ports, with an activity store keeping the port's rule (once per activityId) and the reason boxes. */
function ports(): HandoffLinkPorts {
  return {
    ...store.ports,
    feedbackConfig: feedback,
    recordActivity: async (record) => {
      if (activities.has(record.activityId)) return 'duplicate';
      activities.set(record.activityId, structuredClone(record));
      return 'recorded';
    },
  };
}

let cycleBefore: Cycle | undefined;

/** The lead (unless undefined) and its cycle 1, open until a test says otherwise. */
function stubLead(lead: ReturnType<typeof mqlLead> | undefined) {
  if (lead) store.putLead(lead, 3);
  stubCycle(openCycle());
}

function stubCycle(cycle: Cycle) {
  store.setCycle(cycle);
  cycleBefore = structuredClone(cycle);
}

function expectLeadRead() {
  expect(store.reads).toContain(`lead ${LEAD_ID}`);
}

function expectLeadNotRead() {
  expect(store.reads).not.toContain(`lead ${LEAD_ID}`);
}

/** Neither a decision on the cycle nor an outcome event was written by this request. */
function expectNoOutcomeStored() {
  expect(store.events.size).toBe(0);
  expect(store.cycle(LEAD_ID, 1)).toEqual(cycleBefore);
}

/** The decision on the cycle and the outcome event, stored once, under its deterministic messageId. */
function expectDecisionWritten(outcome: Outcome, messageId: string) {
  expect(store.cycle(LEAD_ID, 1)?.outcome).toEqual(outcome);
  expect([...store.events.values()]).toEqual([{ messageId, kind: 'outcome', leadId: LEAD_ID, outcome, receivedAt: NOW }]);
}

interface LinkRequest {
  action: HandoffAction;
  method?: 'GET' | 'POST';
  rep?: string;
  cycle?: number;
  sig?: string;
  exp?: number;
  body?: string;
  isBase64Encoded?: boolean;
  accept?: string;
}

/** A click on (or a form post from) a hand-off link, signed like the email signs it unless `sig` says otherwise. */
function click({ action, method = 'GET', rep = 'rep-sam', cycle = 1, sig, exp = EXP, body, isBase64Encoded, accept }: LinkRequest) {
  const signature = sig ?? signLink({ leadId: LEAD_ID, cycle, repId: rep, action, exp }, SIGNING_KEY);
  return handoffLinkHandler(ports())(
    httpEvent({
      method,
      path: `/v1/handoffs/${LEAD_ID}/${cycle}/${action}`,
      pathParameters: { leadId: LEAD_ID, cycle: String(cycle), action },
      queryStringParameters: { rep, exp: String(exp), sig: signature },
      headers: {
        ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...(accept !== undefined && { accept }),
      },
      ...(body !== undefined && { body }),
      ...(isBase64Encoded !== undefined && { isBase64Encoded }),
    }),
    lambdaContext('outcome'),
  );
}

describe('outcome handler (hand-off links)', () => {
  beforeEach(() => {
    store = new InMemoryJourney(new Date(NOW), SIGNING_KEY);
    activities = new Map();
    cycleBefore = undefined;
  });

  it('only asks for confirmation when the accept link is opened, so a mail scanner opening it accepts nothing', async () => {
    // Prepare
    stubLead(mqlLead());

    // Act
    const result = await click({ action: 'accept' });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Accept this lead?');
    expect(result.body).toContain('<form method="post">');
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('stores an accepted outcome event with a deterministic messageId when the rep confirms', async () => {
    // Prepare
    stubLead(mqlLead());

    // Act
    const result = await click({ action: 'accept', method: 'POST' });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    expect(result.body).toContain('Lead accepted');
    expectLeadRead();
    expectDecisionWritten({ kind: 'accepted', cycle: 1, repId: 'rep-sam', at: NOW }, `handoff-${LEAD_ID}-1-rep-sam-accepted`);
  });

  it('answers "already accepted" with the time of the stored acceptance when the same confirmation is posted twice, and writes nothing', async () => {
    stubLead(mqlLead({ stage: 'sal' }));
    stubCycle(openCycle({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' } }));

    const result = await click({ action: 'accept', method: 'POST' });

    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Already accepted');
    expect(result.body).toContain('You already accepted this lead at 2026-03-01 10:00 UTC. Nothing changed.');
    expect(result.body).not.toContain('Lead accepted');
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('says the rejection was not recorded when the rep had already accepted, and writes nothing', async () => {
    stubLead(mqlLead());
    stubCycle(openCycle({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:29:00.000Z' } }));

    const result = await click({ action: 'reject', method: 'POST', body: 'reason=No+budget' });

    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('This lead was already accepted by you at 2026-03-01 10:29 UTC. Your rejection was not recorded.');
    expect(result.body).not.toContain('recorded for marketing');
    expectNoOutcomeStored();
  });

  it('reports the acceptance that won when a rejection posted right after it is refused by the cycle', async () => {
    // Prepare: the cycle is open when read; the acceptance is written first, so the transaction is refused
    stubLead(mqlLead());
    const acceptance: Outcome = { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:29:59.000Z' };
    store.beforeNext('recordDecision', () => {
      store.cycle(LEAD_ID, 1)!.outcome = acceptance;
    });

    // Act
    const result = await click({ action: 'reject', method: 'POST', body: 'reason=No+budget' });

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('This lead was already accepted by you at 2026-03-01 10:29 UTC. Your rejection was not recorded.');
    expect(store.writes.recordDecision).toBe(1);
    expect(store.cycle(LEAD_ID, 1)?.outcome).toEqual(acceptance);
    expect(store.events.size).toBe(0);
  });

  it('says the lead was reassigned, when, and which deadline passed, to a rep whose window ended', async () => {
    stubLead(mqlLead({ owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:00:00.000Z' } }));
    stubCycle(
      openCycle({
        owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:00:00.000Z' },
        previousReps: ['rep-sam'],
        missed: 2,
        reassignments: [{ repId: 'rep-sam', acceptBy: '2026-03-01T17:00:05.000Z', at: '2026-03-01T17:01:00.000Z' }],
      }),
    );

    const result = await click({ action: 'accept', method: 'POST' });

    expect(result.statusCode).toBe(409);
    expect(result.body).toContain(
      'This lead was reassigned to another rep at 2026-03-01 17:01 UTC because the acceptance window ended at 2026-03-01 17:00 UTC. Your acceptance was not recorded.',
    );
    expectNoOutcomeStored();
  });

  it('refuses a tampered signature with 403 and stores nothing', async () => {
    stubLead(mqlLead());
    const genuine = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: EXP }, SIGNING_KEY);
    const tampered = (genuine[0] === 'A' ? 'B' : 'A') + genuine.slice(1);

    const result = await click({ action: 'accept', sig: tampered });

    expect(result.statusCode).toBe(403);
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('refuses a reject link signed for accepting, with 403', async () => {
    stubLead(mqlLead());

    const result = await click({
      action: 'reject',
      method: 'POST',
      body: 'reason=Not+a+fit',
      sig: signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: EXP }, SIGNING_KEY),
    });

    expect(result.statusCode).toBe(403);
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('refuses a link signed with another key, with 403', async () => {
    stubLead(mqlLead());

    const result = await click({
      action: 'accept',
      sig: signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: EXP }, 'some-other-key'),
    });

    expect(result.statusCode).toBe(403);
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('shows a person whose browser follows a tampered link an HTML error page', async () => {
    stubLead(mqlLead());

    const result = await click({ action: 'accept', sig: 'forged', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });

    expect(result.statusCode).toBe(403);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    expect(result.body).toContain('This link is not valid.');
    expectLeadNotRead();
    expectNoOutcomeStored();
  });

  it('answers 409 and stores nothing when the lead is now owned by another rep', async () => {
    stubLead(mqlLead({ owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T09:30:00.000Z' } }));
    stubCycle(openCycle({ owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T09:30:00.000Z' } }));

    const result = await click({ action: 'accept', rep: 'rep-sam' });

    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('The lead is no longer assigned to you.');
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 200 "already accepted" from the cycle\'s recorded decision, not the stage history, when the accept link is opened again', async () => {
    // Prepare: the lead moved on past SAL since; the cycle still holds the decision
    stubLead(mqlLead({ stage: 'sql', stageHistory: [{ from: 'known', to: 'mql', at: '2026-03-01T09:00:00.000Z', cause: 'qualified' }] }));
    stubCycle(openCycle({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' } }));

    const result = await click({ action: 'accept' });

    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Already accepted');
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 409 for a link from an earlier cycle of the lead', async () => {
    stubLead(mqlLead({ cycle: 2 }));

    const result = await click({ action: 'accept', cycle: 1 });

    expect(result.statusCode).toBe(409);
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 404 for a lead that does not exist', async () => {
    stubLead(undefined);

    const result = await click({ action: 'accept' });

    expect(result.statusCode).toBe(404);
    expectLeadRead();
    expectNoOutcomeStored();
  });

  it('answers 400 naming `leadId` for a malformed lead id, without reading anything', async () => {

    const result = await handoffLinkHandler(ports())(
      httpEvent({
        method: 'GET',
        path: '/v1/handoffs/not-a-lead/1/accept',
        pathParameters: { leadId: 'not-a-lead', cycle: '1', action: 'accept' },
        queryStringParameters: { rep: 'rep-sam', exp: String(EXP), sig: 'x' },
      }),
      lambdaContext('outcome'),
    );

    expect(result.statusCode).toBe(400);
    expect(issuePaths(result)).toEqual(['leadId']);
    expect(store.reads).toEqual([]);
    expectNoOutcomeStored();
  });

  describe('the links of a lead merged into another', () => {
    const SURVIVOR_ID = 'lead-fedcba9876543210fedc';
    const mergedAway = (into: { leadId: string; cycle: number }) => {
      store.putLead(mqlLead({ mergedInto: SURVIVOR_ID }), 4);
      stubCycle(openCycle({ mergedInto: into }));
    };

    it('decide the hand-off where the merge moved it, when it is still this rep’s', async () => {
      // Prepare: the survivor's cycle 2 continues this lead's cycle 1, rep-sam's
      mergedAway({ leadId: SURVIVOR_ID, cycle: 2 });
      store.putLead(mqlLead({ leadId: SURVIVOR_ID, cycle: 2, owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: NOW } }), 2);
      store.setCycle(openCycle({ leadId: SURVIVOR_ID, cycle: 2, continues: { leadId: LEAD_ID, cycle: 1 } }));

      // Act
      const result = await click({ action: 'accept', method: 'POST' });

      // Assess: recorded on the survivor's cycle, as the survivor's event; the merged lead's cycle untouched
      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('Lead accepted');
      const outcome = { kind: 'accepted', cycle: 2, repId: 'rep-sam', at: NOW };
      expect(store.cycle(SURVIVOR_ID, 2)?.outcome).toEqual(outcome);
      expect([...store.events.values()]).toEqual([{ messageId: `handoff-${SURVIVOR_ID}-2-rep-sam-accepted`, kind: 'outcome', leadId: SURVIVOR_ID, outcome, receivedAt: NOW }]);
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleBefore);
    });

    it('decide nothing when the survivor’s own hand-off (another rep’s) stands, and say so', async () => {
      // Prepare: the survivor was already handed off to rep-kim
      mergedAway({ leadId: SURVIVOR_ID, cycle: 1 });
      store.putLead(mqlLead({ leadId: SURVIVOR_ID, owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: NOW } }), 2);
      store.setCycle(openCycle({ leadId: SURVIVOR_ID, owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: NOW } }));

      // Act
      const result = await click({ action: 'accept', method: 'POST' });

      // Assess
      expect(result.body).toContain('merged with another record of the same person');
      expect(store.events.size).toBe(0);
      expect(store.cycle(SURVIVOR_ID, 1)?.outcome).toBeUndefined();
      expect(store.cycle(LEAD_ID, 1)).toEqual(cycleBefore);
    });
  });

  describe('rejecting', () => {
    it('shows a form asking for the reason on GET and stores nothing yet', async () => {
        stubLead(mqlLead());
  
      const result = await click({ action: 'reject', method: 'GET' });

      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toMatch(/^text\/html/);
      expect(result.body).toContain('<form method="post">');
      expect(result.body).toContain('name="reason"');
        expectLeadRead();
      expectNoOutcomeStored();
    });

    it('stores a rejected outcome with the reason posted from the form', async () => {
        stubLead(mqlLead());
  
      const result = await click({ action: 'reject', method: 'POST', body: 'reason=No+budget' });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('Lead sent back to marketing');
      expect(result.body).toContain('Your reason (“No budget”) was recorded for marketing.');
        expectLeadRead();
      expectDecisionWritten({ kind: 'rejected', cycle: 1, repId: 'rep-sam', at: NOW, reason: 'No budget' }, `handoff-${LEAD_ID}-1-rep-sam-rejected`);
    });

    it('reads a form body that API Gateway passed base64-encoded', async () => {
        stubLead(mqlLead());
  
      const result = await click({
        action: 'reject',
        method: 'POST',
        body: Buffer.from('reason=Not+the+decision+maker').toString('base64'),
        isBase64Encoded: true,
      });

      expect(result.statusCode).toBe(200);
        expectLeadRead();
      expectDecisionWritten({ kind: 'rejected', cycle: 1, repId: 'rep-sam', at: NOW, reason: 'Not the decision maker' }, `handoff-${LEAD_ID}-1-rep-sam-rejected`);
    });

    it('answers 400 naming `reason` when the form has no reason, and stores nothing', async () => {
        stubLead(mqlLead());
  
      const result = await click({ action: 'reject', method: 'POST', body: '' });

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['reason']);
        expectLeadRead();
      expectNoOutcomeStored();
    });

    it('answers 400 naming `reason` when the reason is only blanks', async () => {
        stubLead(mqlLead());
  
      const result = await click({ action: 'reject', method: 'POST', body: 'reason=+++' });

      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body ?? '')).toMatchObject({ issues: [{ path: 'reason', message: 'a reason is required' }] });
        expectLeadRead();
      expectNoOutcomeStored();
    });
    it('keeps the earlier reason and says so when the rep rejects again with another one', async () => {
        stubLead(mqlLead({ stage: 'recycled' }));
      stubCycle(openCycle({ outcome: { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z', reason: 'No budget' } }));
  
      const result = await click({ action: 'reject', method: 'POST', body: 'reason=Not+a+fit' });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('You already sent this lead back to marketing at 2026-03-01 10:00 UTC. Your earlier reason (“No budget”) was kept; the new one (“Not a fit”) was not recorded.');
      expect(result.body).not.toContain('Your reason (“Not a fit”) was recorded');
      expectNoOutcomeStored();
    });
  });

  describe('links with an expiry', () => {
    it('refuses a genuine link from its expiry on with 410 and a page that says it is out of date, reading and storing nothing', async () => {
      // Prepare: a link whose expiry is NOW
      stubLead(mqlLead());

      // Act
      const result = await click({ action: 'accept', method: 'POST', exp: Date.parse(NOW) / 1000, accept: 'text/html' });

      // Assess
      expect(result.statusCode).toBe(410);
      expect(result.body).toContain('This link is out of date: it worked until 2026-03-01 10:30 UTC.');
      expectLeadNotRead();
      expectNoOutcomeStored();
    });

    it('still works in the last second before its expiry', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'accept', method: 'POST', exp: Date.parse(NOW) / 1000 + 1 });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('Lead accepted');
    });

    it('refuses a link whose expiry was pushed back with 403 (the signature covers it)', async () => {
      stubLead(mqlLead());
      const genuine = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: Date.parse(NOW) / 1000 }, SIGNING_KEY);

      const result = await click({ action: 'accept', method: 'POST', sig: genuine, exp: EXP });

      expect(result.statusCode).toBe(403);
      expectLeadNotRead();
      expectNoOutcomeStored();
    });

    it('answers 400 naming `exp` for a link without a readable expiry, without reading anything', async () => {
      const result = await handoffLinkHandler(ports())(
        httpEvent({
          method: 'GET',
          path: `/v1/handoffs/${LEAD_ID}/1/accept`,
          pathParameters: { leadId: LEAD_ID, cycle: '1', action: 'accept' },
          queryStringParameters: { rep: 'rep-sam', exp: 'soon', sig: 'x' },
        }),
        lambdaContext('outcome'),
      );

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['exp']);
      expect(store.reads).toEqual([]);
    });
  });

  describe('feedback asked for after the decision', () => {
    it('offers the feedback form for `accepted` on the acceptance page, posting to a signed feedback link of this rep', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'accept', method: 'POST' });

      // Assess: the form posts to the feedback page, resolved against the page's own URL
      expect(result.body).toContain('Your feedback on this lead');
      const action = /<form method="post" action="([^"]+)"/.exec(result.body ?? '')?.[1]?.replaceAll('&#38;', '&');
      expect(action).toBeDefined();
      const target = new URL(action!, `https://api.example.test/prod/v1/handoffs/${LEAD_ID}/1/accept?rep=rep-sam`);
      expect(target.pathname).toBe(`/prod/v1/feedback/${LEAD_ID}/1/accepted`);
      const exp = Number(target.searchParams.get('exp'));
      expect(exp).toBe(EXP); // 30 days after NOW
      expect(target.searchParams.get('sig')).toBe(signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', occasion: 'accepted', exp }, SIGNING_KEY));
      expect(result.body).toContain('name="rating"');
      expect(result.body).toContain('Fits our ideal customer profile');
    });

    it('links to the feedback page when an acceptance already stood, and offers no feedback while the decision is open', async () => {
      stubLead(mqlLead({ stage: 'sal' }));
      stubCycle(openCycle({ outcome: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' } }));

      const again = await click({ action: 'accept' });

      expect(again.body).toMatch(/<a href="\.\.\/\.\.\/\.\.\/\.\.\/v1\/feedback\/lead-0123456789abcdef0123\/1\/accepted\?rep=rep-sam&#38;exp=\d+&#38;sig=[^"]+">Your feedback on this lead<\/a>/);
      stubCycle(openCycle());
      expect((await click({ action: 'accept' })).body).not.toContain('feedback');
    });

    it('offers the feedback form for `rejected` after a rejection, and none for another rep refused', async () => {
      stubLead(mqlLead());

      const rejected = await click({ action: 'reject', method: 'POST', body: 'reason=No+budget' });

      expect(rejected.body).toContain(`v1/feedback/${LEAD_ID}/1/rejected?rep=rep-sam`);
      expect(rejected.body).toContain('Not our market (size, industry, country)');
      const other = await click({ action: 'accept', method: 'POST', rep: 'rep-kim' });
      expect(other.statusCode).toBe(409);
      expect(other.body).not.toContain('v1/feedback');
    });
  });

  describe('"not now": recontact later', () => {
    it('offers recontact in 1, 3 or 6 months on the reject form, none chosen by default', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'reject' });

      expect(result.body).toContain('<input type="radio" name="recontact" value="" checked>');
      for (const months of ['1', '3', '6']) expect(result.body).toContain(`<input type="radio" name="recontact" value="${months}">`);
    });

    it('stores the recontact date on the rejected outcome and says it on the confirmation page', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'reject', method: 'POST', body: 'reason=Too+early&recontact=3' });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('It goes back to sales on 2026-06-01, as you asked.');
      expectDecisionWritten(
        { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: NOW, reason: 'Too early', recontactAt: '2026-06-01T10:30:00.000Z' },
        `handoff-${LEAD_ID}-1-rep-sam-rejected`,
      );
    });

    it('stores no recontact date when "no" is chosen', async () => {
      stubLead(mqlLead());

      await click({ action: 'reject', method: 'POST', body: 'reason=Too+early&recontact=' });

      expectDecisionWritten({ kind: 'rejected', cycle: 1, repId: 'rep-sam', at: NOW, reason: 'Too early' }, `handoff-${LEAD_ID}-1-rep-sam-rejected`);
    });

    it('answers 400 naming `recontact` for another number of months, and stores nothing', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'reject', method: 'POST', body: 'reason=Too+early&recontact=12' });

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['recontact']);
      expectNoOutcomeStored();
    });

    it('names the field on the page a browser gets', async () => {
      stubLead(mqlLead());

      const result = await click({ action: 'reject', method: 'POST', body: 'reason=Too+early&recontact=12', accept: 'text/html' });

      expect(result.statusCode).toBe(400);
      expect(result.body).toContain('<strong>recontact</strong>: recontact in 1, 3 or 6 months, or leave it empty');
      expectNoOutcomeStored();
    });
  });

  describe('"I contacted them"', () => {
    const accepted = { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: '2026-03-01T10:00:00.000Z' } as const;
    const acceptedLead = () => {
      stubLead(mqlLead({ stage: 'sal' }));
      stubCycle(openCycle({ outcome: accepted }));
    };

    it('only shows the button (call, email or meeting; call by default) when the link is opened, and records nothing', async () => {
      acceptedLead();

      const result = await click({ action: 'contacted' });

      expect(result.statusCode).toBe(200);
      expect(result.body).toContain('<input type="radio" name="kind" value="call" checked>');
      expect(result.body).toContain('value="meeting"');
      expect(activities.size).toBe(0);
    });

    it('records a call by the link for the owner of an accepted lead, once per day', async () => {
      acceptedLead();

      const first = await click({ action: 'contacted', method: 'POST', body: '' });
      const again = await click({ action: 'contacted', method: 'POST', body: 'kind=meeting' });

      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('Your call at 2026-03-01 10:30 UTC counts');
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('You already told us you contacted this lead today. Nothing changed.');
      expect([...activities.values()]).toEqual([
        { leadId: LEAD_ID, cycle: 1, activityId: `contacted-${LEAD_ID}-1-rep-sam-2026-03-01`, kind: 'call', at: NOW, repId: 'rep-sam', via: 'link' },
      ]);
      expect(store.events.size).toBe(0);
    });

    it('records the kind chosen', async () => {
      acceptedLead();

      await click({ action: 'contacted', method: 'POST', body: 'kind=email' });

      expect([...activities.values()].map((a) => a.kind)).toEqual(['email']);
    });

    it('answers 400 naming `kind` for another kind, and records nothing', async () => {
      acceptedLead();

      const result = await click({ action: 'contacted', method: 'POST', body: 'kind=fax' });

      expect(result.statusCode).toBe(400);
      expect(issuePaths(result)).toEqual(['kind']);
      expect(activities.size).toBe(0);
    });

    it.each([
      ['not accepted yet', () => stubLead(mqlLead()), 'Accept the lead first'],
      [
        'closed (won)',
        () => {
          stubLead(mqlLead({ stage: 'won' }));
          stubCycle(openCycle({ outcome: accepted }));
        },
        'The lead is no longer open with sales (stage won)',
      ],
      [
        'reassigned to another rep',
        () => {
          stubLead(mqlLead({ stage: 'sal' }));
          stubCycle(
            openCycle({
              owner: { repId: 'rep-kim', teamId: 'sales-emea', assignedAt: '2026-03-01T17:00:00.000Z' },
              reassignments: [{ repId: 'rep-sam', acceptBy: '2026-03-01T17:00:05.000Z', at: '2026-03-01T17:01:00.000Z' }],
            }),
          );
        },
        'The lead was reassigned from you to another rep',
      ],
      ['of a later cycle', () => stubLead(mqlLead({ stage: 'sal', cycle: 2 })), 'This link is for an earlier hand-off of the lead'],
    ])('refuses with 409, recording nothing, when the lead is %s', async (_, arrange, says) => {
      arrange();

      const result = await click({ action: 'contacted', method: 'POST', body: 'kind=call' });

      expect(result.statusCode).toBe(409);
      expect(result.body).toContain(says);
      expect(activities.size).toBe(0);
    });

    it('refuses an accept signature replayed on the contacted link with 403', async () => {
      acceptedLead();
      const acceptSig = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'accept', exp: EXP }, SIGNING_KEY);

      const result = await click({ action: 'contacted', method: 'POST', body: '', sig: acceptSig });

      expect(result.statusCode).toBe(403);
      expect(activities.size).toBe(0);
    });

    it('refuses another rep with a link signed for the owner, with 403', async () => {
      acceptedLead();
      const samSig = signLink({ leadId: LEAD_ID, cycle: 1, repId: 'rep-sam', action: 'contacted', exp: EXP }, SIGNING_KEY);

      const result = await click({ action: 'contacted', method: 'POST', body: '', rep: 'rep-kim', sig: samSig });

      expect(result.statusCode).toBe(403);
      expect(activities.size).toBe(0);
    });
  });
});
