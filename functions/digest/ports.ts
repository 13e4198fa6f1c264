import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OnConsumed } from '#adapters/capacity.ts';
import { createCommentReader } from '#adapters/feedback-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createReportStore } from '#adapters/report-store.ts';
import { createStalledLeads } from '#adapters/stalled-leads.ts';
import { digest } from '#config/digest.ts';
import { campaigns, feedback, repCalendars, serviceAgreement, teams } from '#config/index.ts';
import { DIGEST_TOP, lastDayOf } from '#core/digest.ts';
import { stallLimits } from '#core/reports/stalled.ts';
import { feedbackOfPeriod } from '../reports/feedback.ts';
import { serviceAgreementOfPeriod } from '../reports/service-agreement.ts';
import { stalledLeads } from '../reports/stalled.ts';
import { digestComments, digestStalled, type WeeklyDigestPorts } from './weekly-digest.ts';

/** Where the digest reads: the table, and the dashboard its link opens. */
export interface DigestReadSettings {
  client: DynamoDBDocumentClient;
  leadsTable: string;
  dashboardUrl: string;
  onConsumed?: OnConsumed;
  now?: () => Date;
}

/**
 * The digest's ports but the mailer, wired to the report store: its numbers
 * are the report API's for the same week (the scheduled function and
 * `leadloop digest` both read through this).
 */
export function digestReadPorts({ client, leadsTable, dashboardUrl, onConsumed, now = () => new Date() }: DigestReadSettings): Omit<WeeklyDigestPorts, 'sendEmailOnce'> {
  const store = { client, leadsTable, ...(onConsumed && { onConsumed }) };
  const { getFunnelCounters } = createLeadStore(store);
  const { sliceCounts, sliceCountsOfPeriods } = createReportStore(store);
  const { getLinkSigningKey } = createKeys(store);
  const stalled = createStalledLeads(store);
  const { latestComments } = createCommentReader(store);
  return {
    digest,
    campaigns,
    feedback,
    // the digest slices by campaign only, never by a trait
    funnel: { getFunnelCounters, sliceCounts, now, campaigns, traitNames: [] },
    // the scorecard of the week as GET /v1/reports/service-agreement?period=week&from=<Monday> answers it
    scorecardOfWeek: async (week) => (await serviceAgreementOfPeriod({ period: 'week', from: week.from }, { sliceCountsOfPeriods, now, serviceAgreement, teams })).all,
    // the leads stalled now and the week's latest comments, as GET /v1/reports/stalled and /v1/reports/feedback answer
    stalledLeads: async () => digestStalled(await stalledLeads({ limit: DIGEST_TOP }, { stallLimits: stallLimits(serviceAgreement), stalledLeads: stalled.stalledLeads, calendars: repCalendars, now }), teams),
    latestComments: async (week) =>
      digestComments((await feedbackOfPeriod({ from: week.from, to: lastDayOf(week), by: 'all', limit: DIGEST_TOP }, { sliceCounts, now, feedbackConfig: feedback, latestComments })).comments, teams),
    dashboardUrl,
    linkSigningKey: getLinkSigningKey,
    now,
  };
}
