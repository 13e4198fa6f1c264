import { describe, expect, it } from 'vitest';
import { campaignsSchema } from '#core/campaigns.ts';
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { digestConfigSchema, digestCron } from '#core/digest-config.ts';
import {
  campaignsStarting,
  feedbackOf,
  lastWeekBefore,
  obstaclesOf,
  renderDigest,
  successesOf,
  weekBefore,
  weekFlowOf,
  weekOf,
  weekText,
  type DigestInput,
} from '#core/digest.ts';
import { feedbackConfigSchema } from '#core/feedback.ts';
import { segmentFunnel } from '#core/reports/period-funnel.ts';
import { histogramOf } from '#core/reports/histogram.ts';
import { emptyScorecardSums, scorecard } from '#core/reports/scorecard.ts';
import feedbackJson from '../../../config/feedback.json' with { type: 'json' };

const feedback = feedbackConfigSchema.parse(feedbackJson);
const BERLIN = 'Europe/Berlin';

describe('config/digest.json', () => {
  it('as shipped is valid: it is loaded (and would throw naming the field) when the digest starts', async () => {
    const { digest } = await import('../../../config/digest.ts');
    expect(digest.recipients.length).toBeGreaterThan(0);
    expect(digestCron(digest.send)).toMatch(/^cron\(\d+ \d+ \? \* [A-Z]{3} \*\)$/);
  });

  it('defaults to Monday 08:00, a 14-day dashboard link and four weeks of campaigns ahead', () => {
    const config = parseConfig('config/digest.json', digestConfigSchema, { recipients: ['cmo@example.com'], timeZone: BERLIN });
    expect(config).toEqual({ recipients: ['cmo@example.com'], timeZone: BERLIN, send: { day: 'MON', hour: 8, minute: 0 }, dashboardLinkDays: 14, upcomingCampaignWeeks: 4 });
    expect(digestCron(config.send)).toBe('cron(0 8 ? * MON *)');
  });

  it('refuses a bad file naming each field', () => {
    const bad = { recipients: ['not an email'], timeZone: 'Europe/Atlantis', send: { day: 'MONDAY', hour: 24 }, colour: 'blue' };
    let error: unknown;
    try {
      parseConfig('config/digest.json', digestConfigSchema, bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['colour', 'recipients[0]', 'send.day', 'send.hour', 'timeZone']);
    expect((error as ConfigError).message).toMatch(/timeZone: an IANA time zone/);
  });

  it('needs at least one recipient', () => {
    expect(() => parseConfig('config/digest.json', digestConfigSchema, { recipients: [], timeZone: BERLIN })).toThrow(/recipients: name at least one recipient/);
  });
});

describe('the week a digest covers', () => {
  it('is the whole week (Monday to Monday, in the zone) before the Monday it is sent', () => {
    // Monday 9 March 2026, 08:00 in Berlin
    const week = lastWeekBefore(new Date('2026-03-09T07:00:00Z'), BERLIN);
    expect(week).toEqual({ from: '2026-03-02', to: '2026-03-09', timeZone: BERLIN, start: '2026-03-01T23:00:00.000Z', end: '2026-03-08T23:00:00.000Z' });
    expect(weekText(week)).toBe('2 to 8 March 2026');
  });

  it('is the same week when the schedule is retried later in the week', () => {
    expect(lastWeekBefore(new Date('2026-03-10T15:00:00Z'), BERLIN).from).toBe('2026-03-02');
    // Sunday 23:30 UTC is already Monday in Berlin: the week just ended
    expect(lastWeekBefore(new Date('2026-03-08T23:30:00Z'), BERLIN).from).toBe('2026-03-02');
    expect(lastWeekBefore(new Date('2026-03-08T22:30:00Z'), BERLIN).from).toBe('2026-02-23');
  });

  it('has the week before it, and a week can be named by any of its days', () => {
    const week = weekOf('2026-03-04', BERLIN);
    expect(week.from).toBe('2026-03-02');
    expect(weekBefore(week).from).toBe('2026-02-23');
    expect(weekText(weekBefore(week))).toBe('23 February to 1 March 2026');
    expect(weekText(weekOf('2026-12-30', BERLIN))).toBe('28 December 2026 to 3 January 2027');
  });
});

describe('campaigns starting soon', () => {
  const config = campaignsSchema.parse({
    campaigns: [
      { id: 'later', name: 'Later', type: 'email', owner: 'Lena', start: '2026-04-20', match: { utm: [{ campaign: 'later' }] } },
      { id: 'this-week', name: 'This week', type: 'event', owner: 'Maria', start: '2026-03-12T09:00:00+01:00', end: '2026-03-31', match: { utm: [{ campaign: 'tw' }] } },
      { id: 'running', name: 'Running', type: 'paid', owner: 'Jo', start: '2026-01-01', match: { utm: [{ campaign: 'r' }] } },
      { id: 'soon', name: 'Soon', type: 'social', owner: 'Jo', start: '2026-03-09', match: { utm: [{ campaign: 's' }] } },
    ],
  });

  it('are those whose start falls in the weeks from the Monday it is sent, earliest first', () => {
    expect(campaignsStarting(config, '2026-03-09', 4).map((c) => [c.id, c.start])).toEqual([
      ['soon', '2026-03-09'],
      ['this-week', '2026-03-12'],
    ]);
    expect(campaignsStarting(config, '2026-03-09', 7).map((c) => c.id)).toEqual(['soon', 'this-week', 'later']);
  });
});

/** A week's counts as the report store sums them (report-counts.ts names). */
const weekCounts = {
  'reached.visitor': 40,
  'reached.mql': 12,
  'reached.sql': 5,
  'decided.accepted': 7,
  'decided.rejected': 4,
  'decided.not-accepted': 1,
  'decided.in-time': 9,
  'left.mql.rejected': 4,
  'left.mql.not-accepted': 1,
  'left.opportunity.lost': 2,
  'pipeline.count': 3,
  'won.count': 2,
  'revenue.EUR': 2_500_000,
  'revenue.USD': 100_000,
  'lost.count': 1,
  'reason.rejected.not-our-market': 3,
  'reason.rejected.no-need': 1,
  'reason.rejected.made-up-reason': 2,
  'rating.1': 1,
  'rating.4': 3,
  'rating.5': 2,
  'feedback.given': 6,
  'feedback.covered': 5,
};

describe('the week’s numbers from the funnel report', () => {
  const all = segmentFunnel('all', weekCounts);

  it('the lead flow: MQLs, decisions, deals', () => {
    expect(weekFlowOf(all)).toEqual({ mqls: 12, accepted: 7, rejected: 4, notAccepted: 1, opportunities: 3, won: 2, lost: 1 });
    expect(weekFlowOf(undefined)).toEqual({ mqls: 0, accepted: 0, rejected: 0, notAccepted: 0, opportunities: 0, won: 0, lost: 0 });
  });

  it('successes: won deals, revenue per currency, and the campaigns that won them, most first', () => {
    const byCampaign = [
      segmentFunnel('webinar-pipeline-hygiene', { 'won.count': 1, 'revenue.EUR': 500_000 }),
      segmentFunnel('(none)', { 'reached.visitor': 9 }),
      segmentFunnel('search-brand-2026', { 'won.count': 1, 'revenue.EUR': 2_000_000, 'revenue.USD': 100_000 }),
    ];
    expect(successesOf(all, byCampaign)).toEqual({
      won: 2,
      revenue: { EUR: 25_000, USD: 1_000 },
      campaigns: [
        { campaign: 'search-brand-2026', won: 1, revenue: { EUR: 20_000, USD: 1_000 } },
        { campaign: 'webinar-pipeline-hygiene', won: 1, revenue: { EUR: 5_000 } },
      ],
    });
  });

  it('obstacles: rejection reasons labelled from config/feedback.json (an unknown id as it is), and where leads left, most first', () => {
    expect(obstaclesOf(all, feedback)).toEqual({
      rejectionReasons: [
        { reason: 'not-our-market', label: 'Not our market (size, industry, country)', count: 3 },
        { reason: 'made-up-reason', label: 'made-up-reason', count: 2 },
        { reason: 'no-need', label: 'No need for what we sell', count: 1 },
      ],
      left: [
        { stage: 'mql', why: 'rejected', count: 4 },
        { stage: 'opportunity', why: 'lost', count: 2 },
        { stage: 'mql', why: 'not-accepted', count: 1 },
      ],
    });
  });

  it('feedback: every rating from 1 to 5, the average and coverage', () => {
    expect(feedbackOf(all)).toEqual({ submissions: 6, ratings: { 1: 1, 2: 0, 3: 0, 4: 3, 5: 2 }, averageRating: 3.83, coverage: 0.455 });
  });
});

describe('the digest email', () => {
  const week = lastWeekBefore(new Date('2026-03-09T07:00:00Z'), BERLIN);
  const hostile = '<img src=x onerror=alert(1)>';
  const input = (overrides: Partial<DigestInput> = {}): DigestInput => {
    const all = segmentFunnel('all', weekCounts);
    return {
      week,
      previousWeek: weekBefore(week),
      flow: { week: weekFlowOf(all), previous: { ...weekFlowOf(undefined), mqls: 9, won: 1 } },
      successes: successesOf(all, [segmentFunnel(hostile, { 'won.count': 2, 'revenue.EUR': 2_500_000 })]),
      obstacles: { ...obstaclesOf(all, feedback), stalled: { more: false, leads: [{ lead: 'Dana <b>Buyer</b>', company: 'Acme & Co', stage: 'sql', since: '2026-02-10T09:00:00Z', owner: 'Sam Seller' }] } },
      feedback: { ...feedbackOf(all), latestComments: [{ at: '2026-03-05T10:00:00Z', rep: 'Sam', lead: 'Dana', rating: 2, comment: '<script>alert(1)</script> no budget' }] },
      upcomingCampaigns: [{ id: 'soon', name: 'Spring "launch" & more', type: 'event', owner: 'Maria', start: '2026-03-12' }],
      dashboard: { url: 'https://api.example.test/dashboard#link=dl1.1774000000.abc', expiresAt: new Date('2026-03-23T07:00:00Z') },
      ...overrides,
    };
  };

  it('says the week, the MQLs and the deals won in its subject', () => {
    expect(renderDigest(input()).subject).toBe('LeadLoop weekly digest, 2 to 8 March 2026: 12 MQLs, 2 deals won');
  });

  it('escapes everything that came from leads, reps and campaigns in the HTML, and keeps it readable in the text', () => {
    const { html, text } = renderDigest(input());
    for (const raw of [hostile, '<script>', '<b>Buyer</b>', 'Acme & Co', '"launch"']) {
      expect(html).not.toContain(raw);
      expect(text).toContain(raw);
    }
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toContain('Acme &#38; Co');
  });

  it('has each section: flow against the week before, successes, obstacles, feedback, campaigns, the link with its expiry', () => {
    const { text } = renderDigest(input());
    expect(text).toContain('  - MQLs handed to sales: 12 (up 3 from 9)');
    expect(text).toContain('2 deals won (€25,000 + $1,000); the week before: 1.');
    expect(text).toContain(`  - ${hostile}: 2 deals won (€25,000)`);
    expect(text).toContain('  - Rejected: Not our market (size, industry, country): 3 leads');
    expect(text).toContain('  - Left mql: rejected: 4 leads');
    expect(text).toContain('  - Stalled: Dana <b>Buyer</b> (Acme & Co): in sql since 2026-02-10 (owner: Sam Seller)');
    expect(text).toContain('  - Ratings: 1★ 1 · 2★ 0 · 3★ 0 · 4★ 3 · 5★ 2 (average 3.83 of 5)');
    expect(text).toContain('  - Spring "launch" & more: starts Thursday 12 March 2026 (event, Maria)');
    expect(text).toContain('Dashboard: https://api.example.test/dashboard#link=dl1.1774000000.abc');
    expect(text).toContain('until Monday 23 March 2026, 08:00 (Europe/Berlin)');
    expect(text).toContain('The service-agreement scorecard is not available for this week.');
  });

  it('leaves out the optional parts it was not given', () => {
    const { text } = renderDigest(input({ obstacles: obstaclesOf(segmentFunnel('all', weekCounts), feedback), feedback: feedbackOf(undefined), upcomingCampaigns: [] }));
    expect(text).not.toContain('Stalled');
    expect(text).not.toContain('first contact');
    expect(text).toContain('No campaign starts in the coming weeks.');
    expect(text).toContain('  - Ratings: 1★ 0 · 2★ 0 · 3★ 0 · 4★ 0 · 5★ 0 (no ratings)');
  });

  it('shows the scorecard against the agreement and the week before when it has one', () => {
    const current = { ...emptyScorecardSums(week.start, week.end), mqls: 12, decisions: { accepted: 5, rejected: 5 }, acceptance: { due: 10, withinAgreement: 8 }, timeToAccept: histogramOf([2 * 3_600_000]) };
    const previous = { ...emptyScorecardSums(weekBefore(week).start, weekBefore(week).end), mqls: 25, decisions: { accepted: 8, rejected: 2 } };
    const card = scorecard(current, previous, { acceptWithinHours: 4, sales: { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24, feedbackWithinDays: 7 }, marketing: { mqlsPerWeek: 20, minAcceptanceRate: 0.6 } });
    const { text, html } = renderDigest(input({ scorecard: card, obstacles: { ...obstaclesOf(undefined, feedback), missedFirstContacts: 2, missedAcceptances: 1 } }));
    expect(text).toContain('  - Acceptance deadlines missed: 1 [missed]');
    expect(text).toContain('  - Hand-offs without a first contact in time: 2 [missed]');
    expect(text).toContain('  - Marketing: MQLs: 12 of 20 committed (missed) [missed] (down from 25, worse)');
    expect(text).toContain('  - Marketing: acceptance rate: 50% of 10 decisions, target 60% (missed) [missed] (down from 80%, worse)');
    expect(text).toContain('  - Sales: accepted within the agreement: 80% of 10 hand-offs due');
    expect(text).not.toContain('not available');
    expect(html).toContain('color:#b42318');
  });
});
