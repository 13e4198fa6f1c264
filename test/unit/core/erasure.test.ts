import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  cycleEmailKeys,
  erasureHash,
  identitiesOfRecord,
  itemTraces,
  leadsOfPerson,
  legacyErasureHash,
  nurtureEmailKeys,
  profileTraces,
  tombstoneKeysOf,
  tombstoneLookup,
  type ErasureContext,
} from '#core/erasure.ts';
import { leadIdFor } from '#core/lead-id.ts';
import { handOffEmailKey } from '#core/journey.ts';
import { nurtureEmailKey } from '#core/nurture.ts';
import { activityKey, commentKey, cycleKey, emailKey, feedbackKey, identityKey, markerKey, profileKey, queueKey, suppressionKey } from '#core/table-layout.ts';

const leadId = 'lead-0123456789abcdef0123';
const context: ErasureContext = {
  teamIds: ['emea', 'na'],
  nurture: { programs: [{ id: 'welcome', steps: [{ id: 'day-1' }, { id: 'day-7' }] }] } as unknown as ErasureContext['nurture'],
};

describe('what erasing an item of a lead takes with it', () => {
  it('a marker takes its event', () => {
    const { sk } = markerKey(leadId, '2026-03-01T10:00:00.000Z', 'msg#with#hashes');

    expect(itemTraces(leadId, { sk }, context)).toEqual({ events: ['msg#with#hashes'], items: [{ pk: `LEAD#${leadId}`, sk }] });
  });

  it('an activity takes its event', () => {
    const { sk } = activityKey(leadId, 1, '2026-03-01T10:00:00.000Z', 'call-7');

    expect(itemTraces(leadId, { sk, activityId: 'call-7' }, context).events).toEqual(['activity-call-7']);
  });

  it('feedback takes its event and its comment, the comment keyed as the feedback store writes it', () => {
    const { sk } = feedbackKey(leadId, 2, 'accepted');
    const at = '2026-03-02T09:30:00.000Z';

    const traces = itemTraces(leadId, { sk, cycle: 2, occasion: 'accepted', at }, context);

    const messageId = `feedback-${leadId}-2-accepted`;
    expect(traces.events).toEqual([messageId]);
    expect(traces.items).toEqual([commentKey(at, messageId), feedbackKey(leadId, 2, 'accepted')]);
  });

  it('a cycle takes every email record its journey may have written, its queue entries, and itself', () => {
    const cycle = { leadId, cycle: 3, owner: { repId: 'rep-kim', teamId: 'emea', assignedAt: '2026-03-01T00:00:00.000Z' }, previousReps: ['rep-sam'], missed: 1, followUpSent: new Set(['ask-accepted-feedback']) };

    const { items, events } = itemTraces(leadId, { ...cycleKey(leadId, 3), ...cycle }, context);

    expect(events).toEqual([]);
    expect(items).toEqual(
      expect.arrayContaining([
        emailKey(handOffEmailKey({ leadId, cycle: 3, assignment: {} }, 'rep-kim')),
        emailKey(handOffEmailKey({ leadId, cycle: 3, assignment: {} }, 'rep-sam')),
        emailKey(`${leadId}#3#escalation#1`),
        emailKey(`${leadId}#3#reminder#0#rep-kim`),
        emailKey(`${leadId}#3#queued`),
        emailKey(`${leadId}#3#follow-up#ask-accepted-feedback`),
        emailKey(`${leadId}#3#follow-up#first-contact-remind-rep`),
        queueKey('emea', leadId, 3),
        queueKey('na', leadId, 3),
        cycleKey(leadId, 3),
      ]),
    );
  });

  it('a hand-off a merge moved also takes the email key of the cycle it came from', () => {
    const keys = cycleEmailKeys({ leadId, cycle: 1, owner: { repId: 'rep-kim', teamId: 'emea', assignedAt: '' }, previousReps: [], missed: 0, continues: { leadId: 'lead-aaaaaaaaaaaaaaaaaaaa', cycle: 2 } });

    expect(keys).toContain('lead-aaaaaaaaaaaaaaaaaaaa#2#handoff#rep-kim');
    expect(keys).toContain(`${leadId}#1#handoff#rep-kim`);
  });

  it('the profile goes with its identity links, its email’s suppression and its nurture email records', () => {
    const keys = profileTraces({ leadId, identities: ['email:eve@initech.example', 'anon:v-1'], email: 'eve@initech.example', cycle: 1 }, context);

    expect(keys).toEqual([
      identityKey('email:eve@initech.example'),
      identityKey('anon:v-1'),
      suppressionKey('eve@initech.example'),
      ...nurtureEmailKeys(leadId, 1, context.nurture).map(emailKey),
      profileKey(leadId),
    ]);
    expect(nurtureEmailKeys(leadId, 1, context.nurture)).toEqual([
      nurtureEmailKey({ leadId, programId: 'welcome', cycle: 0 }, 'day-1'),
      nurtureEmailKey({ leadId, programId: 'welcome', cycle: 1 }, 'day-1'),
      nurtureEmailKey({ leadId, programId: 'welcome', cycle: 0 }, 'day-7'),
      nurtureEmailKey({ leadId, programId: 'welcome', cycle: 1 }, 'day-7'),
    ]);
  });

  it('takes the merged leads first and the one they became last', () => {
    expect(leadsOfPerson({ leadId: 'b', mergedLeadIds: ['a', 'c', 'b'] })).toEqual(['a', 'c', 'b']);
    expect(leadsOfPerson({ leadId: 'b' })).toEqual(['b']);
  });
});

describe('tombstones', () => {
  it('stand for every identity and lead id of a person, and hold none of them (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ minLength: 1 }), (email, anonymousId) => {
        const lead = { leadId, identities: [`email:${email}`, `anon:${anonymousId}`] };

        const keys = tombstoneKeysOf([lead]);

        expect(keys.map((key) => key.pk).sort()).toEqual([`email:${email}`, `anon:${anonymousId}`, `lead:${leadId}`].map((id) => `ERASED#${erasureHash(id)}`).sort().filter((pk, i, all) => all.indexOf(pk) === i));
        for (const key of keys) expect(key.pk).toMatch(/^ERASED#[0-9a-f]{64}$/);
      }),
    );
  });

  it('hold no lead id: the hash is not the one lead ids are cut from, and no part of a key is one (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress().map((e) => `email:${e}`), fc.string({ minLength: 1 }).map((a) => `anon:${a}`), fc.string({ minLength: 1 }).map((u) => `user:${u}`)), (identity) => {
        const lead = leadIdFor(identity);
        const digest = lead.slice('lead-'.length);

        const keys = tombstoneKeysOf([{ leadId: lead, identities: [identity] }]);

        for (const key of keys) {
          expect(key.pk).not.toContain(digest);
          expect(key.pk).not.toContain(identity);
        }
        // the bare hash is the one a lead id is cut from: tombstones keyed by it (before the prefix) began with the lead id
        expect(legacyErasureHash(identity).startsWith(digest)).toBe(true);
        expect(erasureHash(identity)).not.toBe(legacyErasureHash(identity));
      }),
    );
  });

  it('are found as written now and as written before the prefix (the identity’s bare SHA-256), each standing for its identity', () => {
    const identity = 'anon:visitor-eve';
    const bare = createHash('sha256').update(identity).digest('hex');

    const lookup = tombstoneLookup([identity, identity, `lead:${leadId}`]);

    expect(lookup.size).toBe(4);
    expect(lookup.get(`ERASED#${bare}`)).toEqual({ key: { pk: `ERASED#${bare}`, sk: 'ERASED' }, identity });
    expect(lookup.get(`ERASED#${erasureHash(identity)}`)).toEqual({ key: { pk: `ERASED#${erasureHash(identity)}`, sk: 'ERASED' }, identity });
    // what an erasure writes is among what is looked up
    for (const key of tombstoneKeysOf([{ leadId, identities: [identity] }])) expect(lookup.has(key.pk)).toBe(true);
  });

  it('are looked up by the identities an event carries: a tracking event’s keys, another record’s lead', () => {
    expect(identitiesOfRecord({ kind: 'tracking', messageId: 'm', type: 'identify', email: 'eve@initech.example', anonymousId: 'v-1', timestamp: '', receivedAt: '', sourceId: 's' })).toEqual([
      'email:eve@initech.example',
      'anon:v-1',
    ]);
    expect(identitiesOfRecord({ kind: 'outcome', messageId: 'm', leadId, outcome: { kind: 'accepted', cycle: 1, repId: 'rep-kim', at: '' }, receivedAt: '' })).toEqual([`lead:${leadId}`]);
  });
});
