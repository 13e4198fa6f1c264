import type { CampaignsConfig } from '#core/campaigns.ts';
import type { DigestConfig } from '#core/digest-config.ts';
import {
  campaignsStarting,
  feedbackOf,
  lastDayOf,
  lastWeekBefore,
  obstaclesOf,
  renderDigest,
  successesOf,
  weekBefore,
  weekFlowOf,
  type DigestInput,
  type DigestWeek,
  type FeedbackComment,
  type RenderedDigest,
  type StalledLead,
} from '#core/digest.ts';
import type { EmailToSend, SendResult } from '#core/emails.ts';
import type { FeedbackConfig } from '#core/feedback.ts';
import { dashboardLinkUrl, dashboardToken, linkExpiry } from '#core/links.ts';
import type { FeedbackComment as ReportComment } from '#core/reports/feedback.ts';
import type { Scorecard } from '#core/reports/scorecard.ts';
import type { StalledReport } from '#core/reports/stalled.ts';
import { findRep, type TeamsConfig } from '#core/teams.ts';
import { funnelOfPeriod, type FunnelPorts } from '../reports/funnel.ts';

export interface WeeklyDigestPorts {
  digest: DigestConfig;
  campaigns: CampaignsConfig;
  feedback: FeedbackConfig;
  /** the funnel report's ports: the digest's numbers are the report API's */
  funnel: FunnelPorts;
  /**
   * The service-agreement scorecard of a week, with the week before, and the first contacts and
   * acceptance deadlines missed in it (serviceAgreementOfPeriod's `all`). @default - the section says it is not available
   */
  scorecardOfWeek?: (week: DigestWeek) => Promise<(Scorecard & { contacts?: { missed: number; missedAcceptances: number } }) | undefined>;
  /** the leads stalled now, longest first, at most DIGEST_TOP (digestStalled of the stalled report). @default - not shown */
  stalledLeads?: () => Promise<{ leads: StalledLead[]; more: boolean }>;
  /** the latest feedback comments of a week. @default - not shown */
  latestComments?: (week: DigestWeek) => Promise<FeedbackComment[]>;
  /** the dashboard's public URL (config/digest.json's, else the API's + /dashboard) */
  dashboardUrl: string;
  /** the secret links are signed with */
  linkSigningKey: () => Promise<string>;
  now: () => Date;
  /** sends an email at most once per idempotency key */
  sendEmailOnce: (email: EmailToSend) => Promise<SendResult>;
}

/** The stalled report as the digest lists it: who (name, else email, else id), the company, the stage since when, the owner's name. */
export function digestStalled(report: Pick<StalledReport, 'leads' | 'more'>, teams: TeamsConfig): { leads: StalledLead[]; more: boolean } {
  return {
    more: report.more,
    leads: report.leads.map((lead) => {
      const owner = lead.owner ? (findRep(teams, lead.owner.repId)?.rep.name ?? lead.owner.repId) : undefined;
      return { lead: lead.name ?? lead.email ?? lead.leadId, ...(lead.company !== null && { company: lead.company }), stage: lead.stage, since: lead.since, ...(owner !== undefined && { owner }) };
    }),
  };
}

/** The feedback report's latest comments as the digest quotes them: the rep's name, the rating, the words. */
export function digestComments(comments: readonly ReportComment[], teams: TeamsConfig): FeedbackComment[] {
  return comments.map((c) => ({ at: c.at, rep: findRep(teams, c.repId)?.rep.name ?? c.repId, rating: c.rating, comment: c.comment }));
}

/** One week's digest, gathered through the report use cases: the numbers are what the report API answers for the same days. */
export async function gatherDigest(week: DigestWeek, ports: Omit<WeeklyDigestPorts, 'sendEmailOnce'>): Promise<DigestInput> {
  const previousWeek = weekBefore(week);
  const period = (w: DigestWeek) => ({ from: w.from, to: lastDayOf(w) });
  const [all, previous, byCampaign, scorecard, stalled, comments, key] = await Promise.all([
    funnelOfPeriod({ ...period(week), by: 'all' }, ports.funnel),
    funnelOfPeriod({ ...period(previousWeek), by: 'all' }, ports.funnel),
    funnelOfPeriod({ ...period(week), by: 'campaign' }, ports.funnel),
    ports.scorecardOfWeek?.(week),
    ports.stalledLeads?.(),
    ports.latestComments?.(week),
    ports.linkSigningKey(),
  ]);
  const whole = all.segments[0];
  const expiresAt = linkExpiry(ports.now(), ports.digest.dashboardLinkDays);
  return {
    week,
    previousWeek,
    flow: { week: weekFlowOf(whole), previous: weekFlowOf(previous.segments[0]) },
    ...(scorecard !== undefined && { scorecard: withoutContacts(scorecard) }),
    successes: successesOf(whole, byCampaign.segments),
    obstacles: {
      ...obstaclesOf(whole, ports.feedback),
      ...(stalled !== undefined && { stalled }),
      ...(scorecard?.contacts !== undefined && { missedFirstContacts: scorecard.contacts.missed, missedAcceptances: scorecard.contacts.missedAcceptances }),
    },
    feedback: { ...feedbackOf(whole), ...(comments !== undefined && { latestComments: comments }) },
    // from the Monday it is sent: what starts this week and the next few
    upcomingCampaigns: campaignsStarting(ports.campaigns, week.to, ports.digest.upcomingCampaignWeeks),
    dashboard: { url: dashboardLinkUrl(ports.dashboardUrl, dashboardToken(expiresAt, key)), expiresAt },
  };
}

function withoutContacts({ contacts: _contacts, ...card }: Scorecard & { contacts?: unknown }): Scorecard {
  return card;
}

export interface DigestRequest {
  /** when the schedule fired (its scheduled time, not when the function ran): the week before it is digested */
  scheduledAt: Date;
  /** digest this week instead (the CLI's --week) */
  week?: DigestWeek;
  /** send again even when this week's was sent (a new idempotency key per forced send) */
  force?: boolean;
}

export type DigestOutcome = { week: DigestWeek; rendered: RenderedDigest; input: DigestInput } & ({ sent: true; messageId: string } | { sent: false; reason: 'already-sent' });

/** The digest of the week a request names, rendered, without sending it (the CLI's --print). */
export async function prepareDigest(request: Omit<DigestRequest, 'force'>, ports: Omit<WeeklyDigestPorts, 'sendEmailOnce'>): Promise<{ week: DigestWeek; input: DigestInput; rendered: RenderedDigest }> {
  const week = request.week ?? lastWeekBefore(request.scheduledAt, ports.digest.timeZone);
  const input = await gatherDigest(week, ports);
  return { week, input, rendered: renderDigest(input) };
}

/** The idempotency key of a week's digest: one email per week, whoever fires it and however often. */
export const digestKey = (week: Pick<DigestWeek, 'from'>): string => `digest#${week.from}`;

/**
 * The weekly digest for the last whole week before the schedule's time,
 * rendered and sent to the leadership list, once per week: the send is
 * claimed under `digest#<Monday>` before SES is called (the mailer's record),
 * so a retried or twice-fired schedule finds it claimed and sends nothing.
 */
export async function sendWeeklyDigest(request: DigestRequest, ports: WeeklyDigestPorts): Promise<DigestOutcome> {
  const { week, input, rendered } = await prepareDigest(request, ports);
  const idempotencyKey = request.force ? `${digestKey(week)}#forced#${ports.now().toISOString()}` : digestKey(week);
  const result = await ports.sendEmailOnce({ ...rendered, to: ports.digest.recipients, idempotencyKey });
  return { week, rendered, input, ...result };
}
