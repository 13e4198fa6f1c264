import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedOutcomeStages,
  crmStages,
  MAX_OUTCOMES_PER_BATCH,
  outcomesOf,
  planOutcome,
  salesSourcedLead,
  type CrmOutcome,
  type CrmStage,
} from '#core/crm-outcomes.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { canTransition, stages, type Stage } from '#core/lifecycle.ts';

const at = '2026-03-10T15:00:00.000Z';
const earlier = '2026-03-02T09:00:00.000Z';
const valid = { outcomeId: 'deal-42-won', email: 'jo@acme.io', stage: 'won', at, amount: 12000, currency: 'EUR', repId: 'rep-sam' };

function issuesOf(body: unknown): { path: string; message: string }[] {
  const result = outcomesOf(body);
  if (!('issues' in result)) throw new Error('expected the body to be refused');
  return result.issues;
}

const leadIn = (stage: Stage) => ({ stage, stageHistory: [{ at: earlier }] });
const report = (stage: CrmStage, extra: Partial<CrmOutcome> = {}) => ({ stage, at, ...extra });

describe('the outcome schema', () => {
  it('takes one outcome, or a batch of them', () => {
    // Prepare / Act
    const one = outcomesOf(valid);
    const batch = outcomesOf({ batch: [valid, { outcomeId: 'deal-43', leadId: leadIdFor('email:al@acme.io'), stage: 'sql', at }] });

    // Assess
    expect(one).toEqual({ outcomes: [valid] });
    expect('outcomes' in batch && batch.outcomes.map((o) => o.outcomeId)).toEqual(['deal-42-won', 'deal-43']);
  });

  it.each([
    ['no lead', { outcomeId: 'o-1', stage: 'sql', at }, 'leadId', 'either leadId or email is required'],
    ['both a leadId and an email', { ...valid, leadId: leadIdFor('email:jo@acme.io') }, 'email', 'give leadId or email, not both'],
    ['a malformed lead id', { outcomeId: 'o-1', leadId: 'lead-42', stage: 'sql', at }, 'leadId', 'not a lead id (lead- and 20 hex digits)'],
    ['an email that is not one', { ...valid, email: 'jo at acme' }, 'email', 'not an email address'],
    ['an amount without a currency', { ...valid, currency: undefined }, 'currency', 'currency is required with an amount'],
    ['a currency without an amount', { ...valid, amount: undefined }, 'currency', 'currency is given only with an amount'],
    ['a currency in lower case', { ...valid, currency: 'eur' }, 'currency', 'an ISO 4217 currency code: three capital letters, e.g. EUR'],
    ['a negative amount', { ...valid, amount: -1 }, 'amount', 'an amount is not negative'],
    ['createIfMissing with a leadId', { outcomeId: 'o-1', leadId: leadIdFor('email:x@y.io'), stage: 'sql', at, createIfMissing: true }, 'createIfMissing', 'a lead is created only from an email: give email, not leadId'],
  ])('refuses %s, naming the field', (_, body, path, message) => {
    // Prepare / Act
    const issues = issuesOf(body);

    // Assess
    expect(issues).toContainEqual({ path, message });
  });

  it.each([
    ['an unknown stage', { ...valid, stage: 'closed-won' }, 'stage'],
    ['a date without a zone', { ...valid, at: '2026-03-10 15:00' }, 'at'],
    ['no outcomeId', { ...valid, outcomeId: undefined }, 'outcomeId'],
    ['an empty outcomeId', { ...valid, outcomeId: '' }, 'outcomeId'],
    ['an outcomeId too long for a key', { ...valid, outcomeId: 'o'.repeat(256) }, 'outcomeId'],
    ['an opportunityId too long for a key', { ...valid, opportunityId: 'o'.repeat(256) }, 'opportunityId'],
    ['a repId too long', { ...valid, repId: 'r'.repeat(256) }, 'repId'],
    ['a reason too long', { ...valid, reason: 'r'.repeat(1001) }, 'reason'],
    ['an email too long for a key', { ...valid, email: `${'j'.repeat(250)}@acme.io` }, 'email'],
    ['an amount past any deal', { ...valid, amount: 1e16 }, 'amount'],
    ['an amount that is text', { ...valid, amount: '12000' }, 'amount'],
    ['createIfMissing that is text', { ...valid, createIfMissing: 'yes' }, 'createIfMissing'],
    ['an unknown field', { ...valid, dealOwner: 'sam' }, 'dealOwner'],
  ])('refuses %s', (_, body, path) => {
    // Prepare / Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('accepts the longest ids a key holds, and an amount of 0', () => {
    // Prepare / Act / Assess
    expect(outcomesOf({ ...valid, outcomeId: 'o'.repeat(255), opportunityId: 'p'.repeat(255), reason: 'r'.repeat(1000), amount: 0 })).toHaveProperty('outcomes');
  });

  it('refuses a whole batch for one bad outcome, naming each by its place', () => {
    // Prepare
    const body = { batch: [valid, { ...valid, outcomeId: 'o-2', stage: 'closed' }, { ...valid, outcomeId: 'o-3', email: undefined }] };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['batch[1].stage', 'batch[2].leadId']);
  });

  it('refuses a batch that gives one outcomeId twice', () => {
    // Prepare / Act
    const issues = issuesOf({ batch: [valid, { ...valid, stage: 'lost' }] });

    // Assess
    expect(issues).toEqual([{ path: 'batch[1].outcomeId', message: 'the same outcomeId as batch[0]' }]);
  });

  it.each([
    ['an empty batch', { batch: [] }, 'a batch needs at least one outcome'],
    ['a batch too large', { batch: Array.from({ length: MAX_OUTCOMES_PER_BATCH + 1 }, (_, i) => ({ ...valid, outcomeId: `o-${i}` })) }, `a batch holds at most ${MAX_OUTCOMES_PER_BATCH} outcomes`],
  ])('refuses %s', (_, body, message) => {
    // Prepare / Act / Assess
    expect(issuesOf(body)).toEqual([{ path: 'batch', message }]);
  });
});

describe('planning an outcome', () => {
  it('records the stages a deal skipped as passed at the same instant, each naming the CRM, rep and reason', () => {
    // Prepare: a deal created straight from an accepted lead
    const lead = leadIn('sal');

    // Act
    const plan = planOutcome(lead, report('opportunity', { repId: 'rep-sam', reason: 'demo booked' }), 'hubspot');

    // Assess
    expect(plan).toEqual({
      kind: 'record',
      changes: [
        { from: 'sal', to: 'sql', at, cause: 'passed when hubspot reported opportunity (rep rep-sam): demo booked' },
        { from: 'sql', to: 'opportunity', at, cause: 'hubspot reported opportunity (rep rep-sam): demo booked' },
      ],
      passed: ['sql'],
      startsCycle: false,
      closesCycle: false,
    });
  });

  it('decides a pending hand-off when the CRM moves an MQL on, as an acceptance', () => {
    // Prepare / Act
    const plan = planOutcome(leadIn('mql'), report('won'), 'salesforce');

    // Assess
    expect(plan.kind === 'record' && plan.changes.map((c) => [c.from, c.to, c.decision])).toEqual([
      ['mql', 'sal', 'accepted'],
      ['sal', 'sql', undefined],
      ['sql', 'opportunity', undefined],
      ['opportunity', 'won', undefined],
    ]);
    expect(plan).toMatchObject({ passed: ['sal', 'sql', 'opportunity'], handOffDecision: 'accepted', closesCycle: true, startsCycle: false });
  });

  it.each(['recycled', 'disqualified'] as const)('decides a pending hand-off the CRM moves to %s as a rejection', (to) => {
    // Prepare / Act
    const plan = planOutcome(leadIn('mql'), report(to, { reason: 'no budget' }), 'hubspot');

    // Assess
    expect(plan).toEqual({
      kind: 'record',
      changes: [{ from: 'mql', to, at, cause: `hubspot reported ${to}: no budget`, decision: 'rejected' }],
      passed: [],
      handOffDecision: 'rejected',
      startsCycle: false,
      closesCycle: to === 'disqualified',
    });
  });

  it('passes a lead still with marketing through mql (a cycle starts), never through engaged', () => {
    // Prepare / Act
    const plan = planOutcome(leadIn('engaged'), report('sql'), 'hubspot');

    // Assess
    expect(plan).toMatchObject({ kind: 'record', passed: ['mql', 'sal'], startsCycle: true });
    expect(plan.kind === 'record' && plan.changes.map((c) => c.to)).toEqual(['mql', 'sal', 'sql']);
    expect(plan.kind === 'record' && plan.changes.some((c) => c.decision !== undefined)).toBe(false);
    expect(planOutcome(leadIn('visitor'), report('sql'), 'hubspot')).toMatchObject({ passed: ['known', 'mql', 'sal'] });
  });

  it('brings a recycled lead back through mql in a new cycle', () => {
    // Prepare / Act / Assess
    expect(planOutcome(leadIn('recycled'), report('opportunity'), 'hubspot')).toMatchObject({
      kind: 'record',
      passed: ['mql', 'sal', 'sql'],
      startsCycle: true,
    });
  });

  it('recycles a lost lead, back to marketing', () => {
    // Prepare / Act / Assess
    expect(planOutcome(leadIn('lost'), report('recycled'), 'hubspot')).toMatchObject({
      kind: 'record',
      changes: [{ from: 'lost', to: 'recycled', at }],
      closesCycle: false,
    });
  });

  it('refuses a move backwards, saying where the lead is and where it may go', () => {
    // Prepare / Act
    const plan = planOutcome(leadIn('opportunity'), report('sql'), 'hubspot');

    // Assess
    expect(plan).toEqual({
      kind: 'refuse',
      stage: 'opportunity',
      to: 'sql',
      allowed: ['won', 'lost'],
      message: 'the lead is opportunity; an outcome may move it to won, lost',
    });
  });

  it('refuses to recycle or disqualify an open opportunity rather than invent a loss', () => {
    // Prepare / Act / Assess
    expect(planOutcome(leadIn('opportunity'), report('recycled'), 'hubspot')).toMatchObject({ kind: 'refuse', allowed: ['won', 'lost'] });
    expect(planOutcome(leadIn('opportunity'), report('disqualified'), 'hubspot')).toMatchObject({ kind: 'refuse', allowed: ['won', 'lost'] });
  });

  it.each(['won', 'disqualified'] as const)('refuses every move out of %s, a closed stage', (stage) => {
    // Prepare / Act
    const plans = crmStages.filter((to) => to !== stage).map((to) => planOutcome(leadIn(stage), report(to), 'hubspot'));

    // Assess
    for (const plan of plans) {
      expect(plan).toMatchObject({ kind: 'refuse', stage, allowed: [], message: `the lead is ${stage}, a closed stage: no outcome moves it` });
    }
  });

  it('lets a lost lead only be recycled', () => {
    // Prepare / Act / Assess
    expect(allowedOutcomeStages('lost')).toEqual(['recycled']);
    expect(planOutcome(leadIn('lost'), report('won'), 'hubspot')).toMatchObject({ kind: 'refuse', message: 'the lead is lost; an outcome may move it to recycled' });
  });

  it('records the stage the lead is already in without a change (an amount corrected on a won deal)', () => {
    // Prepare / Act / Assess
    expect(planOutcome(leadIn('won'), report('won'), 'hubspot')).toEqual({ kind: 'record', changes: [], passed: [], startsCycle: false, closesCycle: false });
  });

  it("dates the changes no earlier than the lead's last change, so its history stays in time order", () => {
    // Prepare: the CRM says it happened before the lead was accepted here
    const lead = { stage: 'sal' as const, stageHistory: [{ at: '2026-03-01T00:00:00.000Z' }, { at: at }] };

    // Act
    const plan = planOutcome(lead, report('sql', { at: earlier }), 'hubspot');

    // Assess
    expect(plan.kind === 'record' && plan.changes.map((c) => c.at)).toEqual([at]);
  });

  it('writes the time in one form whatever offset the CRM used', () => {
    // Prepare / Act
    const plan = planOutcome(leadIn('sal'), report('sql', { at: '2026-03-10T16:00:00+01:00' }), 'hubspot');

    // Assess
    expect(plan.kind === 'record' && plan.changes[0]?.at).toBe(at);
  });

  describe('for every stage a lead may be in and every stage a CRM reports', () => {
    const anyStage = fc.constantFrom(...stages);
    const anyCrmStage = fc.constantFrom(...crmStages);

    it('records a run of allowed transitions from the lead stage to the reported one, all at one instant', () => {
      fc.assert(
        fc.property(anyStage, anyCrmStage, (stage, to) => {
          // Act
          const plan = planOutcome(leadIn(stage), report(to), 'crm');
          if (plan.kind === 'refuse' || stage === to) return;

          // Assess
          expect(plan.changes[0]?.from).toBe(stage);
          expect(plan.changes.at(-1)?.to).toBe(to);
          plan.changes.forEach((change, i) => {
            expect(canTransition(change.from, change.to)).toBe(true);
            if (i > 0) expect(change.from).toBe(plan.changes[i - 1]!.to);
            expect(change.at).toBe(at);
          });
          expect(plan.passed).toEqual(plan.changes.slice(0, -1).map((c) => c.to));
          expect(plan.passed.filter((s) => ['won', 'lost', 'recycled', 'disqualified', 'engaged'].includes(s))).toEqual([]);
        }),
      );
    });

    it('refuses exactly the moves not in the allowed list, and the refusal names the lead stage', () => {
      fc.assert(
        fc.property(anyStage, anyCrmStage, (stage, to) => {
          // Act
          const plan = planOutcome(leadIn(stage), report(to), 'crm');

          // Assess
          expect(plan.kind === 'record').toBe(stage === to || allowedOutcomeStages(stage).includes(to));
          if (plan.kind === 'refuse') expect(plan).toMatchObject({ stage, to, allowed: allowedOutcomeStages(stage) });
        }),
      );
    });

    it('never moves a lead backwards along the funnel', () => {
      const line: Stage[] = ['visitor', 'known', 'engaged', 'mql', 'sal', 'sql', 'opportunity', 'won'];
      fc.assert(
        fc.property(fc.constantFrom(...line), fc.constantFrom<CrmStage>('sql', 'opportunity'), (stage, to) => {
          // Prepare: only moves to a stage before the lead's
          fc.pre(line.indexOf(to) < line.indexOf(stage));

          // Act / Assess
          expect(planOutcome(leadIn(stage), report(to), 'crm').kind).toBe('refuse');
        }),
      );
    });
  });
});

describe('a sales-sourced lead', () => {
  it('is known by its email, enters at the reported stage with no marketing stages and no cycle', () => {
    // Prepare / Act
    const lead = salesSourcedLead({ stage: 'opportunity', at: '2026-03-10T16:00:00+01:00', repId: 'rep-sam' }, 'jo@acme.io');

    // Assess
    expect(lead).toEqual({
      leadId: leadIdFor('email:jo@acme.io'),
      email: 'jo@acme.io',
      identities: ['email:jo@acme.io'],
      source: 'sales',
      stage: 'opportunity',
      stageHistory: [],
      cycle: 0,
      createdAt: at,
      repId: 'rep-sam',
    });
  });

  it('then records the outcome that created it without a change', () => {
    // Prepare
    const lead = salesSourcedLead({ stage: 'won', at }, 'jo@acme.io');

    // Act / Assess
    expect(planOutcome(lead, report('won'), 'hubspot')).toMatchObject({ kind: 'record', changes: [] });
  });
});
