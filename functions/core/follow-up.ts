import { salesClocks, salesDeadlines, salesSteps, type SalesStep } from './activities.ts';
import type { WorkCalendar } from './business-hours.ts';
import { feedbackClock, feedbackSteps as feedbackStepIds, type FeedbackOccasion, type FeedbackStep } from './feedback.ts';
import type { Lead } from './lead.ts';
import type { Stage } from './lifecycle.ts';
import type { Outcome } from './outcomes.ts';
import type { SalesCommitment } from './service-agreement.ts';

/**
 * What the journey does after the rep decided, until there is nothing left
 * to chase: the sales clocks of an accepted lead (first contact, follow-up),
 * the feedback asked at the decision and again when the lead closes or goes
 * quiet (each with one reminder to the rep, then one to the manager), and
 * the day a lead the rep said to recontact later goes back to sales. Pure:
 * the journey's follow-up step reads the facts, takes the steps due (each
 * once: the steps taken are kept on the cycle) and waits until `wakeAt`.
 * Every clock counts the working time of the rep who decided (the cycle's
 * owner when it was accepted): hours as working hours, days as working days.
 */

/** Stages an accepted lead is worked in: sales is on it, nothing is decided yet. */
export const workedStages = ['sal', 'sql', 'opportunity'] as const satisfies readonly Stage[];
/** How a worked lead leaves sales: the CRM reports it won, lost, disqualified or sent back to marketing. */
const closingStages: readonly Stage[] = ['won', 'lost', 'disqualified', 'recycled'];

/** The feedback steps of one occasion: the occasion is part of the id, so each is taken once per occasion. */
export type OccasionFeedbackStep = `${FeedbackOccasion}:${FeedbackStep}`;

/** Ask for feedback on a lead that closed or went quiet. */
export const ASK_CLOSED_FEEDBACK = 'ask-closed-feedback';
/** The recontact date a rep gave has come: the lead goes back to sales. */
export const RETURN_TO_SALES = 'return-to-sales';

export type FollowUpStep = SalesStep | OccasionFeedbackStep | typeof ASK_CLOSED_FEEDBACK | typeof RETURN_TO_SALES;

export interface FollowUpFacts {
  lead: Pick<Lead, 'cycle' | 'stage' | 'stageHistory'>;
  /** the cycle the journey follows up */
  cycle: number;
  /** the decision recorded on the cycle */
  decision: Outcome;
  /** the cycle's activities, earliest first (as many as the agreement's follow-up asks for are enough) */
  activities: readonly { at: string }[];
  /** when feedback was given on this cycle, per occasion */
  feedbackAt: Partial<Record<FeedbackOccasion, string>>;
  /** the steps taken already */
  sent: readonly string[];
  sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp' | 'notifyManagerAfterHours' | 'feedbackWithinDays'>;
  /** the calendar of the rep who decided: every clock counts its working time */
  calendar: WorkCalendar;
  now: Date;
}

/** Why feedback on a closed cycle is asked: it closed (the stage it closed in), or it went quiet. */
export type ClosedFeedbackAsk = { at: string; why: 'closed'; stage: Stage } | { at: string; why: 'quiet' };

export interface FollowUpPlan {
  /** steps to take now, in order */
  due: FollowUpStep[];
  /** when to look again; absent when the lead is only waited on to close (woken when it does) or nothing is left */
  wakeAt?: string;
  /** the journey is over once the steps due are taken: nothing else can come */
  done: boolean;
  /** when and why the closed-lead feedback is (or was) asked, once it is */
  closedAsk?: ClosedFeedbackAsk;
}

const occasionStep = (occasion: FeedbackOccasion, step: FeedbackStep): OccasionFeedbackStep => `${occasion}:${step}`;

/**
 * The stage changes of the followed cycle since the decision, in order: up to
 * the lead's next qualification (a later cycle's changes are not this one's).
 */
function changesOfCycle(facts: FollowUpFacts) {
  const since = facts.lead.stageHistory.filter((change) => change.at >= facts.decision.at);
  const nextCycle = since.findIndex((change) => change.to === 'mql');
  return nextCycle === -1 ? since : since.slice(0, nextCycle);
}

/**
 * When the closed-lead feedback is asked: when the lead left sales for good
 * (won, lost, disqualified, or recycled by the CRM), or, for a lead still sal
 * when the follow-up window ends (the CRM never took it further), then: it
 * went quiet. Whichever came first; only for an accepted lead.
 */
function closedFeedbackAsk(facts: FollowUpFacts, followUpEndsAt: string): ClosedFeedbackAsk | undefined {
  if (facts.decision.kind !== 'accepted') return undefined;
  const changes = changesOfCycle(facts);
  const closed = changes.find((change) => closingStages.includes(change.to));
  const leftSal = changes.find((change) => change.from === 'sal');
  const quiet = leftSal === undefined || leftSal.at > followUpEndsAt;
  const asks: ClosedFeedbackAsk[] = [];
  if (closed) asks.push({ at: closed.at, why: 'closed', stage: closed.to });
  if (quiet) asks.push({ at: followUpEndsAt, why: 'quiet' });
  return asks.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

/**
 * The follow-up of one decided cycle: the steps due now and when to look
 * again. Sales clocks run only while the lead is worked in this cycle; the
 * feedback clocks run from the decision and from the closed-lead ask; the
 * journey ends once no step can come and the lead is no longer worked.
 */
export function planFollowUp(facts: FollowUpFacts): FollowUpPlan {
  const { decision, now, sales, sent } = facts;
  const nowMs = now.getTime();
  const thisCycle = facts.lead.cycle === facts.cycle;
  // An accepted lead still mql is accepted on its cycle and not yet saved so by the stream path: it is worked.
  const acceptedNotSaved = facts.lead.stage === 'mql' && decision.kind === 'accepted';
  const worked = thisCycle && ((workedStages as readonly Stage[]).includes(facts.lead.stage) || acceptedNotSaved);
  const due: FollowUpStep[] = [];
  const upcoming: number[] = [];
  const take = (step: FollowUpStep, atMs: number) => {
    if (sent.includes(step)) return;
    if (atMs <= nowMs) due.push(step);
    else upcoming.push(atMs);
  };

  // The sales clocks: only for an accepted lead sales is still working.
  const accepted = decision.kind === 'accepted';
  const followUpEndsAt = salesDeadlines(decision.at, sales, facts.calendar).followUpEnds.toISOString();
  if (accepted && worked) {
    const clocks = salesClocks({ acceptedAt: decision.at, activities: facts.activities, sales, calendar: facts.calendar, now, sent: salesSteps.filter((step) => sent.includes(step)) });
    due.push(...clocks.due);
    if (clocks.next) upcoming.push(Date.parse(clocks.next.at));
  }

  // Feedback on the decision.
  const decisionOccasion: FeedbackOccasion = accepted ? 'accepted' : 'rejected';
  occasionFeedbackSteps(decisionOccasion, decision.at, facts, take);

  // Feedback when the lead closes or goes quiet: asked once, then its own clock.
  const closedAsk = closedFeedbackAsk(facts, followUpEndsAt);
  if (closedAsk) {
    if (facts.feedbackAt.closed === undefined) take(ASK_CLOSED_FEEDBACK, Date.parse(closedAsk.at));
    if (Date.parse(closedAsk.at) <= nowMs || sent.includes(ASK_CLOSED_FEEDBACK)) occasionFeedbackSteps('closed', closedAsk.at, facts, take);
  }

  // A rejected lead the rep asked to recontact later goes back to sales that day, unless it came back already.
  if (decision.kind === 'rejected' && decision.recontactAt !== undefined && thisCycle && facts.lead.stage === 'recycled') {
    take(RETURN_TO_SALES, Date.parse(decision.recontactAt));
  }

  const next = upcoming.length > 0 ? Math.min(...upcoming) : undefined;
  // A worked lead not yet asked about closing waits for the CRM to close it (the stream path wakes the journey).
  const waitingToClose = worked && accepted && !sent.includes(ASK_CLOSED_FEEDBACK) && facts.feedbackAt.closed === undefined;
  return {
    due,
    ...(next !== undefined && { wakeAt: new Date(next).toISOString() }),
    // the steps due are taken before the journey looks at `done`
    done: next === undefined && !waitingToClose,
    ...(closedAsk && Date.parse(closedAsk.at) <= nowMs && { closedAsk }),
  };
}

/** One occasion's feedback clock (feedbackClock), its steps named with the occasion. */
function occasionFeedbackSteps(occasion: FeedbackOccasion, askedAt: string, facts: FollowUpFacts, take: (step: FollowUpStep, atMs: number) => void): void {
  const sent = feedbackStepIds.filter((step) => facts.sent.includes(occasionStep(occasion, step)));
  const clock = feedbackClock({ handedAt: askedAt, feedbackAt: facts.feedbackAt[occasion], sales: facts.sales, calendar: facts.calendar, now: facts.now, sent });
  for (const step of clock.due) take(occasionStep(occasion, step), facts.now.getTime());
  if (clock.next) take(occasionStep(occasion, clock.next.step), Date.parse(clock.next.at));
}

