import { forEachConcurrently } from '#commons/concurrency.ts';
import { retryOnConflict } from '#commons/retry.ts';
import { applyCrmOutcome, createSalesSourcedLead, inOutcomeOrder } from '#core/crm-apply.ts';
import { acceptedOpenEnded, mayLeaveHandOff } from '#core/cycle.ts';
import { applyEvents, newLead, type Lead, type Owner, type Touch } from '#core/lead.ts';
import type { ActivityInput, CampaignsConfig } from '#core/campaigns.ts';
import type { ReportCount } from '#core/report-counts.ts';
import { attributionCounts } from '#core/reports/attribution-counts.ts';
import { identitiesOfRecord, type ErasedIdentity } from '#core/erasure.ts';
import { identityKeys, normalizeEmail, type IdentityKey } from '#core/identity.ts';
import { followMerges } from '#core/merge.ts';
import { applyOutcome, outcomeRefusal, returnToSales, type Outcome } from '#core/outcomes.ts';
import type { Cycle } from '#core/cycle.ts';
import type { StageChange } from '#core/lifecycle.ts';
import { basedOn, type CrmOutcomeEvent, type EventRecord, type EventRef, type JourneyInput, type LeadUpdate, type OutcomeEvent, type VersionedLead } from '#core/records.ts';
import { foldForSave, ledgerCovers, markersToWrite, scoreUnlessUnscored } from '#core/score-items.ts';
import type { ScoringModel } from '#core/scoring.ts';
import type { StoredEvent } from '#core/tracking-event.ts';
import { newPersonLeadId, peopleOf } from '#core/people.ts';
import { mergeIntoOne, type MergePorts } from './merge-leads.ts';
import { recomputeFromEvents } from './recompute.ts';
import { settleNurture, withNurtureEntry, type NurturePorts } from './settle-nurture.ts';

export interface ApplyEventsPorts extends MergePorts {
  /**
   * what a deal's attribution needs: the campaigns, a lead's touches from its events, and its activities (the
   * rep's: sales touches); without it, no attribution is counted
   */
  attribution?: { campaigns: CampaignsConfig; touchesOf: (leadId: string) => Promise<Touch[]>; activitiesOf: (leadId: string) => Promise<ActivityInput[]> };
  model: ScoringModel;
  resolveIdentities: (keys: readonly IdentityKey[]) => Promise<Map<IdentityKey, string>>;
  appliedMessageIds: (leadId: string, events: readonly EventRef[]) => Promise<Set<string>>;
  saveLead: (update: LeadUpdate) => Promise<number>;
  clearJourneyPending: (leadId: string, cycle: number) => Promise<void>;
  startJourney: (input: JourneyInput) => Promise<unknown>;
  recordOutcome: (leadId: string, outcome: Outcome) => Promise<Cycle | undefined>;
  /** a cycle as stored: the journey's wait a CRM outcome wakes (its taskToken) */
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  resumeJourney: (taskToken: string, output: unknown) => Promise<boolean>;
  /** the owner a rep the CRM names becomes on a cycle sales started (the teams' rep); undefined leaves it without one */
  ownerOf: (repId: string, at: string) => Owner | undefined;
  log: (message: string, details: Record<string, unknown>) => void;
  /** nurture: a known (or recycled) lead enters its program, and leaves it on the global exit; without it, no lead is nurtured */
  nurture?: NurturePorts;
  /** erased people (core/erasure.ts): events carrying an identity with a tombstone are deleted, never applied; without it, none is looked for */
  erasure?: ErasurePorts;
}

export interface ErasurePorts {
  erasedAmong: (identities: readonly ErasedIdentity[]) => Promise<Set<ErasedIdentity>>;
  dropEvents: (messageIds: readonly string[]) => Promise<void>;
}

/**
 * The records of people not erased. An event of an erased person (one of
 * its identities, or the lead it names, has a tombstone) is deleted from the
 * events table and not applied: no lead is made or linked again for them.
 * Looked up in one read per batch; should it fail, the whole batch is retried.
 */
async function withoutErased(records: readonly EventRecord[], ports: ApplyEventsPorts & { erasure: ErasurePorts }, failedMessageIds: Set<string>): Promise<EventRecord[]> {
  let erased: Set<ErasedIdentity>;
  try {
    erased = await ports.erasure.erasedAmong(records.flatMap(identitiesOfRecord));
  } catch (error) {
    ports.log('looking up erased people failed', { records: records.length, error: String(error) });
    for (const record of records) failedMessageIds.add(record.messageId);
    return [];
  }
  if (erased.size === 0) return [...records];
  const dropped = records.filter((record) => identitiesOfRecord(record).some((identity) => erased.has(identity)));
  try {
    await ports.erasure.dropEvents(dropped.map((record) => record.messageId));
    ports.log('events of erased people deleted', { events: dropped.length });
  } catch (error) {
    ports.log('deleting events of erased people failed', { events: dropped.length, error: String(error) });
    for (const record of dropped) failedMessageIds.add(record.messageId);
  }
  const droppedIds = new Set(dropped.map((record) => record.messageId));
  return records.filter((record) => !droppedIds.has(record.messageId));
}

interface LeadGroup {
  leadId: string;
  tracking: StoredEvent[];
  outcomes: OutcomeEvent[];
  /** what the CRM reported (POST /v1/outcomes, the import) */
  crmOutcomes: CrmOutcomeEvent[];
  /** identity keys seen in this batch that are not yet linked to any lead */
  newIdentities: Set<IdentityKey>;
}

const MAX_ATTEMPTS = 5;
/** lead updates in flight per batch */
const LEADS_AT_ONCE = 8;

/** identity lookups in flight when a batch's lookup failed and each record is looked up on its own */
const LOOKUPS_AT_ONCE = 8;

/**
 * The stored links of the batch's identities, in one lookup. Should that
 * fail (say DynamoDB refuses a key too large), each record's identities are
 * looked up on their own, so only the records whose lookup fails are
 * reported failed and the others go on.
 */
async function linksOf(
  tracking: readonly StoredEvent[],
  ports: ApplyEventsPorts,
  failedMessageIds: Set<string>,
): Promise<Map<IdentityKey, string>> {
  try {
    return await ports.resolveIdentities([...new Set(tracking.flatMap((e) => identityKeys(e)))]);
  } catch (error) {
    ports.log('looking up identities failed; looking them up record by record', { records: tracking.length, error: String(error) });
  }
  const linked = new Map<IdentityKey, string>();
  await forEachConcurrently(tracking, LOOKUPS_AT_ONCE, async (event) => {
    try {
      for (const [key, leadId] of await ports.resolveIdentities(identityKeys(event))) linked.set(key, leadId);
    } catch (error) {
      ports.log('looking up identities failed', { messageId: event.messageId, error: String(error) });
      failedMessageIds.add(event.messageId);
    }
  });
  return linked;
}

/**
 * Finds the lead of each tracking event. The batch's events are split into
 * people (see peopleOf): events sharing an identity, within the batch or
 * through a stored link, are one person. A person whose identities are linked
 * to one lead goes on with it; linked to several (an anonymous visitor with
 * history identifies with the email of a known lead, an alias joins two
 * visitors, two visitors identify with one email), those leads are merged
 * first; linked to none, the person gets the lead their events would give
 * one by one (see newPersonLeadId). Each person's identities not yet linked
 * to their lead are linked with the lead's update.
 */
async function groupByLead(
  records: readonly EventRecord[],
  ports: ApplyEventsPorts,
  failedMessageIds: Set<string>,
): Promise<Map<string, LeadGroup>> {
  const tracking = records.filter((r): r is StoredEvent & { kind: 'tracking' } => r.kind === 'tracking').map(({ kind: _kind, ...event }) => event as StoredEvent);
  const linked = await linksOf(tracking, ports, failedMessageIds);
  const people = peopleOf(
    tracking.filter((e) => !failedMessageIds.has(e.messageId)),
    linked,
  );
  const leadOf = new Map<string, string>();
  const groups = new Map<string, LeadGroup>();
  const groupOf = (leadId: string): LeadGroup => {
    let group = groups.get(leadId);
    if (!group) {
      group = { leadId, tracking: [], outcomes: [], crmOutcomes: [], newIdentities: new Set() };
      groups.set(leadId, group);
    }
    return group;
  };
  for (const person of people) {
    let leadId: string;
    if (person.leadIds.length === 0) {
      leadId = newPersonLeadId(person.events, ports.model, ports.now)!;
    } else if (person.leadIds.length === 1) {
      leadId = person.leadIds[0]!;
    } else {
      try {
        leadId = await mergeIntoOne(person.leadIds, ports);
      } catch (error) {
        // the person's links stay as they were, so the retry of these events merges again
        ports.log('merging leads failed', { leadIds: person.leadIds, messageIds: person.events.map((e) => e.messageId), error: String(error) });
        for (const event of person.events) failedMessageIds.add(event.messageId);
        continue;
      }
    }
    for (const event of person.events) leadOf.set(event.messageId, leadId);
    const group = groupOf(leadId);
    for (const key of person.keys) if (linked.get(key) !== leadId) group.newIdentities.add(key);
  }

  // events keep the order they came in; applying them sorts them by time
  for (const record of records) {
    if (failedMessageIds.has(record.messageId)) continue;
    if (record.kind === 'outcome') {
      groupOf(record.leadId).outcomes.push(record);
      continue;
    }
    if (record.kind === 'crm-outcome') {
      groupOf(record.leadId).crmOutcomes.push(record);
      continue;
    }
    // Activities and feedback were stored with their items under the lead (what the clocks and the lead view read).
    if (record.kind !== 'tracking') continue;
    const leadId = leadOf.get(record.messageId);
    if (leadId === undefined) continue;
    const { kind: _kind, ...event } = record;
    groupOf(leadId).tracking.push(event);
  }
  return groups;
}

/**
 * Events applied in one lead update. The update is one transaction of at
 * most 100 items at most (score, profile, funnel counters, identity links),
 * followed by the events' markers; up to PENDING_MARKERS of them the score
 * holds pending, more and the score is marked rebuilding until they are written.
 */
const EVENTS_PER_SAVE = 98;
const IDENTITIES_PER_SAVE = 40;

interface Step {
  lead: Lead;
  /** events or identity links of this group are still to be saved */
  more: boolean;
}

/**
 * The lead as stored, ready to take events: following merges, and recomputed
 * from its events first when a rescore or merge left its markers half
 * rewritten (VersionedLead.rebuilding), so no event is scored against them.
 */
async function readLead(leadId: string, ports: ApplyEventsPorts, wholeLedger = false): Promise<VersionedLead | undefined> {
  const options = { wholeLedger, heal: true };
  const found = await followMerges(await ports.getLead(leadId, options), (id) => ports.getLead(id, options));
  if (!found?.rebuilding) return found;
  await recomputeFromEvents(found, ports, 'recomputed from its events');
  return readLead(found.lead.leadId, ports, wholeLedger);
}

/**
 * The lead a CRM outcome with `createIfMissing` is about, when the lead it
 * was stored for does not exist: the one its email came to be linked to
 * since (a tracking event, another outcome), if any.
 */
async function linkedLeadOf(group: LeadGroup, ports: ApplyEventsPorts): Promise<string | undefined> {
  const email = normalizeEmail(group.crmOutcomes.find((e) => e.outcome.createIfMissing)?.outcome.email);
  if (email === undefined) return undefined;
  const key: IdentityKey = `email:${email}`;
  const linked = (await ports.resolveIdentities([key])).get(key);
  return linked === group.leadId ? undefined : linked;
}

/** Applies the next slice of a lead's events that fits one update. */
async function applyGroupOnce(group: LeadGroup, ports: ApplyEventsPorts): Promise<Step> {
  // A lead merged into another since its identities were read: the events go to the survivor.
  let current = await readLead(group.leadId, ports);
  if (!current && group.tracking.length === 0 && group.crmOutcomes.length > 0) {
    const linked = await linkedLeadOf(group, ports);
    if (linked !== undefined) current = await readLead(linked, ports);
  }
  if (current) group.leadId = current.lead.leadId;
  const refOf = new Map<string, EventRef>([
    ...group.tracking.map((e): [string, EventRef] => [e.messageId, { messageId: e.messageId, at: e.timestamp }]),
    ...group.outcomes.map((e): [string, EventRef] => [e.messageId, { messageId: e.messageId, at: e.receivedAt, outcome: true }]),
    ...group.crmOutcomes.map((e): [string, EventRef] => [e.messageId, { messageId: e.messageId, at: e.receivedAt, outcome: true }]),
  ]);
  const applied = await ports.appliedMessageIds(group.leadId, [...refOf.values()]);
  const identities = [...group.newIdentities].slice(0, IDENTITIES_PER_SAVE);
  let room = EVENTS_PER_SAVE;
  const unapplied = group.tracking.filter((e) => !applied.has(e.messageId));
  const fresh = unapplied.slice(0, room);
  room -= fresh.length;
  const unappliedOutcomes = group.outcomes.filter((e) => !applied.has(e.messageId));
  const freshOutcomes = unappliedOutcomes.slice(0, room);
  room -= freshOutcomes.length;
  // The CRM's outcomes of a lead apply in the order they happened, as the API planned them.
  const unappliedCrm = inOutcomeOrder(
    group.crmOutcomes.filter((e) => !applied.has(e.messageId)),
    (e) => e.outcome.at,
  );
  const freshCrm = unappliedCrm.slice(0, room);
  const more =
    unapplied.length > fresh.length ||
    unappliedOutcomes.length > freshOutcomes.length ||
    unappliedCrm.length > freshCrm.length ||
    group.newIdentities.size > identities.length;
  const firstSeen = group.tracking.map((e) => e.timestamp).sort()[0] ?? new Date().toISOString();
  if (fresh.length === 0 && freshOutcomes.length === 0 && freshCrm.length === 0 && identities.length === 0) {
    return { lead: current?.lead ?? newLead(group.leadId, firstSeen, ports.model), more: false };
  }
  // An outcome for a lead LeadLoop does not know creates it (createIfMissing): a sales-sourced lead.
  const creator = current === undefined && fresh.length === 0 ? freshCrm.find((e) => e.outcome.createIfMissing && normalizeEmail(e.outcome.email) !== undefined) : undefined;
  const created = creator && createSalesSourcedLead(creator.outcome, normalizeEmail(creator.outcome.email)!, ports.model, { ownerOf: ports.ownerOf });
  if (current === undefined && fresh.length === 0 && !created) {
    ports.log('outcome for an unknown lead ignored', { leadId: group.leadId });
    return { lead: newLead(group.leadId, firstSeen, ports.model), more: false };
  }
  // An event that happened before what the ledger as read covers (it arrived late) is scored against the whole ledger.
  if (current && fresh.some((e) => !ledgerCovers(current!.lead, ports.model, e.timestamp))) current = await readLead(group.leadId, ports, true);
  const before = current?.lead ?? created?.lead ?? newLead(group.leadId, firstSeen, ports.model);
  let lead = before;

  const changes: StageChange[] = created ? [created.entry] : [];
  const newIdentities: IdentityKey[] = created ? (created.lead.identities as IdentityKey[]).filter((key) => !identities.includes(key)) : [];
  if (fresh.length > 0) {
    // a tracked event a campaign's event rule claims is a touch of that campaign (the campaigns come with attribution's port)
    const result = applyEvents(lead, fresh, ports.model, ports.attribution?.campaigns);
    lead = result.lead;
    changes.push(...result.changes);
  }
  for (const { outcome, messageId } of freshOutcomes) {
    if (outcome.kind === 'return-to-sales') {
      // The recontact date the rep gave has come (sent by the journey): nothing is recorded on the cycle.
      const result = returnToSales(lead, outcome);
      lead = result.lead;
      changes.push(...result.changes);
      continue;
    }
    const refusal = outcomeRefusal(lead, outcome);
    if (refusal) {
      ports.log('outcome refused', { leadId: lead.leadId, messageId, refusal });
      continue;
    }
    // The cycle holds the decision that stands (the outcome handler wrote it
    // there before storing the event; recording it again is a no-op) and the
    // journey resumes; the stage change is saved after, so a replay after a
    // crash repeats both safely.
    const cycle = await ports.recordOutcome(lead.leadId, outcome);
    const recorded = cycle?.outcome;
    if (!recorded || recorded.kind !== outcome.kind || recorded.repId !== outcome.repId) {
      // Another decision or an escalation got to the cycle first: that stands, and this changes nothing.
      ports.log('outcome refused', { leadId: lead.leadId, messageId, refusal: recorded ? `the cycle was already ${recorded.kind}` : 'the cycle no longer takes this decision' });
      continue;
    }
    if (cycle?.taskToken) await ports.resumeJourney(cycle.taskToken, { outcome: outcome.kind, repId: outcome.repId });
    const result = applyOutcome(lead, outcome);
    // Decided before the owner's deadline (the cycle's, so a reassignment's fresh window counts): the agreement kept.
    const decided = result.changes.find((change) => change.decision !== undefined);
    if (decided && cycle) decided.withinAgreement = Date.parse(outcome.at) <= Date.parse(cycle.acceptBy);
    lead = result.lead;
    changes.push(...result.changes);
  }
  // the cycles whose journey a CRM outcome's stage move wakes, once this update is saved
  const toWake = new Set<number>();
  for (const event of freshCrm) {
    if (event === creator) continue;
    const crm = await applyCrmOutcomeOnce(lead, event, ports);
    if (!crm) continue;
    if (crm.wakes !== undefined) toWake.add(crm.wakes);
    lead = crm.lead;
    changes.push(...crm.changes);
  }

  // A lead that nurture may hold enters its program with this update (pending until its execution starts).
  if (ports.nurture) lead = withNurtureEntry(lead, ports.model, ports.nurture, ports.now());
  const appliedRefs = [...fresh, ...freshOutcomes, ...freshCrm].map((e) => refOf.get(e.messageId)!);
  const markers = markersToWrite(before.ledger, lead.ledger, appliedRefs);
  const saved = current ? scoreUnlessUnscored(before, foldForSave(lead, ports.model), markers, changes) : foldForSave(lead, ports.model);
  const reports = await dealAttribution(saved, changes, ports);
  // An accepted hand-off the move leaves without a contact logged (the CRM closed it) no longer counts as its rep's open lead.
  const releaseOpen = current && mayLeaveHandOff(before, saved) ? acceptedOpenEnded(saved, await ports.getCycle(saved.leadId, before.cycle)) : undefined;
  await ports.saveLead({
    lead: saved,
    ...(current ? basedOn(current) : { version: 0 }),
    changes,
    markers,
    applied: appliedRefs.length,
    identities: [...identities, ...newIdentities],
    ...(reports.length > 0 && { reports }),
    ...(releaseOpen && { releaseOpen }),
  });
  for (const key of identities) group.newIdentities.delete(key);
  // The journey's wait (the follow-up loop after the decision) wakes to the lead's new stage; one no longer waiting ignores it.
  for (const cycleNumber of toWake) {
    const cycle = await ports.getCycle(saved.leadId, cycleNumber);
    if (cycle?.taskToken) await ports.resumeJourney(cycle.taskToken, { wake: saved.stage });
  }
  return { lead: saved, more };
}

/**
 * The attribution counts of a save that creates an opportunity or wins a
 * deal: its amount credited to the lead's touches, all of them (the lead as
 * read holds its first touch; the others are read from its events), and to
 * the rep's activities, which are sales touches.
 */
async function dealAttribution(lead: Lead, changes: readonly StageChange[], ports: ApplyEventsPorts): Promise<ReportCount[]> {
  if (!ports.attribution || !changes.some((change) => change.to === 'opportunity' || change.to === 'won')) return [];
  const [history, activities] = await Promise.all([ports.attribution.touchesOf(lead.leadId), ports.attribution.activitiesOf(lead.leadId)]);
  const touches = new Map([...lead.touches, ...history].map((touch) => [touch.messageId, touch]));
  const ordered = [...touches.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return attributionCounts({ ...lead, touches: ordered }, changes, ports.attribution.campaigns, activities);
}

/**
 * One CRM outcome applied to the lead as it is now (the API planned it
 * against the lead as it read it; a refusal now is logged, the API already
 * answered). A pending hand-off the CRM decides is recorded on the cycle as
 * the rep's click would be, and applies only if it stands; any other stage
 * move wakes the journey of the cycle it leaves, after the save.
 */
async function applyCrmOutcomeOnce(
  lead: Lead,
  event: CrmOutcomeEvent,
  ports: ApplyEventsPorts,
): Promise<{ lead: Lead; changes: StageChange[]; wakes?: number } | undefined> {
  const { outcome, messageId } = event;
  const result = applyCrmOutcome(lead, outcome, { ownerOf: ports.ownerOf });
  if (result.kind === 'refuse') {
    ports.log('CRM outcome refused', { leadId: lead.leadId, messageId, refusal: result.plan.message });
    return undefined;
  }
  const { plan, changes } = result;
  const decision = plan.handOffDecision;
  if (decision === undefined) {
    const wakes = changes.length > 0 && lead.cycle > 0 ? lead.cycle : undefined;
    return { lead: result.lead, changes, ...(wakes !== undefined && { wakes }) };
  }
  const repId = outcome.repId ?? lead.owner?.repId;
  if (repId === undefined) {
    // No rep holds the hand-off yet (the journey has not assigned one): the CRM's word moves the lead, and the journey ends itself on seeing it moved on.
    ports.log('CRM outcome decided a hand-off no rep holds yet', { leadId: lead.leadId, messageId });
    return { lead: result.lead, changes };
  }
  const at = changes[0]!.at;
  const decided: Outcome =
    decision === 'accepted'
      ? { kind: 'accepted', cycle: lead.cycle, repId, at }
      : { kind: 'rejected', cycle: lead.cycle, repId, at, reason: outcome.reason ?? `${outcome.via} reported ${outcome.stage}` };
  const cycle = await ports.recordOutcome(lead.leadId, decided);
  const recorded = cycle?.outcome;
  if (!recorded || recorded.kind !== decided.kind || recorded.repId !== repId) {
    ports.log('CRM outcome refused', {
      leadId: lead.leadId,
      messageId,
      refusal: recorded ? `the cycle was already ${recorded.kind} by ${recorded.repId}` : `the cycle does not take a decision by ${repId}`,
    });
    return undefined;
  }
  if (cycle?.taskToken) await ports.resumeJourney(cycle.taskToken, { outcome: decided.kind, repId });
  return { lead: result.lead, changes };
}

/**
 * Applies one lead's events, in slices that each fit one transaction, retrying
 * a slice when a concurrent writer got there first.
 */
async function applyGroup(group: LeadGroup, ports: ApplyEventsPorts): Promise<void> {
  let lead: Lead | undefined;
  let more = true;
  while (more) {
    const step = await retryOnConflict(MAX_ATTEMPTS, () => applyGroupOnce(group, ports));
    lead = step.lead;
    more = step.more;
  }
  if (lead === undefined) return;
  // A qualified lead is never left without a journey: the pending flag stays
  // until the start is confirmed, and any replay of the lead's events retries it.
  await startPendingJourney(lead, ports);
  // Likewise a pending nurture program is started; a lead that must leave nurture (an MQL now) has it stopped.
  if (ports.nurture) await settleNurture(lead, ports.nurture);
}

/**
 * Starts the journey of a lead whose cycle is pending, then clears the flag;
 * until then any later pass over the lead (a replay, a rescore) tries again.
 */
export async function startPendingJourney(lead: Lead, ports: Pick<ApplyEventsPorts, 'startJourney' | 'clearJourneyPending'>): Promise<void> {
  if (lead.journeyPending === undefined) return;
  await ports.startJourney({ leadId: lead.leadId, cycle: lead.journeyPending });
  await ports.clearJourneyPending(lead.leadId, lead.journeyPending);
}

/**
 * Applies a batch of stored events, grouped by lead: one lead update per lead
 * per batch. Returns the events that could not be applied, so the caller
 * can have them retried.
 */
export async function applyEventRecords(
  records: readonly EventRecord[],
  ports: ApplyEventsPorts,
): Promise<{ failedMessageIds: Set<string> }> {
  const failedMessageIds = new Set<string>();
  const live = ports.erasure ? await withoutErased(records, { ...ports, erasure: ports.erasure }, failedMessageIds) : records;
  const groups = await groupByLead(live, ports, failedMessageIds);
  // Leads are independent: several are updated at once (the stream orders events per shard, not per lead).
  await forEachConcurrently([...groups.values()], LEADS_AT_ONCE, async (group) => {
    try {
      await applyGroup(group, ports);
    } catch (error) {
      ports.log('applying events failed', { leadId: group.leadId, error: String(error) });
      for (const e of [...group.tracking, ...group.outcomes, ...group.crmOutcomes]) failedMessageIds.add(e.messageId);
    }
  });
  return { failedMessageIds };
}
