import { applyEvents, newLead, type Lead } from './lead.ts';
import { identityKeys, type IdentityKey } from './identity.ts';
import { leadIdFor } from './lead-id.ts';
import { mergeLeads, survivorOf } from './merge.ts';
import type { ScoringModel } from './scoring.ts';
import type { StoredEvent } from './tracking-event.ts';

/**
 * Who is who in a batch of events: the events of one person, found through
 * the identities the events carry together (an identify carries the
 * anonymous id and the email; an alias two ids) and the links stored before
 * the batch. Links made within the batch count as much as stored ones, so
 * however events are batched, one person ends on one lead.
 */

export interface Person {
  /** the person's events, in time order (then messageId) */
  events: StoredEvent[];
  /** every identity key of the person met in the batch or linked to one of their leads */
  keys: IdentityKey[];
  /** the stored leads the person's identities were already linked to */
  leadIds: string[];
}

export function byEventTime(a: StoredEvent, b: StoredEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

/**
 * Splits events into people: two events are one person when they share an
 * identity, or their identities are linked to the same stored lead. Events
 * without any identity belong to nobody and are left out.
 */
export function peopleOf(events: readonly StoredEvent[], linked: ReadonlyMap<IdentityKey, string>): Person[] {
  // union-find over identity keys and stored lead ids ("#lead:" nodes)
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    if (!parent.has(root)) parent.set(root, root);
    // path compression
    for (let n = node; n !== root; ) {
      const next = parent.get(n)!;
      parent.set(n, root);
      n = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const [ra, rb] = [find(a), find(b)];
    // the smaller root wins, so the partition does not depend on the order of unions
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const ordered = [...events].sort(byEventTime);
  for (const event of ordered) {
    const keys = identityKeys(event);
    for (const key of keys) {
      union(keys[0]!, key);
      const leadId = linked.get(key);
      if (leadId !== undefined) union(key, `#lead:${leadId}`);
    }
  }
  const people = new Map<string, Person>();
  for (const event of ordered) {
    const keys = identityKeys(event);
    if (keys.length === 0) continue;
    const root = find(keys[0]!);
    let person = people.get(root);
    if (!person) {
      person = { events: [], keys: [], leadIds: [] };
      people.set(root, person);
    }
    person.events.push(event);
    for (const key of keys) {
      if (!person.keys.includes(key)) person.keys.push(key);
      const leadId = linked.get(key);
      if (leadId !== undefined && !person.leadIds.includes(leadId)) person.leadIds.push(leadId);
    }
  }
  return [...people.values()];
}

/**
 * The lead id of a person none of whose identities is linked yet: the id
 * their events would give if they came one by one, in time order. The first
 * event names a lead after its strongest identity; a later event with none of
 * the identities seen so far names another; an event joining two such leads
 * merges them, and the survivor (see survivorOf) is the person's lead. So a
 * replay, or the same events batched differently, finds the same lead.
 * `now` is read only for a merge (a merge rescores at the time it happens).
 */
export function newPersonLeadId(events: readonly StoredEvent[], model: ScoringModel, now: () => string): string | undefined {
  const links = new Map<IdentityKey, string>();
  // each lead so far: its state after its last merge, and its events since (applied only when a merge needs its stage)
  const leads = new Map<string, { base?: Lead; pending: StoredEvent[]; all: StoredEvent[] }>();
  const stateOf = (leadId: string): Lead => {
    const entry = leads.get(leadId)!;
    const start = entry.base ?? newLead(leadId, entry.pending[0]!.timestamp, model);
    const lead = entry.pending.length > 0 ? applyEvents(start, entry.pending, model).lead : start;
    entry.base = lead;
    entry.pending = [];
    return lead;
  };
  let last: string | undefined;
  for (const event of [...events].sort(byEventTime)) {
    const keys = identityKeys(event);
    if (keys.length === 0) continue;
    const leadIds = [...new Set(keys.flatMap((key) => links.get(key) ?? []))];
    let leadId: string;
    if (leadIds.length === 0) {
      leadId = leadIdFor(keys[0]!);
      if (!leads.has(leadId)) leads.set(leadId, { pending: [], all: [] });
    } else if (leadIds.length === 1) {
      leadId = leadIds[0]!;
    } else {
      let survivor = leadIds.map(stateOf).reduce((a, b) => survivorOf(a, b));
      leadId = survivor.leadId;
      for (const absorbedId of leadIds) {
        if (absorbedId === leadId) continue;
        const absorbed = leads.get(absorbedId)!;
        const kept = leads.get(leadId)!;
        const merged = mergeLeads(survivor, stateOf(absorbedId), [...kept.all, ...absorbed.all], model, now()).lead;
        kept.all.push(...absorbed.all);
        kept.base = merged;
        survivor = merged;
        for (const [key, id] of links) if (id === absorbedId) links.set(key, leadId);
        leads.delete(absorbedId);
      }
    }
    const entry = leads.get(leadId)!;
    entry.pending.push(event);
    entry.all.push(event);
    for (const key of keys) if (!links.has(key)) links.set(key, leadId);
    last = leadId;
  }
  return last;
}
