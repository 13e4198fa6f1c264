import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decayedPoints,
  engagementAt,
  fitGrade,
  gradeAtLeast,
  isQualified,
  qualifyingActivity,
  scoreBreakdown,
  ruleMatches,
  scoreEvent,
  scoringModelSchema,
  topReasons,
  type EngagementRule,
  type Grade,
  type LedgerEntry,
  type ScorableEvent,
  type ScoringModel,
} from '#core/scoring.ts';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const daysAfterT0 = (days: number) => iso(T0 + days * DAY_MS);

/**
 * A small model whose numbers are easy to reason about:
 * - any page view: 5 points, never decays, no cap
 * - a page whose URL contains /pricing: 10 points more, 30-day half-life, at most 20 points per 7 days
 * - the demo form: 40 points, 30-day half-life
 * - a careers page: -10 points, never decays
 * Fit: phone 10, business email 15, 50+ employees 15, senior title 10, country DE/FR 5.
 * Grades: A ≥ 40, B ≥ 25, C ≥ 10, else D. Qualified: grade B or better and engagement ≥ 50.
 */
const modelInput = {
  version: 'test-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5 },
      {
        id: 'pricing',
        description: 'Viewed pricing',
        match: { type: 'page', urlPattern: '/pricing' },
        points: 10,
        halfLifeDays: 30,
        cap: { points: 20, periodDays: 7 },
      },
      {
        id: 'demo',
        description: 'Requested a demo',
        match: { type: 'track', event: 'Form Submitted', properties: { formId: 'demo' } },
        points: 40,
        halfLifeDays: 30,
      },
      { id: 'careers', description: 'Looked at jobs', match: { type: 'page', urlPattern: '/careers' }, points: -10 },
    ],
  },
  fit: {
    rules: [
      { id: 'has-phone', description: 'Gave a phone number', trait: 'phone', test: { exists: true }, points: 10 },
      { id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 15 },
      { id: 'company-size', description: '50+ employees', trait: 'employees', test: { min: 50 }, points: 15 },
      { id: 'senior-title', description: 'Senior title', trait: 'title', test: { keywords: ['head', 'director', 'vp'] }, points: 10 },
      { id: 'target-country', description: 'Target country', trait: 'country', test: { oneOf: ['DE', 'FR'] }, points: 5 },
    ],
    grades: { A: 40, B: 25, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
};
const model: ScoringModel = scoringModelSchema.parse(modelInput);

function rule(id: string): EngagementRule {
  const found = model.engagement.rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id} in the test model`);
  return found;
}

function pageView(messageId: string, url: string, timestamp: string): ScorableEvent {
  return { messageId, type: 'page', url, timestamp };
}

function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return { ruleId: 'demo', messageId: 'm-1', points: 40, at: iso(T0), modelVersion: 'test-1', ...overrides };
}

/** A copy of the model input with one change, for schema tests. */
function modelWith(change: (input: typeof modelInput & Record<string, unknown>) => void): unknown {
  const input = structuredClone(modelInput) as typeof modelInput & Record<string, unknown>;
  change(input);
  return input;
}

function issuesOf(value: unknown): { path: string; message: string }[] {
  const result = scoringModelSchema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the scoring model schema', () => {
  it('accepts a complete model', () => {
    // Prepare / Act
    const result = scoringModelSchema.safeParse(modelInput);

    // Assess
    expect(result.success).toBe(true);
  });

  it('refuses a rule worth 0 points, naming the rule points', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules[0]!.points = 0;
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues).toContainEqual({ path: 'engagement.rules.0.points', message: 'points must not be 0' });
  });

  it('refuses fractional points', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules[1]!.points = 2.5;
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues.map((i) => i.path)).toContain('engagement.rules.1.points');
  });

  it('refuses a rule id that is not lower-case letters, digits and dashes', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules[0]!.id = 'Page View';
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues).toContainEqual({ path: 'engagement.rules.0.id', message: 'use lower-case letters, digits and dashes' });
  });

  it('refuses a duplicate rule id, naming the rule', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules[2]!.id = 'page-view';
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues).toContainEqual({ path: 'engagement.rules.2.id', message: 'duplicate rule id "page-view"' });
  });

  it('refuses grade thresholds that are not strictly decreasing from A to C', () => {
    // Prepare
    const input = modelWith((m) => {
      m.fit.grades = { A: 40, B: 40, C: 10 };
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues).toContainEqual({ path: 'fit.grades', message: 'grade thresholds must satisfy A > B > C' });
  });

  it('refuses unknown keys, at the top level and inside a rule', () => {
    // Prepare
    const topLevel = modelWith((m) => {
      m.extra = true;
    });
    const inRule = modelWith((m) => {
      (m.engagement.rules[0] as Record<string, unknown>).weight = 2;
    });

    // Act
    const topIssues = issuesOf(topLevel);
    const ruleIssues = issuesOf(inRule);

    // Assess
    expect(topIssues.map((i) => i.path)).toContain('');
    expect(ruleIssues.map((i) => i.path)).toContain('engagement.rules.0');
  });

  it('refuses a model without engagement rules', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules = [];
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues.map((i) => i.path)).toContain('engagement.rules');
  });

  it('refuses an unknown event type in a match and an unknown minimum grade', () => {
    // Prepare
    const input = modelWith((m) => {
      (m.engagement.rules[0]!.match as Record<string, unknown>).type = 'click';
      (m.qualification as Record<string, unknown>).minGrade = 'E';
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['engagement.rules.0.match.type', 'qualification.minGrade']));
  });

  it('refuses a cap of zero points or a non-positive half-life', () => {
    // Prepare
    const input = modelWith((m) => {
      m.engagement.rules[1]!.cap = { points: 0, periodDays: 7 };
      m.engagement.rules[2]!.halfLifeDays = 0;
    });

    // Act
    const issues = issuesOf(input);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['engagement.rules.1.cap.points', 'engagement.rules.2.halfLifeDays']),
    );
  });
});

describe('matching a rule to an event', () => {
  it('requires the same event type', () => {
    // Prepare
    const event: ScorableEvent = { messageId: 'm', type: 'track', event: 'Viewed', timestamp: iso(T0) };

    // Act / Assess
    expect(ruleMatches(rule('page-view'), event)).toBe(false);
    expect(ruleMatches(rule('page-view'), { ...event, type: 'page' })).toBe(true);
  });

  it('requires the named event when the rule names one', () => {
    // Prepare
    const demo = rule('demo');
    const base: ScorableEvent = { messageId: 'm', type: 'track', properties: { formId: 'demo' }, timestamp: iso(T0) };

    // Act / Assess
    expect(ruleMatches(demo, { ...base, event: 'Form Submitted' })).toBe(true);
    expect(ruleMatches(demo, { ...base, event: 'Form Viewed' })).toBe(false);
    expect(ruleMatches(demo, base)).toBe(false);
  });

  it('matches the URL pattern as a substring and never matches an event without a URL', () => {
    // Prepare
    const pricing = rule('pricing');

    // Act / Assess
    expect(ruleMatches(pricing, pageView('m', 'https://example.com/en/pricing?plan=team', iso(T0)))).toBe(true);
    expect(ruleMatches(pricing, pageView('m', 'https://example.com/blog', iso(T0)))).toBe(false);
    expect(ruleMatches(pricing, { messageId: 'm', type: 'page', timestamp: iso(T0) })).toBe(false);
  });

  it('requires every listed property to be strictly equal', () => {
    // Prepare
    const demo = rule('demo');
    const base: ScorableEvent = { messageId: 'm', type: 'track', event: 'Form Submitted', timestamp: iso(T0) };

    // Act / Assess
    expect(ruleMatches(demo, { ...base, properties: { formId: 'demo', page: '/x' } })).toBe(true);
    expect(ruleMatches(demo, { ...base, properties: { formId: 'newsletter' } })).toBe(false);
    expect(ruleMatches(demo, { ...base, properties: {} })).toBe(false);
    expect(ruleMatches(demo, base)).toBe(false);
  });

  it('tells a number property from the same digits as a string', () => {
    // Prepare
    const numeric = scoringModelSchema.parse(
      modelWith((m) => {
        m.engagement.rules[2]!.match = { type: 'track', event: 'Form Submitted', properties: { step: 2 } } as never;
      }),
    ).engagement.rules[2]!;
    const base: ScorableEvent = { messageId: 'm', type: 'track', event: 'Form Submitted', timestamp: iso(T0) };

    // Act / Assess
    expect(ruleMatches(numeric, { ...base, properties: { step: 2 } })).toBe(true);
    expect(ruleMatches(numeric, { ...base, properties: { step: '2' } })).toBe(false);
  });
});

describe('scoring one event', () => {
  it('earns one ledger entry per matching rule, stamped with the event and model version', () => {
    // Prepare: a pricing page is a page view (5) and a pricing view (10, decaying)
    const event = pageView('m-1', 'https://example.com/pricing', iso(T0));

    // Act
    const entries = scoreEvent(model, [], event);

    // Assess
    expect(entries).toEqual([
      { ruleId: 'page-view', messageId: 'm-1', points: 5, at: iso(T0), modelVersion: 'test-1' },
      { ruleId: 'pricing', messageId: 'm-1', points: 10, at: iso(T0), modelVersion: 'test-1', halfLifeDays: 30 },
    ]);
  });

  it('earns nothing for an event no rule matches', () => {
    // Prepare
    const event: ScorableEvent = { messageId: 'm', type: 'identify', timestamp: iso(T0) };

    // Act
    const entries = scoreEvent(model, [], event);

    // Assess
    expect(entries).toEqual([]);
  });

  it('records negative points for a negative rule', () => {
    // Prepare
    const event = pageView('m', 'https://example.com/careers', iso(T0));

    // Act
    const entries = scoreEvent(model, [], event);

    // Assess
    expect(entries.map((e) => [e.ruleId, e.points])).toEqual([
      ['page-view', 5],
      ['careers', -10],
    ]);
  });
});

describe('caps', () => {
  function viewPricingAt(days: readonly number[]): LedgerEntry[] {
    const ledger: LedgerEntry[] = [];
    days.forEach((d, i) => {
      ledger.push(...scoreEvent(model, ledger, pageView(`m-${i}`, '/pricing', daysAfterT0(d))).filter((e) => e.ruleId === 'pricing'));
    });
    return ledger;
  }

  it('award the full points until the cap is reached, then 0 marked as capped', () => {
    // Prepare / Act: cap is 20 per 7 days, 10 per view
    const ledger = viewPricingAt([0, 1, 2]);

    // Assess
    expect(ledger.map((e) => e.points)).toEqual([10, 10, 0]);
    expect(ledger.map((e) => e.capped)).toEqual([undefined, undefined, true]);
  });

  it('award only the room left when a rule is worth more than the room', () => {
    // Prepare: 15 points, at most 20 per 7 days → 15, then 5 (capped), then 0 (capped)
    const capped = scoringModelSchema.parse(
      modelWith((m) => {
        m.engagement.rules[1]!.points = 15;
      }),
    );
    const ledger: LedgerEntry[] = [];

    // Act
    for (const day of [0, 1, 2]) {
      ledger.push(...scoreEvent(capped, ledger, pageView(`m-${day}`, '/pricing', daysAfterT0(day))).filter((e) => e.ruleId === 'pricing'));
    }

    // Assess
    expect(ledger.map((e) => [e.points, e.capped])).toEqual([
      [15, undefined],
      [5, true],
      [0, true],
    ]);
  });

  it('count only the awards within the period before the event', () => {
    // Prepare / Act: days 0 and 1 fill the cap; by day 7.5 the day-0 award has left the 7-day window, the day-1 one has not
    const ledger = viewPricingAt([0, 1, 7.5]);

    // Assess
    expect(ledger.map((e) => e.points)).toEqual([10, 10, 10]);
  });

  it('no longer count an award made a full period earlier', () => {
    // Prepare / Act: day 0 and day 0.5 fill the cap; day 7 is exactly one period after day 0
    const ledger = viewPricingAt([0, 0.5, 7]);

    // Assess: only the day-0.5 award (10) is inside the window, so 10 more fit under 20
    expect(ledger.map((e) => e.points)).toEqual([10, 10, 10]);
  });

  it('do not count other rules’ awards', () => {
    // Prepare: page-view entries worth far more than the pricing cap
    const ledger: LedgerEntry[] = [entry({ ruleId: 'page-view', points: 100, at: iso(T0) })];

    // Act
    const entries = scoreEvent(model, ledger, pageView('m-2', '/pricing', daysAfterT0(1)));

    // Assess
    expect(entries.find((e) => e.ruleId === 'pricing')?.points).toBe(10);
  });

  it('never limit negative points', () => {
    // Prepare: a negative rule that carries a cap
    const penalized = scoringModelSchema.parse(
      modelWith((m) => {
        (m.engagement.rules[3] as Record<string, unknown>).cap = { points: 5, periodDays: 30 };
      }),
    );
    const ledger: LedgerEntry[] = [];

    // Act
    for (const day of [0, 1, 2]) ledger.push(...scoreEvent(penalized, ledger, pageView(`m-${day}`, '/careers', daysAfterT0(day))));

    // Assess
    expect(ledger.filter((e) => e.ruleId === 'careers').map((e) => e.points)).toEqual([-10, -10, -10]);
  });

  it('never let a rule award more than the cap within any period (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 40 * DAY_MS }), { minLength: 1, maxLength: 40 }),
        (points, capPoints, periodDays, offsets) => {
          // Prepare
          const capModel = scoringModelSchema.parse(
            modelWith((m) => {
              m.engagement.rules = [
                { id: 'r', description: 'r', match: { type: 'page' }, points, cap: { points: capPoints, periodDays } },
              ] as never;
            }),
          );
          const times = [...offsets].sort((a, b) => a - b);
          const ledger: LedgerEntry[] = [];

          // Act: events in time order, as applyEvents feeds them
          times.forEach((t, i) => ledger.push(...scoreEvent(capModel, ledger, pageView(`m-${i}`, '/', iso(T0 + t)))));

          // Assess: every window (t − period, t] ending at an award holds at most the cap
          for (const end of ledger) {
            const endMs = Date.parse(end.at);
            const inWindow = ledger.filter((e) => {
              const at = Date.parse(e.at);
              return at > endMs - periodDays * DAY_MS && at <= endMs;
            });
            expect(inWindow.reduce((sum, e) => sum + e.points, 0)).toBeLessThanOrEqual(capPoints);
            expect(inWindow.every((e) => e.points >= 0)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('decay', () => {
  it('leaves points without a half-life untouched forever', () => {
    // Prepare
    const forever = entry({ points: 5, halfLifeDays: undefined });

    // Act
    const later = decayedPoints(forever, new Date(T0 + 3650 * DAY_MS));

    // Assess
    expect(later).toBe(5);
  });

  it('halves 40 points with a 30-day half-life after 30 days, and quarters them after 60', () => {
    // Prepare
    const demo = entry({ points: 40, halfLifeDays: 30 });

    // Act
    const after30 = decayedPoints(demo, new Date(T0 + 30 * DAY_MS));
    const after60 = decayedPoints(demo, new Date(T0 + 60 * DAY_MS));

    // Assess
    expect(after30).toBe(20);
    expect(after60).toBe(10);
  });

  it('counts the full points when asked about an instant before the award', () => {
    // Prepare
    const demo = entry({ points: 40, halfLifeDays: 30 });

    // Act
    const before = decayedPoints(demo, new Date(T0 - 10 * DAY_MS));

    // Assess
    expect(before).toBe(40);
  });

  it('moves negative points towards 0 the same way', () => {
    // Prepare
    const penalty = entry({ points: -10, halfLifeDays: 7 });

    // Act
    const after7 = decayedPoints(penalty, new Date(T0 + 7 * DAY_MS));

    // Assess
    expect(after7).toBe(-5);
  });

  it('is monotone in time: the magnitude never grows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0),
        fc.integer({ min: 1, max: 365 }),
        fc.integer({ min: 0, max: 1000 * DAY_MS }),
        fc.integer({ min: 0, max: 1000 * DAY_MS }),
        (points, halfLifeDays, a, b) => {
          // Prepare
          const e = entry({ points, halfLifeDays });
          const [earlier, later] = a <= b ? [a, b] : [b, a];

          // Act
          const atEarlier = decayedPoints(e, new Date(T0 + earlier));
          const atLater = decayedPoints(e, new Date(T0 + later));

          // Assess
          expect(Math.abs(atLater)).toBeLessThanOrEqual(Math.abs(atEarlier));
          expect(Math.sign(atLater) === Math.sign(points) || atLater === 0).toBe(true);
        },
      ),
    );
  });

  it('exactly halves per half-life (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0),
        fc.integer({ min: 1, max: 365 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        (points, halfLifeDays, k, offset) => {
          // Prepare
          const e = entry({ points, halfLifeDays });
          const halfLifeMs = halfLifeDays * DAY_MS;

          // Act
          const afterKHalfLives = decayedPoints(e, new Date(T0 + k * halfLifeMs));
          const atOffset = decayedPoints(e, new Date(T0 + offset));
          const oneHalfLifeLater = decayedPoints(e, new Date(T0 + offset + halfLifeMs));

          // Assess: whole half-lives are exact powers of two; any instant halves one half-life on
          expect(afterKHalfLives).toBe(points / 2 ** k);
          expect(oneHalfLifeLater).toBeCloseTo(atOffset / 2, 10);
        },
      ),
    );
  });
});

describe('engagement at an instant', () => {
  it('sums every entry’s decayed value', () => {
    // Prepare: 5 (no decay) + 40 halved after 30 days + −10 (no decay) = 5 + 20 − 10
    const ledger = [
      entry({ ruleId: 'page-view', points: 5 }),
      entry({ ruleId: 'demo', points: 40, halfLifeDays: 30 }),
      entry({ ruleId: 'careers', points: -10 }),
    ];

    // Act
    const engagement = engagementAt(ledger, new Date(T0 + 30 * DAY_MS));

    // Assess
    expect(engagement).toBe(15);
  });

  it('is rounded to two decimals', () => {
    // Prepare: 10 points, 3-day half-life, 1 day later = 10 / 2^(1/3) = 10 / 1.259921… = 7.937…
    const ledger = [entry({ points: 10, halfLifeDays: 3 })];

    // Act
    const engagement = engagementAt(ledger, new Date(T0 + DAY_MS));

    // Assess
    expect(engagement).toBe(7.94);
  });

  it('is 0 for an empty ledger', () => {
    // Prepare / Act / Assess
    expect(engagementAt([], new Date(T0))).toBe(0);
  });
});

describe('top reasons', () => {
  it('groups entries by rule, sums their current value and counts them, biggest first', () => {
    // Prepare: 3 page views (15), 1 demo halved after 30 days (20), 1 pricing view halved (5)
    const ledger = [
      entry({ ruleId: 'page-view', messageId: 'a', points: 5 }),
      entry({ ruleId: 'page-view', messageId: 'b', points: 5 }),
      entry({ ruleId: 'page-view', messageId: 'c', points: 5 }),
      entry({ ruleId: 'demo', messageId: 'd', points: 40, halfLifeDays: 30 }),
      entry({ ruleId: 'pricing', messageId: 'e', points: 10, halfLifeDays: 30 }),
    ];

    // Act
    const reasons = topReasons(model, ledger, new Date(T0 + 30 * DAY_MS));

    // Assess
    expect(reasons).toEqual([
      { ruleId: 'demo', description: 'Requested a demo', points: 20, count: 1 },
      { ruleId: 'page-view', description: 'Viewed a page', points: 15, count: 3 },
      { ruleId: 'pricing', description: 'Viewed pricing', points: 5, count: 1 },
    ]);
  });

  it('keeps only the requested number of reasons', () => {
    // Prepare
    const ledger = [
      entry({ ruleId: 'page-view', points: 5 }),
      entry({ ruleId: 'demo', points: 40 }),
      entry({ ruleId: 'pricing', points: 10 }),
    ];

    // Act
    const reasons = topReasons(model, ledger, new Date(T0), 2);

    // Assess
    expect(reasons.map((r) => r.ruleId)).toEqual(['demo', 'pricing']);
  });

  it('leaves out rules that take points away or that have decayed to nothing', () => {
    // Prepare: careers is negative; 1 point with a 1-day half-life is 1/1024 after 10 days, 0.0 at one decimal
    const ledger = [entry({ ruleId: 'careers', points: -10 }), entry({ ruleId: 'pricing', points: 1, halfLifeDays: 1 })];

    // Act
    const reasons = topReasons(model, ledger, new Date(T0 + 10 * DAY_MS));

    // Assess
    expect(reasons).toEqual([]);
  });

  it('rounds points to one decimal', () => {
    // Prepare: 10 / 2^(1/3) = 7.937… → 7.9
    const ledger = [entry({ ruleId: 'demo', points: 10, halfLifeDays: 3 })];

    // Act
    const [reason] = topReasons(model, ledger, new Date(T0 + DAY_MS));

    // Assess
    expect(reason?.points).toBe(7.9);
  });

  it('names a rule that is no longer in the model by its id', () => {
    // Prepare
    const ledger = [entry({ ruleId: 'retired-rule', points: 7 })];

    // Act
    const reasons = topReasons(model, ledger, new Date(T0));

    // Assess
    expect(reasons).toEqual([{ ruleId: 'retired-rule', description: 'retired-rule', points: 7, count: 1 }]);
  });
});

describe('fit grade', () => {
  it('adds the points of every passing rule and grades A at 40 or more', () => {
    // Prepare: 10 + 15 + 15 + 10 + 5 = 55
    const traits = { phone: '+44 20 7946 0000', email: 'jo@acme.io', employees: 120, title: 'Head of Sales', country: 'DE' };

    // Act
    const fit = fitGrade(model, traits);

    // Assess
    expect(fit.points).toBe(55);
    expect(fit.grade).toBe('A');
    expect(fit.reasons.map((r) => r.ruleId)).toEqual(['has-phone', 'business-email', 'company-size', 'senior-title', 'target-country']);
    expect(fit.reasons[0]).toEqual({ ruleId: 'has-phone', description: 'Gave a phone number', points: 10 });
  });

  it.each<[string, Record<string, unknown>, number, Grade]>([
    ['exactly the B threshold', { phone: '1', email: 'jo@acme.io' }, 25, 'B'],
    ['one rule short of B', { email: 'jo@acme.io', country: 'FR' }, 20, 'C'],
    ['exactly the C threshold', { phone: '1' }, 10, 'C'],
    ['below C', { country: 'FR' }, 5, 'D'],
    ['no traits', {}, 0, 'D'],
  ])('grades %s', (_, traits, points, grade) => {
    // Prepare / Act
    const fit = fitGrade(model, traits);

    // Assess
    expect(fit.points).toBe(points);
    expect(fit.grade).toBe(grade);
  });

  it('does not count an empty string or null as an existing trait', () => {
    // Prepare / Act / Assess
    expect(fitGrade(model, { phone: '' }).points).toBe(0);
    expect(fitGrade(model, { phone: null }).points).toBe(0);
  });

  it('gives no business-email points to free mail, whatever the letter case', () => {
    // Prepare / Act / Assess
    expect(fitGrade(model, { email: 'jo@Gmail.COM' }).points).toBe(0);
    expect(fitGrade(model, { email: 'not-an-email' }).points).toBe(0);
    expect(fitGrade(model, { email: 'jo@acme.io' }).points).toBe(15);
  });

  it('compares a minimum numerically, also when the trait is a numeric string', () => {
    // Prepare / Act / Assess
    expect(fitGrade(model, { employees: '50' }).points).toBe(15);
    expect(fitGrade(model, { employees: 49 }).points).toBe(0);
    expect(fitGrade(model, { employees: 'many' }).points).toBe(0);
  });

  it('matches keywords as whole words, ignoring case', () => {
    // Prepare / Act / Assess
    expect(fitGrade(model, { title: 'VP, Marketing' }).points).toBe(10);
    expect(fitGrade(model, { title: 'Director of Ops' }).points).toBe(10);
    expect(fitGrade(model, { title: 'Headhunter' }).points).toBe(0);
  });

  it('matches oneOf ignoring case but requiring the whole value', () => {
    // Prepare / Act / Assess
    expect(fitGrade(model, { country: 'de' }).points).toBe(5);
    expect(fitGrade(model, { country: 'DEU' }).points).toBe(0);
  });
});

describe('grades and qualification', () => {
  it.each<[Grade, Grade, boolean]>([
    ['A', 'B', true],
    ['B', 'B', true],
    ['C', 'B', false],
    ['D', 'C', false],
    ['A', 'A', true],
    ['D', 'D', true],
  ])('grade %s is at least %s: %s', (grade, minimum, expected) => {
    // Prepare / Act / Assess
    expect(gradeAtLeast(grade, minimum)).toBe(expected);
  });

  it('qualifies a lead only when both the grade and the engagement reach the rule', () => {
    // Prepare: the rule is grade B or better and engagement ≥ 50

    // Act / Assess
    expect(isQualified(model, 'B', 50)).toBe(true);
    expect(isQualified(model, 'A', 80)).toBe(true);
    expect(isQualified(model, 'B', 49.99)).toBe(false);
    expect(isQualified(model, 'C', 500)).toBe(false);
  });
});

describe('fit bands', () => {
  /** The test model with the company-size rule as a band: 50 to 500 employees, both included. */
  const banded = scoringModelSchema.parse(
    modelWith((m) => {
      m.fit.rules[2]!.test = { min: 50, max: 500 } as never;
    }),
  );

  it('passes a number within the band, both ends included', () => {
    // Prepare / Act / Assess
    expect([49, 50, 120, 500, 501].map((employees) => fitGrade(banded, { employees }).points)).toEqual([0, 15, 15, 15, 0]);
    expect(fitGrade(banded, { employees: '500' }).points).toBe(15);
    expect(fitGrade(banded, { employees: 'several' }).points).toBe(0);
  });

  it('takes a band open at the bottom (max only)', () => {
    // Prepare
    const small = scoringModelSchema.parse(
      modelWith((m) => {
        m.fit.rules[2]!.test = { max: 10 } as never;
      }),
    );

    // Act / Assess
    expect([0, 10, 11].map((employees) => fitGrade(small, { employees }).points)).toEqual([15, 15, 0]);
  });

  it('refuses a band with neither end', () => {
    // Prepare
    const input = modelWith((m) => {
      m.fit.rules[2]!.test = {} as never;
    });

    // Act / Assess
    expect(issuesOf(input).map((i) => i.path)).toContain('fit.rules.2.test');
  });
});

describe('qualifying by activity', () => {
  /** The test model plus "10 page views within 7 days, grade C or better" as another way to qualify. */
  const withActivity = scoringModelSchema.parse(
    modelWith((m) => {
      (m.qualification as Record<string, unknown>).orActivity = [{ rule: 'page-view', atLeast: 10, withinDays: 7, minGrade: 'C' }];
    }),
  );
  const views = (days: readonly number[]) => days.map((d, i) => entry({ ruleId: 'page-view', messageId: `m-${i}`, points: 5, at: daysAfterT0(d) }));

  it('is met by enough events of the rule within the window, capped ones included', () => {
    // Prepare: ten page views within a week, the last two capped to 0 points
    const ledger = views([0, 1, 1, 2, 3, 4, 5, 5, 6, 6]).map((e, i) => (i >= 8 ? { ...e, points: 0, capped: true as const } : e));

    // Act
    const met = qualifyingActivity(withActivity, 'C', ledger, new Date(daysAfterT0(6.5)));

    // Assess
    expect(met).toEqual({ rule: { rule: 'page-view', atLeast: 10, withinDays: 7, minGrade: 'C' }, count: 10 });
  });

  it('counts only the window before the instant, and an event once', () => {
    // Prepare: ten views, but the first is more than 7 days before the instant; one view scored twice
    const ledger = [...views([0, 1, 1, 2, 3, 4, 5, 5, 6, 7.5]), entry({ ruleId: 'page-view', messageId: 'm-9', points: 5, at: daysAfterT0(7.5) })];

    // Act / Assess: at day 7.5 the view of day 0 is out of the window, nine events remain
    expect(qualifyingActivity(withActivity, 'A', ledger, new Date(daysAfterT0(7.5)))).toBeUndefined();
    expect(qualifyingActivity(withActivity, 'A', ledger, new Date(daysAfterT0(6.99)))).toBeUndefined();
  });

  it('is not met below the grade it asks for, and never without such a rule', () => {
    // Prepare
    const ledger = views([0, 1, 1, 2, 3, 4, 5, 5, 6, 6]);

    // Act / Assess
    expect(qualifyingActivity(withActivity, 'D', ledger, new Date(daysAfterT0(6.5)))).toBeUndefined();
    expect(qualifyingActivity(model, 'A', ledger, new Date(daysAfterT0(6.5)))).toBeUndefined();
  });

  it('refuses an activity rule naming no engagement rule', () => {
    // Prepare
    const input = modelWith((m) => {
      (m.qualification as Record<string, unknown>).orActivity = [{ rule: 'page-views', atLeast: 30, withinDays: 30 }];
    });

    // Act / Assess
    expect(issuesOf(input)).toEqual([
      { path: 'qualification.orActivity.0.rule', message: 'no engagement rule "page-views" (rules: page-view, pricing, demo, careers)' },
    ]);
  });
});

