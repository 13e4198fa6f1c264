import type { LeadUpdate, VersionedLead } from '../../../functions/core/records.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { IdentityKey } from '../../../functions/core/identity.ts';
import type { ScoringModel } from '../../../functions/core/scoring.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { identityKey } from '../../../functions/core/table-layout.ts';
import type { ApplyEventsPorts } from '../../../functions/score/apply-events.ts';

/**
 * The leads table in memory, behind the ports of the scoring use case, with
 * the same rules: a save is refused when the version moved or an event was
 * already applied; identity keys longer than DynamoDB allows are refused.
 */
export class InMemoryLeads {
  readonly leads = new Map<string, VersionedLead>();
  readonly links = new Map<IdentityKey, string>();
  readonly markers = new Map<string, Set<string>>();
  readonly events = new Map<string, StoredEvent>();
  readonly logged: { message: string; details: Record<string, unknown> }[] = [];

  private readonly model: ScoringModel;
  private readonly clock: () => string;

  constructor(model: ScoringModel, clock = () => '2026-06-01T00:00:00.000Z') {
    this.model = model;
    this.clock = clock;
  }

  /** The lead an event of `messageId` ended on (following merges). */
  leadOfEvent(messageId: string): string | undefined {
    const owners = [...this.markers].filter(([leadId, ids]) => ids.has(messageId) && this.leads.get(leadId)?.lead.mergedInto === undefined);
    return owners.length === 1 ? owners[0]![0] : undefined;
  }

  /** The lead an identity leads to now (following merges). */
  leadOfIdentity(key: IdentityKey): string | undefined {
    let leadId = this.links.get(key);
    while (leadId !== undefined && this.leads.get(leadId)?.lead.mergedInto) leadId = this.leads.get(leadId)!.lead.mergedInto;
    return leadId;
  }

  /** Live (not merged) leads. */
  liveLeads(): VersionedLead[] {
    return [...this.leads.values()].filter((l) => l.lead.mergedInto === undefined);
  }

  ports(): ApplyEventsPorts {
    const checkKey = (key: string) => {
      // DynamoDB: a partition key value is at most 2048 bytes
      if (Buffer.byteLength(identityKey(key).pk) > 2048) throw new Error('ValidationException: One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes');
    };
    return {
      model: this.model,
      now: this.clock,
      log: (message, details) => this.logged.push({ message, details }),
      getLead: async (leadId) => structuredClone(this.leads.get(leadId)),
      resolveIdentities: async (keys) => {
        keys.forEach(checkKey);
        return new Map(keys.flatMap((key) => (this.links.has(key) ? [[key, this.links.get(key)!] as const] : [])));
      },
      appliedMessageIds: async (leadId, messageIds) => new Set(messageIds.filter((id) => this.markers.get(leadId)?.has(id))),
      saveLead: async (update: LeadUpdate) => {
        const { lead, version } = update;
        const current = this.leads.get(lead.leadId);
        if ((current?.version ?? 0) !== version) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        const markers = this.markers.get(lead.leadId) ?? new Set<string>();
        if ((update.appliedMessageIds ?? []).some((id) => markers.has(id))) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        (update.identities ?? []).forEach(checkKey);
        for (const id of update.appliedMessageIds ?? []) markers.add(id);
        this.markers.set(lead.leadId, markers);
        for (const key of update.identities ?? []) this.links.set(key, lead.leadId);
        this.leads.set(lead.leadId, { lead: structuredClone(lead), version: version + 1 });
        return version + 1;
      },
      clearJourneyPending: async (leadId, cycle) => {
        const current = this.leads.get(leadId);
        if (current?.lead.journeyPending === cycle) {
          delete current.lead.journeyPending;
          current.version += 1;
        }
      },
      startJourney: async () => undefined,
      recordOutcome: async () => undefined,
      resumeJourney: async () => true,
      leadEventIds: async (leadId) => [...(this.markers.get(leadId) ?? [])],
      trackingEvents: async (messageIds) => messageIds.flatMap((id) => (this.events.has(id) ? [this.events.get(id)!] : [])),
      addMarkersAndLinks: async (leadId, messageIds, identities) => {
        const markers = this.markers.get(leadId) ?? new Set<string>();
        for (const id of messageIds) markers.add(id);
        this.markers.set(leadId, markers);
        for (const key of identities) this.links.set(key, leadId);
      },
      retireLead: async (lead, version) => {
        if (this.leads.get(lead.leadId)?.version !== version) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        this.leads.set(lead.leadId, { lead: structuredClone(lead), version: version + 1 });
      },
    };
  }

  /** Stores events as the ingest path does (the events table), for merges to read back. */
  store(events: readonly StoredEvent[]): void {
    for (const event of events) this.events.set(event.messageId, event);
  }
}
