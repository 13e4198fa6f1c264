import { salesDeadlines } from '../activities.ts';
import { workingMsBetween, type WorkCalendar } from '../business-hours.ts';
import { ratings } from '../feedback.ts';
import type { ActivityRecord } from '../records.ts';
import { ownerReportCounts, type ReportCount } from '../report-counts.ts';
import type { SalesCommitment } from '../service-agreement.ts';
import { bucketOf, type Histogram } from './histogram.ts';
import type { ScorecardSums } from './scorecard.ts';

/**
 * The counts the service-agreement scorecard reads, beside the funnel's
 * (report-counts.ts), and the scorecard's sums read back from them. Pure.
 *
 * What sales committed to is counted where it happens, each exactly once with
 * the fact that makes it (the store writes both in one transaction):
 * - an acceptance deadline missed (`acceptance.missed`), by the escalation
 *   step that follows it, for the owner who missed it;
 * - an activity on an accepted hand-off: the earliest is the first contact
 *   (`contact.first`, `contact.in-time` when by the first-contact deadline,
 *   and `contact.time.<bucket>` the time it took, in the owner's working
 *   time: the hours the agreement counts); each within the follow-up window
 *   counts `followUp.activity`, and the one that reaches the committed number
 *   counts `followUp.met`. Deadlines are the sales clocks' own
 *   (activities.ts salesDeadlines, on the owner's calendar);
 * - a first contact missed (`contact.missed`), by the journey's reminder.
 * Acceptances in time (`accepted.in-time`, `accept.<bucket>`) are counted with
 * the decision itself (report-counts.ts).
 */

/** What an activity is counted against: the cycle's acceptance, its owner's team, and what the activities counted before made of it. */
export interface ActivityCountFacts {
  /** when the rep accepted the hand-off; undefined while it is not accepted (nothing is counted then) */
  acceptedAt: string | undefined;
  /** the cycle's owner, whose side of the agreement the activity counts for (whoever logged it) */
  owner: { teamId?: string; repId: string };
  /** the earliest activity counted on the cycle, if any: the first contact as counted so far */
  firstContactAt?: string;
  /** activities counted within the follow-up window so far */
  inWindow: number;
}

/** An activity's counts, and the cycle's facts once it is counted (kept on the cycle for the next activity). */
export interface ActivityCounting {
  reports: ReportCount[];
  next: { firstContactAt: string; inWindow: number };
}

/** The counts of a first contact at `at`, for a hand-off accepted at `accepted` (n = -1 takes them back). */
function firstContactCounts(at: number, accepted: number, dueMs: number, calendar: WorkCalendar, n: 1 | -1): Record<string, number> {
  const took = workingMsBetween(new Date(accepted), new Date(at), calendar);
  return { 'contact.first': n, [`contact.time.${bucketOf(took)}`]: n, ...(at <= dueMs && { 'contact.in-time': n }) };
}

/**
 * The scorecard counts of one activity, for all, the owner's team and the owner, and
 * the cycle's facts after it; undefined while the hand-off is not accepted
 * (sales' clocks start at acceptance; see activities.ts salesClocks). Times
 * and deadlines are counted on the owner's calendar.
 * Whatever the order activities arrive in, the counts end as their times say:
 * the earliest is the first contact (one that arrives earlier than the one
 * counted takes that one's counts back, on its day, and adds its own), and
 * the activity that brings those within the window to the committed number
 * counts the follow-up as met.
 */
export function activityReportCounts(
  activity: Pick<ActivityRecord, 'at'>,
  facts: ActivityCountFacts,
  sales: Pick<SalesCommitment, 'firstContactWithinHours' | 'followUp'>,
  calendar: WorkCalendar,
): ActivityCounting | undefined {
  if (facts.acceptedAt === undefined) return undefined;
  const accepted = Date.parse(facts.acceptedAt);
  const deadlines = salesDeadlines(facts.acceptedAt, sales, calendar);
  const dueMs = deadlines.firstContactDue.getTime();
  const at = Date.parse(activity.at);
  const reports: ReportCount[] = [];
  const counts: Record<string, number> = {};
  const earlier = facts.firstContactAt === undefined || at < Date.parse(facts.firstContactAt);
  if (earlier) {
    if (facts.firstContactAt !== undefined) {
      reports.push(...ownerReportCounts(facts.firstContactAt, facts.owner.teamId, facts.owner.repId, firstContactCounts(Date.parse(facts.firstContactAt), accepted, dueMs, calendar, -1)));
    }
    Object.assign(counts, firstContactCounts(at, accepted, dueMs, calendar, 1));
  }
  let inWindow = facts.inWindow;
  if (at <= deadlines.followUpEnds.getTime()) {
    inWindow += 1;
    counts['followUp.activity'] = 1;
    if (inWindow === sales.followUp.activities) counts['followUp.met'] = 1;
  }
  if (Object.keys(counts).length > 0) reports.push(...ownerReportCounts(activity.at, facts.owner.teamId, facts.owner.repId, counts));
  return { reports: mergeByItem(reports), next: { firstContactAt: earlier ? new Date(at).toISOString() : facts.firstContactAt!, inWindow } };
}

/** Counts of the same day and slice in one: a transaction may name an item once. */
function mergeByItem(reports: readonly ReportCount[]): ReportCount[] {
  const byKey = new Map<string, ReportCount>();
  for (const report of reports) {
    const key = `${report.family ?? ''}|${report.day}|${report.slice}`;
    const found = byKey.get(key);
    if (!found) {
      byKey.set(key, { ...report, counts: { ...report.counts } });
      continue;
    }
    for (const [name, n] of Object.entries(report.counts)) found.counts[name] = (found.counts[name] ?? 0) + n;
  }
  // a count taken back and added on the same item is no change
  for (const report of byKey.values()) for (const [name, n] of Object.entries(report.counts)) if (n === 0) delete report.counts[name];
  return [...byKey.values()].filter((report) => Object.keys(report.counts).length > 0);
}

/** An owner's acceptance deadline passed without a decision: counted for that owner on the day it passed. */
export function missedAcceptanceCounts(owner: { teamId?: string; repId: string }, at: string): ReportCount[] {
  return ownerReportCounts(at, owner.teamId, owner.repId, { 'acceptance.missed': 1 });
}

/** An accepted hand-off's first-contact deadline passed without contact: counted for the owner on the day the reminder went. */
export function missedContactCounts(owner: { teamId?: string; repId: string }, at: string): ReportCount[] {
  return ownerReportCounts(at, owner.teamId, owner.repId, { 'contact.missed': 1 });
}

/** The histogram kept under counters `<prefix><bucket>`. */
function histogramOf(counts: Readonly<Record<string, number>>, prefix: string): Histogram {
  const histogram: Histogram = {};
  for (const [name, n] of Object.entries(counts)) {
    const bucket = name.slice(prefix.length);
    if (name.startsWith(prefix) && bucket !== '' && /^(under|over|\d+)$/.test(bucket)) histogram[bucket] = n;
  }
  return histogram;
}

/**
 * A period's scorecard sums from one slice's counts summed over its days:
 * - `mqls`: leads handed to sales (reached mql);
 * - `acceptance.due`: acceptance windows that ended in the period, an
 *   acceptance in time or a missed deadline (a rejection is neither: the rep
 *   acted, and the acceptance rate shows it); `withinAgreement` the former;
 * - `followUp.leads`: hand-offs accepted in the period (their follow-up
 *   window starts), `activities` and `met` as the activities counted them;
 * - `feedback.handed`: hand-offs decided (accepted or rejected) in the period,
 *   `withFeedback` the first feedback on a hand-off, the ratings given.
 */
export function scorecardSumsOf(counts: Readonly<Record<string, number>>, from: string, to: string): ScorecardSums {
  const n = (name: string) => counts[name] ?? 0;
  const accepted = n('decided.accepted');
  const rejected = n('decided.rejected');
  return {
    from,
    to,
    mqls: n('reached.mql'),
    decisions: { accepted, rejected, notAccepted: n('decided.not-accepted') },
    acceptance: { due: n('accepted.in-time') + n('acceptance.missed'), withinAgreement: n('accepted.in-time') },
    timeToAccept: histogramOf(counts, 'accept.'),
    timeToFirstContact: histogramOf(counts, 'contact.time.'),
    followUp: { leads: accepted, activities: n('followUp.activity'), met: n('followUp.met') },
    feedback: {
      handed: accepted + rejected,
      withFeedback: n('feedback.covered'),
      ratings: Object.fromEntries(ratings.map((r) => [r, n(`rating.${r}`)])),
    },
  };
}

/** What else the scorecard's counts tell, beside the sums: first contacts made, in time, and missed. */
export function contactCountsOf(counts: Readonly<Record<string, number>>): { made: number; inTime: number; missed: number; missedAcceptances: number } {
  const n = (name: string) => counts[name] ?? 0;
  return { made: n('contact.first'), inTime: n('contact.in-time'), missed: n('contact.missed'), missedAcceptances: n('acceptance.missed') };
}
