import type { LeadHistory } from '#core/backtest.ts';
import { newLead } from '#core/lead.ts';
import type { Stage, StageChange } from '#core/lifecycle.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, demoRequest, identify, pageView, stored } from './lead-fixtures.ts';

/** Lead histories and two models shared by the backtest's computation tests and its report's tests. */

/**
 * The current model, with numbers easy to follow: page view 10, demo request 50,
 * unsubscribe −30, webinar 40 halving every 10 days. A business email is grade B.
 * Qualified: grade B or better and engagement ≥ 50.
 */
export const current: ScoringModel = scoringModelSchema.parse({
  version: 'bt-current',
  engagement: {
    engagedThreshold: 10,
    rules: [
      { id: 'page-view', description: 'Viewed a page', match: { type: 'page' }, points: 10 },
      { id: 'demo', description: 'Requested a demo', match: { type: 'track', event: 'Demo Requested' }, points: 50 },
      { id: 'unsubscribe', description: 'Unsubscribed', match: { type: 'track', event: 'Unsubscribed' }, points: -30 },
      { id: 'webinar', description: 'Attended a webinar', match: { type: 'track', event: 'Webinar Attended' }, points: 40, halfLifeDays: 10 },
    ],
  },
  fit: {
    rules: [{ id: 'business-email', description: 'Business email', trait: 'email', test: { notFreeMail: true }, points: 20 }],
    grades: { A: 30, B: 20, C: 10 },
  },
  qualification: { minGrade: 'B', minEngagement: 50 },
});

/** The draft: a demo request is worth 20, not 50, and the threshold drops to 30. */
export const draft: ScoringModel = scoringModelSchema.parse({
  ...current,
  version: 'bt-draft',
  engagement: {
    ...current.engagement,
    rules: current.engagement.rules.map((rule) => (rule.id === 'demo' ? { ...rule, points: 20 } : rule)),
  },
  qualification: { minGrade: 'B', minEngagement: 30 },
});

export const unsubscribe = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Unsubscribed' });
export const webinar = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Webinar Attended' });
export const pageViews = (leadId: string, hours: readonly number[]) => hours.map((h) => pageView(`${leadId}-p${h}`, h));

export type Step = [from: Stage, to: Stage, hours: number, cause?: string];

/** A lead as stored, with the stage history sales made, and its events. */
export function history(leadId: string, events: StoredEvent[], steps: readonly Step[] = []): LeadHistory {
  const stageHistory: StageChange[] = steps.map(([from, to, hours, cause]) => ({ from, to, at: at(hours), cause: cause ?? `${from} to ${to}` }));
  return { lead: { ...newLead(leadId, at(0), current), stageHistory }, events };
}

export const known = (leadId: string) => identify(`${leadId}-id`, 0, `${leadId}@acme.io`);

/**
 * Six leads that never met sales (no real MQL), all grade B from their first event at hour 0.
 * T0 (hour 0) is Sunday 2026-02-01 09:00 UTC, the last day of ISO week 5;
 * week 6 starts at hour 15, week 7 at hour 183.
 *
 * | lead         | events                   | current (≥ 50)         | draft (≥ 30, demo 20)   |
 * | demo-only    | demo h48                 | MQL h48, 2 days, W06   | 20: never               |
 * | three-views  | views h24, h48, h72      | 30: never              | MQL h72, 3 days, W06    |
 * | five-views   | views h24 … h120         | MQL h120, 5 days, W06  | MQL h72, 3 days, W06    |
 * | late-views   | views h190, h200, h210   | 30: never              | MQL h210, 8.75 d, W07   |
 * | demo-views   | demo h5, views h6, h7    | MQL h5, 5/24 d, W05    | MQL h6, 1/4 d, W05      |
 * | one-view     | view h1                  | 10: never              | 10: never               |
 */
export const journeys: LeadHistory[] = [
  history('demo-only', [known('demo-only'), demoRequest('demo-only-d', 48)]),
  history('three-views', [known('three-views'), ...pageViews('three-views', [24, 48, 72])]),
  history('five-views', [known('five-views'), ...pageViews('five-views', [24, 48, 72, 96, 120])]),
  history('late-views', [known('late-views'), ...pageViews('late-views', [190, 200, 210])]),
  history('demo-views', [known('demo-views'), demoRequest('demo-views-d', 5), ...pageViews('demo-views', [6, 7])]),
  history('one-view', [known('one-view'), ...pageViews('one-view', [1])]),
];

export const accepted = (hours: number): Step => ['mql', 'sal', hours, 'accepted by rep-sam'];
export const toWon = (hours: number): Step[] => [['sal', 'sql', hours], ['sql', 'opportunity', hours + 1], ['opportunity', 'won', hours + 2]];

/**
 * Leads sales saw, each with its engagement at the real hand-off under each model:
 *
 * | lead            | events                              | real first cycle                   | current     | draft      |
 * | won             | demo h1                             | mql h1, accepted, won              | 50 (40–59)  | 20 (20–39) |
 * | rejected        | views h1, h2                        | mql h2, rejected; cycle 2 won      | 20 (20–39)  | 20 (20–39) |
 * | lost            | demo h1, views h2–h6, view h7       | mql h6, accepted, lost             | 100 (100+)  | 70 (60–79) |
 * | unsubscribed    | unsubscribe h1                      | mql h2, recycled by the SLA timer  | −30 (0–19)  | −30 (0–19) |
 * | webinar-20      | webinar h0                          | mql h240 (one half-life), accepted | 20 (20–39)  | 20 (20–39) |
 * | webinar-19      | webinar h0                          | mql h241, disqualified             | 19.94 (0–19)| 19.94      |
 * | never-handed-off| demo h1                             | known only                         | no band     | no band    |
 *
 * The view at h7 comes after the hand-off at h6 and must not count.
 */
export const handOffs: LeadHistory[] = [
  history('won', [known('won'), demoRequest('won-d', 1)], [['visitor', 'known', 0], ['known', 'mql', 1], accepted(3), ...toWon(5)]),
  history(
    'rejected',
    [known('rejected'), ...pageViews('rejected', [1, 2])],
    [
      ['visitor', 'known', 0],
      ['known', 'mql', 2],
      ['mql', 'recycled', 4, 'rejected by rep-sam: no budget'],
      ['recycled', 'mql', 50],
      accepted(51),
      ...toWon(52),
    ],
  ),
  history(
    'lost',
    [known('lost'), demoRequest('lost-d', 1), ...pageViews('lost', [2, 3, 4, 5, 6, 7])],
    [['visitor', 'known', 0], ['known', 'mql', 6], accepted(8), ['sal', 'sql', 9], ['sql', 'opportunity', 10], ['opportunity', 'lost', 20]],
  ),
  history(
    'unsubscribed',
    [known('unsubscribed'), unsubscribe('unsubscribed-u', 1)],
    [['visitor', 'known', 0], ['known', 'mql', 2], ['mql', 'recycled', 30, 'not accepted within the service agreement after escalation']],
  ),
  history('webinar-20', [known('webinar-20'), webinar('webinar-20-w', 0)], [['visitor', 'known', 0], ['known', 'mql', 240], accepted(241)]),
  history('webinar-19', [known('webinar-19'), webinar('webinar-19-w', 0)], [['visitor', 'known', 0], ['known', 'mql', 241], ['mql', 'disqualified', 242, 'spam']]),
  history('never-handed-off', [known('never-handed-off'), demoRequest('never-handed-off-d', 1)], [['visitor', 'known', 0]]),
];
