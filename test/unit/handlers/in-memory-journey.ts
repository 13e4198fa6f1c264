import type { ReportCount } from '../../../functions/core/report-counts.ts';
import type { Cycle, CycleEscalation } from '../../../functions/core/cycle.ts';
import type { EmailToSend, SendResult } from '../../../functions/core/emails.ts';
import type { DecisionWrite, LeadUpdate, DecisionEvent, OutcomeEvent, VersionedLead } from '../../../functions/core/records.ts';
import { ConcurrentUpdateError, EmailOutcomeUnknownError } from '../../../functions/commons/errors.ts';
import type { StageChange } from '../../../functions/core/lifecycle.ts';
import type { Lead, Owner } from '../../../functions/core/lead.ts';
import { routing, scoringModel, serviceAgreement, teams } from '../../../config/index.ts';
import { weekdays } from '../../../functions/core/business-hours.ts';
import type { RepCalendars } from '../../../functions/core/rep-calendars.ts';
import type { RotationTurn } from '../../../functions/adapters/rep-store.ts';
import type { OpenLeadMove } from '../../../functions/adapters/lead-store.ts';
import type { RoutingRecord, StoredRep } from '../../../functions/core/rep-availability.ts';
import type { AnswerHandoffPorts } from '../../../functions/outcome/answer-handoff.ts';
import type { AssignRepPorts } from '../../../functions/journey/assign-rep.ts';
import type { AwaitAcceptancePorts } from '../../../functions/journey/await-acceptance.ts';
import type { EscalatePorts } from '../../../functions/journey/escalate.ts';
import type { SendHandoffPorts } from '../../../functions/journey/send-handoff.ts';
import type { RemindRepPorts } from '../../../functions/journey/remind-rep.ts';

type Write = 'putCycle' | 'recordEscalation' | 'recordDecision' | 'saveLead' | 'assignOwner';

/**
 * The leads table (profiles, cycles, email records), the events table and
 * the journey's task callbacks in memory, behind the ports of the journey
 * steps and the hand-off links, with the adapters' rules: a cycle is never
 * written over; an escalation is written only while no decision is there,
 * nothing was recycled or moved by a merge and `missed` is the count it
 * follows from; a decision only while the rep owns the cycle and nothing was
 * decided, recycled or moved by a merge,
 * together with its event or not at all; a lead save is refused when its
 * version moved; an email is sent at most once per idempotency key.
 */
export class InMemoryJourney {
  readonly leads = new Map<string, VersionedLead>();
  readonly cycles = new Map<string, Cycle>();
  readonly events = new Map<string, OutcomeEvent>();
  /** emails sent, in order */
  readonly sent: EmailToSend[] = [];
  /** idempotency records: `sending` is an attempt whose outcome was never recorded */
  readonly emailRecords = new Map<string, 'sending' | 'sent'>();
  /** journeys resumed, in order */
  readonly resumed: { taskToken: string; output: unknown }[] = [];
  /** task tokens no longer waiting (timed out, already resumed) */
  readonly goneTasks = new Set<string>();
  /** saved lead updates (the stage changes they carry), in order */
  readonly saves: { leadId: string; changes: readonly StageChange[] }[] = [];
  /** how many times each write was attempted */
  readonly writes: Record<Write, number> = { putCycle: 0, recordEscalation: 0, recordDecision: 0, saveLead: 0, assignOwner: 0 };
  /** report counts written with the steps (an escalation's: the deadline its owner missed) */
  readonly reportCounts: ReportCount[] = [];
  /** reads of each lead and cycle, by key */
  readonly reads: string[] = [];
  /** reps' items (open leads, time away), as the rep store keeps them */
  readonly reps = new Map<string, StoredRep>();
  /** each team's round robin */
  readonly rotations = new Map<string, RotationTurn>();
  /** queued leads, by team, lead and cycle */
  readonly queue = new Map<string, { teamId: string; leadId: string; cycle: number; queuedAt: string; routing: RoutingRecord }>();

  private readonly before = new Map<Write, (() => void)[]>();

  private readonly clock: Date;
  readonly signingKey: string;

  constructor(clock: Date, signingKey = 'test-link-signing-key') {
    this.clock = clock;
    this.signingKey = signingKey;
  }

  /** Runs `change` just before the next `write` (another writer getting there first). */
  beforeNext(write: Write, change: () => void): void {
    this.before.set(write, [...(this.before.get(write) ?? []), change]);
  }

  putLead(lead: Lead, version = 4): void {
    this.leads.set(lead.leadId, { lead: structuredClone(lead), version });
  }

  lead(leadId: string): VersionedLead | undefined {
    return this.leads.get(leadId);
  }

  setCycle(cycle: Cycle): void {
    this.cycles.set(this.key(cycle.leadId, cycle.cycle), structuredClone(cycle));
  }

  cycle(leadId: string, cycle: number): Cycle | undefined {
    return this.cycles.get(this.key(leadId, cycle));
  }

  /** the reps' calendars (the clocks' and routing's): round the clock unless a test says otherwise, so windows here are plain hours and everyone is at work */
  calendars: RepCalendars = () => ({ timeZone: 'UTC', week: Object.fromEntries(weekdays.map((day) => [day, [{ from: '00:00', to: '24:00' }]])), holidays: [], away: [] });


  /** A rep's open-lead count as stored (0 for a rep never written). */
  open(repId: string): number {
    return this.reps.get(repId)?.open ?? 0;
  }

  private addOpen(repId: string, delta: number): void {
    const rep = this.reps.get(repId) ?? { open: 0, away: [] };
    this.reps.set(repId, { ...rep, open: rep.open + delta });
  }

  get ports(): AssignRepPorts & AwaitAcceptancePorts & SendHandoffPorts & EscalatePorts & AnswerHandoffPorts & RemindRepPorts {
    return {
      teams,
      routing,
      leadTraits: async (leadId) => structuredClone(this.leads.get(leadId)?.lead.traits),
      leadSummary: async (leadId) => {
        const found = this.leads.get(leadId)?.lead;
        return found && { ...(typeof found.traits.name === 'string' && { name: found.traits.name }), ...(found.email !== undefined && { email: found.email }) };
      },
      storedReps: async (repIds) => Object.fromEntries(repIds.flatMap((id) => (this.reps.has(id) ? [[id, structuredClone(this.reps.get(id)!)]] : []))),
      rotationOf: async (teamId) => structuredClone(this.rotations.get(teamId) ?? { teamId, credits: {}, version: 0 }),
      assignCycle: async (cycle, turn, queued) => {
        this.write('putCycle');
        if (this.cycle(cycle.leadId, cycle.cycle)) return 'cycle-exists';
        if ((this.rotations.get(turn.teamId)?.version ?? 0) !== turn.version) return 'rotation-moved';
        if (queued && !this.queue.has(`${queued.teamId}#${cycle.leadId}#${cycle.cycle}`)) return 'queue-gone';
        this.setCycle({ ...cycle, openFor: cycle.owner.repId });
        this.addOpen(cycle.owner.repId, 1);
        this.rotations.set(turn.teamId, { ...structuredClone(turn), version: turn.version + 1 });
        return 'assigned';
      },
      enqueue: async (entry) => {
        const key = `${entry.teamId}#${entry.leadId}#${entry.cycle}`;
        if (!this.queue.has(key)) this.queue.set(key, structuredClone(entry));
        return this.queue.get(key)!.queuedAt;
      },
      dequeue: async (teamId, leadId, cycle) => {
        this.queue.delete(`${teamId}#${leadId}#${cycle}`);
      },
      serviceAgreement,
      calendars: this.calendars,
      model: scoringModel,
      apiUrl: 'https://api.example.test/',
      now: () => new Date(this.clock),
      linkSigningKey: async () => this.signingKey,
      getLead: async (leadId) => {
        this.reads.push(`lead ${leadId}`);
        return structuredClone(this.leads.get(leadId));
      },
      getCycle: async (leadId, cycle) => {
        this.reads.push(`cycle ${leadId} ${cycle}`);
        return structuredClone(this.cycle(leadId, cycle));
      },
      assignOwner: async (leadId, cycle, owner) => {
        this.write('assignOwner');
        const current = this.leads.get(leadId);
        if (!current || current.lead.cycle !== cycle) return;
        current.lead.owner = structuredClone(owner);
        current.version += 1;
      },
      recordTaskToken: async (leadId, cycle, taskToken) => {
        const current = this.cycle(leadId, cycle);
        if (!current) throw new Error('ConditionalCheckFailedException: the cycle does not exist');
        current.taskToken = taskToken;
        return structuredClone(current);
      },
      resumeJourney: async (taskToken, output) => {
        if (this.goneTasks.has(taskToken)) return false;
        this.resumed.push({ taskToken, output });
        return true;
      },
      recordEscalation: async (leadId, cycle, missed, change, reports = [], open: OpenLeadMove = {}) => {
        this.write('recordEscalation');
        const current = this.cycle(leadId, cycle);
        if (!current) throw new Error(`cycle ${cycle} of lead ${leadId} does not exist`);
        if (current.outcome || current.recycled || current.mergedInto || current.missed !== missed - 1) return structuredClone(current);
        if (open.release !== undefined && current.openFor !== open.release) return structuredClone(current);
        if (open.rotation && (this.rotations.get(open.rotation.teamId)?.version ?? 0) !== open.rotation.version) return structuredClone(current);
        this.applyEscalation(current, missed, change);
        // the open-lead counts and the round robin move with the step, as in one transaction
        if (open.release !== undefined) {
          this.addOpen(open.release, -1);
          delete current.openFor;
        }
        if (open.take !== undefined) {
          this.addOpen(open.take, 1);
          current.openFor = open.take;
        }
        if (open.rotation) this.rotations.set(open.rotation.teamId, { ...structuredClone(open.rotation), version: open.rotation.version + 1 });
        if (open.routing) current.routing = structuredClone(open.routing);
        // the report counts go with the step, as in one transaction
        this.reportCounts.push(...structuredClone(reports));
        return undefined;
      },
      saveLead: async (update: LeadUpdate) => {
        this.write('saveLead');
        const { lead, version } = update;
        if ((this.leads.get(lead.leadId)?.version ?? 0) !== version) throw new ConcurrentUpdateError(`lead ${lead.leadId}`);
        this.leads.set(lead.leadId, { lead: structuredClone(lead), version: version + 1 });
        this.saves.push({ leadId: lead.leadId, changes: update.changes });
        return version + 1;
      },
      sendEmailOnce: async (email: EmailToSend): Promise<SendResult> => {
        const record = this.emailRecords.get(email.idempotencyKey);
        if (record === 'sent') return { sent: false, reason: 'already-sent' };
        if (record === 'sending') throw new EmailOutcomeUnknownError(email.idempotencyKey);
        this.emailRecords.set(email.idempotencyKey, 'sent');
        this.sent.push(structuredClone(email));
        return { sent: true, messageId: `message-${this.sent.length}` };
      },
      recordDecision: async (event: DecisionEvent): Promise<DecisionWrite> => {
        this.write('recordDecision');
        const { outcome } = event;
        const current = this.cycle(event.leadId, outcome.cycle);
        const open = current && current.owner.repId === outcome.repId && !current.outcome && !current.recycled && !current.mergedInto;
        if (!open || this.events.has(event.messageId)) return { recorded: false, cycle: structuredClone(current) };
        current.outcome = structuredClone(outcome);
        // a rejection ends the rep's open lead, with the decision
        if (outcome.kind === 'rejected' && current.openFor === outcome.repId) {
          this.addOpen(outcome.repId, -1);
          delete current.openFor;
        }
        this.events.set(event.messageId, structuredClone(event));
        return { recorded: true };
      },
    };
  }

  private key(leadId: string, cycle: number): string {
    return `${leadId}#${cycle}`;
  }

  private write(write: Write): void {
    this.writes[write] += 1;
    const [change, ...rest] = this.before.get(write) ?? [];
    this.before.set(write, rest);
    change?.();
  }

  /** What the adapter's conditional update sets, field by field. */
  private applyEscalation(cycle: Cycle, missed: number, change: CycleEscalation): void {
    cycle.missed = missed;
    if (change.step === 'recycle') {
      cycle.recycled = structuredClone(change.handover);
      return;
    }
    cycle.acceptBy = change.acceptBy;
    cycle.acceptWithinSeconds = change.acceptWithinSeconds;
    cycle.remindAt = change.remindAt;
    cycle.remindWithinSeconds = change.remindWithinSeconds;
    if (change.step === 'reassign') {
      cycle.owner = structuredClone(change.owner) as Owner;
      cycle.previousReps = [...change.previousReps];
      cycle.reassignments = [...(cycle.reassignments ?? []), structuredClone(change.handover)];
    }
  }
}
