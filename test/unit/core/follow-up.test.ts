import { describe, expect, it } from 'vitest';
import { ASK_CLOSED_FEEDBACK, planFollowUp, RETURN_TO_SALES, type FollowUpFacts } from '#core/follow-up.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { officeCalendar, roundTheClock } from './calendar-arbitraries.ts';

/**
 * The follow-up after a decision, under an agreement of: first contact
 * within 24 hours, 3 activities within 14 days, the manager told 24 hours
 * after a missed clock, feedback within 7 days. Accepted Monday 2 March
 * 2026, 10:00 UTC. The rep works round the clock unless a test says
 * otherwise, so the hours below are plain ones.
 */
const sales = { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24, feedbackWithinDays: 7 };
const ACCEPTED_AT = '2026-03-02T10:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(Date.parse(ACCEPTED_AT) + ms).toISOString();

const accepted: StageChange = { from: 'mql', to: 'sal', at: ACCEPTED_AT, cause: 'accepted by rep-sam', decision: 'accepted' };

function facts(overrides: Partial<FollowUpFacts> & { now: Date }): FollowUpFacts {
  return {
    lead: { cycle: 1, stage: 'sal', stageHistory: [{ from: 'known', to: 'mql', at: at(-HOUR), cause: 'qualified' }, accepted] },
    cycle: 1,
    decision: { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: ACCEPTED_AT },
    activities: [],
    feedbackAt: {},
    sent: [],
    sales,
    calendar: roundTheClock,
    ...overrides,
  };
}

describe('the follow-up of an accepted lead', () => {
  it('first wakes when the first contact falls due, with nothing due yet', () => {
    const plan = planFollowUp(facts({ now: new Date(at(HOUR)) }));

    expect(plan).toEqual({ due: [], wakeAt: at(24 * HOUR), done: false });
  });

  it('reminds the rep when the first contact is overdue, then the manager a day later, each once', () => {
    const atDeadline = planFollowUp(facts({ now: new Date(at(24 * HOUR)) }));
    expect(atDeadline.due).toEqual(['first-contact-remind-rep']);
    // next: the manager, a day after the deadline (the feedback on the decision falls due later, at 7 days)
    expect(atDeadline.wakeAt).toBe(at(48 * HOUR));

    const afterReminder = planFollowUp(facts({ now: new Date(at(24 * HOUR)), sent: ['first-contact-remind-rep'] }));
    expect(afterReminder.due).toEqual([]);

    const managerDue = planFollowUp(facts({ now: new Date(at(48 * HOUR)), sent: ['first-contact-remind-rep'] }));
    expect(managerDue.due).toEqual(['first-contact-notify-manager']);
  });

  it('chases nobody once the rep made contact in time, and asks for feedback on the decision after 7 days', () => {
    const contacted = facts({ activities: [{ at: at(2 * HOUR) }], now: new Date(at(3 * HOUR)) });

    const plan = planFollowUp(contacted);

    expect(plan.due).toEqual([]);
    expect(plan.wakeAt).toBe(at(7 * DAY));
    expect(planFollowUp({ ...contacted, now: new Date(at(7 * DAY)) }).due).toEqual(['accepted:feedback-remind-rep']);
  });

  it('asks no feedback reminder once feedback on the decision is given', () => {
    const plan = planFollowUp(facts({ activities: [{ at: at(HOUR) }, { at: at(2 * DAY) }, { at: at(3 * DAY) }], feedbackAt: { accepted: at(HOUR) }, now: new Date(at(8 * DAY)) }));

    expect(plan.due).toEqual([]);
    // the follow-up is met; what is left is the quiet check at the end of the window
    expect(plan.wakeAt).toBe(at(14 * DAY));
  });

  it('reminds the rep at the end of the window when the follow-up falls short, and tells the manager a day later', () => {
    const short = facts({ activities: [{ at: at(HOUR) }], feedbackAt: { accepted: at(HOUR) }, now: new Date(at(14 * DAY)) });

    expect(planFollowUp({ ...short, now: new Date(at(14 * DAY)) }).due).toEqual(['follow-up-remind-rep', ASK_CLOSED_FEEDBACK]);
    expect(planFollowUp({ ...short, now: new Date(at(15 * DAY)), sent: ['follow-up-remind-rep', ASK_CLOSED_FEEDBACK] }).due).toEqual(['follow-up-notify-manager']);
  });

  it('asks for closed-lead feedback when the CRM closes the lead, stops the sales clocks, and ends once that feedback is in', () => {
    const won: StageChange[] = [
      { from: 'sal', to: 'sql', at: at(3 * DAY), cause: 'crm reported won' },
      { from: 'sql', to: 'opportunity', at: at(3 * DAY), cause: 'crm reported won' },
      { from: 'opportunity', to: 'won', at: at(3 * DAY), cause: 'crm reported won' },
    ];
    const closed = facts({
      lead: { cycle: 1, stage: 'won', stageHistory: [accepted, ...won] },
      activities: [{ at: at(HOUR) }],
      feedbackAt: { accepted: at(HOUR) },
      now: new Date(at(3 * DAY)),
    });

    const plan = planFollowUp(closed);
    expect(plan.due).toEqual([ASK_CLOSED_FEEDBACK]);
    expect(plan.closedAsk).toEqual({ at: at(3 * DAY), why: 'closed', stage: 'won' });
    // the closed feedback's own clock: due 7 days after the ask
    expect(plan.wakeAt).toBe(at(10 * DAY));

    const answered = planFollowUp({ ...closed, sent: [ASK_CLOSED_FEEDBACK], feedbackAt: { accepted: at(HOUR), closed: at(4 * DAY) }, now: new Date(at(4 * DAY)) });
    expect(answered).toEqual({ due: [], done: true, closedAsk: { at: at(3 * DAY), why: 'closed', stage: 'won' } });
  });

  it('waits, without a timer, for a lead sales took further to close', () => {
    const worked = facts({
      lead: { cycle: 1, stage: 'opportunity', stageHistory: [accepted, { from: 'sal', to: 'sql', at: at(DAY), cause: 'crm' }, { from: 'sql', to: 'opportunity', at: at(DAY), cause: 'crm' }] },
      activities: [{ at: at(HOUR) }, { at: at(2 * DAY) }, { at: at(3 * DAY) }],
      feedbackAt: { accepted: at(HOUR) },
      now: new Date(at(20 * DAY)),
    });

    expect(planFollowUp(worked)).toEqual({ due: [], done: false });
  });

  it('runs the sales clocks for a lead accepted on its cycle whose stage the stream path has not saved yet', () => {
    const unsaved = facts({ lead: { cycle: 1, stage: 'mql', stageHistory: [{ from: 'known', to: 'mql', at: at(-HOUR), cause: 'qualified' }] }, now: new Date(at(24 * HOUR)) });

    expect(planFollowUp(unsaved).due).toEqual(['first-contact-remind-rep']);
  });

  it('takes nothing twice: every step sent stays sent', () => {
    const all = ['first-contact-remind-rep', 'first-contact-notify-manager', 'follow-up-remind-rep', 'follow-up-notify-manager', ASK_CLOSED_FEEDBACK, 'accepted:feedback-remind-rep', 'accepted:feedback-notify-manager', 'closed:feedback-remind-rep', 'closed:feedback-notify-manager'];

    const plan = planFollowUp(facts({ sent: all, now: new Date(at(60 * DAY)) }));

    expect(plan.due).toEqual([]);
    expect(plan.done).toBe(true);
  });
});

describe('the follow-up of a rejected lead', () => {
  const rejected = (recontactAt?: string): FollowUpFacts =>
    facts({
      lead: { cycle: 1, stage: 'recycled', stageHistory: [{ from: 'mql', to: 'recycled', at: ACCEPTED_AT, cause: 'rejected', decision: 'rejected' }] },
      decision: { kind: 'rejected', cycle: 1, repId: 'rep-sam', at: ACCEPTED_AT, reason: 'Too early', ...(recontactAt !== undefined && { recontactAt }) },
      now: new Date(at(HOUR)),
    });

  it('runs no sales clock, only the feedback on the rejection, and ends', () => {
    expect(planFollowUp(rejected())).toEqual({ due: [], wakeAt: at(7 * DAY), done: false });
    expect(planFollowUp({ ...rejected(), feedbackAt: { rejected: at(2 * HOUR) }, now: new Date(at(2 * HOUR)) })).toEqual({ due: [], done: true });
  });

  it('sends the lead back to sales on the recontact date, unless it came back already', () => {
    const later = at(90 * DAY);
    const waiting = { ...rejected(later), feedbackAt: { rejected: at(2 * HOUR) } };

    expect(planFollowUp({ ...waiting, now: new Date(at(3 * HOUR)) })).toEqual({ due: [], wakeAt: later, done: false });
    expect(planFollowUp({ ...waiting, now: new Date(later) }).due).toEqual([RETURN_TO_SALES]);
    const requalified = { ...waiting, lead: { ...waiting.lead, cycle: 2, stage: 'mql' as const }, now: new Date(later) };
    expect(planFollowUp(requalified)).toEqual({ due: [], done: true });
  });
});

describe('the follow-up in the rep’s working time', () => {
  // Accepted Friday 8 January 2027, 16:00 in Berlin (15:00 UTC) by a rep working Monday to Friday, 09:00–17:00.
  // First contact, 24 working hours: Friday 1 h, Monday 8, Tuesday 8, Wednesday 7: Wednesday 13 January, 16:00.
  // The manager, 24 working hours after that: Wednesday 1 h, Thursday 8, Friday 8, Monday 7: Monday 18 January, 16:00.
  // The follow-up window, 14 working days: Thursday 28 January, 16:00. Feedback, 7 working days: Tuesday 19 January, 16:00.
  const acceptedAt = '2027-01-08T15:00:00.000Z';
  const calendar = officeCalendar('Europe/Berlin');
  const inBerlin = (overrides: Partial<FollowUpFacts> & { now: Date }) =>
    facts({
      lead: { cycle: 1, stage: 'sal', stageHistory: [{ ...accepted, at: acceptedAt }] },
      decision: { kind: 'accepted', cycle: 1, repId: 'rep-kim', at: acceptedAt },
      calendar,
      ...overrides,
    });

  it('sleeps over the weekend: the first contact falls due on Wednesday, not on Saturday', () => {
    expect(planFollowUp(inBerlin({ now: new Date('2027-01-08T15:30:00Z') }))).toEqual({ due: [], wakeAt: '2027-01-13T15:00:00.000Z', done: false });
  });

  it('reminds the rep at the deadline and tells the manager the working hours after it', () => {
    const atDeadline = planFollowUp(inBerlin({ now: new Date('2027-01-13T15:00:00Z') }));
    const later = planFollowUp(inBerlin({ now: new Date('2027-01-18T15:00:00Z'), sent: ['first-contact-remind-rep'] }));

    expect(atDeadline).toEqual({ due: ['first-contact-remind-rep'], wakeAt: '2027-01-18T15:00:00.000Z', done: false });
    expect(later).toEqual({ due: ['first-contact-notify-manager'], wakeAt: '2027-01-19T15:00:00.000Z', done: false });
  });

  it('ends the follow-up window after 14 working days, when a lead still sal has gone quiet', () => {
    const plan = planFollowUp(
      inBerlin({ activities: [{ at: '2027-01-11T09:00:00.000Z' }], feedbackAt: { accepted: '2027-01-11T09:00:00.000Z' }, now: new Date('2027-01-28T15:00:00Z') }),
    );

    expect(plan.due).toEqual(['follow-up-remind-rep', ASK_CLOSED_FEEDBACK]);
    expect(plan.closedAsk).toEqual({ at: '2027-01-28T15:00:00.000Z', why: 'quiet' });
  });
});
