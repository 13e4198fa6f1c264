import { NotFoundError, ValidationError } from '#commons/errors.ts';
import { itemTraces, leadsOfPerson, profileTraces, type ErasureContext } from '#core/erasure.ts';
import { leadPartition, PROFILE_SK, type ItemKey } from '#core/table-layout.ts';
import type { ErasedProfile } from './forget-lead.ts';

export interface ExportPorts {
  context: ErasureContext;
  getProfile: (leadId: string) => Promise<ErasedProfile | undefined>;
  /** a page of a lead's partition after `after` (from its start without), and where the next starts */
  leadItems: (leadId: string, limit: number, after?: string) => Promise<{ items: (Record<string, unknown> & { sk: string })[]; next?: string }>;
  getItems: (keys: readonly ItemKey[]) => Promise<Record<string, unknown>[]>;
  getEvents: (messageIds: readonly string[]) => Promise<Record<string, unknown>[]>;
  now: () => Date;
}

/**
 * Everything LeadLoop holds about a person (GDPR, right of access), as
 * stored, in pages: a person's events (each up to 32 KB as received) could
 * outgrow one response (6 MB from a function), so each page carries events
 * up to a byte budget and says where the next starts. The leads and related
 * items come with the first page.
 */
export interface LeadExport {
  leadId: string;
  exportedAt: string;
  /** the person's leads (the one asked for, the one it became, those merged into it): every item of each, profile first; on the first page only */
  leads: { leadId: string; items: Record<string, unknown>[] }[];
  /** their events (tracking events, decisions, CRM outcomes, activities, feedback), as received: this page's */
  events: Record<string, unknown>[];
  /** what else names them: identity links, email records, feedback comments, queue entries, the email's suppression; on the first page only */
  related: Record<string, unknown>[];
  page: {
    /** the position of this page's first event in the person's events */
    eventsFrom: number;
    /** how many events the person has */
    eventsTotal: number;
    /** the next page's address, while events are left */
    next?: string;
  };
}

/** Where a page starts, and how many bytes of events it may hold. */
export interface ExportPage {
  eventsFrom?: number;
  /** @default EXPORT_EVENT_BYTES */
  eventBytes?: number;
}

/** Events per page, in bytes of JSON: a function's response is at most 6 MB, and the leads and related items ride the first page. */
export const EXPORT_EVENT_BYTES = 4_000_000;
const PAGE = 500;
const EVENTS_PER_READ = 100;
const MAX_HOPS = 10;

/**
 * What the person a lead id names holds, found as an erasure finds it
 * (core/erasure.ts): each lead's partition, and every item and event its
 * items name. Read only; its cost grows with the person's history (one Query
 * page per 500 items each page, one BatchGetItem per 100 events of the page).
 * Events are in the order the person's items name them (partition order,
 * the survivor's last), so a page is where it was while nothing is written
 * for the person; an event that arrives meanwhile may land on a page already
 * read, and shows in the next export.
 */
export async function exportLead(leadId: string, ports: ExportPorts, page: ExportPage = {}): Promise<LeadExport> {
  const eventsFrom = page.eventsFrom ?? 0;
  const eventBytes = page.eventBytes ?? EXPORT_EVENT_BYTES;
  let profile = await ports.getProfile(leadId);
  if (!profile) throw new NotFoundError(`no lead ${leadId}`);
  for (let hops = 0; profile.mergedInto !== undefined && hops < MAX_HOPS; hops++) {
    const survivor: ErasedProfile | undefined = await ports.getProfile(profile.mergedInto);
    if (!survivor) break;
    profile = survivor;
  }
  const leads: LeadExport['leads'] = [];
  const eventIds: string[] = [];
  const relatedKeys: ItemKey[] = [];
  for (const id of leadsOfPerson(profile).reverse()) {
    const items: Record<string, unknown>[] = [];
    let after: string | undefined;
    do {
      const page = await ports.leadItems(id, PAGE, after);
      items.push(...page.items);
      after = page.next;
    } while (after !== undefined);
    if (items.length === 0) continue;
    const own = leadPartition(id);
    for (const item of items) {
      if (item.sk === PROFILE_SK) {
        relatedKeys.push(...profileTraces(item as unknown as ErasedProfile, ports.context).filter((key) => key.pk !== own));
        continue;
      }
      const traces = itemTraces(id, item as Record<string, unknown> & { sk: string }, ports.context);
      eventIds.push(...traces.events);
      relatedKeys.push(...traces.items.filter((key) => key.pk !== own));
    }
    const strip = ({ pk: _pk, ...rest }: Record<string, unknown>) => rest;
    leads.push({ leadId: id, items: [...items.filter((i) => i.sk === PROFILE_SK), ...items.filter((i) => i.sk !== PROFILE_SK)].map(strip) });
  }
  const allEvents = [...new Set(eventIds)];
  if (eventsFrom > allEvents.length) {
    throw new ValidationError([{ path: 'eventsFrom', message: `must be at most ${allEvents.length}, the number of events held about this person` }]);
  }
  const first = eventsFrom === 0;
  const [{ events, next: nextFrom }, related] = await Promise.all([eventsPage(allEvents, eventsFrom, eventBytes, ports), first ? ports.getItems(relatedKeys) : []]);
  return {
    leadId: profile.leadId,
    exportedAt: ports.now().toISOString(),
    leads: first ? leads : [],
    events,
    related,
    page: {
      eventsFrom,
      eventsTotal: allEvents.length,
      ...(nextFrom < allEvents.length && { next: `/v1/leads/${encodeURIComponent(leadId)}/export?eventsFrom=${nextFrom}` }),
    },
  };
}

/**
 * The events from position `from` on, read a hundred at a time, while they
 * fit in `budget` bytes (at least one: an event is at most 32 KB), and the
 * position after the last one read. An event named but no longer stored is
 * passed over, as before paging.
 */
async function eventsPage(
  messageIds: readonly string[],
  from: number,
  budget: number,
  ports: Pick<ExportPorts, 'getEvents'>,
): Promise<{ events: Record<string, unknown>[]; next: number }> {
  const events: Record<string, unknown>[] = [];
  let bytes = 0;
  for (let at = from; at < messageIds.length; at += EVENTS_PER_READ) {
    const wanted = messageIds.slice(at, at + EVENTS_PER_READ);
    const found = new Map((await ports.getEvents(wanted)).map((event) => [String(event.messageId), event]));
    for (const [i, messageId] of wanted.entries()) {
      const event = found.get(messageId);
      if (!event) continue;
      const size = Buffer.byteLength(JSON.stringify(event));
      if (events.length > 0 && bytes + size > budget) return { events, next: at + i };
      events.push(event);
      bytes += size;
    }
  }
  return { events, next: messageIds.length };
}
