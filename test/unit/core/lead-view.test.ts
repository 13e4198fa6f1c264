import { describe, expect, it } from 'vitest';
import type { Lead } from '#core/lead.ts';
import { leadView } from '#core/lead-view.ts';
import { profileKey } from '#core/table-layout.ts';
import { DAY_MS, T0, daysAfterT0, model, sampleLedger } from './lead-view-model.ts';

const at = (days: number) => new Date(T0 + days * DAY_MS);

/** An engaged lead last scored at day 10, when its engagement was 43.75 and the grade C under an older model. */
function engagedLead(overrides: Partial<Lead> = {}): Lead {
  return {
    leadId: 'lead-00112233445566778899',
    email: 'dana@acme-corp.example',
    identities: ['email:dana@acme-corp.example', 'user:crm|4711:a', 'anon:visitor-dana'],
    traits: { email: 'dana@acme-corp.example', phone: '+49 30 1234567', employees: 20, name: 'Dana Buyer' },
    stage: 'engaged',
    stageHistory: [
      { from: 'visitor', to: 'known', at: daysAfterT0(0), cause: 'identified as dana@acme-corp.example' },
      { from: 'known', to: 'engaged', at: daysAfterT0(10), cause: 'engagement 43.75 reached 10' },
    ],
    ledger: sampleLedger(),
    modelVersion: 'view-test-0',
    engagement: 43.75,
    grade: 'C',
    scoredAt: daysAfterT0(11),
    cycle: 0,
    touches: [
      { messageId: 'm-a', at: daysAfterT0(0), source: 'newsletter', medium: 'email', campaign: 'march' },
      { messageId: 'm-b', at: daysAfterT0(4), source: 'news.example.org', medium: 'referral' },
      { messageId: 'm-c', at: daysAfterT0(10), source: 'google', medium: 'cpc', campaign: 'brand' },
    ],
    recentActivity: [
      { messageId: 'm-a', at: daysAfterT0(0), type: 'page', label: 'Viewed Home', url: 'https://acme.example/' },
      { messageId: 'm-d', at: daysAfterT0(10), type: 'page', label: 'Viewed Pricing', url: 'https://acme.example/pricing' },
      { messageId: 'm-e', at: daysAfterT0(11), type: 'track', label: 'Form Submitted' },
    ],
    createdAt: daysAfterT0(0),
    ...overrides,
  };
}

describe('the lead view', () => {
  it('works the score out at the reading instant, not from the stored engagement and grade', () => {
    // Prepare
    const lead = engagedLead();

    // Act
    const { score } = leadView(lead, model, at(20));

    // Assess: engagement and breakdown as sampleLedger reads at day 20; phone 10 + business email 15 = 25 fit points, grade B
    expect(score).toEqual({
      at: '2026-03-21T00:00:00.000Z',
      engagement: 29.75,
      grade: 'B',
      fitPoints: 25,
      modelVersion: 'view-test-1',
      scoredUnder: 'view-test-0',
      breakdown: [
        { ruleId: 'demo', description: 'Requested a demo', points: 20, count: 1 },
        { ruleId: 'pricing', description: 'Viewed pricing', points: 10, count: 2 },
        { ruleId: 'page-view', description: 'Viewed a page', points: 3.75, count: 2 },
        { ruleId: 'careers', description: 'Looked at jobs', points: -4, count: 1 },
      ],
      fit: [
        { ruleId: 'has-phone', description: 'Gave a phone number', points: 10 },
        { ruleId: 'business-email', description: 'Business email', points: 15 },
      ],
    });
  });

  it('shows less engagement for the same lead read later, as points decay', () => {
    // Prepare
    const lead = engagedLead();

    // Act
    const sooner = leadView(lead, model, at(20)).score.engagement;
    const later = leadView(lead, model, at(30)).score.engagement;

    // Assess: ten days on, page views are 1.875 and the demo 10; pricing 10 and careers -4 do not decay
    expect(sooner).toBe(29.75);
    expect(later).toBe(17.88);
  });

  it('splits identities into their kind and value, keeping colons inside the value', () => {
    // Act
    const { identities } = leadView(engagedLead(), model, at(20));

    // Assess
    expect(identities).toEqual([
      { kind: 'email', value: 'dana@acme-corp.example' },
      { kind: 'user', value: 'crm|4711:a' },
      { kind: 'anon', value: 'visitor-dana' },
    ]);
  });

  it('gives the first and the last touch for attribution, and all of them', () => {
    // Act
    const { touches } = leadView(engagedLead(), model, at(20));

    // Assess
    expect(touches.first).toEqual({ messageId: 'm-a', at: daysAfterT0(0), source: 'newsletter', medium: 'email', campaign: 'march' });
    expect(touches.last).toEqual({ messageId: 'm-c', at: daysAfterT0(10), source: 'google', medium: 'cpc', campaign: 'brand' });
    expect(touches.all.map((t) => t.messageId)).toEqual(['m-a', 'm-b', 'm-c']);
  });

  it('lists recent activity newest first, with when the lead was last active', () => {
    // Act
    const view = leadView(engagedLead(), model, at(20));

    // Assess
    expect(view.recentActivity.map((a) => a.label)).toEqual(['Form Submitted', 'Viewed Pricing', 'Viewed Home']);
    expect(view.lastActivityAt).toBe(daysAfterT0(11));
  });

  it('carries the stage, its history, owner, cycle, traits and the lead’s dates', () => {
    // Prepare
    const owner = { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: daysAfterT0(12) };
    const lead = engagedLead({
      stage: 'mql',
      stageHistory: [...engagedLead().stageHistory, { from: 'engaged', to: 'mql', at: daysAfterT0(12), cause: 'qualified' }],
      cycle: 1,
      owner,
    });

    // Act
    const view = leadView(lead, model, at(20));

    // Assess
    expect(view.leadId).toBe('lead-00112233445566778899');
    expect(view.email).toBe('dana@acme-corp.example');
    expect(view.stage).toBe('mql');
    expect(view.stageHistory.map((c) => c.to)).toEqual(['known', 'engaged', 'mql']);
    expect(view.owner).toEqual(owner);
    expect(view.cycle).toBe(1);
    expect(view.traits).toEqual({ email: 'dana@acme-corp.example', phone: '+49 30 1234567', employees: 20, name: 'Dana Buyer' });
    expect(view.createdAt).toBe(daysAfterT0(0));
    expect(view.updatedAt).toBe(daysAfterT0(11));
  });

  it('shows an anonymous visitor with no email, owner or touches as nulls, scored zero', () => {
    // Prepare
    const visitor = engagedLead({
      email: undefined,
      identities: ['anon:visitor-1'],
      traits: {},
      stage: 'visitor',
      stageHistory: [],
      ledger: [],
      touches: [],
      recentActivity: [],
    });

    // Act
    const view = leadView(visitor, model, at(20));

    // Assess
    expect(view.email).toBeNull();
    expect(view.owner).toBeNull();
    expect(view.touches).toEqual({ first: null, last: null, all: [] });
    expect(view.lastActivityAt).toBeNull();
    expect(view.score).toMatchObject({ engagement: 0, grade: 'D', fitPoints: 0, breakdown: [], fit: [] });
  });

  it('leaves out what only the pipeline needs: the raw ledger, the pending journey flag and the stored score', () => {
    // Prepare
    const lead = { ...engagedLead({ journeyPending: 1 }), version: 7, ...profileKey('lead-00112233445566778899') } as Lead;

    // Act
    const view = leadView(lead, model, at(20)) as unknown as Record<string, unknown>;

    // Assess
    for (const internal of ['ledger', 'journeyPending', 'version', 'pk', 'sk', 'engagement', 'grade', 'modelVersion', 'scoredAt']) {
      expect(view, internal).not.toHaveProperty(internal);
    }
  });

  it('does not change the lead it shows', () => {
    // Prepare
    const lead = engagedLead();
    const before = structuredClone(lead);

    // Act
    leadView(lead, model, at(20));

    // Assess
    expect(lead).toEqual(before);
  });
});
