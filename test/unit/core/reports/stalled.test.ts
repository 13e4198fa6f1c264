import { describe, expect, it } from 'vitest';
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
const change = (from: StageChange['from'], to: StageChange['to'], at: string): StageChange => ({ from, to, at, cause: 'test' });

describe('stall limits', () => {
  it('take mql’s from the acceptance window and sal’s from the follow-up window, the others from stalledAfterDays, in stage order', () => {
    expect(stallLimits(agreement)).toEqual([
      { stage: 'mql', hours: 4, from: 'acceptWithinHours' },
      { stage: 'sal', hours: 14 * 24, from: 'sales.followUp.withinDays' },
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

    expect(stalledReport({ records, limits, query: { stage: 'mql', team: 't1' }, now }).leads.map((l) => l.leadId)).toEqual(['a', 'b']);
    expect(stalledReport({ records, limits, query: { rep: 'r1' }, now }).leads.map((l) => l.leadId)).toEqual(['d', 'a']);
    const limited = stalledReport({ records, limits, query: { limit: 2 }, now });
    expect(limited.leads.map((l) => l.leadId)).toEqual(['d', 'a']);
    expect(limited.more).toBe(true);
  });

  it('takes the name from name, else first and last name, else none; blank text is none', () => {
    expect(nameOf({ name: 'Grace Hopper', firstName: 'G' })).toBe('Grace Hopper');
    expect(nameOf({ firstName: 'Grace' })).toBe('Grace');
    expect(nameOf({ name: '  ', company: 'Acme' })).toBeNull();
    expect(nameOf({ name: 42 })).toBeNull();
  });
});
