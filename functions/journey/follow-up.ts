import { SalesStepName, salesClocks } from '#core/activities.ts';
import type { Cycle } from '#core/cycle.ts';
import type { EmailToSend, SendResult } from '#core/emails.ts';
import type { FeedbackOccasion } from '#core/feedback.ts';
import { planFollowUp, RETURN_TO_SALES, workedStages, type FollowUpStep } from '#core/follow-up.ts';
import { occasionOf, renderFollowUpEmail } from '#core/follow-up-emails.ts';
import type { JourneyState } from '#core/journey.ts';
import type { Stage } from '#core/lifecycle.ts';
import { returnToSalesMessageId } from '#core/outcomes.ts';
import type { ActivityRecord, OutcomeEvent, VersionedLead } from '#core/records.ts';
import { calendarOrDefault, teamTimeZone, type RepCalendars } from '#core/rep-calendars.ts';
import type { ReportCount } from '#core/report-counts.ts';
import { missedContactCounts } from '#core/reports/scorecard-counts.ts';
import type { ServiceAgreement } from '#core/service-agreement.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';

/** The links a follow-up email carries for the rep, signed; absent when they do not apply. */
export interface FollowUpLinks {
  contactedUrl?: string;
  feedbackUrl?: string;
  expiresAt?: string;
}

export interface FollowUpPorts {
  teams: TeamsConfig;
  serviceAgreement: ServiceAgreement;
  /** each rep's working calendar: the follow-up clocks count the deciding rep's working time */
  calendars: RepCalendars;
  now: () => Date;
  getLead: (leadId: string) => Promise<VersionedLead | undefined>;
  getCycle: (leadId: string, cycle: number) => Promise<Cycle | undefined>;
  /** the cycle's earliest activities, oldest first, at most `limit` */
  earliestActivities: (leadId: string, cycle: number, limit: number) => Promise<ActivityRecord[]>;
  /** when feedback was given on the cycle, per occasion */
  feedbackGiven: (leadId: string, cycle: number) => Promise<Partial<Record<FeedbackOccasion, string>>>;
  /** keeps a step taken on the cycle (adding it twice changes nothing) */
  /** keeps the step on the cycle, with its report counts (added once: a step kept before adds nothing) */
  markFollowUpSent: (leadId: string, cycle: number, step: FollowUpStep, reports?: readonly ReportCount[]) => Promise<void>;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
  /** stores an event once (by messageId) for the stream path to apply */
  putEventOnce: (event: OutcomeEvent) => Promise<boolean>;
  /** the rep's signed links for this lead: "I contacted them" while it is worked, feedback for an occasion */
  links: (input: { leadId: string; cycle: number; repId: string; contacted: boolean; occasion?: FeedbackOccasion }) => Promise<FollowUpLinks>;
  /** logs a warning (a rep config/ no longer knows): the step goes on */
  warn: (message: string, details: Record<string, unknown>) => void;
}

/** What the journey's follow-up step answers: whether it is over, and how long to wait before looking again. */
export interface FollowUpResult {
  done: boolean;
  /** the wait's timeout, in seconds (at least 1) */
  waitSeconds: number;
  /** the lead's stage as this step saw it: a wake for another stage means the stream has not saved it yet */
  stage: Stage;
}

/** A lead waited on to close is looked at again at least this often (the stream path wakes the journey sooner). */
export const LONGEST_FOLLOW_UP_WAIT_SECONDS = 30 * 86_400;
/** A wake for a stage the lead is not yet saved in is looked at again this soon. */
export const UNSAVED_WAKE_RETRY_SECONDS = 60;

/** The journey's state in the follow-up: the cycle, and the stage a wake from the stream path announced. */
export type FollowUpState = Pick<JourneyState, 'leadId' | 'cycle'> & { resumed?: { wake?: Stage } };

/**
 * One look at a decided cycle: take the follow-up steps due (reminders,
 * manager notices, the closed-lead feedback ask, the return to sales), each
 * once, and say when to look again. Each step's effect is idempotent (an
 * email once per key, an event once per id) and is kept on the cycle after
 * it, so a retried step repeats nothing.
 */
export async function followUp(state: FollowUpState, ports: FollowUpPorts): Promise<FollowUpResult> {
  const { leadId, cycle } = state;
  const now = ports.now();
  const found = await ports.getLead(leadId);
  if (!found) throw new Error(`lead ${leadId} does not exist`);
  const { lead } = found;
  const wakeStage = state.resumed?.wake;
  if (wakeStage !== undefined && wakeStage !== lead.stage && lead.cycle === cycle) {
    // Woken for a stage the lead is not saved in yet: look again shortly.
    return { done: false, waitSeconds: UNSAVED_WAKE_RETRY_SECONDS, stage: lead.stage };
  }
  const record = await ports.getCycle(leadId, cycle);
  const decision = record?.outcome;
  if (!record || !decision) return { done: true, waitSeconds: 1, stage: lead.stage };

  const sales = ports.serviceAgreement.sales;
  const [activities, feedbackAt] = await Promise.all([
    ports.earliestActivities(leadId, cycle, sales.followUp.activities),
    ports.feedbackGiven(leadId, cycle),
  ]);
  const sent = [...(record.followUpSent ?? [])];
  // The clocks are the deciding rep's: the owner who accepted (a reassignment before it restarted the acceptance clock in their hours), or who rejected.
  const repId = decision.kind === 'accepted' ? record.owner.repId : decision.repId;
  const assignment = findRep(ports.teams, repId);
  // A rep removed from config/teams.json while their leads are followed up: the clocks go on, on the default
  // calendar in the team's zone (else UTC); what is addressed to the rep cannot be sent, the manager is still told.
  const team = assignment?.team ?? ports.teams.teams.find((t) => t.id === record.owner.teamId);
  const { calendar, known } = calendarOrDefault(ports.calendars, repId, (team && teamTimeZone(team)) ?? 'UTC');
  if (!assignment || !known) {
    ports.warn('rep not in config/teams.json: follow-up clocks on the default calendar', { leadId, cycle, repId, teamId: team?.id ?? null, timeZone: calendar.timeZone });
  }
  const plan = planFollowUp({ lead, cycle, decision, activities, feedbackAt, sent, sales, calendar, now });
  const clocks = salesClocks({ acceptedAt: decision.at, activities, sales, calendar, now });

  for (const step of plan.due) {
    if (step === RETURN_TO_SALES) {
      const returning = { kind: 'return-to-sales' as const, cycle, repId: decision.repId, at: now.toISOString() };
      await ports.putEventOnce({ messageId: returnToSalesMessageId(leadId, cycle), kind: 'outcome', leadId, outcome: returning, receivedAt: now.toISOString() });
    } else if (!assignment && (!team || !step.endsWith('notify-manager'))) {
      ports.warn('follow-up email not sent: nobody to send it to', { leadId, cycle, repId, step });
    } else {
      const worked = lead.cycle === cycle && (workedStages as readonly Stage[]).includes(lead.stage);
      const occasion = occasionOf(step);
      const links = await ports.links({ leadId, cycle, repId, contacted: worked, ...(occasion && { occasion }) });
      const email = renderFollowUpEmail({
        step,
        lead,
        // a removed rep is named by id to their manager
        rep: assignment?.rep ?? { name: repId, email: team!.manager.email, timeZone: calendar.timeZone },
        manager: team!.manager,
        sales,
        acceptedAt: decision.at,
        firstContact: clocks.firstContact,
        followUp: clocks.followUp,
        closedAsk: plan.closedAsk,
        contactedUrl: links.contactedUrl,
        feedbackUrl: links.feedbackUrl,
        linksExpireAt: links.expiresAt,
        now,
      });
      await ports.sendEmailOnce({ ...email, idempotencyKey: `${leadId}#${cycle}#follow-up#${step}` });
    }
    // a missed first contact is counted for the scorecard with the step's mark, on the deadline's day: once
    const missed = step === SalesStepName.firstContactRemindRep ? missedContactCounts(record.owner, clocks.firstContact.dueAt) : [];
    await ports.markFollowUpSent(leadId, cycle, step, missed);
  }

  if (plan.done) return { done: true, waitSeconds: 1, stage: lead.stage };
  const untilWake = plan.wakeAt === undefined ? LONGEST_FOLLOW_UP_WAIT_SECONDS : Math.ceil((Date.parse(plan.wakeAt) - now.getTime()) / 1000);
  return { done: false, waitSeconds: Math.max(1, Math.min(untilWake, LONGEST_FOLLOW_UP_WAIT_SECONDS)), stage: lead.stage };
}

