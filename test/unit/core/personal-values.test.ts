import { describe, expect, it } from 'vitest';
import * as z from '#core/zod.ts';
import { campaignOfTouch, campaignsSchema } from '#core/campaigns.ts';
import { aggregateValue, looksPersonal, PERSONAL, SLICE_VALUE_LENGTH, withoutPersonalValues } from '#core/personal-values.ts';
import { leadSlices, MAX_SLICE_VALUE_LENGTH, reportCounts, UNCONFIGURED_SLICING, type ReportCount, type ReportSlicing } from '#core/report-counts.ts';
import { traitSliceValue } from '#core/report-traits.ts';
import { reportItemsOf, reportKey, reportMonthKey } from '#core/table-layout.ts';
import { attributionCounts } from '#core/reports/attribution-counts.ts';
import { mqlLead } from '../handlers/fixtures.ts';

/**
 * Report aggregates keep counts only: a slice value a client controls (UTM,
 * traits) that looks like an email address, or is one of the lead's own
 * identities, is counted as `(personal)`, so no report key holds a person.
 */

const email = 'gina@pii.example';
const noCampaigns: ReportSlicing = { ...UNCONFIGURED_SLICING, traits: { industry: {}, employees: { bands: [10, 50, 250, 1000] } } };
/** Gina: her first touch's UTM source and campaign and her industry trait are her address; a lead in known. */
const gina = mqlLead({
  identities: [`email:${email}`, 'anon:visitor-gina', 'user:Gina-77'],
  email,
  touches: [{ messageId: 'm-0', at: '2026-03-01T09:00:00.000Z', source: email, medium: 'email', campaign: email.toUpperCase() }],
  traits: { email, industry: ` ${email} `, employees: 120 },
});

describe('a value that looks like an email address', () => {
  it('is told by its @, also URL-encoded or full-width', () => {
    for (const value of [email, 'x@y', 'news@', 'gina%40pii.example', 'GINA%40PII.EXAMPLE', 'gina＠pii.example', 'utm:gina@pii.example']) expect(looksPersonal(value), value).toBe(true);
    for (const value of ['newsletter', 'spring-sale', 'utm:spring', '50-249', '(none)', 'www.linkedin.com', 'at 40%']) expect(looksPersonal(value), value).toBe(false);
  });

  it('is kept as (personal), any other value as it is', () => {
    expect(aggregateValue(email)).toBe(PERSONAL);
    expect(aggregateValue('Software')).toBe('Software');
  });

  it('is never a slice value: source, campaign and trait slices of the lead are (personal)', () => {
    const slices = leadSlices(gina, noCampaigns);

    expect(slices).toMatchObject({ source: PERSONAL, campaign: `utm:${PERSONAL}`, 'trait:industry': PERSONAL, 'trait:employees': '50-249' });
    expect(JSON.stringify(slices)).not.toMatch(/pii/i);
  });

  it('is named (personal) when a touch matches no defined campaign, by UTM name or by source', () => {
    expect(campaignOfTouch({ campaigns: [] }, { at: '2026-03-01T09:00:00.000Z', source: 'newsletter', campaign: 'Gina@PII.example' })).toEqual({
      id: `utm:${PERSONAL}`,
      name: PERSONAL,
      type: 'not-defined',
      defined: false,
    });
    expect(campaignOfTouch({ campaigns: [] }, { at: '2026-03-01T09:00:00.000Z', source: email }).id).toBe(`source:${PERSONAL}`);
    // a campaign's own name stays: only a value that looks personal is replaced
    expect(campaignOfTouch({ campaigns: [] }, { at: '2026-03-01T09:00:00.000Z', source: 'newsletter', campaign: 'Spring' }).id).toBe('utm:spring');
  });

  it('still counts for a defined campaign whose rules match it: the id is the config’s', () => {
    const campaigns = z.parse(campaignsSchema, {
      campaigns: [{ id: 'email-blast', name: 'Blast', type: 'email', owner: 'Maria', start: '2026-01-01', match: { utm: [{ medium: 'email' }] } }],
    });
    expect(campaignOfTouch(campaigns, { at: '2026-03-01T09:00:00.000Z', source: email, medium: 'email', campaign: email }).id).toBe('email-blast');
  });

  it('is a trait slice (personal), while a banded trait keeps its band', () => {
    expect(traitSliceValue(email, {})).toBe(PERSONAL);
    expect(traitSliceValue('Software', {})).toBe('Software');
    expect(traitSliceValue('120', { bands: [10, 50] })).toBe('50+');
  });

  it('is never part of a report key, whatever slice a writer hands it (the last guard)', () => {
    expect(reportKey('attribution', '2026-03-01', `linear:source=${email}`, 0).sk).toBe(`linear:source#2026-03-01#${PERSONAL}`);
    expect(reportMonthKey('funnel', '2026-03', `trait:industry=${email}`, 0).sk).toBe(`trait:industry#2026-03#${PERSONAL}`);
    expect(reportKey('funnel', '2026-03-01', 'source=newsletter', 0).sk).toBe('source#2026-03-01#newsletter');
  });

  it('leaves no trace in any report item of a new lead that goes on to known', () => {
    const known = { ...gina, createdAt: '2026-03-01T09:00:00.000Z', stageHistory: [{ from: 'visitor' as const, to: 'known' as const, at: '2026-03-01T09:05:00.000Z', cause: 'identified' }] };
    const reports = reportCounts(known, known.stageHistory, true, noCampaigns);

    const keys = reportItemsOf(reports, 3).map(([key]) => `${key.pk} ${key.sk}`);
    expect(keys).toContain(`REPORT#funnel#2026-03#03 campaign#2026-03-01#utm:${PERSONAL}`);
    expect(keys.filter((key) => /pii/i.test(key))).toEqual([]);
  });
});

describe('a value that is one of the lead’s own identities', () => {
  const count = (slice: string): ReportCount => ({ day: '2026-03-01', slice, counts: { 'reached.known': 1 } });

  it('is (personal) in a client-controlled slice: source, medium, campaign (as named), a trait; also as attribution keys them', () => {
    const identities = ['anon:visitor-gina', 'user:Gina-77'];
    const reports = ['source=visitor-gina', 'campaign=utm:gina-77', 'trait:industry= Gina-77 ', 'linear:medium=visitor-gina', 'first:source=VISITOR-GINA'].map(count);

    expect(withoutPersonalValues(reports, identities).map((r) => r.slice)).toEqual([
      `source=${PERSONAL}`,
      `campaign=${PERSONAL}`,
      `trait:industry=${PERSONAL}`,
      `linear:medium=${PERSONAL}`,
      `first:source=${PERSONAL}`,
    ]);
  });

  it('keeps every other value, and the slices a client does not control even when they equal an identity', () => {
    const reports = ['source=newsletter', 'campaign=utm:spring', 'all=all', 'rep=rep-sam', 'grade=A', 'share:all=all'].map(count);

    expect(withoutPersonalValues(reports, ['anon:all', 'user:rep-sam', 'anon:A', 'anon:spring-2'])).toEqual(reports);
  });

  it('is found when a long identity was cut to the slices’ length', () => {
    const long = `visitor-${'x'.repeat(200)}`;
    const cut = leadSlices({ ...gina, touches: [{ messageId: 'm-1', at: '2026-03-01T09:00:00.000Z', source: long }] }, noCampaigns).source;

    expect(cut).toHaveLength(MAX_SLICE_VALUE_LENGTH);
    expect(withoutPersonalValues([count(`source=${cut}`)], [`anon:${long}`])[0]!.slice).toBe(`source=${PERSONAL}`);
    // a short value an identity merely starts with is a value of its own
    expect(withoutPersonalValues([count('source=visitor')], [`anon:${long}`])[0]!.slice).toBe('source=visitor');
  });

  it('the slices are cut at one length everywhere', () => {
    expect(SLICE_VALUE_LENGTH).toBe(MAX_SLICE_VALUE_LENGTH);
  });

  it('leaves the counts as they are', () => {
    const reports = [count('source=visitor-gina')];
    expect(withoutPersonalValues(reports, ['anon:visitor-gina'])[0]!.counts).toEqual({ 'reached.known': 1 });
  });
});

describe('attribution of a deal whose touch is personal', () => {
  it('keys no source, medium or campaign of it once the lead’s identities are applied', () => {
    const lead = {
      ...gina,
      touches: [{ messageId: 'm-0', at: '2026-03-01T09:00:00.000Z', source: 'visitor-gina', medium: email, campaign: email }],
      deal: { stage: 'opportunity' as const, at: '2026-03-05T09:00:00.000Z', amount: 1000, currency: 'EUR' },
      createdAt: '2026-03-01T09:00:00.000Z',
      stageHistory: [{ from: 'sql' as const, to: 'opportunity' as const, at: '2026-03-05T09:00:00.000Z', cause: 'crm' }],
    };
    const reports = withoutPersonalValues(attributionCounts(lead, lead.stageHistory, { campaigns: [] }), lead.identities);

    expect(reports.length).toBeGreaterThan(0);
    const keys = reportItemsOf(reports, 0).map(([key]) => key.sk);
    expect(keys.filter((sk) => /pii|visitor-gina/i.test(sk))).toEqual([]);
    expect(keys).toContain(`linear:source#2026-03-05#${PERSONAL}`);
  });
});
