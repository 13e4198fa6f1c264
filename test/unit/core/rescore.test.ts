import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvents, newLead, replayLead, rescoreLead, type Lead } from '#core/lead.ts';
import { applyOutcome } from '#core/outcomes.ts';
import { scoringModelSchema, type ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, demoRequest, eventsArb, identify, model, pageView, stored } from './lead-fixtures.ts';

/** The fixtures' model with a demo request worth 5 instead of 40: nothing qualifies on a demo alone. */
const stricter: ScoringModel = scoringModelSchema.parse({
  ...model,
  version: 'lead-test-2',
  engagement: {
    ...model.engagement,
    rules: model.engagement.rules.map((rule) => (rule.id === 'demo' ? { ...rule, points: 5 } : rule)),
  },
});

/** The fixtures' model where a page view is worth 20: a few page views qualify a business lead. */
const generous: ScoringModel = scoringModelSchema.parse({
  ...model,
  version: 'lead-test-3',
  engagement: {
    ...model.engagement,
    rules: model.engagement.rules.map((rule) => (rule.id === 'page-view' ? { ...rule, points: 20 } : rule)),
  },
});

const click = (messageId: string, hours: number) => stored(messageId, hours, { type: 'track', event: 'Email Clicked' });
const total = (lead: Lead, ruleId: string) => lead.ledger.filter((e) => e.ruleId === ruleId).reduce((sum, e) => sum + e.points, 0);

describe('rescoring a lead from its stored events', () => {
  it('recomputes the ledger under the new model instead of carrying the old score', () => {
    // Prepare: a known lead with a demo request and a page view, scored under the first model
    const events = [identify('m-1', 1, 'jo@gmail.com'), demoRequest('m-2', 2), pageView('m-3', 3)];
    const { lead: before } = applyEvents(newLead('lead-1', at(0), model), events, model);
    expect(total(before, 'demo')).toBe(40);

    // Act
    const { lead, changes } = rescoreLead(before, events, stricter, at(3));

    // Assess: every entry is the new model's, and engagement is 5 (demo) + 5 (page view)
    expect(lead.ledger.map((e) => e.modelVersion)).toEqual(['lead-test-2', 'lead-test-2']);
    expect(total(lead, 'demo')).toBe(5);
    expect(lead.engagement).toBe(10);
    expect(lead.modelVersion).toBe('lead-test-2');
    expect(lead.stage).toBe(before.stage);
    expect(changes).toEqual([]);
  });

  it('makes a lead that the new model qualifies an MQL, with a new cycle whose journey is pending', () => {
    // Prepare: a business lead with three page views: engaged but 15 points short of 50 under the first model
    const events = [identify('m-1', 1, 'jo@acme.io', { phone: '+44 1' }), pageView('m-2', 2), pageView('m-3', 3), pageView('m-4', 4)];
    const { lead: before } = applyEvents(newLead('lead-1', at(0), model), events, model);
    expect(before.stage).toBe('engaged');

    // Act: page views now earn 20 each
    const { lead, changes } = rescoreLead(before, events, generous, at(30));

    // Assess
    expect(lead.stage).toBe('mql');
    expect(lead.cycle).toBe(1);
    expect(lead.journeyPending).toBe(1);
    expect(changes).toEqual([
      {
        from: 'engaged',
        to: 'mql',
        at: at(30),
        cause: 'rescored under model lead-test-3: grade A and engagement 60 met the qualification rule of model lead-test-3',
        engagement: 60,
      },
    ]);
  });

  it('keeps what sales did: the stage, cycle and owner of a lead in its journey stand', () => {
    // Prepare: an MQL accepted by a rep
    const events = [identify('m-1', 1, 'jo@acme.io'), demoRequest('m-2', 2), pageView('m-3', 3), pageView('m-4', 4)];
    const { lead: mql } = applyEvents(newLead('lead-1', at(0), model), events, model);
    const assigned: Lead = { ...mql, owner: { repId: 'rep-sam', teamId: 'team-1', assignedAt: at(5) } };
    delete assigned.journeyPending;
    const { lead: accepted } = applyOutcome(assigned, { kind: 'accepted', cycle: 1, repId: 'rep-sam', at: at(6) });

    // Act: the stricter model would not have qualified this lead
    const { lead, changes } = rescoreLead(accepted, events, stricter, at(7));

    // Assess
    expect(lead.stage).toBe('sal');
    expect(lead.stageHistory).toEqual(accepted.stageHistory);
    expect(lead.cycle).toBe(1);
    expect(lead.owner).toEqual({ repId: 'rep-sam', teamId: 'team-1', assignedAt: at(5) });
    expect(lead.journeyPending).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it('counts caps in time order, whatever order the events were first applied in', () => {
    // Prepare: three clicks applied first, a click from before them applied later; 3 points each, at most 9 per 30 days
    const later = [click('m-10', 10), click('m-11', 11), click('m-12', 12)];
    const earlier = click('m-1', 1);
    const { lead: first } = applyEvents(newLead('lead-1', at(0), model), later, model);
    const { lead: incremental } = applyEvents(first, [earlier], model);
    // the late click takes its place in time order already (see lead.test.ts); rescoring agrees
    expect(total(incremental, 'email-click')).toBe(9);

    // Act
    const { lead } = rescoreLead(incremental, [...later, earlier], model, at(12));

    // Assess: the earliest three clicks earn their points and the last is capped
    expect(total(lead, 'email-click')).toBe(9);
    expect(lead.ledger.map((e) => [e.messageId, e.points])).toEqual([
      ['m-1', 3],
      ['m-10', 3],
      ['m-11', 3],
      ['m-12', 0],
    ]);
  });

  it('works engagement out at the instant of the rescore, decay included', () => {
    // Prepare: two email clicks (10-day half-life), rescored 10 days after the last
    const events = [click('m-1', 0), click('m-2', 0)];
    const { lead: before } = applyEvents(newLead('lead-1', at(0), model), events, model);

    // Act
    const { lead } = rescoreLead(before, events, model, at(240));

    // Assess
    expect(lead.scoredAt).toBe(at(240));
    expect(lead.engagement).toBe(3);
  });

  it('changes nothing when run twice (property)', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 20, max: 2000 }), (events, hours) => {
        // Prepare
        const { lead: current } = applyEvents(newLead('lead-1', at(0), model), events, model);

        // Act
        const once = rescoreLead(current, events, generous, at(hours));
        const twice = rescoreLead(once.lead, events, generous, at(hours));

        // Assess
        expect(twice.lead).toEqual(once.lead);
        expect(twice.changes).toEqual([]);
      }),
    );
  });

  it('gives the profile and score the events give when applied in time order (property)', () => {
    fc.assert(
      fc.property(
        eventsArb.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        ([events, arrival]) => {
          // Prepare: the lead as the stream made it, one event at a time in arrival order
          let streamed = newLead('lead-1', at(0), model);
          for (const event of arrival) streamed = applyEvents(streamed, [event], model).lead;
          const inTimeOrder = applyEvents(newLead('lead-1', at(0), model), events, model).lead;

          // Act
          const { lead } = rescoreLead(streamed, arrival, model, at(20));

          // Assess
          expect(lead.ledger).toEqual(inTimeOrder.ledger);
          expect(lead.traits).toEqual(inTimeOrder.traits);
          expect(lead.grade).toBe(inTimeOrder.grade);
          expect(lead.touches).toEqual(inTimeOrder.touches);
          expect(lead.recentActivity).toEqual(inTimeOrder.recentActivity);
          expect([...lead.identities].sort()).toEqual([...inTimeOrder.identities].sort());
        },
      ),
    );
  });
});

describe('replaying a lead under a model', () => {
  it('says when the model would have made the lead an MQL, with no outcomes from sales', () => {
    // Prepare
    const events: StoredEvent[] = [pageView('m-3', 3), identify('m-1', 1, 'jo@acme.io', { phone: '+44 1' }), pageView('m-2', 2), pageView('m-4', 4)];

    // Act
    const underCurrent = replayLead('lead-1', events, model);
    const underDraft = replayLead('lead-1', events, generous);

    // Assess: 20 points a page view and grade A qualify at the third view; 5 a view never does
    expect(underDraft.lead.stage).toBe('mql');
    expect(underDraft.changes.find((c) => c.to === 'mql')?.at).toBe(at(4));
    expect(underCurrent.lead.stage).toBe('engaged');
    expect(underCurrent.changes.some((c) => c.to === 'mql')).toBe(false);
    expect(underDraft.lead.createdAt).toBe(at(1));
  });
});
