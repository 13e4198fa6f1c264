import fc from 'fast-check';
import { foldForSave } from '#core/score-items.ts';
import { describe, expect, it } from 'vitest';
import { applyEvents, newLead, type Lead } from '#core/lead.ts';
import { engagementAt, scoreEvent, scoringModelSchema, type LedgerEntry, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

import { assignedMql, at, demoRequest, eventsArb, identify, model, pageView, stored } from './lead-fixtures.ts';

const emptyLead = () => newLead('lead-1', at(0), model);

describe('a new lead', () => {
  it('starts as an unscored visitor of the current model, in cycle 0', () => {
    // Prepare / Act
    const lead = newLead('lead-1', at(0), model);

    // Assess
    expect(lead).toEqual({
      leadId: 'lead-1',
      identities: [],
      traits: {},
      stage: 'visitor',
      stageHistory: [],
      ledger: [],
      modelVersion: 'lead-test-1',
      engagement: 0,
      grade: 'D',
      scoredAt: at(0),
      cycle: 0,
      touches: [],
      recentActivity: [],
      createdAt: at(0),
    });
  });
});

describe('stage progression', () => {
  it('keeps an anonymous visitor a visitor, however engaged', () => {
    // Prepare: 3 page views = 15, above the engaged threshold of 10
    const events = [pageView('m-1', 1), pageView('m-2', 2), pageView('m-3', 3)];

    // Act
    const { lead, changes } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.stage).toBe('visitor');
    expect(lead.engagement).toBe(15);
    expect(changes).toEqual([]);
    expect(lead.identities).toEqual(['anon:anon-1']);
  });

  it('makes a visitor known when an email arrives', () => {
    // Prepare
    const { lead: visitor } = applyEvents(emptyLead(), [pageView('m-1', 1)], model);

    // Act
    const { lead, changes } = applyEvents(visitor, [identify('m-2', 2, 'jo@acme.io', { firstName: 'Jo' })], model);

    // Assess
    expect(changes).toEqual([{ from: 'visitor', to: 'known', at: at(2), cause: 'identified as jo@acme.io' }]);
    expect(lead.stage).toBe('known');
    expect(lead.email).toBe('jo@acme.io');
    expect(lead.traits).toEqual({ email: 'jo@acme.io', firstName: 'Jo' });
    expect(lead.identities).toEqual(['anon:anon-1', 'email:jo@acme.io']);
    expect(lead.grade).toBe('B');
    expect(lead.stageHistory).toEqual(changes);
  });

  it('makes a known lead engaged when engagement reaches the threshold', () => {
    // Prepare: one page view (5) before identifying; a second one makes 10
    const { lead: known } = applyEvents(emptyLead(), [pageView('m-1', 1), identify('m-2', 2, 'jo@acme.io')], model);

    // Act
    const { lead, changes } = applyEvents(known, [pageView('m-3', 3)], model);

    // Assess
    expect(changes).toEqual([{ from: 'known', to: 'engaged', at: at(3), cause: 'engagement 10 reached 10' }]);
    expect(lead.engagement).toBe(10);
  });

  it('makes an engaged lead an MQL when grade and engagement meet the rule, starting cycle 1 with its journey pending', () => {
    // Prepare: 2 page views (10) and a business email (grade B); a demo request adds 40 → 50
    const { lead: engaged } = applyEvents(emptyLead(), [pageView('m-1', 1), identify('m-2', 2, 'jo@acme.io'), pageView('m-3', 3)], model);

    // Act
    const { lead, changes } = applyEvents(engaged, [demoRequest('m-4', 4)], model);

    // Assess
    expect(changes).toEqual([
      // with the engagement at hand-off, which its decision is counted under by score band
      { from: 'engaged', to: 'mql', at: at(4), cause: 'grade B and engagement 50 met the qualification rule of model lead-test-1', engagement: 50 },
    ]);
    expect(lead.stage).toBe('mql');
    expect(lead.cycle).toBe(1);
    expect(lead.journeyPending).toBe(1);
    expect(lead.stageHistory.map((c) => c.to)).toEqual(['known', 'engaged', 'mql']);
  });

  it('walks a visitor through known and engaged to MQL within one event when everything is already there', () => {
    // Prepare: two anonymous demo requests (80) before the visitor identifies with a business email
    const events = [demoRequest('m-1', 1), demoRequest('m-2', 2), identify('m-3', 3, 'jo@acme.io')];

    // Act
    const { lead, changes } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(changes.map((c) => [c.from, c.to, c.at])).toEqual([
      ['visitor', 'known', at(3)],
      ['known', 'engaged', at(3)],
      ['engaged', 'mql', at(3)],
    ]);
    expect(lead.cycle).toBe(1);
  });

  it('keeps an engaged lead with a poor fit from qualifying, however high the engagement', () => {
    // Prepare: free mail gives grade D; 3 demo requests give 120
    const events = [identify('m-1', 1, 'jo@gmail.com'), demoRequest('m-2', 2), demoRequest('m-3', 3), demoRequest('m-4', 4)];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.grade).toBe('D');
    expect(lead.engagement).toBe(120);
    expect(lead.stage).toBe('engaged');
    expect(lead.cycle).toBe(0);
    expect(lead.journeyPending).toBeUndefined();
  });

  it('qualifies an engaged lead once traits raise its grade to the minimum', () => {
    // Prepare: free mail (0 fit, D), engagement 80
    const { lead: engaged } = applyEvents(emptyLead(), [identify('m-1', 1, 'jo@gmail.com'), demoRequest('m-2', 2), demoRequest('m-3', 3)], model);

    // Act: a phone (10) lifts the fit to C only; a senior title (10 more, 20) lifts it to B
    const phone = applyEvents(engaged, [stored('m-4', 4, { type: 'identify', traits: { phone: '+44 1' } })], model);
    const title = applyEvents(phone.lead, [stored('m-5', 5, { type: 'identify', traits: { title: 'Head of Data' } })], model);

    // Assess
    expect([phone.lead.grade, phone.lead.stage]).toEqual(['C', 'engaged']);
    expect([title.lead.grade, title.lead.stage, title.lead.cycle]).toEqual(['B', 'mql', 1]);
    expect(title.changes.map((c) => c.cause)).toEqual(['grade B and engagement 80 met the qualification rule of model lead-test-1']);
  });

  it('leaves the lead it was given untouched', () => {
    // Prepare
    const before = emptyLead();
    const snapshot = structuredClone(before);

    // Act
    applyEvents(before, [identify('m-1', 1, 'jo@acme.io'), demoRequest('m-2', 2), pageView('m-3', 3), pageView('m-4', 4)], model);

    // Assess
    expect(before).toEqual(snapshot);
  });

  it('does nothing more to an MQL’s stage when more events arrive', () => {
    // Prepare
    const mql = assignedMql();

    // Act
    const { lead, changes } = applyEvents(mql, [demoRequest('m-9', 9)], model);

    // Assess
    expect(changes).toEqual([]);
    expect(lead.stage).toBe('mql');
    expect(lead.cycle).toBe(1);
    expect(lead.owner?.repId).toBe('rep-sam');
    expect(lead.engagement).toBe(mql.engagement + 40);
  });
});

describe('traits, identities and score bookkeeping', () => {
  it('keeps the first email seen as the lead’s email, and mirrors it in the traits', () => {
    // Prepare
    const events = [identify('m-1', 1, 'jo@acme.io'), identify('m-2', 2, 'jo.doe@other.io', { title: 'CTO' })];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.email).toBe('jo@acme.io');
    expect(lead.traits).toEqual({ email: 'jo@acme.io', title: 'CTO' });
    expect(lead.identities).toEqual(['email:jo@acme.io', 'anon:anon-1', 'email:jo.doe@other.io']);
  });

  it('keeps the email trait on the lead’s email when a later event carries an unusable one', () => {
    // Prepare: a business email (20 → grade B), then a form sending an empty or malformed email field
    const { lead: known } = applyEvents(emptyLead(), [identify('m-1', 1, 'jo@acme.io')], model);
    const blank = stored('m-2', 2, { type: 'identify', traits: { email: '', title: 'CTO' } });
    const malformed = stored('m-3', 3, { type: 'identify', traits: { email: 'n/a' } });

    // Act
    const { lead } = applyEvents(known, [blank, malformed], model);

    // Assess
    expect(lead.traits).toEqual({ email: 'jo@acme.io', title: 'CTO' });
    expect(lead.grade).toBe('B');
  });

  it('lets later traits overwrite earlier ones', () => {
    // Prepare
    const events = [
      stored('m-1', 1, { type: 'identify', traits: { title: 'Analyst', company: 'Acme' } }),
      stored('m-2', 2, { type: 'identify', traits: { title: 'Head of Data' } }),
    ];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.traits).toEqual({ title: 'Head of Data', company: 'Acme' });
  });

  it('never records the same identity twice', () => {
    // Prepare
    const events = [pageView('m-1', 1, { userId: 'crm-7' }), pageView('m-2', 2, { userId: 'crm-7' })];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.identities).toEqual(['user:crm-7', 'anon:anon-1']);
  });

  it('records every ledger entry with the model version and moves scoredAt to the latest event', () => {
    // Prepare
    const events = [pageView('m-1', 1), demoRequest('m-2', 5)];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.ledger.map((e) => [e.ruleId, e.messageId, e.points, e.modelVersion])).toEqual([
      ['page-view', 'm-1', 5, 'lead-test-1'],
      ['demo', 'm-2', 40, 'lead-test-1'],
    ]);
    expect(lead.scoredAt).toBe(at(5));
    expect(lead.modelVersion).toBe('lead-test-1');
  });

  it('does not move scoredAt back for a late event', () => {
    // Prepare
    const { lead: scored } = applyEvents(emptyLead(), [pageView('m-2', 5)], model);

    // Act
    const { lead } = applyEvents(scored, [pageView('m-1', 1)], model);

    // Assess
    expect(lead.scoredAt).toBe(at(5));
    expect(lead.engagement).toBe(10);
  });

  it('computes engagement with decay as of the latest event', () => {
    // Prepare: an email click (3, 10-day half-life), then a page view 10 days later: 1.5 + 5
    const events = [stored('m-1', 0, { type: 'track', event: 'Email Clicked' }), pageView('m-2', 240)];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.engagement).toBe(6.5);
  });
});

describe('touches and activity', () => {
  it('records a paid-search touch with its keyword (term) and ad (content)', () => {
    // Prepare
    const event = pageView('m-1', 1, { campaign: { source: 'google', medium: 'cpc', name: 'brand', term: 'lead scoring', content: 'ad-b' } });

    // Act
    const { lead } = applyEvents(emptyLead(), [event], model);

    // Assess
    expect(lead.touches).toEqual([{ messageId: 'm-1', at: at(1), source: 'google', medium: 'cpc', campaign: 'brand', term: 'lead scoring', content: 'ad-b' }]);
  });

  it('records a campaign touch with source, medium and campaign name', () => {
    // Prepare
    const event = pageView('m-1', 1, { campaign: { source: 'newsletter', medium: 'email', name: 'spring' } });

    // Act
    const { lead } = applyEvents(emptyLead(), [event], model);

    // Assess
    expect(lead.touches).toEqual([{ messageId: 'm-1', at: at(1), source: 'newsletter', medium: 'email', campaign: 'spring' }]);
  });

  it('records a referral from another site as a touch named after its host', () => {
    // Prepare
    const event = pageView('m-1', 1, { url: 'https://acme.io/pricing', referrer: 'https://search.example/q?x=1' });

    // Act
    const { lead } = applyEvents(emptyLead(), [event], model);

    // Assess
    expect(lead.touches).toEqual([{ messageId: 'm-1', at: at(1), source: 'search.example', medium: 'referral' }]);
  });

  it('does not count navigation within the own site, a campaign without a source, or an unreadable referrer as a touch', () => {
    // Prepare
    const events = [
      pageView('m-1', 1, { url: 'https://acme.io/pricing', referrer: 'https://acme.io/' }),
      pageView('m-2', 2, { campaign: { medium: 'email' } }),
      pageView('m-3', 3, { referrer: 'not a url' }),
    ];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.touches).toEqual([]);
  });

  it('keeps touches in time order even when they arrive out of order', () => {
    // Prepare
    const { lead: first } = applyEvents(emptyLead(), [pageView('m-2', 2, { campaign: { source: 'linkedin' } })], model);

    // Act
    const { lead } = applyEvents(first, [pageView('m-1', 1, { campaign: { source: 'google' } })], model);

    // Assess
    expect(lead.touches.map((t) => t.source)).toEqual(['google', 'linkedin']);
  });

  it('labels activity by what the person did', () => {
    // Prepare
    const events = [
      pageView('m-1', 1, { name: 'Pricing', url: 'https://acme.io/pricing' }),
      pageView('m-2', 2, { url: 'https://acme.io/blog' }),
      pageView('m-3', 3),
      demoRequest('m-4', 4),
      stored('m-5', 5, { type: 'track' }),
      identify('m-6', 6, 'jo@acme.io'),
    ];

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess
    expect(lead.recentActivity.map((a) => a.label)).toEqual([
      'Viewed Pricing',
      'Viewed https://acme.io/blog',
      'Viewed a page',
      'Demo Requested',
      'Tracked an action',
      'Identified',
    ]);
    expect(lead.recentActivity[0]).toEqual({ messageId: 'm-1', at: at(1), type: 'page', label: 'Viewed Pricing', url: 'https://acme.io/pricing' });
  });

  it('keeps only the 25 most recent activities', () => {
    // Prepare
    const events = Array.from({ length: 30 }, (_, i) => pageView(`m-${String(i).padStart(2, '0')}`, i));

    // Act
    const { lead } = applyEvents(emptyLead(), events, model);

    // Assess: events 5 … 29 remain
    expect(lead.recentActivity).toHaveLength(25);
    expect(lead.recentActivity[0]?.messageId).toBe('m-05');
    expect(lead.recentActivity.at(-1)?.messageId).toBe('m-29');
  });
});

describe('applying events (properties)', () => {
  const chronological = (events: readonly StoredEvent[]) =>
    [...events].sort((a, b) =>
      a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0,
    );

  it('gives the same lead whatever the order of the same events', () => {
    fc.assert(
      fc.property(
        eventsArb.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        ([events, shuffled]) => {
          // Prepare: one order and a permutation of it

          // Act
          const a = applyEvents(emptyLead(), events, model);
          const b = applyEvents(emptyLead(), shuffled, model);

          // Assess
          expect([b.lead.engagement, b.lead.grade, b.lead.stage, b.lead.cycle]).toEqual([a.lead.engagement, a.lead.grade, a.lead.stage, a.lead.cycle]);
          expect(b.lead).toEqual(a.lead);
          expect(b.changes).toEqual(a.changes);
        },
      ),
    );
  });

  it('gives the same ledger one event at a time as all at once', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        // Prepare
        const inOrder = chronological(events);

        // Act
        const allAtOnce = applyEvents(emptyLead(), events, model);
        let oneByOne = emptyLead();
        const changes = [];
        for (const event of inOrder) {
          const result = applyEvents(oneByOne, [event], model);
          oneByOne = result.lead;
          changes.push(...result.changes);
        }

        // Assess
        const total = (lead: Lead) => lead.ledger.reduce((sum, e) => sum + e.points, 0);
        expect(total(oneByOne)).toBe(total(allAtOnce.lead));
        expect(oneByOne.ledger).toEqual(allAtOnce.lead.ledger);
        expect([oneByOne.engagement, oneByOne.grade, oneByOne.stage, oneByOne.cycle]).toEqual([
          allAtOnce.lead.engagement,
          allAtOnce.lead.grade,
          allAtOnce.lead.stage,
          allAtOnce.lead.cycle,
        ]);
        expect(changes).toEqual(allAtOnce.changes);
      }),
    );
  });

  it('never lets email clicks earn more than their cap of 9 within 30 days', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        // Prepare: all events fall within 20 hours, so within one 30-day period

        // Act
        const { lead } = applyEvents(emptyLead(), events, model);

        // Assess
        const clicks = lead.ledger.filter((e) => e.ruleId === 'email-click').reduce((sum, e) => sum + e.points, 0);
        expect(clicks).toBeLessThanOrEqual(9);
      }),
    );
  });
});

describe('caps whatever order events arrive in', () => {
  /**
   * Caps that bite often: a page view is 5 points, at most 12 per 2 days
   * (so 5, 5, 2, then 0); a pricing page 4 more with a 7-day half-life, at
   * most 10 per 3 days; an email click 3, at most 9 per 30 days.
   */
  const capModel: ScoringModel = scoringModelSchema.parse({
    version: 'cap-order-1',
    engagement: {
      engagedThreshold: 10,
      rules: [
        { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5, cap: { points: 12, periodDays: 2 } },
        { id: 'pricing', description: 'Viewed pricing', match: { type: 'page', urlPattern: '/pricing' }, points: 4, halfLifeDays: 7, cap: { points: 10, periodDays: 3 } },
        { id: 'email-click', description: 'Clicked an email', match: { type: 'track', event: 'Email Clicked' }, points: 3, cap: { points: 9, periodDays: 30 } },
        { id: 'unsubscribed', description: 'Unsubscribed', match: { type: 'track', event: 'Unsubscribed' }, points: -5 },
      ],
    },
    fit: { rules: [], grades: { A: 30, B: 20, C: 10 } },
    qualification: { minGrade: 'B', minEngagement: 50 },
  });

  /** Scoring events of one visitor over ten days; hours may repeat, so ties are broken by messageId. */
  const scoringEventsArb = fc
    .uniqueArray(
      fc.record({
        id: fc.integer({ min: 0, max: 999 }),
        hour: fc.integer({ min: 0, max: 240 }),
        kind: fc.constantFrom('page', 'pricing', 'click', 'unsubscribe'),
      }),
      { selector: (e) => e.id, minLength: 1, maxLength: 30 },
    )
    .map((specs) =>
      specs.map(({ id, hour, kind }): StoredEvent => {
        const messageId = `m-${id}`;
        if (kind === 'page') return pageView(messageId, hour, { url: 'https://example.com/docs' });
        if (kind === 'pricing') return pageView(messageId, hour, { url: 'https://example.com/pricing' });
        return stored(messageId, hour, { type: 'track', event: kind === 'click' ? 'Email Clicked' : 'Unsubscribed' });
      }),
    );

  /** `events` cut into consecutive batches at the given points. */
  function batches<T>(events: readonly T[], cuts: readonly number[]): T[][] {
    const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
    const result: T[][] = [];
    let from = 0;
    for (const point of [...points, events.length]) {
      if (point > from) result.push(events.slice(from, point));
      from = Math.max(from, point);
    }
    return result;
  }

  const lead = () => newLead('lead-1', at(0), capModel);

  it('gives exactly the ledger and score of the events in time order, for any arrival order and any batches (property)', () => {
    fc.assert(
      fc.property(
        scoringEventsArb.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(), { maxLength: 8 })),
        ),
        ([events, arrival, cuts]) => {
          // Prepare: the events one by one in time order, the reference
          const ordered = [...events].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.messageId < b.messageId ? -1 : 1));
          let reference = lead();
          for (const event of ordered) reference = applyEvents(reference, [event], capModel).lead;

          // Act: the same events in another order, in batches
          let result = lead();
          for (const batch of batches(arrival, cuts)) result = applyEvents(result, batch, capModel).lead;

          // Assess
          expect(result.ledger).toEqual(reference.ledger);
          expect(result.engagement).toBe(reference.engagement);
          expect(result.scoredAt).toBe(reference.scoredAt);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a late event the points the cap no longer has room for: twelve 3-point page views under a 30-point cap, the first two last', () => {
    // Prepare: 3 points a page view, at most 30 per 30 days; twelve views an hour apart
    const issueModel = scoringModelSchema.parse({
      ...capModel,
      engagement: { engagedThreshold: 10, rules: [{ id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 3, cap: { points: 30, periodDays: 30 } }] },
    });
    const views = Array.from({ length: 12 }, (_, i) => pageView(`view-${String(i + 1).padStart(2, '0')}`, i + 1));

    // Act: views 3 to 12 arrive first, views 1 and 2 in a later batch
    const { lead: first } = applyEvents(newLead('lead-1', at(0), issueModel), views.slice(2), issueModel);
    const { lead: after } = applyEvents(first, views.slice(0, 2), issueModel);

    // Assess: 30 raw points, not 36; the first ten views in time hold them, the last two are capped
    expect(after.ledger.reduce((sum, e) => sum + e.points, 0)).toBe(30);
    expect(after.ledger.map((e) => [e.messageId, e.points, e.capped ?? false])).toEqual(
      views.map((v, i) => [v.messageId, i < 10 ? 3 : 0, i >= 10]),
    );
    expect(after.engagement).toBe(30);
  });

  it('gives a capped entry its points back when an earlier event moves it out of the cap, keeping older ledgers readable', () => {
    // Prepare: a capped entry as stored before entries carried their uncapped points (no `base`)
    const stale: LedgerEntry = { ruleId: 'email-click', messageId: 'm-old', points: 0, at: at(50), modelVersion: 'cap-order-1', capped: true };
    const current = { ...lead(), ledger: [stale] };

    // Act: no event before it fills the cap, so a re-allocation from an earlier click gives it the rule's 3 points
    const { lead: after } = applyEvents(current, [stored('m-early', 10, { type: 'track', event: 'Email Clicked' })], capModel);

    // Assess
    expect(after.ledger.map((e) => [e.messageId, e.points, e.capped])).toEqual([
      ['m-early', 3, undefined],
      ['m-old', 3, undefined],
    ]);
  });
});

describe('campaign touches beyond the kept history', () => {
  it('keeps the first touch for first-touch attribution while keeping the most recent ones', () => {
    // Prepare: 120 touches from different sources, one per hour; only 100 are kept
    const events = Array.from({ length: 120 }, (_, i) =>
      pageView(`m-${String(i).padStart(3, '0')}`, i, { campaign: { source: `source-${i}` } }),
    );

    // Act
    const { lead } = applyEvents(newLead('lead-touch', at(0), model), events, model);

    // Assess
    expect(lead.touches).toHaveLength(100);
    expect(lead.touches[0]!.source).toBe('source-0');
    expect(lead.touches.at(-1)!.source).toBe('source-119');
    expect(lead.touches[1]!.source).toBe('source-21');
  });
});

describe('qualifying by activity instead of score', () => {
  /** The fixtures' model plus "5 page views within 2 days, grade C or better". */
  const withActivity: ScoringModel = scoringModelSchema.parse({
    ...model,
    version: 'lead-test-activity',
    qualification: { ...model.qualification, orActivity: [{ rule: 'page-view', atLeast: 5, withinDays: 2, minGrade: 'C' }] },
  });

  it('makes a known lead an MQL on the fifth page view, saying which rule it met', () => {
    // Prepare: free-mail and a phone is grade C; 5 views × 5 points = 25 engagement, far below 50
    const events = [identify('m-0', 0, 'jo@gmail.com', { phone: '+44 1' }), ...[1, 2, 3, 4, 5].map((h) => pageView(`m-${h}`, h))];

    // Act
    const { lead, changes } = applyEvents(newLead('lead-1', at(0), withActivity), events, withActivity);

    // Assess
    expect(lead.grade).toBe('C');
    expect(lead.engagement).toBe(25);
    expect(lead.stage).toBe('mql');
    expect(changes.at(-1)).toEqual({
      from: 'engaged',
      to: 'mql',
      at: at(5),
      cause: '5 events of rule page-view within 2 days met the activity rule of model lead-test-activity',
      engagement: 25,
    });
  });

  it('leaves the lead engaged when the views are spread wider than the window', () => {
    // Prepare: one view a day
    const events = [identify('m-0', 0, 'jo@gmail.com', { phone: '+44 1' }), ...[1, 2, 3, 4, 5].map((d) => pageView(`m-${d}`, d * 24))];

    // Act
    const { lead } = applyEvents(newLead('lead-1', at(0), withActivity), events, withActivity);

    // Assess
    expect(lead.stage).toBe('engaged');
  });
});

describe('a very active lead', () => {
  it('is saved with its ledger folded before the look-back, its engagement exact', () => {
    // Prepare: 2,500 email clicks, one an hour (3 points, 10-day half-life, at most 9 per 30 days)
    const clicks = Array.from({ length: 2500 }, (_, h) => stored(`click-${h}`, h, { type: 'track', event: 'Email Clicked' }));

    // Act
    const lead = foldForSave(applyEvents(newLead('lead-busy', at(0), model), clicks, model).lead, model);

    // Assess: entries older than the 30-day look-back and LATE_EVENT_DAYS (32 days, 768 hours) before the last
    // click are folded into one (the score item holds it); the 769 from there on stay one by one (their markers hold them)
    expect(lead.ledgerFrom).toBe(at(2499 - 768));
    expect(lead.ledger).toHaveLength(1 + 769);
    expect(lead.ledger[0]).toMatchObject({ ruleId: 'email-click', events: 2500 - 769, at: at(1730) });
    const full = clicks.reduce<LedgerEntry[]>((ledger, e) => [...ledger, ...scoreEvent(model, ledger, e)], []);
    for (const hours of [2499, 2600, 5000]) {
      expect(engagementAt(lead.ledger, new Date(at(hours)))).toBeCloseTo(engagementAt(full, new Date(at(hours))), 6);
    }
  });
});
