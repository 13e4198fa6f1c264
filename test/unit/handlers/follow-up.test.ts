import { beforeEach, describe, expect, it } from 'vitest';
import { holidays, repCalendars, routing, serviceAgreement, teams } from '../../../config/index.ts';
import { repCalendars as calendarsOf } from '../../../functions/core/rep-calendars.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import type { EmailToSend } from '../../../functions/core/emails.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { ActivityRecord, OutcomeEvent } from '../../../functions/core/records.ts';
import { awaitFollowUp } from '../../../functions/journey/await-follow-up.ts';
import { followUp, LONGEST_FOLLOW_UP_WAIT_SECONDS, UNSAVED_WAKE_RETRY_SECONDS, type FollowUpPorts } from '../../../functions/journey/follow-up.ts';
import { mqlLead } from './fixtures.ts';

/**
 * The journey's follow-up step with its ports in memory: what it sends, to
 * whom, what it keeps on the cycle, and how long it waits. The planning is
 * test/unit/core/follow-up.test.ts; the whole journey runs in
 * test/integration/follow-up.test.ts.
 *
 * The clocks run on the reps' calendars of config/: Sam works in London,
 * Monday to Friday 09:00–17:00 (GMT in early March). Accepted Monday 2 March
 * 2026, 10:00: the first contact is due 24 working hours on, Thursday 5
 * March, 10:00; the manager is told 24 working hours after that, Tuesday 10
 * March, 10:00.
 */
const ACCEPTED_AT = '2026-03-02T10:00:00.000Z';
const FIRST_CONTACT_DUE = new Date('2026-03-05T10:00:00.000Z');
const MANAGER_TOLD = new Date('2026-03-10T10:00:00.000Z');
const HOUR = 3_600_000;
const after = (ms: number) => new Date(Date.parse(ACCEPTED_AT) + ms);
const sam = teams.teams[0]!.reps[0]!;
const manager = teams.teams[0]!.manager;

let lead: Lead;
let cycle: Cycle;
let activities: ActivityRecord[];
let sent: EmailToSend[];
let events: OutcomeEvent[];
let marked: string[];
let warnings: { message: string; details: Record<string, unknown> }[];
let now: Date;
let ports: FollowUpPorts;

beforeEach(() => {
  lead = mqlLead({ stage: 'sal', owner: { repId: sam.id, teamId: 'sales-emea', assignedAt: ACCEPTED_AT } });
  cycle = {
    leadId: lead.leadId,
    cycle: 1,
    owner: { repId: sam.id, teamId: 'sales-emea', assignedAt: ACCEPTED_AT },
    previousReps: [],
    acceptBy: ACCEPTED_AT,
    acceptWithinSeconds: 14_400,
    missed: 0,
    outcome: { kind: 'accepted', cycle: 1, repId: sam.id, at: ACCEPTED_AT },
  };
  activities = [];
  sent = [];
  events = [];
  marked = [];
  warnings = [];
  now = after(HOUR);
  ports = {
    teams,
    serviceAgreement,
    calendars: repCalendars,
    now: () => now,
    getLead: async () => ({ lead, version: 1 }),
    getCycle: async () => ({ ...cycle, followUpSent: new Set(marked) }),
    earliestActivities: async (_leadId, _cycle, limit) => activities.slice(0, limit),
    feedbackGiven: async () => ({}),
    markFollowUpSent: async (_leadId, _cycle, step) => void marked.push(step),
    sendEmailOnce: async (email) => {
      sent.push(email);
      return { sent: true, messageId: `m-${sent.length}` };
    },
    putEventOnce: async (event) => {
      events.push(event);
      return true;
    },
    links: async ({ occasion, contacted }) => ({
      ...(contacted && { contactedUrl: 'https://api.example.test/contacted' }),
      ...(occasion && { feedbackUrl: `https://api.example.test/feedback/${occasion}` }),
      expiresAt: '2026-04-01T10:00:00.000Z',
    }),
    warn: (message, details) => void warnings.push({ message, details }),
  };
});

const state = { leadId: 'lead-0123456789abcdef0123', cycle: 1 };

describe('the follow-up step', () => {
  it('waits, sending nothing, until the first contact falls due in the rep’s working hours', async () => {
    const result = await followUp(state, ports);

    // from Monday 11:00 to Thursday 10:00
    expect(result).toEqual({ done: false, waitSeconds: 71 * 3600, stage: 'sal' });
    expect(sent).toEqual([]);
    expect(marked).toEqual([]);
  });

  it('reminds the rep at the deadline with the "I contacted them" link, keeps the step on the cycle, and sends it once', async () => {
    // feedback on the acceptance given: only the first-contact clock runs (the feedback ask, 5 working days, would remind Sam on Monday 9 March)
    ports.feedbackGiven = async () => ({ accepted: after(HOUR).toISOString() });
    now = FIRST_CONTACT_DUE;

    const result = await followUp(state, ports);
    await followUp(state, ports);

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: sam.email, idempotencyKey: `${lead.leadId}#1#follow-up#first-contact-remind-rep` });
    expect(sent[0]!.subject).toContain('First contact overdue');
    expect(sent[0]!.text).toContain('I contacted them: https://api.example.test/contacted');
    expect(sent[0]!.text).toContain('These links work until Wednesday 1 April, 11:00 Europe/London.');
    expect(sent[0]!.text).toContain('within 24 of your working hours, by Thursday 5 March, 10:00 Europe/London');
    expect(marked).toEqual(['first-contact-remind-rep']);
    // next: the manager, notifyManagerAfterHours working hours later (over the weekend)
    expect(result.waitSeconds).toBe((MANAGER_TOLD.getTime() - FIRST_CONTACT_DUE.getTime()) / 1000);
  });

  it('tells the manager when the rep still has not made contact', async () => {
    // feedback on the acceptance given: only the first-contact clock runs (the feedback ask, 5 working days, would remind Sam on Monday 9 March)
    ports.feedbackGiven = async () => ({ accepted: after(HOUR).toISOString() });
    marked.push('first-contact-remind-rep');
    now = MANAGER_TOLD;

    await followUp(state, ports);

    expect(sent.map((e) => e.to)).toEqual([manager.email]);
    expect(sent[0]!.subject).toBe(`No first contact: ${sam.name} has not contacted Dana Buyer`);
    expect(sent[0]!.text).not.toContain('http');
  });

  it('runs the clocks in the hours of the rep who accepted after a reassignment, and words the deadline in their zone', async () => {
    // Sam missed the acceptance; Ada (New York, 09:00–17:00 EST) had the lead reassigned and accepted it at 05:00 her time:
    // her 24 working hours are Monday to Wednesday, due Wednesday 4 March, 17:00 EST (22:00 UTC).
    const ada = teams.teams[1]!.reps[0]!;
    lead = mqlLead({ stage: 'sal', owner: { repId: ada.id, teamId: 'sales-americas', assignedAt: ACCEPTED_AT } });
    cycle = { ...cycle, owner: { repId: ada.id, teamId: 'sales-americas', assignedAt: ACCEPTED_AT }, previousReps: [sam.id], outcome: { kind: 'accepted', cycle: 1, repId: ada.id, at: ACCEPTED_AT } };

    const waiting = await followUp(state, ports);
    now = new Date('2026-03-04T22:00:00.000Z');
    await followUp(state, ports);

    expect(waiting.waitSeconds).toBe(59 * 3600);
    expect(sent.map((e) => e.to)).toEqual([ada.email]);
    expect(sent[0]!.text).toContain('by Wednesday 4 March, 17:00 America/New_York');
  });

  it('sends a rejected lead back to sales on its recontact date, as an event for the stream path, once', async () => {
    lead = mqlLead({ stage: 'recycled', owner: undefined });
    cycle.outcome = { kind: 'rejected', cycle: 1, repId: sam.id, at: ACCEPTED_AT, reason: 'Too early', recontactAt: after(90 * 24 * HOUR).toISOString() };
    ports.feedbackGiven = async () => ({ rejected: after(HOUR).toISOString() });
    now = after(90 * 24 * HOUR);

    const result = await followUp(state, ports);

    expect(events).toEqual([
      {
        messageId: `recontact-${lead.leadId}-1`,
        kind: 'outcome',
        leadId: lead.leadId,
        outcome: { kind: 'return-to-sales', cycle: 1, repId: sam.id, at: now.toISOString() },
        receivedAt: now.toISOString(),
      },
    ]);
    expect(marked).toEqual(['return-to-sales']);
    expect(result.done).toBe(true);
  });

  it('looks again shortly when woken for a stage the lead is not saved in yet', async () => {
    const result = await followUp({ ...state, resumed: { wake: 'won' } }, ports);

    expect(result).toEqual({ done: false, waitSeconds: UNSAVED_WAKE_RETRY_SECONDS, stage: 'sal' });
    expect(sent).toEqual([]);
  });

  it('waits at most the longest wait for a worked lead with nothing left but its close', async () => {
    lead = mqlLead({ stage: 'opportunity', stageHistory: [{ from: 'sal', to: 'opportunity', at: after(HOUR).toISOString(), cause: 'crm' }] });
    activities = [1, 2, 3].map((n) => ({ leadId: lead.leadId, cycle: 1, activityId: `a${n}`, kind: 'call', at: after(n * HOUR).toISOString(), repId: sam.id, via: 'api' }));
    ports.feedbackGiven = async () => ({ accepted: after(HOUR).toISOString() });
    now = after(30 * 24 * HOUR);

    expect(await followUp(state, ports)).toEqual({ done: false, waitSeconds: LONGEST_FOLLOW_UP_WAIT_SECONDS, stage: 'opportunity' });
  });

  describe('for a rep removed from config/teams.json while the lead is followed up', () => {
    /** teams.json without Sam, and the calendars built from it (routing and holidays as deployed) */
    const withoutSam = (managerZone?: string) => {
      const config = {
        ...teams,
        teams: teams.teams.map((t) => (t.id === 'sales-emea' ? { ...t, manager: { ...t.manager, ...(managerZone && { timeZone: managerZone }) }, reps: t.reps.filter((r) => r.id !== sam.id) } : t)),
      };
      return { teams: config, calendars: calendarsOf({ teams: config, routing, holidays }) };
    };

    it('counts the clocks on the default calendar in the team’s zone, logs a warning and does not fail', async () => {
      // Prepare: the team's manager works in New York: 24 working hours from Monday 05:00 EST end Wednesday 17:00 EST (22:00 UTC)
      Object.assign(ports, withoutSam('America/New_York'));

      // Act
      const result = await followUp(state, ports);

      // Assess
      expect(result).toEqual({ done: false, waitSeconds: 59 * 3600, stage: 'sal' });
      expect(warnings).toEqual([{ message: expect.stringContaining('default calendar'), details: expect.objectContaining({ repId: sam.id, teamId: 'sales-emea', timeZone: 'America/New_York' }) }]);
    });

    it('in UTC when the team has no one zone: the reminder to the rep goes nowhere but is taken, the manager is still told, naming the rep', async () => {
      // Prepare: Ana names no zone and Kim (Berlin) is left: UTC, Monday 11:00 to Thursday 10:00
      Object.assign(ports, withoutSam());
      ports.feedbackGiven = async () => ({ accepted: after(HOUR).toISOString() });
      expect((await followUp(state, ports)).waitSeconds).toBe(71 * 3600);

      // Act: the first-contact deadline, then when the manager is due to be told (24 working hours on, on the default calendar too)
      now = FIRST_CONTACT_DUE;
      await followUp(state, ports);
      now = MANAGER_TOLD;
      await followUp(state, ports);

      // Assess
      expect(marked).toEqual(['first-contact-remind-rep', 'first-contact-notify-manager']);
      expect(sent.map((e) => e.to)).toEqual([manager.email]);
      expect(sent[0]!.subject).toBe(`No first contact: ${sam.id} has not contacted Dana Buyer`);
      expect(warnings.map((w) => w.details.step).filter(Boolean)).toEqual(['first-contact-remind-rep']);
    });

    it('sends nothing, but takes its steps, when the team is gone too', async () => {
      ports.teams = { ...teams, teams: teams.teams.filter((t) => t.id !== 'sales-emea') };
      ports.calendars = calendarsOf({ teams: ports.teams, routing: { ...routing, teams: {} }, holidays });
      now = new Date('2026-03-12T00:00:00.000Z');

      await followUp(state, ports);

      expect(sent).toEqual([]);
      expect(marked).toContain('first-contact-remind-rep');
      expect(warnings[0]!.details).toMatchObject({ repId: sam.id, teamId: null, timeZone: 'UTC' });
    });
  });

  it('ends at once for a cycle with no decision on it', async () => {
    delete cycle.outcome;
    expect((await followUp(state, ports)).done).toBe(true);
  });
});

describe('the follow-up wait', () => {
  it('keeps its token on the cycle and waits while the stage is the one the follow-up saw; resumes itself when it moved', async () => {
    const tokens: string[] = [];
    const resumed: unknown[] = [];
    const waitPorts = {
      recordTaskToken: async (_leadId: string, _cycle: number, token: string) => {
        tokens.push(token);
        return cycle;
      },
      getLead: async () => ({ lead, version: 1 }),
      resumeJourney: async (_token: string, output: unknown) => {
        resumed.push(output);
        return true;
      },
    };

    expect(await awaitFollowUp({ leadId: lead.leadId, cycle: 1, taskToken: 't-1', stage: 'sal' }, waitPorts)).toEqual({ waiting: true });
    lead = { ...lead, stage: 'won' };
    expect(await awaitFollowUp({ leadId: lead.leadId, cycle: 1, taskToken: 't-2', stage: 'sal' }, waitPorts)).toEqual({ waiting: false });

    expect(tokens).toEqual(['t-1', 't-2']);
    expect(resumed).toEqual([{ wake: 'won' }]);
  });
});
