import { describe, expect, it } from 'vitest';
import { feedback, scoringModel, serviceAgreement, teams } from '#config/index.ts';
import feedbackJson from '#config/feedback.json' with { type: 'json' };
import scoringModelJson from '#config/scoring-model.json' with { type: 'json' };
import serviceAgreementJson from '#config/service-agreement.json' with { type: 'json' };
import teamsJson from '#config/teams.json' with { type: 'json' };
import { ConfigError, parseConfig } from '#core/config-errors.ts';
import { applyEvents, newLead } from '#core/lead.ts';
import { scoringModelSchema } from '#core/scoring.ts';
import { serviceAgreementSchema } from '#core/service-agreement.ts';
import { teamsSchema } from '#core/teams.ts';
import type { StoredEvent } from '#core/tracking-event.ts';

/** The ConfigError a broken copy of a shipped file produces. */
function configErrorOf(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('the shipped configuration', () => {
  it('validates and loads unchanged', () => {
    // Prepare / Act: importing config/index.ts parses every file

    // Assess
    expect(scoringModel).toEqual(scoringModelJson);
    expect(serviceAgreement).toEqual(serviceAgreementJson);
    expect(teams).toEqual(teamsJson);
    expect(feedback).toEqual(feedbackJson);
  });

  it('lets a rep give a reason on every occasion, rejection included', () => {
    // Prepare / Act / Assess
    expect(feedback.reasons.rejected.length).toBeGreaterThan(0);
    expect(feedback.reasons.accepted.length).toBeGreaterThan(0);
    expect(feedback.reasons.closed.length).toBeGreaterThan(0);
  });

  it('gives the sales clocks a follow-up window no shorter than the first-contact one', () => {
    // Prepare / Act / Assess
    expect(serviceAgreement.sales.followUp.withinDays * 24).toBeGreaterThanOrEqual(serviceAgreement.sales.firstContactWithinHours);
  });

  it('has an escalation ladder that ends the cycle and at least one rep', () => {
    // Prepare / Act / Assess
    expect(serviceAgreement.escalationLadder.at(-1)).toBe('recycle');
    expect(teams.teams[0]?.reps.length).toBeGreaterThan(0);
  });

  it('lets a lead become engaged before it can qualify', () => {
    // Prepare / Act / Assess
    expect(scoringModel.engagement.engagedThreshold).toBeLessThanOrEqual(scoringModel.qualification.minEngagement);
  });

  describe('the shipped scoring model', () => {
    const at = '2026-03-02T10:00:00.000Z';
    const event = (messageId: string, fields: Partial<StoredEvent>): StoredEvent => ({
      messageId,
      type: 'page',
      anonymousId: 'anon-1',
      timestamp: at,
      receivedAt: at,
      sourceId: 'website',
      ...fields,
    });
    const activity = [
      event('m-2', { type: 'track', event: 'Form Submitted', properties: { formId: 'demo' } }),
      event('m-3', { url: 'https://acme.io/pricing' }),
      event('m-4', { url: 'https://acme.io/pricing' }),
    ];

    it('qualifies a business lead with a phone who requested a demo and viewed pricing twice', () => {
      // Prepare: fit 15 (business email) + 10 (phone) = 25 → B; engagement 40 + 2 × (3 + 10) = 66 ≥ 60, no time for decay
      const identify = event('m-1', { type: 'identify', email: 'jo@acme.io', traits: { email: 'jo@acme.io', phone: '+44 1' } });

      // Act
      const { lead } = applyEvents(newLead('lead-1', at, scoringModel), [identify, ...activity], scoringModel);

      // Assess
      expect([lead.grade, lead.engagement, lead.stage, lead.cycle]).toEqual(['B', 66, 'mql', 1]);
    });

    it('keeps the same activity from a free-mail lead with a phone with marketing', () => {
      // Prepare: fit 10 (phone only) → C, below the minimum grade B
      const identify = event('m-1', { type: 'identify', email: 'jo@gmail.com', traits: { email: 'jo@gmail.com', phone: '+44 1' } });

      // Act
      const { lead } = applyEvents(newLead('lead-1', at, scoringModel), [identify, ...activity], scoringModel);

      // Assess
      expect([lead.grade, lead.engagement, lead.stage]).toEqual(['C', 66, 'engaged']);
    });
  });
});

describe('a broken configuration', () => {
  it('fails with a message naming the file and the field path of a rule worth 0 points', () => {
    // Prepare
    const broken = structuredClone(scoringModelJson);
    broken.engagement.rules[0]!.points = 0;

    // Act
    const error = configErrorOf(() => parseConfig('config/scoring-model.json', scoringModelSchema, broken));

    // Assess
    expect(error.message).toContain('config/scoring-model.json is not valid:');
    expect(error.message).toContain('  - engagement.rules[0].points: points must not be 0');
    expect(error.issues).toEqual([{ path: 'engagement.rules[0].points', message: 'points must not be 0' }]);
  });

  it('names a duplicate rule id and the rule that repeats it', () => {
    // Prepare
    const broken = structuredClone(scoringModelJson);
    broken.engagement.rules[1]!.id = broken.engagement.rules[0]!.id;

    // Act
    const error = configErrorOf(() => parseConfig('config/scoring-model.json', scoringModelSchema, broken));

    // Assess
    expect(error.issues).toEqual([{ path: 'engagement.rules[1].id', message: `duplicate rule id "${scoringModelJson.engagement.rules[0]!.id}"` }]);
  });

  it('names a misspelt key in a fit rule', () => {
    // Prepare
    const broken = structuredClone(scoringModelJson) as { fit: { rules: Record<string, unknown>[] } };
    broken.fit.rules[2] = { ...broken.fit.rules[2], pionts: 15 };

    // Act
    const error = configErrorOf(() => parseConfig('config/scoring-model.json', scoringModelSchema, broken));

    // Assess
    expect(error.issues).toContainEqual({ path: 'fit.rules[2].pionts', message: 'not a known field' });
    expect(error.message).toContain('pionts');
  });

  it('names a service agreement whose ladder never ends the cycle', () => {
    // Prepare
    const broken = { ...serviceAgreementJson, escalationLadder: ['notify-manager', 'reassign'] };

    // Act
    const error = configErrorOf(() => parseConfig('config/service-agreement.json', serviceAgreementSchema, broken));

    // Assess
    expect(error.message).toBe(
      'config/service-agreement.json is not valid:\n  - escalationLadder: the ladder must end with "recycle" so no lead waits forever',
    );
  });

  it('names a rep whose email is not an address', () => {
    // Prepare
    const broken = structuredClone(teamsJson);
    broken.teams[0]!.reps[1]!.email = 'kim at example';

    // Act
    const error = configErrorOf(() => parseConfig('config/teams.json', teamsSchema, broken));

    // Assess
    expect(error.issues.map((i) => i.path)).toEqual(['teams[0].reps[1].email']);
  });
});
