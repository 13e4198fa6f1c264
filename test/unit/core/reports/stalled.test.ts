import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addWorkingDays, defaultWeeklyHours, type WorkCalendar } from '../../../../functions/core/business-hours.ts';
import { UnknownRepError } from '../../../../functions/core/rep-calendars.ts';
import { calendarArb, instantArb } from '../calendar-arbitraries.ts';
import type { StageChange } from '../../../../functions/core/lifecycle.ts';
import {
  enteredStageAt,
  nameOf,
  stallCutoffs,
  stalledIndexAttributes,
  stalledReport,
  stallLimits,
  type StalledRecord,
} from '../../../../functions/core/reports/stalled.ts';
import type { ServiceAgreement } from '../../../../functions/core/service-agreement.ts';
import { funnelShardOf, STALLED_SHARDS } from '../../../../functions/core/table-layout.ts';

const agreement: Pick<ServiceAgreement, 'acceptWithinHours' | 'sales' | 'stalledAfterDays'> = {
  acceptWithinHours: 4,
  sales: { firstContactWithinHours: 24, followUp: { activities: 3, withinDays: 14 }, notifyManagerAfterHours: 24, feedbackWithinDays: 7 },
  stalledAfterDays: { sql: 21, opportunity: 45 },
};
/** Every rep works in London, Monday to Friday 09:00–17:00 (GMT, BST from Sunday 29 March 2026). */
const london: WorkCalendar = { timeZone: 'Europe/London', week: defaultWeeklyHours, holidays: [], away: [] };
const calendars = () => london;
const change = (from: StageChange['from'], to: StageChange['to'], at: string): StageChange => ({ from, to, at, cause: 'test' });

describe('stall limits', () => {
  it('take mql’s from the acceptance window and sal’s from the follow-up window, the others from stalledAfterDays, in stage order', () => {
    expect(stallLimits(agreement)).toEqual([
      { stage: 'mql', hours: 4, from: 'acceptWithinHours' },
      { stage: 'sal', hours: 14 * 24, workingDays: 14, from: 'sales.followUp.withinDays' },
      { stage: 'sql', hours: 21 * 24, from: 'stalledAfterDays.sql' },
      { stage: 'opportunity', hours: 45 * 24, from: 'stalledAfterDays.opportunity' },
    ]);
  });

  it('leave out a stage stalledAfterDays does not name (engaged here), and all of them without it', () => {
    expect(stallLimits({ ...agreement, stalledAfterDays: { engaged: 30 } }).map((l) => l.stage)).toEqual(['engaged', 'mql', 'sal']);
    const { stalledAfterDays: _none, ...without } = agreement;
    expect(stallLimits(without).map((l) => l.stage)).toEqual(['mql', 'sal']);
  });

  it('give each stage’s cutoff: now less its limit', () => {
    expect(stallCutoffs(stallLimits(agreement).slice(0, 2), new Date('2026-03-31T12:00:00.000Z'))).toEqual([
      { stage: 'mql', before: '2026-03-31T08:00:00.000Z' },
      { stage: 'sal', before: '2026-03-17T12:00:00.000Z' },
    ]);
  });
});

describe('the stalled index attributes of a profile', () => {
  const lead = {
    leadId: 'lead-0123456789abcdef0123',
    createdAt: '2026-03-01T00:00:00.000Z',
    stageHistory: [change('visitor', 'known', '2026-03-02T00:00:00.000Z'), change('known', 'mql', '2026-03-03T00:00:00.000Z'), change('mql', 'recycled', '2026-03-04T00:00:00.000Z'), change('recycled', 'mql', '2026-03-05T09:30:00.000Z')],
  };

  it('name the stage and the lead’s shard, and when it last entered the stage', () => {
    const attributes = stalledIndexAttributes({ ...lead, stage: 'mql' });

    expect(attributes).toEqual({ openStage: `mql#${funnelShardOf(lead.leadId, STALLED_SHARDS)}`, stageSince: '2026-03-05T09:30:00.000Z' });
  });

  it('are absent outside the watched stages and on a lead merged into another, so the lead leaves the index', () => {
    for (const stage of ['visitor', 'known', 'won', 'lost', 'recycled', 'disqualified'] as const) expect(stalledIndexAttributes({ ...lead, stage }), stage).toEqual({});
    expect(stalledIndexAttributes({ ...lead, stage: 'mql', mergedInto: 'lead-other' })).toEqual({});
  });

  it('spread leads over the shards', () => {
    const shards = new Set(Array.from({ length: 40 }, (_, i) => stalledIndexAttributes({ ...lead, leadId: `lead-${i}`, stage: 'sal' }).openStage));
    expect(shards.size).toBe(STALLED_SHARDS);
  });

  it('date a lead the CRM reported straight into a stage from its creation', () => {
    expect(enteredStageAt({ stage: 'sql', stageHistory: [], createdAt: '2026-03-01T00:00:00.000Z' })).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe('the stalled report', () => {
  const now = new Date('2026-03-31T12:00:00.000Z');
  const limits = stallLimits(agreement);
  const record = (leadId: string, stage: StalledRecord['stage'], since: string, owner?: { teamId: string; repId: string }): StalledRecord => ({
    leadId,
    stage,
    since,
    ...(owner && { owner: { ...owner, assignedAt: since } }),
    email: `${leadId}@example.com`,
    traits: { firstName: 'Ada', lastName: leadId, company: 'Acme' },
  });

  it('keeps the leads past their limit, longest in stage first, each with its time in stage and the limit it passed', () => {
    const report = stalledReport({
      records: [
        record('b', 'mql', '2026-03-31T07:00:00.000Z', { teamId: 't1', repId: 'r1' }),
        record('a', 'sql', '2026-03-01T00:00:00.000Z'),
        record('c', 'mql', '2026-03-31T09:00:00.000Z'),
      ],
      limits,
      query: {},
      now,
      calendars,
    });

    expect(report.leads).toEqual([
      { leadId: 'a', name: 'Ada a', company: 'Acme', email: 'a@example.com', stage: 'sql', since: '2026-03-01T00:00:00.000Z', hoursInStage: 732, limit: { hours: 504, from: 'stalledAfterDays.sql' }, owner: null },
      { leadId: 'b', name: 'Ada b', company: 'Acme', email: 'b@example.com', stage: 'mql', since: '2026-03-31T07:00:00.000Z', hoursInStage: 5, limit: { hours: 4, from: 'acceptWithinHours' }, owner: { teamId: 't1', repId: 'r1' } },
    ]);
    expect(report.more).toBe(false);
    expect(report.at).toBe(now.toISOString());
  });

  it('filters by stage, team and rep, and says when there are more than the limit', () => {
    const records = [
      record('a', 'mql', '2026-03-30T00:00:00.000Z', { teamId: 't1', repId: 'r1' }),
      record('b', 'mql', '2026-03-30T01:00:00.000Z', { teamId: 't1', repId: 'r2' }),
      record('c', 'mql', '2026-03-30T02:00:00.000Z', { teamId: 't2', repId: 'r3' }),
      record('d', 'sal', '2026-03-01T00:00:00.000Z', { teamId: 't1', repId: 'r1' }),
    ];

    expect(stalledReport({ records, limits, query: { stage: 'mql', team: 't1' }, now, calendars }).leads.map((l) => l.leadId)).toEqual(['a', 'b']);
    expect(stalledReport({ records, limits, query: { rep: 'r1' }, now, calendars }).leads.map((l) => l.leadId)).toEqual(['d', 'a']);
    const limited = stalledReport({ records, limits, query: { limit: 2 }, now, calendars });
    expect(limited.leads.map((l) => l.leadId)).toEqual(['d', 'a']);
    expect(limited.more).toBe(true);
  });

  describe('a sal lead, against its follow-up window in working days of its owner', () => {
    const owner = { teamId: 't1', repId: 'r1' };
    const sal = limits.filter((l) => l.stage === 'sal');

    it('is not listed while the window is open, though 14 plain days have passed; is listed once it has ended', () => {
      // Monday 16 March 12:00: 14 working days end Friday 3 April, 12:00 BST. Tuesday 10 March 12:00: Monday 30 March, 12:00 BST (11:00 UTC).
      const records = [record('open', 'sal', '2026-03-16T12:00:00.000Z', owner), record('ended', 'sal', '2026-03-10T12:00:00.000Z', owner)];

      const report = stalledReport({ records, limits: sal, query: {}, now, calendars });

      expect(report.leads.map((l) => l.leadId)).toEqual(['ended']);
      expect(report.leads[0]!.limit).toEqual({ hours: 14 * 24, workingDays: 14, from: 'sales.followUp.withinDays' });
      // a minute before the window of the second ends, neither
      expect(stalledReport({ records, limits: sal, query: {}, now: new Date('2026-03-30T10:59:00.000Z'), calendars }).leads).toEqual([]);
    });

    it('counts on the owner’s own calendar: a holiday in the window keeps it open a day longer', () => {
      const ended = [record('ended', 'sal', '2026-03-10T12:00:00.000Z', owner)];
      const withHoliday = () => ({ ...london, holidays: ['2026-03-17'] });
      // Tuesday 31 March, 10:00 UTC: Monday's end has passed, Tuesday's (11:00 UTC) not yet
      const at = new Date('2026-03-31T10:00:00.000Z');
      expect(stalledReport({ records: ended, limits: sal, query: {}, now: at, calendars }).leads).toHaveLength(1);
      expect(stalledReport({ records: ended, limits: sal, query: {}, now: at, calendars: withHoliday }).leads).toEqual([]);
    });

    it('counts a rep config/ no longer knows, or no owner, on the default calendar (UTC) rather than failing', () => {
      const removed = () => {
        throw new UnknownRepError('r1');
      };
      const records = [record('gone', 'sal', '2026-03-10T12:00:00.000Z', owner), record('open', 'sal', '2026-03-16T12:00:00.000Z'), record('none', 'sal', '2026-03-09T12:00:00.000Z')];
      expect(stalledReport({ records, limits: sal, query: {}, now, calendars: removed }).leads.map((l) => l.leadId)).toEqual(['none', 'gone']);
    });

    it('is listed exactly when its window has ended, and then the index read (the plain-hours cutoff) has found it', () => {
      fc.assert(
        fc.property(calendarArb, instantArb, fc.integer({ min: 0, max: 40 * 86_400_000 }), fc.integer({ min: 1, max: 20 }), (cal, since, age, days) => {
          const at = new Date(since.getTime() + age);
          const limit = stallLimits({ ...agreement, sales: { ...agreement.sales, followUp: { activities: 3, withinDays: days } } }).filter((l) => l.stage === 'sal');
          const listed = stalledReport({ records: [record('x', 'sal', since.toISOString(), owner)], limits: limit, query: {}, now: at, calendars: () => cal }).leads.length === 1;
          expect(listed).toBe(addWorkingDays(since, days, cal).getTime() < at.getTime());
          if (listed) expect(since.toISOString() < stallCutoffs(limit, at)[0]!.before).toBe(true);
        }),
        { seed: 1401, numRuns: 150 },
      );
    });
  });

  it('takes the name from name, else first and last name, else none; blank text is none', () => {
    expect(nameOf({ name: 'Grace Hopper', firstName: 'G' })).toBe('Grace Hopper');
    expect(nameOf({ firstName: 'Grace' })).toBe('Grace');
    expect(nameOf({ name: '  ', company: 'Acme' })).toBeNull();
    expect(nameOf({ name: 42 })).toBeNull();
  });
});
