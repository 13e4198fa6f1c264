import { scoringModelSchema, type LedgerEntry, type ScoringModel } from '#core/scoring.ts';

export const DAY_MS = 86_400_000;
export const T0 = Date.parse('2026-03-01T00:00:00.000Z');
export const daysAfterT0 = (days: number) => new Date(T0 + days * DAY_MS).toISOString();

/**
 * A model whose numbers halve cleanly:
 * - page view: 5 points, 10-day half-life
 * - pricing page: 10 points, never decays, at most 10 points per 30 days
 * - demo form: 40 points, 10-day half-life
 * - careers page: -4 points, never decays
 * Fit: phone 10, business email 15, 50+ employees 15. Grades A ≥ 40, B ≥ 25, C ≥ 10.
 */
export const model: ScoringModel = scoringModelSchema.parse({
  version: 'view-test-1',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 5, halfLifeDays: 10 },
      {
        id: 'pricing',
        description: 'Viewed pricing',
        match: { type: 'page', urlPattern: '/pricing' },
        points: 10,
        cap: { points: 10, periodDays: 30 },
      },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Form Submitted' }, points: 40, halfLifeDays: 10 },
      { id: 'careers', description: 'Looked at jobs', match: { type: 'page', urlPattern: '/careers' }, points: -4 },
    ],
  },
  fit: {
    rules: [
      { id: 'has-phone', description: 'Gave a phone number', trait: 'phone', test: { exists: true }, points: 10 },
      { id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 15 },
      { id: 'company-size', description: '50+ employees', trait: 'employees', test: { min: 50 }, points: 15 },
    ],
    grades: { A: 40, B: 25, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

let sequence = 0;

/** A ledger line as scoring writes it: the rule's points and half-life at the time of the event. */
export function entry(ruleId: string, days: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  const rule = model.engagement.rules.find((r) => r.id === ruleId);
  sequence += 1;
  return {
    ruleId,
    messageId: `m-${sequence}`,
    points: rule?.points ?? 1,
    at: daysAfterT0(days),
    modelVersion: model.version,
    ...(rule?.halfLifeDays !== undefined && { halfLifeDays: rule.halfLifeDays }),
    ...overrides,
  };
}

/**
 * Read at day 20, this ledger is worth:
 * - page views at day 0 and day 10: 5/4 + 5/2 = 3.75
 * - pricing at day 10: 10, and a second view the cap swallowed: 0
 * - demo at day 10: 40/2 = 20
 * - careers at day 5: -4
 * engagement 29.75
 */
export function sampleLedger(): LedgerEntry[] {
  return [
    entry('page-view', 0),
    entry('careers', 5),
    entry('page-view', 10),
    entry('pricing', 10),
    entry('demo', 10),
    entry('pricing', 11, { points: 0, capped: true }),
  ];
}
