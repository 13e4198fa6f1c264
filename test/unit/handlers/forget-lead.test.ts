import { describe, expect, it } from 'vitest';
import { NotFoundError } from '#commons/errors.ts';
import { erasedKey, identityKey, leadPartition, markerKey, profileKey, scoreKey, type ItemKey } from '#core/table-layout.ts';
import { erasureHash } from '#core/erasure.ts';
import { forgetLead, type ForgetPorts } from '../../../functions/leads/forget-lead.ts';

/**
 * The erasure use case on in-memory tables: bounded work per call, resumed
 * by the next call (also after a call that failed half-way), tombstones
 * first, nothing of the person left, nothing of anyone else touched.
 */
const A = 'lead-aaaaaaaaaaaaaaaaaaaa';
const B = 'lead-bbbbbbbbbbbbbbbbbbbb';
const OTHER = 'lead-cccccccccccccccccccc';
const email = 'eve@initech.example';

type Item = Record<string, unknown> & ItemKey;

function tables() {
  const leads = new Map<string, Item>();
  const events = new Map<string, Record<string, unknown>>();
  const id = (key: ItemKey) => `${key.pk}\n${key.sk}`;
  const put = (item: Item) => leads.set(id(item), item);
  const stopped: string[] = [];
  let failNextDelete = false;
  const ports: ForgetPorts = {
    context: { teamIds: ['emea'], nurture: { programs: [] } },
    leadIdOf: async (identity) => leads.get(id(identityKey(identity)))?.leadId as string | undefined,
    getProfile: async (leadId) => leads.get(id(profileKey(leadId))) as never,
    leadItems: async (leadId, limit) => ({
      items: [...leads.values()]
        .filter((item) => item.pk === leadPartition(leadId))
        .sort((a, b) => (a.sk < b.sk ? -1 : 1))
        .slice(0, limit),
    }),
    deleteItems: async (keys) => {
      for (const [i, key] of keys.entries()) {
        if (failNextDelete && i === Math.floor(keys.length / 2)) {
          failNextDelete = false;
          throw new Error('throttled');
        }
        leads.delete(id(key));
      }
    },
    deleteEvents: async (messageIds) => void messageIds.forEach((m) => events.delete(m)),
    putTombstones: async (keys, at) => void keys.forEach((key) => put({ ...key, at })),
    erasedAmong: async (identities) => new Set(identities.filter((identity) => leads.has(id(erasedKey(erasureHash(identity)))))),
    stopPrograms: async (leadId) => void stopped.push(leadId),
    now: () => new Date('2026-03-01T00:00:00Z'),
  };
  return { leads, events, put, ports, stopped, failOnce: () => (failNextDelete = true) };
}

/** A person: lead B merged into A, A with `markers` events; and another person who must stay. */
function seed(t: ReturnType<typeof tables>, markers: number) {
  t.put({ ...profileKey(A), leadId: A, email, identities: [`email:${email}`, 'anon:v-a', 'anon:v-b'], mergedLeadIds: [B], cycle: 0 });
  t.put({ ...scoreKey(A), engagement: 1 });
  t.put({ ...profileKey(B), leadId: B, identities: ['anon:v-b'], mergedInto: A, cycle: 0 });
  t.put({ ...identityKey('anon:v-b'), leadId: A });
  t.put({ ...identityKey(`email:${email}`), leadId: A });
  t.put({ ...identityKey('anon:v-a'), leadId: A });
  for (let i = 0; i < markers; i++) {
    const messageId = `m-${i}`;
    t.put({ ...markerKey(i % 10 === 0 ? B : A, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), messageId) });
    t.events.set(messageId, { messageId, email });
  }
  t.put({ ...profileKey(OTHER), leadId: OTHER, identities: ['anon:v-other'], cycle: 0 });
  t.put({ ...markerKey(OTHER, '2026-01-01T00:00:00.000Z', 'other-1') });
  t.events.set('other-1', { messageId: 'other-1' });
  t.put({ pk: 'REPORT#funnel#03', sk: 'COUNTERS', 'current.known': 2 });
}

const traceOf = (t: ReturnType<typeof tables>) =>
  [...t.leads.values()].filter((item) => JSON.stringify(item).match(/lead-aaaa|lead-bbbb|eve@|v-a|v-b/)).map((item) => `${item.pk} ${item.sk}`);

describe('forgetting a person', () => {
  it('works in bounded calls, each resuming where the last stopped, until nothing of them is left', async () => {
    // Prepare
    const t = tables();
    seed(t, 1000);

    // Act
    const results = [];
    for (let call = 0; call < 10; call++) {
      const result = await forgetLead({ leadId: B }, t.ports, 400);
      results.push(result);
      if (result.status === 'erased') break;
    }

    // Assess: three calls of at most 400 items (and one more for the profiles), then nothing of the person is left
    expect(results.map((r) => r.status)).toEqual(['in-progress', 'in-progress', 'erased']);
    for (const r of results) expect(r.deleted.items).toBeLessThanOrEqual(400 + 2);
    expect(results.reduce((n, r) => n + r.deleted.events, 0)).toBe(1000);
    expect(traceOf(t)).toEqual([]);
    expect([...t.events.keys()]).toEqual(['other-1']);
    // the other person and the counts stay
    expect(t.leads.has(`${leadPartition(OTHER)}\nPROFILE`)).toBe(true);
    expect(t.leads.get('REPORT#funnel#03\nCOUNTERS')).toMatchObject({ 'current.known': 2 });
    // tombstones: every identity and both lead ids, hashed
    for (const identity of [`email:${email}`, 'anon:v-a', 'anon:v-b', `lead:${A}`, `lead:${B}`]) expect(t.leads.has(`ERASED#${erasureHash(identity)}\nERASED`)).toBe(true);
    expect(new Set(t.stopped)).toEqual(new Set([A, B]));
  });

  it('writes the tombstones in its first call, before deleting anything', async () => {
    const t = tables();
    seed(t, 1000);

    await forgetLead({ leadId: A }, t.ports, 10);

    expect((await t.ports.erasedAmong([`email:${email}`, `lead:${B}`])).size).toBe(2);
  });

  it('finishes the job after a call that failed half-way', async () => {
    // Prepare
    const t = tables();
    seed(t, 50);
    t.failOnce();

    // Act
    await expect(forgetLead({ email }, t.ports)).rejects.toThrow('throttled');
    const retried = await forgetLead({ email }, t.ports);

    // Assess
    expect(retried.status).toBe('erased');
    expect(traceOf(t)).toEqual([]);
    expect(t.events.size).toBe(1);
  });

  it('answers erased for an erased lead or email, and NotFound for one never known', async () => {
    const t = tables();
    seed(t, 3);
    await forgetLead({ leadId: A }, t.ports);

    expect(await forgetLead({ leadId: A }, t.ports)).toMatchObject({ status: 'erased', deleted: { items: 0, events: 0 } });
    expect(await forgetLead({ email }, t.ports)).toMatchObject({ status: 'erased' });
    await expect(forgetLead({ leadId: 'lead-dddddddddddddddddddd' }, t.ports)).rejects.toThrow(NotFoundError);
    await expect(forgetLead({ email: 'nobody@initech.example' }, t.ports)).rejects.toThrow(NotFoundError);
  });
});
