import { describe, expect, it } from 'vitest';
import { applyEvents, newLead, type Lead } from '#core/lead.ts';
import { mergeLeads, retiredInto, survivorOf } from '#core/merge.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { at, demoRequest, identify, model, pageView, stored } from './lead-fixtures.ts';

/** An anonymous visitor's lead: page views only, under `anonymousId`. */
function visitor(leadId: string, anonymousId: string, events: StoredEvent[]): Lead {
  return applyEvents(newLead(leadId, events[0]!.timestamp, model), events.map((e) => ({ ...e, anonymousId })), model).lead;
}

describe('which of two leads of one person lives on', () => {
  const older = visitor('lead-b', 'anon-1', [pageView('m-1', 1)]);
  const newer = visitor('lead-a', 'anon-2', [pageView('m-2', 5)]);

  it('keeps the lead sales has worked, whatever its age', () => {
    // Prepare: the newer lead went through a hand-off cycle
    const worked: Lead = { ...newer, stage: 'recycled', cycle: 1 };

    // Act + Assess: either way round
    expect(survivorOf(older, worked)).toBe(worked);
    expect(survivorOf(worked, older)).toBe(worked);
  });

  it('keeps the lead further along when neither was handed off', () => {
    // Prepare: the newer lead is known by email
    const known = applyEvents(newer, [identify('m-3', 6, 'jo@acme.io')], model).lead;

    // Act + Assess
    expect(survivorOf(older, known)).toBe(known);
    expect(survivorOf(known, older)).toBe(known);
  });

  it('keeps the lead that already took the other in, when a merge cut short runs again', () => {
    // Prepare: lead-b took lead-a in, which was not yet retired; merged, lead-a's first seen is lead-b's
    const absorber: Lead = { ...older, mergedLeadIds: ['lead-a'] };
    const absorbed: Lead = { ...newer, createdAt: older.createdAt };

    // Act + Assess: by age they tie, and the smaller id (lead-a) would win
    expect(survivorOf(absorbed, absorber)).toBe(absorber);
    expect(survivorOf(absorber, absorbed)).toBe(absorber);
  });

  it('keeps the older lead between equals, and the smaller id between twins', () => {
    expect(survivorOf(newer, older)).toBe(older);
    expect(survivorOf(older, newer)).toBe(older);
    const twin: Lead = { ...older, leadId: 'lead-a' };
    expect(survivorOf(older, twin)).toBe(twin);
    expect(survivorOf(twin, older)).toBe(twin);
  });
});

describe('merging two leads of one person', () => {
  // An anonymous visitor who looked around and asked for a demo before identifying…
  const anonymousHistory = [pageView('m-1', 1), pageView('m-2', 2), demoRequest('m-3', 3)].map((e) => ({ ...e, anonymousId: 'anon-1' }));
  // …and the same person, known by email from a server-side identify, with a phone number: grade A
  const knownHistory = [stored('m-4', 4, { type: 'identify', anonymousId: undefined, userId: 'u-42', email: 'jo@acme.io', traits: { email: 'jo@acme.io', phone: '+44 1' } })];

  it('recomputes the survivor from the events of both, keeps its id and lifecycle, and takes the identities', () => {
    // Prepare
    const absorbed = visitor('lead-anon', 'anon-1', anonymousHistory);
    const survivor = applyEvents(newLead('lead-known', at(4), model), knownHistory, model).lead;
    expect([absorbed.stage, survivor.stage]).toEqual(['visitor', 'known']);

    // Act
    const { lead, changes } = mergeLeads(survivor, absorbed, [...knownHistory, ...anonymousHistory], model, at(5));

    // Assess: 5 + 5 + 40 = 50 engagement and grade A meet the rule (B or better, 50)
    expect(lead.leadId).toBe('lead-known');
    expect(lead.engagement).toBe(50);
    expect(lead.stage).toBe('mql');
    expect(lead.journeyPending).toBe(1);
    expect(changes.map((c) => [c.from, c.to, c.cause])).toEqual([
      ['known', 'engaged', 'merged with lead-anon: engagement 50 reached 10'],
      ['engaged', 'mql', 'merged with lead-anon: grade A and engagement 50 met the qualification rule of model lead-test-1'],
    ]);
    expect([...lead.identities].sort()).toEqual(['anon:anon-1', 'email:jo@acme.io', 'user:u-42']);
    expect(lead.recentActivity.map((a) => a.messageId)).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(lead.createdAt).toBe(at(1));
    expect(lead.mergedLeadIds).toEqual(['lead-anon']);
  });

  it('remembers every lead merged in, also those the absorbed lead had absorbed', () => {
    // Prepare
    const absorbed: Lead = { ...visitor('lead-anon', 'anon-1', anonymousHistory), mergedLeadIds: ['lead-older'] };
    const survivor: Lead = { ...applyEvents(newLead('lead-known', at(4), model), knownHistory, model).lead, mergedLeadIds: ['lead-first'] };

    // Act
    const { lead } = mergeLeads(survivor, absorbed, [...knownHistory, ...anonymousHistory], model, at(5));

    // Assess
    expect(lead.mergedLeadIds).toEqual(['lead-first', 'lead-anon', 'lead-older']);
  });

  it('retires the absorbed lead pointing at the survivor, with no journey left pending', () => {
    // Prepare
    const absorbed: Lead = { ...visitor('lead-anon', 'anon-1', anonymousHistory), journeyPending: 1 };

    // Act
    const retired = retiredInto(absorbed, 'lead-known');

    // Assess
    expect(retired.mergedInto).toBe('lead-known');
    expect(retired.journeyPending).toBeUndefined();
    expect(absorbed.mergedInto).toBeUndefined();
  });
});
