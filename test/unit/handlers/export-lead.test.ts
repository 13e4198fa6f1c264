import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#commons/errors.ts';
import { identityKey, leadPartition, markerKey, profileKey, scoreKey, type ItemKey } from '#core/table-layout.ts';
import { exportLead, type ExportPorts, type LeadExport } from '../../../functions/leads/export-lead.ts';

/**
 * The export use case on in-memory tables: a person whose events outgrow one
 * response is exported in pages, each under its byte budget, that together
 * hold every event once; the leads and related items come with the first.
 */
const A = 'lead-aaaaaaaaaaaaaaaaaaaa';
const B = 'lead-bbbbbbbbbbbbbbbbbbbb';
const email = 'eve@initech.example';

type Item = Record<string, unknown> & ItemKey;

function tables() {
  const leads = new Map<string, Item>();
  const events = new Map<string, Record<string, unknown>>();
  const id = (key: ItemKey) => `${key.pk}\n${key.sk}`;
  const put = (item: Item) => leads.set(id(item), item);
  const eventReads: number[] = [];
  const ports: ExportPorts = {
    context: { teamIds: ['emea'], nurture: { programs: [] } },
    getProfile: async (leadId) => leads.get(id(profileKey(leadId))) as never,
    leadItems: async (leadId, limit, after) => {
      const all = [...leads.values()].filter((item) => item.pk === leadPartition(leadId)).sort((a, b) => (a.sk < b.sk ? -1 : 1));
      const start = after === undefined ? 0 : all.findIndex((item) => item.sk > after);
      const items = start < 0 ? [] : all.slice(start, start + limit);
      return { items, ...(start >= 0 && start + limit < all.length && { next: items.at(-1)!.sk }) };
    },
    getItems: async (keys) => keys.flatMap((key) => leads.get(id(key)) ?? []),
    getEvents: async (messageIds) => {
      eventReads.push(messageIds.length);
      return messageIds.flatMap((m): Record<string, unknown>[] => { const event = events.get(m); return event ? [event] : []; });
    },
    now: () => new Date('2026-03-01T00:00:00Z'),
  };
  return { leads, events, put, ports, eventReads };
}

/** Lead B merged into A; `count` events of `size` bytes of text each, one in ten on B; one marker whose event is gone. */
function seed(t: ReturnType<typeof tables>, count: number, size: number) {
  t.put({ ...profileKey(A), leadId: A, email, identities: [`email:${email}`, 'anon:v-a'], mergedLeadIds: [B], cycle: 0 });
  t.put({ ...scoreKey(A), engagement: 1 });
  t.put({ ...profileKey(B), leadId: B, identities: ['anon:v-b'], mergedInto: A, cycle: 0 });
  t.put({ ...identityKey(`email:${email}`), leadId: A });
  for (let i = 0; i < count; i++) {
    const messageId = `m-${String(i).padStart(4, '0')}`;
    t.put({ ...markerKey(i % 10 === 0 ? B : A, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), messageId) });
    t.events.set(messageId, { messageId, properties: { note: 'x'.repeat(size) } });
  }
  t.put({ ...markerKey(A, '2026-02-01T00:00:00.000Z', 'gone-1') });
}

/** Every page from the first, following `page.next` as a client would. */
async function allPages(t: ReturnType<typeof tables>, leadId: string, eventBytes: number): Promise<LeadExport[]> {
  const pages = [await exportLead(leadId, t.ports, { eventBytes })];
  for (let next = pages[0]!.page.next; next !== undefined; next = pages.at(-1)!.page.next) {
    const eventsFrom = Number(new URL(next, 'https://api.example').searchParams.get('eventsFrom'));
    expect(new URL(next, 'https://api.example').pathname).toBe(`/v1/leads/${leadId}/export`);
    pages.push(await exportLead(leadId, t.ports, { eventsFrom, eventBytes }));
    expect(pages.length).toBeLessThan(100);
  }
  return pages;
}

describe('exporting a person', () => {
  it('gives every event once, in pages each within its byte budget, the leads and related items on the first only', async () => {
    // Prepare: 250 events of about 1 KB; pages of 20 KB
    const t = tables();
    seed(t, 250, 1_000);
    const budget = 20_000;

    // Act
    const pages = await allPages(t, B, budget);

    // Assess
    const messageIds = pages.flatMap((p) => p.events.map((e) => e.messageId));
    expect(messageIds).toHaveLength(250);
    expect(new Set(messageIds)).toEqual(new Set([...t.events.keys()]));
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil((250 * 1_000) / budget));
    for (const page of pages) expect(Buffer.byteLength(JSON.stringify(page.events))).toBeLessThanOrEqual(budget + page.events.length + 2);
    expect(pages.map((p) => p.page.eventsTotal)).toEqual(pages.map(() => 251));
    expect(pages[0]!.page.eventsFrom).toBe(0);
    for (const [i, page] of pages.entries()) if (i > 0) expect(page.page.eventsFrom).toBeGreaterThan(pages[i - 1]!.page.eventsFrom);
    expect(pages.at(-1)!.page).not.toHaveProperty('next');
    expect(pages[0]!.leadId).toBe(A);
    expect(pages[0]!.leads.map((l) => l.leadId).sort()).toEqual([A, B]);
    expect(pages[0]!.related.map((item) => item.pk)).toContain(`IDENTITY#email:${email}`);
    for (const page of pages.slice(1)) expect([page.leads, page.related]).toEqual([[], []]);
    // events are read a hundred at a time at most
    expect(Math.max(...t.eventReads)).toBeLessThanOrEqual(100);
  });

  it('puts a small person in one page, as before paging', async () => {
    const t = tables();
    seed(t, 30, 100);

    const [page, ...rest] = await allPages(t, A, 4_000_000);

    expect(rest).toEqual([]);
    expect(page!.events).toHaveLength(30);
    expect(page!.page).toEqual({ eventsFrom: 0, eventsTotal: 31 });
  });

  it('gives an event larger than the budget a page of its own rather than none', async () => {
    const t = tables();
    seed(t, 3, 5_000);

    const pages = await allPages(t, A, 1_000);

    expect(pages.map((p) => p.events.length)).toEqual([1, 1, 1]);
  });

  it('refuses a page past the person’s events naming eventsFrom, and an unknown lead as not found', async () => {
    const t = tables();
    seed(t, 5, 10);

    await expect(exportLead(A, t.ports, { eventsFrom: 7 })).rejects.toSatisfy(
      (error) => error instanceof ValidationError && JSON.stringify(error).includes('eventsFrom') && error.message !== '',
    );
    await expect(exportLead('lead-zzzzzzzzzzzzzzzzzzzz', t.ports)).rejects.toBeInstanceOf(NotFoundError);
  });
});
