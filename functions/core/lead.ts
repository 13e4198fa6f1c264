import { campaignOfEvent, type CampaignsConfig } from './campaigns.ts';
import type { Deal } from './crm-apply.ts';
import { identityKeys } from './identity.ts';
import { transition, type HandOffDecision, type Stage, type StageChange, type StageMover } from './lifecycle.ts';
import {
  addToLedger,
  engagementAt,
  fitGrade,
  isQualified,
  qualifyingActivity,
  type Grade,
  type LedgerEntry,
  type ScoringModel,
} from './scoring.ts';
import type { StoredEvent } from './tracking-event.ts';
import type { NurtureEnrollment } from './nurture.ts';

/**
 * The lead aggregate: one person, their traits, score, stage and history.
 * Tracking events are applied here, purely; the adapters persist the result.
 * Who the person is (identity keys, lead ids) is `identity.ts`; merging two
 * leads of one person `merge.ts`; what sales decides `outcomes.ts`.
 */

/**
 * A marketing touch, for attribution: where a visit came from (UTM parameters
 * or the referring site), or a tracked event a campaign's event rule claims
 * (a webinar attended, an ebook downloaded: `campaignId`).
 */
export interface Touch {
  messageId: string;
  at: string;
  /** the UTM source, the referring host, or EVENT_SOURCE for a claimed event without either */
  source: string;
  medium?: string;
  campaign?: string;
  /** utm_term: the paid keyword */
  term?: string;
  /** utm_content: which ad or link */
  content?: string;
  /** the defined campaign (config/campaigns.json id) whose event rule claimed this tracked event, when one did */
  campaignId?: string;
}

/** The source of a touch that is a tracked event a campaign claims, when the event carries no UTM source or referrer. */
export const EVENT_SOURCE = 'tracked-event';

export interface ActivityItem {
  messageId: string;
  at: string;
  type: StoredEvent['type'];
  label: string;
  url?: string;
}

export interface Owner {
  repId: string;
  teamId: string;
  assignedAt: string;
}

export interface Lead {
  leadId: string;
  email?: string;
  /** identity keys: `email:…`, `user:…`, `anon:…` */
  identities: string[];
  traits: Record<string, unknown>;
  stage: Stage;
  stageHistory: StageChange[];
  ledger: LedgerEntry[];
  modelVersion: string;
  /**
   * where the ledger's entries stand one by one: those before were folded
   * (see foldBefore) when the lead was read from its stored items; absent
   * when the ledger is whole
   */
  ledgerFrom?: string;
  /** engagement as of `scoredAt` (decay continues after; see engagementAt) */
  engagement: number;
  grade: Grade;
  scoredAt: string;
  /** the current cycle, 0 until the lead first qualifies */
  cycle: number;
  /** set when a cycle starts; cleared once its journey execution is known to exist */
  journeyPending?: number;
  owner?: Owner;
  touches: Touch[];
  recentActivity: ActivityItem[];
  createdAt: string;
  /** `sales` for a lead the CRM reported before LeadLoop knew it (sales-sourced pipeline) */
  source?: 'sales';
  /** the deal the lead is in, as the CRM last reported it */
  deal?: Deal;
  /** leads found to be this same person and merged into this one */
  mergedLeadIds?: string[];
  /** set on a lead merged into another: that one is the person now */
  mergedInto?: string;
  /** the nurture program the lead is in, or was last in (core/nurture.ts) */
  nurture?: NurtureEnrollment;
}

const RECENT_ACTIVITY = 25;
const MAX_TOUCHES = 100;

export function newLead(leadId: string, at: string, model: ScoringModel): Lead {
  return {
    leadId,
    identities: [],
    traits: {},
    stage: 'visitor',
    stageHistory: [],
    ledger: [],
    modelVersion: model.version,
    engagement: 0,
    grade: 'D',
    scoredAt: at,
    cycle: 0,
    touches: [],
    recentActivity: [],
    createdAt: at,
  };
}

function activityLabel(event: StoredEvent): string {
  switch (event.type) {
    case 'page':
      return `Viewed ${event.name ?? event.url ?? 'a page'}`;
    case 'track':
      return event.event ?? 'Tracked an action';
    case 'identify':
      return 'Identified';
    case 'group':
      return `Joined account ${String(event.groupTraits?.name ?? event.groupId)}`;
    case 'alias':
      return 'Linked an earlier identity';
  }
}

/**
 * The touch an event makes: its UTM parameters, else a referring site
 * outside the page's own; and, with the campaigns, a tracked event that a
 * campaign's event rule claims (campaignOfEvent) is a touch of that campaign
 * (`campaignId`), with its UTM parameters when it has them, else of source
 * EVENT_SOURCE. One event makes one touch at most (its messageId).
 */
export function touchOf(event: StoredEvent, campaigns?: CampaignsConfig): Touch | undefined {
  const claimed = campaigns === undefined ? undefined : campaignOfEvent(campaigns, event);
  const touch = visitTouchOf(event);
  if (claimed === undefined) return touch;
  return { ...(touch ?? { messageId: event.messageId, at: event.timestamp, source: EVENT_SOURCE }), campaignId: claimed.id };
}

function visitTouchOf(event: StoredEvent): Touch | undefined {
  if (event.campaign?.source) {
    return {
      messageId: event.messageId,
      at: event.timestamp,
      source: event.campaign.source,
      ...(event.campaign.medium !== undefined && { medium: event.campaign.medium }),
      ...(event.campaign.name !== undefined && { campaign: event.campaign.name }),
      ...(event.campaign.term !== undefined && { term: event.campaign.term }),
      ...(event.campaign.content !== undefined && { content: event.campaign.content }),
    };
  }
  if (event.referrer) {
    try {
      const host = new URL(event.referrer).hostname;
      const ownHost = event.url ? new URL(event.url).hostname : undefined;
      if (host && host !== ownHost) return { messageId: event.messageId, at: event.timestamp, source: host, medium: 'referral' };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function activityOf(event: StoredEvent): ActivityItem {
  return {
    messageId: event.messageId,
    at: event.timestamp,
    type: event.type,
    label: activityLabel(event),
    ...(event.url !== undefined && { url: event.url }),
  };
}

/** What a reader sees of a lead's history: its latest activity and the touches among its latest events, oldest first. */
export interface LeadHistoryView {
  recentActivity: ActivityItem[];
  touches: Touch[];
}

/**
 * The activity and touches of a lead's events (its latest ones, read back from
 * the events table), as absorbing them gives (with the same campaigns: the
 * tracked events they claim are touches).
 */
export function historyOf(events: readonly StoredEvent[], campaigns?: CampaignsConfig): LeadHistoryView {
  const ordered = inTimeOrder(events);
  return {
    recentActivity: ordered.map(activityOf).slice(-RECENT_ACTIVITY),
    touches: ordered.flatMap((event) => touchOf(event, campaigns) ?? []),
  };
}

/**
 * The lead with its history as a reader sees it: recent activity from its
 * latest events, and touches: the first (the lead keeps it) and the latest.
 */
export function withHistory(lead: Lead, history: LeadHistoryView): Lead {
  const touches = new Map([...lead.touches, ...history.touches].map((touch) => [touch.messageId, touch]));
  return { ...lead, recentActivity: history.recentActivity, touches: keepFirstAndRecent([...touches.values()].sort(byTime), MAX_TOUCHES) };
}

function byTime<T extends { at: string; messageId: string }>(a: T, b: T): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

/** The first touch is kept for first-touch attribution; beyond that, the most recent. */
function keepFirstAndRecent<T>(sorted: T[], max: number): T[] {
  return sorted.length <= max ? sorted : [sorted[0]!, ...sorted.slice(-(max - 1))];
}

/**
 * A recycled lead went back to marketing with its old engagement; it qualifies
 * again only on engagement earned since, or a rejection would not hold.
 */
function ledgerSinceRecycled(lead: Lead): LedgerEntry[] {
  const recycledAt = lastRecycledAt(lead);
  return lead.ledger.filter((entry) => entry.at > recycledAt);
}

/** The instant the lead was last recycled ('' if never): the engagement since is read on its own. */
export function lastRecycledAt(lead: Pick<Lead, 'stageHistory'>): string {
  return lead.stageHistory.findLast((change) => change.to === 'recycled')?.at ?? '';
}

export interface AppliedEvents {
  lead: Lead;
  changes: StageChange[];
}

/**
 * Moves a lead (a working copy) to a stage, recording the change in its
 * history and in `changes`; `decision` when the move is a hand-off's outcome,
 * `by` when a person (a rep) made it.
 */
export function moveTo(lead: Lead, to: Stage, at: string, cause: string, changes: StageChange[], decision?: HandOffDecision, by?: StageMover): void {
  const change = { ...transition(lead.stage, to, at, cause, decision), ...(by && { by }) };
  lead.stage = to;
  lead.stageHistory.push(change);
  changes.push(change);
}

function inTimeOrder(events: readonly StoredEvent[]): StoredEvent[] {
  return [...events].sort((a, b) => byTime({ at: a.timestamp, messageId: a.messageId }, { at: b.timestamp, messageId: b.messageId }));
}

/** Takes one event into the lead's profile and score: identities, traits, ledger, touches (with the campaigns: claimed events too), activity. */
function absorb(lead: Lead, event: StoredEvent, model: ScoringModel, campaigns?: CampaignsConfig): void {
  for (const key of identityKeys(event)) if (!lead.identities.includes(key)) lead.identities.push(key);
  if (event.traits) Object.assign(lead.traits, event.traits);
  if (event.groupId) {
    // The account's traits fill the person's company fit traits, never overwrite them.
    lead.traits.groupId = event.groupId;
    if (event.groupTraits?.name !== undefined) lead.traits.company ??= event.groupTraits.name;
    if (event.groupTraits?.employees !== undefined) lead.traits.employees ??= event.groupTraits.employees;
  }
  if (event.email) lead.email ??= event.email;
  // The email trait always mirrors the lead's email: a blank or malformed one in later traits must not replace it.
  if (lead.email) lead.traits.email = lead.email;

  addToLedger(model, lead.ledger, event);
  const touch = touchOf(event, campaigns);
  if (touch) lead.touches = keepFirstAndRecent([...lead.touches, touch].sort(byTime), MAX_TOUCHES);
  lead.recentActivity = [...lead.recentActivity, activityOf(event)].sort(byTime).slice(-RECENT_ACTIVITY);
}

/** Works the lead's engagement and grade out at `at` under the model. */
function rescoreAt(lead: Lead, at: string, model: ScoringModel): void {
  lead.scoredAt = at;
  lead.engagement = engagementAt(lead.ledger, new Date(at));
  lead.grade = fitGrade(model, lead.traits).grade;
  lead.modelVersion = model.version;
}

/**
 * Moves the lead as far along as its identity and score take it at `at`:
 * known once identified, engaged past the threshold, MQL on the qualification
 * rule. Stages only move forward here; going back is for sales to decide.
 */
function advance(lead: Lead, at: string, model: ScoringModel, changes: StageChange[], causePrefix = ''): void {
  if (lead.stage === 'visitor' && lead.email) moveTo(lead, 'known', at, `${causePrefix}identified as ${lead.email}`, changes);
  if (lead.stage === 'known' && lead.engagement >= model.engagement.engagedThreshold) {
    moveTo(lead, 'engaged', at, `${causePrefix}engagement ${lead.engagement} reached ${model.engagement.engagedThreshold}`, changes);
  }
  const canQualify = lead.stage === 'known' || lead.stage === 'engaged' || lead.stage === 'recycled';
  if (!canQualify) return;
  const recycled = lead.stage === 'recycled';
  const ledger = recycled ? ledgerSinceRecycled(lead) : lead.ledger;
  const engagement = recycled ? engagementAt(ledger, new Date(at)) : lead.engagement;
  const since = recycled ? ' since recycling' : '';
  let cause: string;
  if (isQualified(model, lead.grade, engagement)) {
    cause = `grade ${lead.grade} and engagement ${engagement}${since} met the qualification rule of model ${model.version}`;
  } else {
    const activity = qualifyingActivity(model, lead.grade, ledger, new Date(at));
    if (!activity) return;
    const { rule, count } = activity;
    cause = `${count} events of rule ${rule.rule} within ${rule.withinDays} days${since} met the activity rule of model ${model.version}`;
  }
  moveTo(lead, 'mql', at, `${causePrefix}${cause}`, changes);
  // the engagement at hand-off: the decision and the deal are counted under its score band
  lead.stageHistory.at(-1)!.engagement = lead.engagement;
  lead.cycle += 1;
  lead.journeyPending = lead.cycle;
  delete lead.owner;
}

/**
 * Applies tracking events to a lead: traits, identities, score ledger, touches,
 * and the stage changes they cause. A lead crossing the qualification rule
 * becomes an MQL and starts a new cycle, whose journey is then pending. With
 * the campaigns, a tracked event a campaign's event rule claims is a touch
 * of that campaign (touchOf).
 */
export function applyEvents(current: Lead, events: readonly StoredEvent[], model: ScoringModel, campaigns?: CampaignsConfig): AppliedEvents {
  const lead: Lead = structuredClone(current);
  const changes: StageChange[] = [];
  for (const event of inTimeOrder(events)) {
    absorb(lead, event, model, campaigns);
    rescoreAt(lead, event.timestamp > lead.scoredAt ? event.timestamp : lead.scoredAt, model);
    advance(lead, lead.scoredAt, model, changes);
  }
  return { lead, changes };
}

/**
 * A lead's history replayed from nothing under a model: what the model would
 * have made of the lead, event by event, with no sales outcomes. Backtests
 * compare models this way.
 */
export function replayLead(leadId: string, events: readonly StoredEvent[], model: ScoringModel): AppliedEvents {
  const ordered = inTimeOrder(events);
  return applyEvents(newLead(leadId, ordered[0]?.timestamp ?? new Date(0).toISOString(), model), ordered, model);
}

/**
 * Recomputes a lead from its stored events under a model, not from its old
 * score: profile, identities, ledger (caps counted in time order), grade and
 * engagement at `now`. What sales did (stage history, cycle, owner) stands;
 * the lead then moves forward if the model now takes it further, so a lead
 * that qualifies under a new model becomes an MQL with a journey to start.
 * The CRM's word (the deal, a sales-sourced lead's source) stands too.
 * Rescoring again with the same events, model and instant changes nothing.
 */
export function rescoreLead(
  current: Lead,
  events: readonly StoredEvent[],
  model: ScoringModel,
  now: string,
  reason = `rescored under model ${model.version}`,
): AppliedEvents {
  const ordered = inTimeOrder(events);
  const firstSeen = ordered[0]?.timestamp;
  const createdAt = firstSeen !== undefined && firstSeen < current.createdAt ? firstSeen : current.createdAt;
  const lead = newLead(current.leadId, createdAt, model);
  for (const event of ordered) absorb(lead, event, model);
  // A tracked event a campaign claimed stays that campaign's touch (rescoring reads no campaigns).
  const replayed = new Set(ordered.map((event) => event.messageId));
  const claimed = current.touches.filter((touch) => touch.campaignId !== undefined && replayed.has(touch.messageId));
  if (claimed.length > 0) {
    const touches = new Map([...lead.touches, ...claimed].map((touch) => [touch.messageId, touch]));
    lead.touches = keepFirstAndRecent([...touches.values()].sort(byTime), MAX_TOUCHES);
  }
  lead.email ??= current.email;
  if (lead.email) lead.traits.email = lead.email;
  lead.stage = current.stage;
  lead.stageHistory = structuredClone(current.stageHistory);
  lead.cycle = current.cycle;
  if (current.journeyPending !== undefined) lead.journeyPending = current.journeyPending;
  if (current.owner) lead.owner = structuredClone(current.owner);
  if (current.mergedLeadIds) lead.mergedLeadIds = [...current.mergedLeadIds];
  if (current.source !== undefined) lead.source = current.source;
  if (current.deal) lead.deal = structuredClone(current.deal);
  if (current.nurture) lead.nurture = structuredClone(current.nurture);
  const lastEvent = ordered.at(-1)?.timestamp ?? now;
  rescoreAt(lead, lastEvent > now ? lastEvent : now, model);
  const changes: StageChange[] = [];
  advance(lead, lead.scoredAt, model, changes, `${reason}: `);
  return { lead, changes };
}
