import type { AssignWrite, RotationTurn } from '#adapters/rep-store.ts';
import type { Cycle } from '#core/cycle.ts';
import type { EmailToSend, SendResult } from '#core/emails.ts';
import { assignedCycle, assignmentOf, planAssignment, type JourneyAssignment, type JourneyState } from '#core/journey.ts';
import type { Owner } from '#core/lead.ts';
import type { RepCalendars } from '#core/rep-calendars.ts';
import { renderQueuedEmail } from '#core/queue-emails.ts';
import { resumedAssignment } from '#core/reconcile.ts';
import { repStatesOf, routingRecord, type RoutingRecord, type StoredRep } from '#core/rep-availability.ts';
import { matchTeam, routeLead, type RoutingConfig } from '#core/routing.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import type { TeamsConfig } from '#core/teams.ts';

export interface AssignRepPorts {
  teams: TeamsConfig;
  routing: RoutingConfig;
  serviceAgreement: ServiceAgreement;
  /** each rep's working calendar: the acceptance clock runs in the owner's hours */
  calendars: RepCalendars;
  now: () => Date;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** the lead's traits (what routing rules read); undefined when the lead does not exist */
  leadTraits: (leadId: string) => Promise<Record<string, unknown> | undefined>;
  /** the reps' items (open leads, time away); reps never written are left out */
  storedReps: (repIds: readonly string[]) => Promise<Record<string, StoredRep>>;
  rotationOf: (teamId: string) => Promise<RotationTurn>;
  /**
   * writes the cycle with its owner counted as an open lead and the team's
   * round robin moved on, in one write; with `queued`, marks the lead's queue
   * item taken in it too
   */
  assignCycle: (cycle: Cycle, turn: RotationTurn, queued?: { teamId: string }) => Promise<AssignWrite>;
  /** makes the rep the owner of the lead's current cycle */
  assignOwner: (leadId: string, cycle: number, owner: Owner) => Promise<void>;
  /** puts the lead's cycle in its team's queue, once (a repeat keeps the first `queuedAt`); returns when it was queued */
  enqueue: (entry: { teamId: string; leadId: string; cycle: number; queuedAt: string; routing: RoutingRecord }) => Promise<string>;
  /** forgets a queue item whose lead found a rep */
  dequeue: (teamId: string, leadId: string, cycle: number) => Promise<void>;
  /** the lead's name and email for the manager's notice */
  leadSummary: (leadId: string) => Promise<{ name?: string; email?: string } | undefined>;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
}

/** The lead waits in its team's queue: nobody could take it. The journey waits until a drain assigns it. */
export interface QueuedAssignment {
  queued: true;
  teamId: string;
  queuedAt: string;
  /** how long the journey waits before it tries routing the lead again itself */
  waitSeconds: number;
}

/**
 * How long a queued lead's journey waits before trying again by itself: the
 * drains (a rep back, the schedule) normally assign it sooner.
 */
export const QUEUE_RETRY_SECONDS = 6 * 3600;

/** Attempts when another assignment in the same team moved its round robin meanwhile. */
const ROUTE_ATTEMPTS = 8;

/**
 * Routes the lead's new cycle (routing.ts: rules, then availability and
 * weights within the team) and starts the acceptance clock: the cycle record
 * with its owner, the owner's open-lead count and the team's round robin in
 * one write, then the lead's owner. When nobody can take the lead it waits in
 * the team's queue, and the manager is told once. A retry returns the
 * assignment the first attempt recorded; a lead already queued (the journey
 * comes back after waiting) is routed again within its team.
 */
export async function assignRep(state: JourneyState & { assignment?: JourneyAssignment | QueuedAssignment }, ports: AssignRepPorts): Promise<JourneyAssignment | QueuedAssignment> {
  const { leadId, cycle } = state;
  const existing = await ports.getCycle(leadId, cycle);
  // a retry, or a journey the reconciler resumed: the owner, and the waits the record has left
  if (existing) {
    // The first attempt may have failed between its two writes (the cycle, then the lead's owner): finish it, or
    // the owner's links find a lead that is not theirs. A decided, recycled or merged cycle is left as it is.
    if (!existing.outcome && !existing.recycled && !existing.mergedInto) await ports.assignOwner(leadId, cycle, existing.owner);
    return resumedAssignment(existing, ports.now());
  }
  const traits = await ports.leadTraits(leadId);
  if (traits === undefined) throw new Error(`lead ${leadId} does not exist`);
  const queued = state.assignment && 'queued' in state.assignment ? state.assignment : undefined;

  for (let attempt = 1; attempt <= ROUTE_ATTEMPTS; attempt++) {
    const now = ports.now();
    const { input, turn } = await routingInput(ports, traits, now, queued?.teamId);
    const decision = routeLead({ traits }, input);
    if (decision.outcome === 'queued') {
      const record = routingRecord(decision, now);
      const queuedAt = await ports.enqueue({ teamId: decision.teamId, leadId, cycle, queuedAt: now.toISOString(), routing: record });
      const lead = await ports.leadSummary(leadId);
      const email = renderQueuedEmail({ leadId, lead: lead ?? {}, manager: decision.manager, teamId: decision.teamId, record, teams: ports.teams });
      await ports.sendEmailOnce({ ...email, to: decision.manager.email, idempotencyKey: `${leadId}#${cycle}#queued` });
      return { queued: true, teamId: decision.teamId, queuedAt, waitSeconds: QUEUE_RETRY_SECONDS };
    }
    const assignment = planAssignment(ports.teams, ports.serviceAgreement, state, now, ports.calendars, decision);
    const record = assignedCycle(state, assignment, now, routingRecord(decision, now, queued ? 'queue' : 'routing'));
    const { owner } = record;
    const written = await ports.assignCycle(record, { ...turn, credits: decision.rotation }, queued && { teamId: queued.teamId });
    if (written === 'rotation-moved') continue;
    if (written === 'assigned') {
      await ports.assignOwner(leadId, cycle, owner);
      if (queued) await ports.dequeue(queued.teamId, leadId, cycle);
      return assignment;
    }
    // A drain (or a retry of this step) wrote the cycle first: its assignment stands.
    const written2 = await ports.getCycle(leadId, cycle);
    if (written2) {
      await ports.assignOwner(leadId, cycle, written2.owner);
      return assignmentOf(written2);
    }
    // the queue item went without a cycle: route afresh as a new lead
    return assignRep({ leadId, cycle }, ports);
  }
  throw new Error(`team of lead ${leadId}: its round robin kept moving; try again`);
}

/** What routeLead reads: the matched team's reps (their items) and its round robin. A queued lead stays in its team. */
async function routingInput(ports: Pick<AssignRepPorts, 'teams' | 'routing' | 'storedReps' | 'rotationOf' | 'calendars' | 'serviceAgreement'>, traits: Record<string, unknown>, now: Date, teamId?: string) {
  const { routing, teams } = ports;
  const id = teamId ?? matchTeam({ traits }, routing).teamId;
  const team = teams.teams.find((t) => t.id === id);
  if (!team) throw new Error(`routing names team "${id}", which config/teams.json does not have`);
  const [stored, turn] = await Promise.all([ports.storedReps(team.reps.map((r) => r.id)), ports.rotationOf(team.id)]);
  // A lead queued in its team stays there: routed as if the rules picked that team.
  const pinned: RoutingConfig = teamId ? { ...routing, rules: [], defaultTeam: teamId } : routing;
  return { input: { routing: pinned, teams, reps: repStatesOf(team, routing, stored, ports.calendars), rotations: { [team.id]: turn.credits }, now, acceptWithinHours: ports.serviceAgreement.acceptWithinHours }, turn };
}
