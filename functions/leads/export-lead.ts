import { NotFoundError } from '#commons/errors.ts';
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

/** Everything LeadLoop holds about a person (GDPR, right of access), as stored. */
export interface LeadExport {
  leadId: string;
  exportedAt: string;
  /** the person's leads (the one asked for, the one it became, those merged into it): every item of each, profile first */
  leads: { leadId: string; items: Record<string, unknown>[] }[];
  /** their events (tracking events, decisions, CRM outcomes, activities, feedback), as received */
  events: Record<string, unknown>[];
  /** what else names them: identity links, email records, feedback comments, queue entries, the email's suppression */
  related: Record<string, unknown>[];
}

const PAGE = 500;
const MAX_HOPS = 10;

/**
 * What the person a lead id names holds, found as an erasure finds it
 * (core/erasure.ts): each lead's partition, and every item and event its
 * items name. Read only; its cost grows with the person's history (one Query
 * page per 500 items, one BatchGetItem per 100 events).
 */
export async function exportLead(leadId: string, ports: ExportPorts): Promise<LeadExport> {
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
  const [events, related] = await Promise.all([ports.getEvents(eventIds), ports.getItems(relatedKeys)]);
  return { leadId: profile.leadId, exportedAt: ports.now().toISOString(), leads, events, related };
}
