import { describe, expect, it } from 'vitest';
import { activityRequests, batchesOf, DEFAULT_MIX, outcomeRequests, planSimulation, salesStepAt, seededRandom } from '../../../bin/cli/simulate-plan.ts';
import { retryDelayMs } from '../../../bin/cli/simulate.ts';
import { activitySchema } from '../../../functions/core/activities.ts';
import { crmOutcomeSchema } from '../../../functions/core/crm-outcomes.ts';
import { segmentBatchSchema } from '../../../functions/core/segment-batch.ts';
import { trackingEventSchema } from '../../../functions/core/tracking-event.ts';
import * as z from '../../../functions/core/zod.ts';

const now = new Date('2026-06-30T12:00:00.000Z');
const HOUR = 3_600_000;

describe('the simulation plan', () => {
  it('is the same for the same seed, and another for another seed', () => {
    const a = planSimulation({ leads: 200, days: 30, seed: 7, now });
    const b = planSimulation({ leads: 200, days: 30, seed: 7, now });
    const c = planSimulation({ leads: 200, days: 30, seed: 8, now });

    expect(b).toEqual(a);
    expect(c.map((v) => v.persona)).not.toEqual(a.map((v) => v.persona));
  });

  it('gives a seeded sequence that does not depend on Math.random', () => {
    const first = seededRandom(42);
    const second = seededRandom(42);
    const values = Array.from({ length: 5 }, () => first());

    expect(Array.from({ length: 5 }, () => second())).toEqual(values);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('decides hand-offs in the configured mix: about 70% accept, 20% reject, 10% left', () => {
    const plan = planSimulation({ leads: 5000, days: 30, seed: 3, now });
    const share = (decision: string) => plan.filter((v) => v.handoff.decision === decision).length / plan.length;

    expect(share('accept')).toBeCloseTo(DEFAULT_MIX.accept, 1);
    expect(share('reject')).toBeCloseTo(DEFAULT_MIX.reject, 1);
    expect(share('leave')).toBeCloseTo(DEFAULT_MIX.leave, 1);
  });

  it('follows another mix when given one', () => {
    const plan = planSimulation({ leads: 2000, days: 30, seed: 3, now, mix: { accept: 0, reject: 0.5, leave: 0.5 } });

    expect(plan.filter((v) => v.handoff.decision === 'accept')).toEqual([]);
    expect(plan.filter((v) => v.handoff.decision === 'reject').length / plan.length).toBeCloseTo(0.5, 1);
  });

  it('dates every event within the days before now, each visitor’s in time order', () => {
    const plan = planSimulation({ leads: 1000, days: 30, seed: 11, now });
    const start = now.getTime() - 30 * 24 * HOUR;
    const times = plan.flatMap((v) => v.events.map((e) => Date.parse(e.timestamp)));

    expect(Math.min(...times)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...times)).toBeLessThan(now.getTime());
    // spread over the window, not bunched at one end
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(25 * 24 * HOUR);
    for (const visitor of plan) {
      const own = visitor.events.map((e) => e.timestamp);
      expect(own).toEqual([...own].sort());
      for (const e of visitor.events) expect(e.originalTimestamp).toBe(e.timestamp);
    }
  });

  it('brings visitors from every campaign, referrals and direct, with their UTM parameters', () => {
    const plan = planSimulation({ leads: 1000, days: 30, seed: 5, now });
    const campaigns = new Set(plan.flatMap((v) => v.events.flatMap((e) => (e.context?.campaign ? [`${e.context.campaign.source}/${e.context.campaign.medium}/${e.context.campaign.name}`] : []))));
    const referrers = plan.flatMap((v) => v.events.flatMap((e) => (e.context?.page?.referrer ? [e.context.page.referrer] : [])));

    expect([...campaigns].sort()).toEqual([
      'facebook/paid-social/ebook-lead-scoring-guide',
      'google/cpc/brand-search',
      'linkedin/paid-social/abm-revops-leaders',
      'newsletter/email/monthly-newsletter',
      'webinar/event/webinar-sla-that-works',
    ]);
    expect(referrers.length).toBeGreaterThan(0);
    const landing = plan.flatMap((v) => v.events).find((e) => e.context?.campaign?.name === 'brand-search')!;
    expect(new URL(landing.context!.page!.url).searchParams.get('utm_source')).toBe('google');
    expect(new Set(plan.map((v) => v.persona))).toEqual(new Set(['buyer', 'researcher', 'browser', 'job-seeker']));
  });

  it('sends only events the API accepts, in batches the API accepts', () => {
    const plan = planSimulation({ leads: 300, days: 30, seed: 9, now });
    const batches = batchesOf(plan);

    expect(batches.flat().length).toBe(plan.length);
    for (const batch of batches) {
      const body = { batch: batch.flatMap((v) => v.events) };
      expect(z.safeParse(segmentBatchSchema, body).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(500 * 1024);
      for (const event of body.batch) {
        const parsed = z.safeParse(trackingEventSchema, event);
        expect(parsed.error?.issues ?? []).toEqual([]);
      }
    }
    expect(new Set(plan.flatMap((v) => v.events.map((e) => e.messageId))).size).toBe(plan.reduce((n, v) => n + v.events.length, 0));
  });

  it('plans activities and outcomes the API accepts, never dated after the runtime’s now', () => {
    const plan = planSimulation({ leads: 500, days: 30, seed: 13, now });
    const acceptedAt = new Date(now.getTime() - 2 * HOUR).toISOString();
    const accepted = plan.filter((v) => v.handoff.decision === 'accept');
    const activities = accepted.flatMap((v) => activityRequests(v, acceptedAt, now));
    const outcomes = accepted.flatMap((v) => outcomeRequests(v, acceptedAt, now));

    expect(activities.length).toBeGreaterThan(accepted.length);
    expect(outcomes.some((o) => o.stage === 'won')).toBe(true);
    expect(outcomes.some((o) => o.stage === 'lost')).toBe(true);
    for (const activity of activities) {
      expect(z.safeParse(activitySchema, activity).error?.issues ?? []).toEqual([]);
      expect(Date.parse(activity.at)).toBeLessThan(now.getTime());
      expect(Date.parse(activity.at)).toBeGreaterThanOrEqual(Date.parse(acceptedAt));
    }
    for (const outcome of outcomes) {
      expect(z.safeParse(crmOutcomeSchema, outcome).error?.issues ?? []).toEqual([]);
      expect(Date.parse(outcome.at)).toBeLessThan(now.getTime());
    }
    // a deal closes after its opportunity
    for (const v of accepted) {
      const [opportunity, close] = outcomeRequests(v, acceptedAt, now);
      if (opportunity && close) expect(close.at >= opportunity.at).toBe(true);
    }
  });

  it('dates a sales step at its planned hour after the acceptance, or now when the clock is not there yet', () => {
    const acceptedAt = '2026-06-01T09:00:00.000Z';

    expect(salesStepAt(acceptedAt, 5, new Date('2026-06-10T00:00:00.000Z'))).toBe('2026-06-01T14:00:00.000Z');
    expect(salesStepAt(acceptedAt, 48, new Date('2026-06-02T00:00:00.000Z'))).toBe('2026-06-01T23:59:59.000Z');
  });

  it('plans nothing for sales on leads the rep does not accept', () => {
    const plan = planSimulation({ leads: 200, days: 30, seed: 1, now });
    const other = plan.filter((v) => v.handoff.decision !== 'accept');

    expect(other.length).toBeGreaterThan(0);
    expect(other.flatMap((v) => [...activityRequests(v, now.toISOString(), now), ...outcomeRequests(v, now.toISOString(), now)])).toEqual([]);
  });
});

describe('when the simulator tries a request again', () => {
  it('waits 1 s then 3 s after no answer or a 5xx, gives up on any other 4xx', () => {
    expect([retryDelayMs(0), retryDelayMs(1), retryDelayMs(0, 503), retryDelayMs(1, 500)]).toEqual([1000, 3000, 1000, 3000]);
    expect([retryDelayMs(0, 400), retryDelayMs(0, 404), retryDelayMs(1, 409)]).toEqual([undefined, undefined, undefined]);
  });

  it('waits what a 429 asks for in Retry-After, 1 s when it says nothing usable, at most a minute', () => {
    expect([retryDelayMs(0, 429, '2'), retryDelayMs(1, 429, '7')]).toEqual([2000, 7000]);
    expect([retryDelayMs(0, 429, null), retryDelayMs(0, 429, 'soon'), retryDelayMs(0, 429, '0')]).toEqual([1000, 1000, 1000]);
    expect(retryDelayMs(0, 429, '3600')).toBe(60_000);
  });
});
