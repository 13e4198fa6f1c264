import type { EventMarker, JourneyInput, LeadUpdate, VersionedLead } from '../../../functions/core/records.ts';
import { allMarkers, asOfLatestEvent, ledgerOfItems, profileDiffers, scoreDiffers } from '../../../functions/core/score-items.ts';
import { ConcurrentUpdateError } from '../../../functions/commons/errors.ts';
import type { Cycle } from '../../../functions/core/cycle.ts';
import { funnelIncrements } from '../../../functions/core/funnel.ts';
import type { IdentityKey } from '../../../functions/core/identity.ts';
import type { Lead } from '../../../functions/core/lead.ts';
import type { ScoringModel } from '../../../functions/core/scoring.ts';
import type { StoredEvent } from '../../../functions/core/tracking-event.ts';
import { identityKey } from '../../../functions/core/table-layout.ts';
import type { ApplyEventsPorts } from '../../../functions/score/apply-events.ts';

type Port = Exclude<keyof ApplyEventsPorts, 'model'>;

/**
 * The leads table, the journeys and their waiting tasks in memory, behind the
 * ports of the scoring use case, with the adapters' rules: a save is refused
 * when the version moved or an event was already applied, and moves the
 * funnel counters by its stage changes; identity keys longer than DynamoDB
 * allows are refused; the pending-journey flag is cleared only for its cycle;
 * a journey is started once per lead and cycle; a rep's outcome is recorded
 * on the cycle only while that rep may still decide.
 */
export class InMemoryLeads {
  /** open leads ended (releaseOpen), as `lead#cycle#rep` */
  readonly released: string[] = [];
  /** queue items waiting for a rep, as `teamId#leadId#cycle` (dropQueued removes them) */
  readonly queued = new Set<string>();
  readonly leads = new Map<string, VersionedLead>();
  readonly links = new Map<IdentityKey, string>();
  /** the messageIds of the events applied to each lead (its markers) */
  readonly markers = new Map<string, Set<string>>();
  /** each lead's markers as written: the ledger entries of each event */
  readonly markerEntries = new Map<string, Map<string, EventMarker>>();
  readonly events = new Map<string, StoredEvent>();
  /** the funnel counters (`reached.<stage>`, `current.<stage>`), as the saves moved them */
  readonly funnel = new Map<string, number>();
  /** cycles, by `leadId#cycle` */
  readonly cycles = new Map<string, Cycle>();
  /** journeys started, by `leadId#cycle` */
  readonly journeys = new Map<string, JourneyInput>();
  /** journeys stopped (a merge absorbed their lead), as `leadId#cycle`, in order */
  readonly stopped: string[] = [];
  /** journeys resumed, in order */
  readonly resumed: { taskToken: string; output: unknown }[] = [];
  /** every port called, with its arguments, in order */
  readonly calls: { port: Port; args: unknown[] }[] = [];
  readonly logged: { message: string; details: Record<string, unknown> }[] = [];

  private readonly model: ScoringModel;
  private readonly clock: () => string;
  private readonly before = new Map<Port, (() => void)[]>();
  private readonly refused = new Set<string>();

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

  /** A lead as stored, with the markers of the events it applied and the links of its identities. */
  putLead(lead: Lead, version: number, appliedMessageIds: readonly string[] = []): void {
    this.leads.set(lead.leadId, { lead: structuredClone(lead), version, profileVersion: version });
    this.markers.set(lead.leadId, new Set(appliedMessageIds));
    const markers = allMarkers(lead.ledger, appliedMessageIds.map((messageId) => ({ messageId, at: lead.ledger.find((e) => e.messageId === messageId)?.at ?? lead.scoredAt })));
    this.markerEntries.set(lead.leadId, new Map(markers.map((marker) => [marker.messageId, marker])));
    for (const key of lead.identities) this.links.set(key as IdentityKey, lead.leadId);
  }

  setCycle(cycle: Cycle): void {
    this.cycles.set(`${cycle.leadId}#${cycle.cycle}`, structuredClone(cycle));
  }

  cycle(leadId: string, cycle: number): Cycle | undefined {
    return this.cycles.get(`${leadId}#${cycle}`);
  }

  /** Runs `change` just before the next call of `port` (another writer getting there first). */
  beforeNext(port: Port, change: () => void): void {
    this.before.set(port, [...(this.before.get(port) ?? []), change]);
  }

  /** Every save of this lead is refused, as if another writer always got there first. */
  refuseSaves(leadId: string): void {
    this.refused.add(leadId);
  }

  /** The calls of one port, their arguments. */
  callsOf(port: Port): unknown[][] {
    return this.calls.filter((call) => call.port === port).map((call) => call.args);
  }

  ports(): ApplyEventsPorts {
    const checkKey = (key: string) => {
      // DynamoDB: a partition key value is at most 2048 bytes
      if (Buffer.byteLength(identityKey(key).pk) > 2048) throw new Error('ValidationException: One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes');
    };
    const ports: Omit<ApplyEventsPorts, 'model'> = {
      now: this.clock,
      log: (message, details) => this.logged.push({ message, details }),
      getLead: async (leadId, options) => {
        const read = structuredClone(this.leads.get(leadId));
        if (!read) return read;
        const markers = [...(this.markerEntries.get(leadId)?.values() ?? [])];
        const { ledgerFrom, ...lead } = read.lead;
        // the whole ledger, as the store reads it from every marker
        if (options?.wholeLedger) return { ...read, lead: asOfLatestEvent({ ...lead, ledger: ledgerOfItems([], markers) }, markers) };
        // as the store reads it: the folded entries the score holds, then the markers from where it folded
        if (ledgerFrom === undefined) return { ...read, lead: asOfLatestEvent(read.lead, markers) };
        const folded = lead.ledger.filter((entry) => entry.events !== undefined);
        const window = markers.filter((marker) => marker.at >= ledgerFrom);
        return { ...read, lead: asOfLatestEvent({ ...lead, ledgerFrom, ledger: ledgerOfItems(folded, window) }, window) };
      },
      resolveIdentities: async (keys) => {
        keys.forEach(checkKey);
        return new Map(keys.flatMap((key) => (this.links.has(key) ? [[key, this.links.get(key)!] as const] : [])));
      },
      appliedMessageIds: async (leadId, events) => new Set(events.map((e) => e.messageId).filter((id) => this.markers.get(leadId)?.has(id))),
      saveLead: async (update: LeadUpdate) => {
        const { lead, version } = update;
        if (this.refused.has(lead.leadId)) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        const current = this.leads.get(lead.leadId);
        // as the store: the score is written (on its version) when it changed or the markers earned points, the profile (on its own) when it changed
        const scoreChanged = version === 0 || update.before === undefined || (update.markers ?? []).some((m) => m.entries.length > 0) || scoreDiffers(update.before, lead);
        const profileChanged = version === 0 || update.before === undefined || profileDiffers(update.before, lead);
        if (scoreChanged && (current?.version ?? 0) !== version) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        if (profileChanged && version !== 0 && (current?.profileVersion ?? 0) !== (update.profileVersion ?? 0)) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        (update.identities ?? []).forEach(checkKey);
        if (update.releaseOpen) {
          // as the store: in the save's transaction, on condition that the cycle still counts for that rep
          const counted = this.cycle(lead.leadId, update.releaseOpen.cycle);
          if (counted?.openFor !== update.releaseOpen.repId) throw new ConcurrentUpdateError(`cycle ${update.releaseOpen.cycle} of lead ${lead.leadId}`);
          delete counted.openFor;
          this.released.push(`${lead.leadId}#${update.releaseOpen.cycle}#${update.releaseOpen.repId}`);
        }
        const markers = this.markers.get(lead.leadId) ?? new Set<string>();
        const entries = this.markerEntries.get(lead.leadId) ?? new Map<string, EventMarker>();
        for (const marker of update.markers ?? []) {
          markers.add(marker.messageId);
          entries.set(marker.messageId, structuredClone(marker));
        }
        this.markers.set(lead.leadId, markers);
        this.markerEntries.set(lead.leadId, entries);
        for (const key of update.identities ?? []) this.links.set(key, lead.leadId);
        for (const [counter, n] of funnelIncrements(update.changes, version === 0)) this.funnel.set(counter, (this.funnel.get(counter) ?? 0) + n);
        const saved = scoreChanged ? version + 1 : version;
        this.leads.set(lead.leadId, { lead: structuredClone(lead), version: saved, profileVersion: (current?.profileVersion ?? 0) + (profileChanged ? 1 : 0) });
        return saved;
      },
      clearJourneyPending: async (leadId, cycle) => {
        const current = this.leads.get(leadId);
        if (current?.lead.journeyPending === cycle) {
          delete current.lead.journeyPending;
          // the profile's version: the score is not written
          current.profileVersion = (current.profileVersion ?? 0) + 1;
        }
      },
      startJourney: async (input) => {
        const key = `${input.leadId}#${input.cycle}`;
        if (this.journeys.has(key)) return 'already-started';
        this.journeys.set(key, structuredClone(input));
        return 'started';
      },
      recordOutcome: async (leadId, outcome) => {
        const current = this.cycle(leadId, outcome.cycle);
        if (!current) return undefined;
        if (current.owner.repId === outcome.repId && !current.outcome && !current.recycled && !current.mergedInto) current.outcome = structuredClone(outcome);
        return structuredClone(current);
      },
      getCycle: async (leadId, cycle) => structuredClone(this.cycle(leadId, cycle)),
      putCycle: async (cycle) => {
        if (this.cycle(cycle.leadId, cycle.cycle)) throw new ConcurrentUpdateError(`cycle ${cycle.cycle} of lead ${cycle.leadId}`);
        this.setCycle(cycle);
      },
      releaseOpen: async (leadId, cycle, repId) => {
        const current = this.cycle(leadId, cycle);
        if (current?.openFor !== repId) return false;
        delete current.openFor;
        this.released.push(`${leadId}#${cycle}#${repId}`);
        return true;
      },
      dropQueued: async (leadId, cycle) => {
        const dropped = [...this.queued].filter((key) => key.endsWith(`#${leadId}#${cycle}`));
        for (const key of dropped) this.queued.delete(key);
        return dropped.map((key) => key.slice(0, key.indexOf('#')));
      },
      closeCycleForMerge: async (leadId, cycle, into) => {
        const current = this.cycle(leadId, cycle);
        const open = current && !current.outcome && !current.recycled && (!current.mergedInto || (current.mergedInto.leadId === into.leadId && current.mergedInto.cycle === into.cycle));
        if (!open) return { closed: false, cycle: structuredClone(current) };
        current.mergedInto = { ...into };
        return { closed: true, cycle: structuredClone(current) };
      },
      stopJourneys: async (leadId, lastCycle) => {
        for (let cycle = 1; cycle <= lastCycle; cycle++) if (this.journeys.has(`${leadId}#${cycle}`)) this.stopped.push(`${leadId}#${cycle}`);
      },
      ownerOf: (repId, at) => (repId.startsWith('rep-') ? { repId, teamId: 'sales-emea', assignedAt: at } : undefined),
      resumeJourney: async (taskToken, output) => {
        this.resumed.push({ taskToken, output });
        return true;
      },
      leadEvents: async (leadId) =>
        [...(this.markers.get(leadId) ?? [])].map((messageId) => ({
          messageId,
          at: this.markerEntries.get(leadId)?.get(messageId)?.at ?? this.events.get(messageId)?.timestamp ?? this.clock(),
        })),
      trackingEvents: async (messageIds) => messageIds.flatMap((id) => (this.events.has(id) ? [this.events.get(id)!] : [])),
      linkIdentities: async (leadId, identities) => {
        for (const key of identities) this.links.set(key, leadId);
      },
      retireLead: async (lead, read) => {
        const current = this.leads.get(lead.leadId);
        if (current?.version !== read.version || (current.profileVersion ?? 0) !== (read.profileVersion ?? 0)) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        this.leads.set(lead.leadId, { lead: structuredClone(lead), version: read.version + 1, profileVersion: (read.profileVersion ?? 0) + 1 });
        this.funnel.set(`current.${lead.stage}`, (this.funnel.get(`current.${lead.stage}`) ?? 0) - 1);
      },
    };
    // every call is recorded, after the change another writer makes just before it
    const recorded = Object.fromEntries(
      Object.entries(ports).map(([port, fn]) => [
        port,
        (...args: unknown[]) => {
          if (port !== 'log' && port !== 'now') this.calls.push({ port: port as Port, args });
          const [change, ...rest] = this.before.get(port as Port) ?? [];
          this.before.set(port as Port, rest);
          change?.();
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as unknown as Omit<ApplyEventsPorts, 'model'>;
    return { model: this.model, ...recorded };
  }

  /** Stores events as the ingest path does (the events table), for merges to read back. */
  store(events: readonly StoredEvent[]): void {
    for (const event of events) this.events.set(event.messageId, event);
  }
}
