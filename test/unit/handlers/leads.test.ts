import { beforeEach, describe, expect, it } from 'vitest';
import { feedback, scoringModel, teams } from '../../../config/index.ts';
import { nurture } from '../../../config/nurture.ts';
import type { RoutingRecord } from '../../../functions/core/rep-availability.ts';
import type { ApiKey } from '../../../functions/adapters/keys.ts';
import type { IdentityKey } from '../../../functions/core/identity.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { FeedbackEntry, VersionedLead } from '../../../functions/core/records.ts';
import { leadsHandler } from '../../../functions/leads/handler.ts';
import { bearer, freshKey, httpEvent, issuePaths, jsonBody, lambdaContext } from './http-event.ts';

const NOW = Date.parse('2026-04-01T12:00:00.000Z');
const DAY_MS = 86_400_000;
const daysBeforeNow = (days: number) => new Date(NOW - days * DAY_MS).toISOString();
const LEAD_ID = 'lead-0123456789abcdef0123';

/** The handler's ports, in memory: registered keys, stored leads, identity links, and what was read. */
let keys: Map<string, ApiKey>;
let leads: Map<string, VersionedLead>;
let links: Map<IdentityKey, string>;
let reads: string[];
/** feedback items under the leads, as the feedback store keeps them */
let feedbackItems: FeedbackEntry[];
let routings: Map<string, RoutingRecord>;
let handler: ReturnType<typeof leadsHandler>;

function stubKey(key: string, kind: 'write' | 'server'): void {
  keys.set(key, { sourceId: 'src-crm', kind });
}

/**
 * A lead as the scoring path stores it, under the default model
 * (config/scoring-model.json): a demo request 30 days ago (40 points, 30-day
 * half-life) and a pricing page view 14 days ago (page view 3 and pricing 10,
 * both with a 14-day half-life).
 */
function storedLead(): Lead {
  return {
    leadId: LEAD_ID,
    email: 'dana@acme-corp.example',
    identities: ['email:dana@acme-corp.example', 'anon:visitor-dana'],
    traits: { email: 'dana@acme-corp.example', phone: '+49 30 1234567', employees: 250, title: 'Head of Operations' },
    stage: 'engaged',
    stageHistory: [
      { from: 'visitor', to: 'known', at: daysBeforeNow(30), cause: 'identified as dana@acme-corp.example' },
      { from: 'known', to: 'engaged', at: daysBeforeNow(30), cause: 'engagement 40 reached 10' },
    ],
    ledger: [
      { ruleId: 'demo-request', messageId: 'm-1', points: 40, at: daysBeforeNow(30), halfLifeDays: 30, modelVersion: '2026-11-23.1' },
      { ruleId: 'page-view', messageId: 'm-2', points: 3, at: daysBeforeNow(14), halfLifeDays: 14, modelVersion: '2026-11-23.1' },
      { ruleId: 'pricing-page', messageId: 'm-2', points: 10, at: daysBeforeNow(14), halfLifeDays: 14, modelVersion: '2026-11-23.1' },
    ],
    modelVersion: '2026-11-23.1',
    engagement: 53,
    grade: 'A',
    scoredAt: daysBeforeNow(14),
    cycle: 0,
    touches: [{ messageId: 'm-1', at: daysBeforeNow(30), source: 'newsletter', medium: 'email', campaign: 'march' }],
    recentActivity: [
      { messageId: 'm-1', at: daysBeforeNow(30), type: 'track', label: 'Form Submitted' },
      { messageId: 'm-2', at: daysBeforeNow(14), type: 'page', label: 'Viewed Pricing', url: 'https://acme.example/pricing' },
    ],
    createdAt: daysBeforeNow(30),
  };
}

function stubProfile(lead: Lead): void {
  leads.set(lead.leadId, { lead, version: 4 });
}

function stubLink(email: string, leadId: string): void {
  links.set(`email:${email}`, leadId);
}

/** A GET as API Gateway sends it: by id (path parameter) or by email (query). */
async function get(input: { key?: string; leadId?: string; query?: Record<string, string> }) {
  const result = await handler(
    httpEvent({
      method: 'GET',
      path: input.leadId === undefined ? '/v1/leads' : `/v1/leads/${input.leadId}`,
      ...(input.key !== undefined && { headers: bearer(input.key) }),
      ...(input.leadId !== undefined && { pathParameters: { leadId: input.leadId } }),
      ...(input.query && { queryStringParameters: input.query }),
    }),
    lambdaContext('leads'),
  );
  return { status: result.statusCode, body: jsonBody(result), headers: result.headers, issues: issuePaths(result) };
}

describe('leads handler', () => {
  beforeEach(() => {
    keys = new Map();
    leads = new Map();
    links = new Map();
    reads = [];
    feedbackItems = [];
    routings = new Map();
    handler = leadsHandler({
      model: scoringModel,
      teams,
      routingOf: async (leadId, cycle) => structuredClone(routings.get(`${leadId}#${cycle}`)),
      nurtureConfig: nurture,
      feedbackConfig: feedback,
      feedbackOf: async (leadId) => structuredClone(feedbackItems.filter((f) => f.leadId === leadId)),
      now: () => new Date(NOW),
      findKey: async (key) => {
        reads.push('key');
        return keys.get(key);
      },
      leadIdOf: async (identity) => {
        reads.push(identity);
        return links.get(identity);
      },
      getLead: async (leadId) => {
        reads.push(leadId);
        return leads.get(leadId);
      },
    });
  });

  describe('who may read', () => {
    it('answers 401 without a key and reads no lead', async () => {
      // Prepare
      stubProfile(storedLead());

      // Act
      const { status } = await get({ leadId: LEAD_ID });

      // Assess
      expect(status).toBe(401);
      expect(reads).toEqual([]);
    });

    it('answers 401 for a key nobody registered', async () => {
      // Prepare
      const key = freshKey('nobody');
      stubProfile(storedLead());

      // Act
      const { status } = await get({ key, leadId: LEAD_ID });

      // Assess
      expect(status).toBe(401);
      expect(reads).toEqual(['key']);
    });

    it('answers 403 for a write key, which can only send events, and looks up neither the email nor the lead', async () => {
      // Prepare
      const key = freshKey('wk');
      stubKey(key, 'write');
      stubLink('dana@acme-corp.example', LEAD_ID);
      stubProfile(storedLead());

      // Act
      const { status, body } = await get({ key, query: { email: 'dana@acme-corp.example' } });

      // Assess
      expect(status).toBe(403);
      expect(body.error).toMatch(/server key/);
      expect(reads).toEqual(['key']);
    });
  });

  describe('GET /v1/leads/{leadId}', () => {
    it('says who the lead was routed to and why: the rule, who was skipped and why', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubProfile({ ...storedLead(), stage: 'mql', cycle: 1, owner: { repId: 'rep-sam', teamId: 'sales-emea', assignedAt: '2026-03-02T10:00:00.000Z' } });
      routings.set(`${LEAD_ID}#1`, {
        at: '2026-03-02T10:00:00.000Z',
        teamId: 'sales-emea',
        repId: 'rep-sam',
        rule: { id: 'uk-ie', index: 2 },
        skipped: [{ repId: 'rep-kim', reason: 'away', until: '2026-03-09T00:00:00.000Z' }],
        via: 'routing',
      });

      // Act
      const { status, body } = await get({ key, leadId: LEAD_ID });

      // Assess
      expect(status).toBe(200);
      expect(body.routing).toEqual({
        at: '2026-03-02T10:00:00.000Z',
        teamId: 'sales-emea',
        repId: 'rep-sam',
        via: 'routing',
        rule: { id: 'uk-ie', index: 2, says: 'rule "uk-ie" (number 3 in config/routing.json)' },
        // a record written before skips kept `from`; the instant in Kim's zone (Berlin, UTC+1 in March before the change), Ana gives none
        skipped: [{ repId: 'rep-kim', reason: 'away', until: '2026-03-09T00:00:00.000Z', says: 'Kim Closer: away until Monday 9 March, 01:00 Europe/Berlin' }],
      });
    });

    it('shows the lead’s nurture program: the step reached, the next one due, and that it runs', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      // entered the welcome program (config/nurture.json: intro at once, case-study 72 hours later, pricing 120 hours after that) four days ago
      stubProfile({ ...storedLead(), stage: 'known', nurture: { programId: 'welcome', cycle: 0, enteredAt: daysBeforeNow(4) } });

      const { status, body } = await get({ key, leadId: LEAD_ID });

      expect(status).toBe(200);
      expect(body.nurture).toEqual({
        programId: 'welcome',
        programName: nurture.programs.find((p) => p.id === 'welcome')!.name,
        cycle: 0,
        enteredAt: daysBeforeNow(4),
        status: 'running',
        reason: null,
        endedAt: null,
        step: { id: 'case-study', number: 2, of: 3 },
        next: { id: 'pricing', at: new Date(NOW - 4 * DAY_MS + (72 + 120) * 3_600_000).toISOString() },
      });
    });

    it('shows a program the lead left, and why; and no program for a lead never nurtured', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubProfile({ ...storedLead(), stage: 'mql', cycle: 1, nurture: { programId: 'welcome', cycle: 0, enteredAt: daysBeforeNow(4), ended: { reason: 'became an MQL', at: daysBeforeNow(2) } } });

      const { body } = await get({ key, leadId: LEAD_ID });

      expect(body.nurture).toMatchObject({ programId: 'welcome', status: 'exited', reason: 'became an MQL', endedAt: daysBeforeNow(2), step: { id: 'intro', number: 1, of: 3 }, next: null });

      stubProfile(storedLead());
      expect((await get({ key, leadId: LEAD_ID })).body.nurture).toBeNull();
    });

    it('says nothing of routing for a lead that never qualified', async () => {
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubProfile(storedLead());

      const { body } = await get({ key, leadId: LEAD_ID });

      expect(body.routing).toBeNull();
    });

    it('answers the lead with its score worked out now, not the score stored when it was last scored', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubProfile(storedLead());

      // Act
      const { status, body, headers } = await get({ key, leadId: LEAD_ID });

      // Assess: demo 40 after one half-life is 20; page view 3 and pricing 10 after one half-life are 1.5 and 5.
      // Fit: phone 10 + business email 15 + 250 employees 15 + "Head" title 10 = 50, grade A.
      expect(status).toBe(200);
      expect(headers?.['cache-control']).toBe('no-store');
      expect(body).toMatchObject({
        leadId: LEAD_ID,
        email: 'dana@acme-corp.example',
        identities: [
          { kind: 'email', value: 'dana@acme-corp.example' },
          { kind: 'anon', value: 'visitor-dana' },
        ],
        stage: 'engaged',
        owner: null,
        cycle: 0,
        touches: { first: { source: 'newsletter', campaign: 'march' }, last: { source: 'newsletter' } },
        lastActivityAt: daysBeforeNow(14),
      });
      expect(body.score).toEqual({
        at: new Date(NOW).toISOString(),
        engagement: 26.5,
        grade: 'A',
        fitPoints: 50,
        // read with the deployed model; the points were awarded under the version the lead records
        modelVersion: scoringModel.version,
        scoredUnder: '2026-11-23.1',
        breakdown: [
          { ruleId: 'demo-request', description: 'Requested a demo', points: 20, count: 1 },
          { ruleId: 'pricing-page', description: 'Viewed the pricing page', points: 5, count: 1 },
          { ruleId: 'page-view', description: 'Viewed a page', points: 1.5, count: 1 },
        ],
        fit: [
          { ruleId: 'has-phone', description: 'Gave a phone number', points: 10 },
          { ruleId: 'business-email', description: 'Uses a business email domain', points: 15 },
          { ruleId: 'company-size', description: 'Company has 50+ employees', points: 15 },
          { ruleId: 'senior-title', description: 'Senior title', points: 10 },
        ],
      });
      expect(body).not.toHaveProperty('ledger');
      expect(body).not.toHaveProperty('version');
      expect(reads).toEqual(['key', LEAD_ID]);
    });

    it('lists the reps’ feedback on the lead, oldest first, with the reasons’ labels', async () => {
      // Prepare: feedback on cycle 1's rejection and, later, on cycle 2's acceptance (stored in key order)
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubProfile(storedLead());
      feedbackItems.push(
        { leadId: LEAD_ID, cycle: 2, occasion: 'accepted', repId: 'rep-kim', rating: 5, reasons: ['budget-confirmed'], at: daysBeforeNow(1) },
        { leadId: LEAD_ID, cycle: 1, occasion: 'rejected', repId: 'rep-sam', rating: 2, reasons: ['no-need', 'retired-reason'], comment: 'Call in spring', at: daysBeforeNow(20) },
        { leadId: 'lead-ffffffffffffffffffff', cycle: 1, occasion: 'accepted', repId: 'rep-sam', rating: 1, reasons: [], at: daysBeforeNow(3) },
      );

      // Act
      const { status, body } = await get({ key, leadId: LEAD_ID });

      // Assess: a reason no longer in config/feedback.json keeps its id as its label
      expect(status).toBe(200);
      expect(body.feedback).toEqual([
        {
          cycle: 1,
          occasion: 'rejected',
          rating: 2,
          reasons: [
            { id: 'no-need', label: 'No need for what we sell' },
            { id: 'retired-reason', label: 'retired-reason' },
          ],
          comment: 'Call in spring',
          repId: 'rep-sam',
          at: daysBeforeNow(20),
        },
        { cycle: 2, occasion: 'accepted', rating: 5, reasons: [{ id: 'budget-confirmed', label: 'Budget confirmed' }], comment: null, repId: 'rep-kim', at: daysBeforeNow(1) },
      ]);
    });

    it('answers 404 for a lead id nobody has', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');
      const unknown = 'lead-ffffffffffffffffffff';
      stubProfile(storedLead());

      // Act
      const { status, body } = await get({ key, leadId: unknown });

      // Assess
      expect(status).toBe(404);
      expect(body.error).toContain(unknown);
      expect(reads).toEqual(['key', unknown]);
    });

    it('answers 400 naming leadId for something that is not a lead id, and reads no lead', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');

      // Act
      const { status, issues } = await get({ key, leadId: 'LEAD#x' });

      // Assess
      expect(status).toBe(400);
      expect(issues).toEqual(['leadId']);
      expect(reads).toEqual(['key']);
    });
  });

  describe('GET /v1/leads?email=…', () => {
    it('finds the lead by its email written in any case and with spaces around it', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubLink('dana@acme-corp.example', LEAD_ID);
      stubProfile(storedLead());

      // Act
      const { status, body } = await get({ key, query: { email: '  Dana@ACME-Corp.example ' } });

      // Assess
      expect(status).toBe(200);
      expect(body.leadId).toBe(LEAD_ID);
      expect(reads).toEqual(['key', 'email:dana@acme-corp.example', LEAD_ID]);
    });

    it('answers 404 for an email no lead has, without reading any lead', async () => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');
      stubLink('dana@acme-corp.example', LEAD_ID);
      stubProfile(storedLead());

      // Act
      const { status, body } = await get({ key, query: { email: 'nobody@acme-corp.example' } });

      // Assess
      expect(status).toBe(404);
      expect(body.error).toContain('nobody@acme-corp.example');
      expect(reads).toEqual(['key', 'email:nobody@acme-corp.example']);
    });

    it.each([
      ['no email at all', {}, /required/],
      ['an empty email', { email: '' }, /not a valid email/],
      ['something that is not an email', { email: 'dana at acme' }, /not a valid email/],
      ['two emails', { email: 'a@acme.example,b@acme.example' }, /not a valid email/],
      ['an email of 3 KB, longer than a key may be', { email: `${'a'.repeat(3000)}@acme.example` }, /at most 254 characters/],
    ])('answers 400 naming email for %s, and looks nothing up', async (_case, query: Record<string, string>, message) => {
      // Prepare
      const key = freshKey('sk');
      stubKey(key, 'server');

      // Act
      const { status, body } = await get({ key, query });

      // Assess
      expect(status).toBe(400);
      expect(body.issues).toEqual([{ path: 'email', message: expect.stringMatching(message) }]);
      expect(reads).toEqual(['key']);
    });
  });
});
