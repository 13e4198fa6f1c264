import { describe, expect, it } from 'vitest';
import { newPersonLeadId, peopleOf } from '#core/people.ts';
import type { IdentityKey } from '#core/identity.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { identify, model, pageView, stored } from './lead-fixtures.ts';

const now = () => '2026-03-01T00:00:00.000Z';

describe('people in a batch', () => {
  it('are the events that share an identity, in the batch or through a stored lead, in time order', () => {
    // Prepare: a-1 and a-2 share nothing in the batch but are linked to one stored lead; b-1 is someone else
    const linked = new Map<IdentityKey, string>([
      ['anon:v-1', 'lead-stored'],
      ['email:jo@acme.io', 'lead-stored'],
    ]);
    const events = [
      identify('a-2', 3, 'jo@acme.io'),
      pageView('b-1', 2, { anonymousId: 'v-2' }),
      pageView('a-1', 1, { anonymousId: 'v-1' }),
      stored('nobody', 1, { anonymousId: undefined }),
    ];
    // identify() carries the fixture's anonymous id too: give it one of its own
    events[0] = { ...events[0]!, anonymousId: 'v-3' };

    // Act
    const people = peopleOf(events, linked);

    // Assess
    expect(people.map((p) => p.events.map((e) => e.messageId))).toEqual([['a-1', 'a-2'], ['b-1']]);
    expect(people[0]!.leadIds).toEqual(['lead-stored']);
    expect(people[0]!.keys).toEqual(['anon:v-1', 'email:jo@acme.io', 'anon:v-3']);
    expect(people[1]!.leadIds).toEqual([]);
  });
});

describe('the lead of a new person', () => {
  it('is named after the strongest identity of their first event', () => {
    const events = [identify('m-2', 2, 'jo@acme.io'), pageView('m-1', 1)];

    expect(newPersonLeadId(events, model, now)).toBe(leadIdFor('anon:anon-1'));
  });

  it('is the one one-by-one processing keeps when the batch joins two would-be leads: further along beats older', () => {
    // Prepare: an anonymous visitor first; then, separately, a known person (an email); then an alias joins them
    const events = [
      pageView('m-1', 1, { anonymousId: 'laptop' }),
      identify('m-2', 2, 'jo@acme.io', {}),
      stored('m-3', 3, { type: 'alias', anonymousId: 'laptop', previousId: 'jo@acme.io' }),
    ];
    events[1] = { ...events[1]!, anonymousId: undefined };

    // Act / Assess: the known lead (stage known) outranks the older visitor lead, as survivorOf decides
    expect(newPersonLeadId(events, model, now)).toBe(leadIdFor('email:jo@acme.io'));
  });
});
