import type { AssignWrite, QueueItem, RotationTurn } from '#adapters/rep-store.ts';
import type { Cycle } from '#core/cycle.ts';
import { assignedCycle, assignmentOf, planAssignment, type JourneyAssignment } from '#core/journey.ts';
import type { Owner } from '#core/lead.ts';
import { queuedLeadFate, type QueuedLeadFacts } from '#core/queued-lead.ts';
import { repStatesOf, teamsFreed, type RepItemChange, type StoredRep } from '#core/rep-availability.ts';
import { drainQueue, type RoutingConfig } from '#core/routing.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import type { TeamsConfig } from '#core/teams.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';

export interface DrainPorts {
  teams: TeamsConfig;
  routing: RoutingConfig;
  serviceAgreement: ServiceAgreement;
  /** each rep's working calendar: the acceptance clock runs in the owner's hours */
  calendars: RepCalendars;
  now: () => Date;
  queueOf: (teamId: string) => Promise<QueueItem[]>;
  queueItem: (teamId: string, leadId: string, cycle: number) => Promise<QueueItem | undefined>;
  dequeue: (teamId: string, leadId: string, cycle: number) => Promise<void>;
  storedReps: (repIds: readonly string[]) => Promise<Record<string, StoredRep>>;
  rotationOf: (teamId: string) => Promise<RotationTurn>;
  /** the cycle, its owner's open lead and the round robin in one write, marking the queue item taken */
  assignCycle: (cycle: Cycle, turn: RotationTurn, queued?: { teamId: string }) => Promise<AssignWrite>;
  assignOwner: (leadId: string, cycle: number, owner: Owner) => Promise<void>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** resumes a waiting journey; false when that task is gone */
  resumeJourney: (taskToken: string, output: unknown) => Promise<boolean>;
  /** the queued lead's stage, cycle and any merge (undefined when it is gone) */
  queuedLead: (leadId: string) => Promise<QueuedLeadFacts | undefined>;
  /** whether the journey's wait of this token is still open */
  taskWaiting: (taskToken: string) => Promise<boolean>;
  /** removes the lead's queue items of that cycle from these teams, each only while not taken; the teams it removed one from */
  dropQueued: (teamIds: readonly string[], leadId: string, cycle: number) => Promise<string[]>;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface DrainResult {
  assigned: { leadId: string; cycle: number; teamId: string; repId: string }[];
  waiting: number;
  /** stale items removed without being handed out (merged, moved on, decided: queued-lead.ts) */
  dropped?: { leadId: string; cycle: number; teamId: string; reason: string }[];
}

/** Attempts at one lead when other assignments in the team keep moving its round robin. */
const ATTEMPTS = 8;

/**
 * Hands the team's queued leads to reps who can take them now, oldest first,
 * each as a new lead would be routed (routing.ts drainQueue: weights, caps,
 * time away). Each assignment is the journey's own write (cycle, open lead,
 * round robin, the queue item marked taken); the waiting journey is resumed
 * with its assignment, and the item goes. Safe to run at once from several
 * places (a rep back, the schedule): an item is taken once.
 */
export async function drainTeam(teamId: string, ports: DrainPorts): Promise<DrainResult> {
  const team = ports.teams.teams.find((t) => t.id === teamId);
  if (!team) throw new Error(`team "${teamId}" is not in config/teams.json`);
  const result: DrainResult = { assigned: [], waiting: 0 };
  const items = await ports.queueOf(teamId);
  // Taken by an earlier drain that stopped before resuming the journey: finish those first.
  for (const item of items.filter((i) => i.takenBy !== undefined)) await finish(item, ports);
  const waiting = items.filter((i) => i.takenBy === undefined).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.leadId.localeCompare(b.leadId));
  for (const [index, item] of waiting.entries()) {
    // A lead that no longer waits for a rep (merged, moved on, decided) is never handed out: its item goes, uncounted.
    const fate = await fateOf(item, ports);
    if (fate.kind === 'drop') {
      if ((await ports.dropQueued([teamId], item.leadId, item.cycle)).length > 0) {
        (result.dropped ??= []).push({ leadId: item.leadId, cycle: item.cycle, teamId, reason: fate.reason });
        ports.log?.('stale queue item dropped', { leadId: item.leadId, cycle: item.cycle, teamId, reason: fate.reason });
      }
      continue;
    }
    if (fate.kind === 'skip') {
      ports.log?.('queued lead left waiting', { leadId: item.leadId, cycle: item.cycle, teamId, reason: fate.reason });
      continue;
    }
    const assigned = await assignFromQueue(item, team.reps.map((r) => r.id), ports);
    if (assigned === 'nobody') {
      // Nobody frees up within one drain: the team's later leads wait too, in order.
      result.waiting = waiting.length - index;
      break;
    }
    if (assigned) result.assigned.push(assigned);
  }
  return result;
}

/** Drains every team's queue (the schedule's backstop). */
export function drainAll(ports: DrainPorts): Promise<DrainResult> {
  return drainTeams(ports.teams.teams.map((team) => team.id), ports);
}

/**
 * Drains at once the queues of the teams whose reps' open leads dropped
 * (writes to reps' items, from the table's stream): a rejection, the first
 * contact, a reassignment away, the recycle or a merge frees a slot, and the
 * oldest lead waiting for that team takes it, without waiting for the schedule.
 */
export function drainFreed(changes: readonly RepItemChange[], ports: DrainPorts): Promise<DrainResult> {
  return drainTeams(teamsFreed(changes, ports.teams), ports);
}

async function drainTeams(teamIds: readonly string[], ports: DrainPorts): Promise<DrainResult> {
  const all: DrainResult = { assigned: [], waiting: 0 };
  for (const teamId of teamIds) {
    const drained = await drainTeam(teamId, ports);
    all.assigned.push(...drained.assigned);
    all.waiting += drained.waiting;
    if (drained.dropped) (all.dropped ??= []).push(...drained.dropped);
  }
  return all;
}

async function assignFromQueue(item: QueueItem, repIds: string[], ports: DrainPorts): Promise<DrainResult['assigned'][number] | 'nobody' | undefined> {
  const team = ports.teams.teams.find((t) => t.id === item.teamId)!;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const now = ports.now();
    const [stored, turn] = await Promise.all([ports.storedReps(repIds), ports.rotationOf(team.id)]);
    const drained = drainQueue([{ leadId: item.leadId, teamId: team.id, queuedAt: new Date(item.queuedAt) }], {
      routing: ports.routing,
      teams: ports.teams,
      reps: repStatesOf(team, ports.routing, stored, ports.calendars),
      rotations: { [team.id]: turn.credits },
      now,
      // a rep whose time away begins before the lead's deadline with them is skipped, as at routing
      acceptWithinHours: ports.serviceAgreement.acceptWithinHours,
    });
    const pick = drained.assigned[0];
    if (!pick) return 'nobody';
    const assignment = planAssignment(ports.teams, ports.serviceAgreement, item, now, ports.calendars, pick);
    const cycle = assignedCycle(item, assignment, now, { at: now.toISOString(), teamId: team.id, repId: pick.repId, rule: item.routing.rule, skipped: pick.skipped, via: 'queue' });
    const written = await ports.assignCycle(cycle, { ...turn, credits: drained.rotations[team.id] ?? turn.credits }, { teamId: team.id });
    if (written === 'rotation-moved') continue;
    if (written === 'queue-gone') return undefined;
    // 'cycle-exists': the journey routed it itself meanwhile; its cycle stands.
    await finish({ ...item, takenBy: pick.repId }, ports);
    return written === 'assigned' ? { leadId: item.leadId, cycle: item.cycle, teamId: team.id, repId: pick.repId } : undefined;
  }
  return undefined;
}

/** Whether a waiting item's lead still waits for a rep (queued-lead.ts): its profile, its cycle's record, its journey's wait. */
async function fateOf(item: QueueItem, ports: DrainPorts) {
  const [lead, record, journeyWaiting] = await Promise.all([
    ports.queuedLead(item.leadId),
    ports.getCycle(item.leadId, item.cycle),
    item.taskToken === undefined ? undefined : ports.taskWaiting(item.taskToken),
  ]);
  return queuedLeadFate(item.cycle, lead, record, journeyWaiting);
}

/** A taken item: the lead's owner, the waiting journey resumed with its assignment (if its wait began), the item gone. */
async function finish(item: QueueItem, ports: DrainPorts): Promise<void> {
  const cycle = await ports.getCycle(item.leadId, item.cycle);
  if (!cycle) return;
  // a decided, recycled or merged cycle is left as it is (as the journey's own assignment leaves it)
  if (!cycle.outcome && !cycle.recycled && !cycle.mergedInto) await ports.assignOwner(item.leadId, item.cycle, cycle.owner);
  // read again: the journey's token may have landed since the item was read
  const now = await ports.queueItem(item.teamId, item.leadId, item.cycle);
  const assignment: JourneyAssignment = assignmentOf(cycle);
  if (now?.taskToken) await ports.resumeJourney(now.taskToken, assignment);
  await ports.dequeue(item.teamId, item.leadId, item.cycle);
}
