import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { campaigns as shippedCampaigns } from '#config/index.ts';
import campaignsJson from '#config/campaigns.json' with { type: 'json' };
import { activityKinds } from '#core/activities.ts';
import {
  campaignActivityKinds,
  campaignOfActivity,
  campaignOfEvent,
  campaignOfTouch,
  campaignOverlaps,
  campaignsSchema,
  NOT_DEFINED,
  type CampaignsConfig,
  type TouchInput,
} from '#core/campaigns.ts';
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import type { Touch } from '#core/lead.ts';
import { looksPersonal, PERSONAL } from '#core/personal-values.ts';
import type { ActivityRecord } from '#core/records.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

/** A campaign as written in the file; each test changes what it is about. */
function campaignInput(id: string, match: Record<string, unknown>, fields: Record<string, unknown> = {}) {
  return { id, name: `Campaign ${id}`, type: 'paid', owner: 'Jo Park', start: '2026-03-01', end: '2026-03-31', match, ...fields };
}

const configOf = (...campaigns: unknown[]): CampaignsConfig => parseConfig('campaigns.json', campaignsSchema, { campaigns });

/** The issues the file is refused with, as `path: message`. */
function refusalOf(value: unknown): { path: string; message: string }[] {
  try {
    parseConfig('config/campaigns.json', campaignsSchema, value);
  } catch (error) {
    if (error instanceof ConfigError) {
      expect(error.message).toContain('config/campaigns.json');
      return [...error.issues];
    }
    throw error;
  }
  throw new Error('expected the campaigns to be refused');
}

const touch = (fields: Partial<TouchInput>): TouchInput => ({ at: '2026-03-10T12:00:00.000Z', source: 'google', ...fields });

describe('the shipped campaigns', () => {
  it('validate and load unchanged', () => {
    expect(shippedCampaigns).toEqual(campaignsJson);
  });

  it('have one campaign of every type', () => {
    expect(new Set(shippedCampaigns.campaigns.map((c) => c.type))).toEqual(new Set(['email', 'paid', 'social', 'event', 'content', 'sales']));
  });

  it.each([
    ['a brand search ad', touch({ source: 'Google', medium: 'CPC', campaign: 'Brand-Spring' }), 'search-brand-2026'],
    ['any other search ad (the catch-all listed last)', touch({ source: 'google', medium: 'cpc', campaign: 'crm-software' }), 'paid-search-other'],
    ['a competitor ad in Q2', touch({ at: '2026-05-04T09:00:00Z', source: 'google', medium: 'cpc', campaign: 'competitor-hubspot' }), 'search-competitors-q2'],
    ['a competitor ad after Q2 (the catch-all)', touch({ at: '2026-07-01T09:00:00Z', source: 'google', medium: 'cpc', campaign: 'competitor-hubspot' }), 'paid-search-other'],
    ['the newsletter', touch({ source: 'newsletter', medium: 'email', campaign: '2026-03' }), 'newsletter'],
    ['the newsletter promoting the webinar (the webinar is listed first)', touch({ source: 'newsletter', medium: 'email', campaign: 'webinar-pipeline-hygiene' }), 'webinar-pipeline-hygiene'],
    ['a visit from LinkedIn', touch({ source: 'www.linkedin.com', medium: 'referral' }), 'linkedin-organic'],
  ])('count %s for the campaign meant', (_, given, id) => {
    expect(campaignOfTouch(shippedCampaigns, given)).toMatchObject({ id, defined: true });
  });
});

describe('what the matching reads', () => {
  it('is a lead\'s touch, a stored event and an activity record as they are', () => {
    // Prepare: the stored shapes themselves, so a change to them that matching cannot read fails to compile
    const stored: Touch = { messageId: 'm-1', at: '2026-03-10T12:00:00.000Z', source: 'google', medium: 'cpc', campaign: 'brand-spring' };
    const event: StoredEvent = { messageId: 'm-2', type: 'track', event: 'Webinar Attended', properties: { webinarId: 'pipeline-hygiene' }, timestamp: '2026-03-12T16:00:00.000Z', receivedAt: '2026-03-12T16:00:01.000Z', sourceId: 'website' };
    const activity: ActivityRecord = { leadId: 'lead-1', cycle: 1, activityId: 'a-1', kind: 'email', at: '2026-03-12T10:00:00.000Z', repId: 'rep-sam', result: 'Sent the ROI deck', via: 'api' };

    // Act / Assess
    expect(campaignOfTouch(shippedCampaigns, stored).id).toBe('search-brand-2026');
    expect(campaignOfEvent(shippedCampaigns, event)?.id).toBe('webinar-pipeline-hygiene');
    expect(campaignOfActivity(shippedCampaigns, activity).id).toBe('sales-roi-deck');
  });
});

describe('the campaigns file', () => {
  const valid = () => ({ campaigns: [campaignInput('spring-search', { utm: [{ source: 'google' }] })] });

  it.each<[string, (file: ReturnType<typeof valid> & Record<string, unknown>) => void, string, RegExp]>([
    ['an id that is not lower-case', (f) => (f.campaigns[0]!.id = 'Spring'), 'campaigns[0].id', /lower-case/],
    ['an empty name', (f) => (f.campaigns[0]!.name = ''), 'campaigns[0].name', /must not be empty/],
    ['an unknown type', (f) => ((f.campaigns[0] as Record<string, unknown>).type = 'tv'), 'campaigns[0].type', /email/],
    ['no owner', (f) => delete (f.campaigns[0] as Record<string, unknown>).owner, 'campaigns[0].owner', /string/],
    ['a start that is no date', (f) => (f.campaigns[0]!.start = '2026-02-30'), 'campaigns[0].start', /a date/],
    ['a date-time without its offset', (f) => (f.campaigns[0]!.start = '2026-03-01T09:00:00'), 'campaigns[0].start', /offset/],
    ['an end before the start', (f) => (f.campaigns[0]!.end = '2026-02-28'), 'campaigns[0].end', /before the start/],
    ['a negative cost', (f) => ((f.campaigns[0] as Record<string, unknown>).cost = { amount: -1, currency: 'EUR' }), 'campaigns[0].cost.amount', /not negative/],
    ['a cost in no currency', (f) => ((f.campaigns[0] as Record<string, unknown>).cost = { amount: 10, currency: 'eur' }), 'campaigns[0].cost.currency', /ISO 4217/],
    ['a cost without a currency', (f) => ((f.campaigns[0] as Record<string, unknown>).cost = { amount: 10 }), 'campaigns[0].cost.currency', /string/],
    ['no match rule', (f) => (f.campaigns[0]!.match = { utm: [], referrers: [] }), 'campaigns[0].match', /at least one rule/],
    ['no match at all', (f) => delete (f.campaigns[0] as Record<string, unknown>).match, 'campaigns[0].match', /object/],
    ['an empty UTM rule', (f) => (f.campaigns[0]!.match = { utm: [{}] }), 'campaigns[0].match.utm[0]', /at least one of source/],
    ['a UTM rule that matches everything', (f) => (f.campaigns[0]!.match = { utm: [{ source: '*', medium: '**' }] }), 'campaigns[0].match.utm[0]', /every touch/],
    ['an unknown UTM field', (f) => (f.campaigns[0]!.match = { utm: [{ name: 'spring' }] }), 'campaigns[0].match.utm[0].name', /not a known field/],
    ['a referrer given as a URL', (f) => (f.campaigns[0]!.match = { referrers: ['https://linkedin.com/'] }), 'campaigns[0].match.referrers[0]', /host name/],
    ['an event rule without a name', (f) => (f.campaigns[0]!.match = { events: [{ event: '' }] }), 'campaigns[0].match.events[0].event', /must not be empty/],
    ['an event property that is an object', (f) => (f.campaigns[0]!.match = { events: [{ event: 'Webinar Attended', properties: { id: {} } }] }), 'campaigns[0].match.events[0].properties.id', /./],
    ['an empty activity rule', (f) => (f.campaigns[0]!.match = { activities: [{}] }), 'campaigns[0].match.activities[0]', /kind, resultContains or both/],
    ['an unknown activity kind', (f) => (f.campaigns[0]!.match = { activities: [{ kind: 'fax' }] }), 'campaigns[0].match.activities[0].kind', /call/],
    ['an unknown field', (f) => ((f.campaigns[0] as Record<string, unknown>).budget = 5), 'campaigns[0].budget', /not a known field/],
    ['a duplicate id', (f) => f.campaigns.push({ ...f.campaigns[0]!, name: 'Other' }), 'campaigns[1].id', /duplicate id "spring-search" \(also campaigns\[0\]\)/],
    ['a duplicate name, whatever its case', (f) => f.campaigns.push({ ...f.campaigns[0]!, id: 'other', name: 'CAMPAIGN SPRING-SEARCH' }), 'campaigns[1].name', /duplicate name/],
    ['no campaigns list', (f) => delete (f as Record<string, unknown>).campaigns, 'campaigns', /array/],
  ])('is refused for %s, naming the field', (_, change, path, message) => {
    // Prepare
    const file = valid() as ReturnType<typeof valid> & Record<string, unknown>;
    change(file);

    // Act
    const issues = refusalOf(file);

    // Assess
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it.each([
    ['no end (open-ended) and no cost', {}],
    ['a one-day campaign', { start: '2026-03-12', end: '2026-03-12' }],
    ['date-times with their offset', { start: '2026-03-12T16:00:00+01:00', end: '2026-03-12T17:30:00+01:00' }],
    ['a cost', { cost: { amount: 1200.5, currency: 'EUR' } }],
  ])('accepts %s', (_, fields) => {
    const input = campaignInput('webinar', { events: [{ event: 'Webinar Attended' }] }, fields);
    if (!('end' in fields)) delete (input as Partial<typeof input>).end;

    expect(configOf(input).campaigns[0]).toEqual(input);
  });

  it('accepts no campaigns at all: every touch is then reported as not defined', () => {
    const config = configOf();

    expect(campaignOfTouch(config, touch({ campaign: 'spring' }))).toEqual({ id: 'utm:spring', name: 'spring', type: NOT_DEFINED, defined: false });
  });
});

describe('the campaign of a touch', () => {
  it('matches UTM values case-insensitively, ignoring surrounding spaces', () => {
    const config = configOf(campaignInput('spring-search', { utm: [{ source: 'google', medium: 'cpc', campaign: 'Spring Sale' }] }));

    expect(campaignOfTouch(config, touch({ source: ' GOOGLE', medium: 'CPC', campaign: 'spring sale ' }))).toEqual({
      id: 'spring-search',
      name: 'Campaign spring-search',
      type: 'paid',
      defined: true,
    });
  });

  it.each([
    ['brand-*', 'brand-spring', true],
    ['brand-*', 'brand-', true],
    ['brand-*', 'my-brand-spring', false],
    ['*-spring', 'brand-spring', true],
    ['b*d-*g', 'brand-spring', true],
    ['b*d-*g', 'brand-springs', false],
    ['brand.spring', 'brand-spring', false],
    ['(brand)', '(brand)', true],
  ])('with the pattern %s, a touch of campaign %s matches: %s', (pattern, value, matches) => {
    const config = configOf(campaignInput('c', { utm: [{ campaign: pattern }] }));

    expect(campaignOfTouch(config, touch({ campaign: value })).defined).toBe(matches);
  });

  it('needs every field a rule gives, and one rule of several', () => {
    const config = configOf(
      campaignInput('search', {
        utm: [
          { source: 'google', medium: 'cpc' },
          { source: 'bing', medium: '*' },
        ],
      }),
    );

    expect(campaignOfTouch(config, touch({ source: 'google', medium: 'cpc' })).id).toBe('search');
    expect(campaignOfTouch(config, touch({ source: 'google', medium: 'organic' })).defined).toBe(false);
    expect(campaignOfTouch(config, touch({ source: 'bing', medium: 'anything' })).id).toBe('search');
    // `*` stands for any value, but the touch must carry one
    expect(campaignOfTouch(config, touch({ source: 'bing' })).defined).toBe(false);
    expect(campaignOfTouch(config, touch({ source: 'bing', medium: '  ' })).defined).toBe(false);
  });

  it('matches a referral from a listed host or its subdomains, and only a referral', () => {
    const config = configOf(campaignInput('linkedin', { referrers: ['LinkedIn.com', 'lnkd.in'] }));

    expect(campaignOfTouch(config, touch({ source: 'linkedin.com', medium: 'referral' })).id).toBe('linkedin');
    expect(campaignOfTouch(config, touch({ source: 'www.linkedin.com', medium: 'referral' })).id).toBe('linkedin');
    expect(campaignOfTouch(config, touch({ source: 'lnkd.in', medium: 'referral' })).id).toBe('linkedin');
    expect(campaignOfTouch(config, touch({ source: 'notlinkedin.com', medium: 'referral' })).defined).toBe(false);
    expect(campaignOfTouch(config, touch({ source: 'linkedin.com.evil.io', medium: 'referral' })).defined).toBe(false);
    expect(campaignOfTouch(config, touch({ source: 'linkedin.com', medium: 'social' })).defined).toBe(false);
  });

  it.each([
    ['the day before it starts', '2026-02-28T23:59:59.999Z', false],
    ['the first instant of its first day', '2026-03-01T00:00:00.000Z', true],
    ['the last instant of its last day', '2026-03-31T23:59:59.999Z', true],
    ['the day after it ends', '2026-04-01T00:00:00.000Z', false],
  ])('counts a touch %s: %s', (_, at, matches) => {
    const config = configOf(campaignInput('march', { utm: [{ source: 'google' }] }));

    expect(campaignOfTouch(config, touch({ at })).defined).toBe(matches);
  });

  it('reads date-times with their offset as the instants they are', () => {
    const config = configOf(campaignInput('webinar', { utm: [{ source: 'google' }] }, { start: '2026-03-12T16:00:00+01:00', end: '2026-03-12T17:30:00+01:00' }));

    expect(campaignOfTouch(config, touch({ at: '2026-03-12T14:59:59.999Z' })).defined).toBe(false);
    expect(campaignOfTouch(config, touch({ at: '2026-03-12T15:00:00.000Z' })).defined).toBe(true);
    expect(campaignOfTouch(config, touch({ at: '2026-03-12T16:30:00.000Z' })).defined).toBe(true);
    expect(campaignOfTouch(config, touch({ at: '2026-03-12T16:30:00.001Z' })).defined).toBe(false);
  });

  it('gives a touch two campaigns match to the one listed first', () => {
    // Prepare: a narrow campaign and a broad one, both running
    const narrow = campaignInput('brand-search', { utm: [{ source: 'google', campaign: 'brand-*' }] });
    const broad = campaignInput('all-search', { utm: [{ medium: 'cpc' }] });
    const both = touch({ source: 'google', medium: 'cpc', campaign: 'brand-spring' });

    // Act / Assess
    expect(campaignOfTouch(configOf(narrow, broad), both).id).toBe('brand-search');
    expect(campaignOfTouch(configOf(broad, narrow), both).id).toBe('all-search');
  });

  it('passes over the first campaign when it is not running at the touch', () => {
    const april = campaignInput('april', { utm: [{ source: 'google' }] }, { start: '2026-04-01', end: '2026-04-30' });
    const always = campaignInput('always', { utm: [{ source: 'google' }] }, { start: '2026-01-01', end: undefined });

    expect(campaignOfTouch(configOf(april, always), touch({ at: '2026-04-02T00:00:00Z' })).id).toBe('april');
    expect(campaignOfTouch(configOf(april, always), touch({ at: '2026-03-02T00:00:00Z' })).id).toBe('always');
  });

  it('reports a touch no campaign matches under its UTM campaign, its case folded in the id', () => {
    const config = configOf(campaignInput('other', { utm: [{ source: 'bing' }] }));

    expect(campaignOfTouch(config, touch({ campaign: 'Spring_Sale' }))).toEqual({ id: 'utm:spring_sale', name: 'Spring_Sale', type: NOT_DEFINED, defined: false });
    expect(campaignOfTouch(config, touch({ campaign: 'spring_sale' })).id).toBe('utm:spring_sale');
  });

  it('reports a touch without a UTM campaign under its source, a referral under its host', () => {
    const config = configOf(campaignInput('other', { utm: [{ source: 'bing' }] }));

    expect(campaignOfTouch(config, touch({ source: 'Partner-Site', campaign: ' ' }))).toEqual({ id: 'source:partner-site', name: 'Partner-Site', type: NOT_DEFINED, defined: false });
    expect(campaignOfTouch(config, touch({ source: 'news.ycombinator.com', medium: 'referral' })).id).toBe('source:news.ycombinator.com');
  });

  it('keeps a not-defined campaign apart from a defined one of the same name, and a UTM campaign from a source', () => {
    const config = configOf(campaignInput('spring', { utm: [{ source: 'bing' }] }));

    const utm = campaignOfTouch(config, touch({ source: 'google', campaign: 'spring' }));
    const source = campaignOfTouch(config, touch({ source: 'spring' }));

    expect(new Set(['spring', utm.id, source.id]).size).toBe(3);
  });

  const anyTouch = fc.record({
    at: fc.date({ min: new Date('2025-06-01T00:00:00Z'), max: new Date('2027-06-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    source: fc.oneof(fc.constantFrom('google', 'bing', 'newsletter', 'linkedin', 'www.linkedin.com', 'lnkd.in', ''), fc.string()),
    medium: fc.option(fc.oneof(fc.constantFrom('cpc', 'ppc', 'email', 'social', 'paid-social', 'referral'), fc.string()), { nil: undefined }),
    campaign: fc.option(fc.oneof(fc.constantFrom('brand-spring', 'competitor-x', 'webinar-pipeline-hygiene', 'ebook-lead-scoring', 'ops-leaders-q1'), fc.string()), { nil: undefined }),
    term: fc.option(fc.string(), { nil: undefined }),
    content: fc.option(fc.string(), { nil: undefined }),
  });

  it('always gives a touch a campaign: a defined one as the file says it, or one named after the touch', () => {
    const defined = new Map(shippedCampaigns.campaigns.map((c) => [c.id, c]));
    fc.assert(
      fc.property(anyTouch, (given) => {
        const campaign = campaignOfTouch(shippedCampaigns, given);

        expect(campaign.id).not.toBe('');
        expect(campaign.name.trim()).not.toBe('');
        if (campaign.defined) {
          expect(campaign).toEqual({ id: campaign.id, name: defined.get(campaign.id)?.name, type: defined.get(campaign.id)?.type, defined: true });
        } else {
          expect(campaign.type).toBe(NOT_DEFINED);
          expect(campaign.id).toMatch(/^(utm|source):/);
          // named as the touch told it, unless that looks like an email address (personal-values.ts, tested there)
          const told = given.campaign?.trim() || given.source.trim() || '(none)';
          expect(campaign.name).toBe(looksPersonal(told) ? PERSONAL : told);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('does not care about the case of UTM values', () => {
    fc.assert(
      fc.property(anyTouch, (given) => {
        const upper = {
          ...given,
          source: given.source.toUpperCase(),
          medium: given.medium?.toUpperCase(),
          campaign: given.campaign?.toUpperCase(),
          term: given.term?.toUpperCase(),
          content: given.content?.toUpperCase(),
        };

        expect(campaignOfTouch(shippedCampaigns, upper).id).toBe(campaignOfTouch(shippedCampaigns, given).id);
      }),
      { numRuns: 500 },
    );
  });

  it('matches a pattern ending in * to every value it begins', () => {
    const noStar = fc.string({ minLength: 1 }).filter((s) => !s.includes('*') && s.trim() === s && s !== '');
    fc.assert(
      fc.property(noStar, fc.string().filter((s) => s.trim() === s), (prefix, rest) => {
        const config = configOf(campaignInput('c', { utm: [{ campaign: `${prefix}*` }] }));

        expect(campaignOfTouch(config, touch({ campaign: prefix + rest })).defined).toBe(true);
      }),
    );
  });
});

describe('the campaign of a tracked event', () => {
  const config = configOf(
    campaignInput('webinar', { events: [{ event: 'Webinar Attended', properties: { webinarId: 'w-12', live: true } }] }),
    campaignInput('any-webinar', { events: [{ event: 'Webinar Attended' }] }),
  );
  const event = (fields: Record<string, unknown>) => ({ type: 'track', event: 'Webinar Attended', timestamp: '2026-03-12T16:00:00Z', ...fields });

  it('is the first campaign whose event rule it matches, name and every property', () => {
    expect(campaignOfEvent(config, event({ properties: { webinarId: 'w-12', live: true, seat: 3 } }))?.id).toBe('webinar');
    expect(campaignOfEvent(config, event({ properties: { webinarId: 'w-12', live: 'true' } }))?.id).toBe('any-webinar');
    expect(campaignOfEvent(config, event({}))?.id).toBe('any-webinar');
  });

  it('is none for an event no campaign claims, one outside the dates, or one that is not a tracked event', () => {
    expect(campaignOfEvent(config, event({ event: 'Webinar Registered' }))).toBeUndefined();
    expect(campaignOfEvent(config, event({ timestamp: '2026-04-01T00:00:00Z' }))).toBeUndefined();
    expect(campaignOfEvent(config, { type: 'page', timestamp: '2026-03-12T16:00:00Z' })).toBeUndefined();
  });
});

describe('the campaign of a sales activity', () => {
  const config = configOf(
    campaignInput('roi-deck', { activities: [{ kind: 'email', resultContains: 'ROI deck' }] }, { type: 'sales' }),
    campaignInput('demos', { activities: [{ resultContains: 'demo' }] }, { type: 'sales' }),
    campaignInput('meetings', { activities: [{ kind: 'meeting' }] }, { type: 'sales' }),
  );
  const activity = (fields: Partial<Parameters<typeof campaignOfActivity>[1]>) => ({ kind: 'email' as const, at: '2026-03-12T10:00:00Z', ...fields });

  it('matches the kind and text the result contains, whatever its case', () => {
    expect(campaignOfActivity(config, activity({ result: 'Sent the roi DECK to the CFO' }))).toEqual({ id: 'roi-deck', name: 'Campaign roi-deck', type: 'sales', defined: true });
    expect(campaignOfActivity(config, activity({ kind: 'call', result: 'sent the ROI deck' })).defined).toBe(false);
    expect(campaignOfActivity(config, activity({ kind: 'call', result: 'Demo booked' })).id).toBe('demos');
    expect(campaignOfActivity(config, activity({ kind: 'meeting' })).id).toBe('meetings');
  });

  it('can name every kind of activity there is', () => {
    expect(campaignActivityKinds).toEqual(activityKinds);
  });

  it('reports an activity no campaign claims, or one outside the dates, under its kind, not defined', () => {
    expect(campaignOfActivity(config, activity({ result: 'left a voicemail' }))).toEqual({ id: 'sales:email', name: 'sales email', type: NOT_DEFINED, defined: false });
    expect(campaignOfActivity(config, activity({ kind: 'call' })).id).toBe('sales:call');
    expect(campaignOfActivity(config, activity({ at: '2026-04-01T00:00:00Z', result: 'ROI deck' })).id).toBe('sales:email');
  });
});

describe('overlapping campaigns', () => {
  it('names the pairs one touch could match both of, the earlier first', () => {
    const config = configOf(
      campaignInput('brand', { utm: [{ source: 'google', campaign: 'brand-*' }] }),
      campaignInput('spring', { utm: [{ source: 'google', campaign: '*-spring' }] }),
      campaignInput('competitors', { utm: [{ source: 'google', campaign: 'competitor-*' }] }),
      campaignInput('bing', { utm: [{ source: 'bing' }] }),
      campaignInput('april', { utm: [{ source: 'google' }] }, { start: '2026-04-01', end: '2026-04-30' }),
    );

    expect(campaignOverlaps(config)).toEqual([
      { earlier: 'brand', later: 'spring' },
      { earlier: 'spring', later: 'competitors' },
    ]);
  });

  it.each([
    ['referrers, a host and its subdomain', { referrers: ['linkedin.com'] }, { referrers: ['www.linkedin.com'] }, true],
    ['referrers, two hosts', { referrers: ['linkedin.com'] }, { referrers: ['lnkd.in'] }, false],
    ['events, compatible properties', { events: [{ event: 'Webinar Attended', properties: { id: 'a' } }] }, { events: [{ event: 'Webinar Attended' }] }, true],
    ['events, different properties', { events: [{ event: 'Webinar Attended', properties: { id: 'a' } }] }, { events: [{ event: 'Webinar Attended', properties: { id: 'b' } }] }, false],
    ['activities of one kind', { activities: [{ kind: 'email', resultContains: 'deck' }] }, { activities: [{ kind: 'email', resultContains: 'case study' }] }, true],
    ['activities of two kinds', { activities: [{ kind: 'email' }] }, { activities: [{ kind: 'call' }] }, false],
  ])('tells when rules on %s overlap: %s', (_, first, second, overlap) => {
    const config = configOf(campaignInput('first', first), campaignInput('second', second));

    expect(campaignOverlaps(config).length > 0).toBe(overlap);
  });

  it('says two UTM patterns overlap exactly when some value matches both', () => {
    // Over the letters a and b, a value both match (if any) is no longer than the letters of both patterns (or one letter, for stars alone).
    let values = ['a', 'b'];
    for (let length = 2; length <= 6; length++) values = [...values, ...values.filter((v) => v.length === length - 1).flatMap((v) => [`${v}a`, `${v}b`])];
    const pattern = fc.array(fc.constantFrom('a', 'b', '*'), { minLength: 1, maxLength: 3 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(pattern, pattern, (p, q) => {
        const first = configOf(campaignInput('p', { utm: [{ source: 'x', campaign: p }] }));
        const second = configOf(campaignInput('q', { utm: [{ source: 'x', campaign: q }] }));
        const both = configOf(campaignInput('p', { utm: [{ source: 'x', campaign: p }] }), campaignInput('q', { utm: [{ source: 'x', campaign: q }] }));
        const witness = values.some((v) => campaignOfTouch(first, touch({ source: 'x', campaign: v })).defined && campaignOfTouch(second, touch({ source: 'x', campaign: v })).defined);

        expect(campaignOverlaps(both).length > 0).toBe(witness);
      }),
      { numRuns: 300 },
    );
  });
});
