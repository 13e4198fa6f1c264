import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { createReportStore } from '#adapters/report-store.ts';
import { createStalledLeads } from '#adapters/stalled-leads.ts';
import { createCommentReader } from '#adapters/feedback-store.ts';
import { stallLimits } from '#core/reports/stalled.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { digest } from '#config/digest.ts';
import { campaigns, feedback, serviceAgreement, teams } from '#config/index.ts';
import { DIGEST_TOP, lastDayOf } from '#core/digest.ts';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { feedbackOfPeriod } from '../reports/feedback.ts';
import { serviceAgreementOfPeriod } from '../reports/service-agreement.ts';
import { stalledLeads } from '../reports/stalled.ts';
import { digestComments, digestStalled, sendWeeklyDigest, type WeeklyDigestPorts } from './weekly-digest.ts';

/**
 * The weekly digest, fired by EventBridge Scheduler (lib/constructs/digest.ts)
 * with its scheduled time as `{ "scheduledTime": "<ISO>" }`: the week before
 * that time is digested and mailed to config/digest.json's recipients, once
 * per week however often it fires.
 */
export interface DigestEvent {
  /** when the schedule fired (the scheduler's `<aws.scheduler.scheduled-time>`). @default now */
  scheduledTime?: string;
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getFunnelCounters } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { sliceCounts, sliceCountsByDay } = createReportStore({ client: dynamodb, leadsTable, onConsumed });
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const stalled = createStalledLeads({ client: dynamodb, leadsTable, onConsumed });
const { latestComments } = createCommentReader({ client: dynamodb, leadsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress: digest.from ?? senderAddress, sesConfigurationSet, onConsumed });
const now = () => new Date();
const ports: WeeklyDigestPorts = {
  digest,
  campaigns,
  feedback,
  // the digest slices by campaign only, never by a trait
  funnel: { getFunnelCounters, sliceCounts, now, campaigns, traitNames: [] },
  // the scorecard of the week as GET /v1/reports/service-agreement?period=week&from=<Monday> answers it
  scorecardOfWeek: async (week) => (await serviceAgreementOfPeriod({ period: 'week', from: week.from }, { sliceCountsByDay, now, serviceAgreement, teams })).all,
  // the leads stalled now and the week's latest comments, as GET /v1/reports/stalled and /v1/reports/feedback answer
  stalledLeads: async () => digestStalled(await stalledLeads({ limit: DIGEST_TOP }, { stallLimits: stallLimits(serviceAgreement), stalledLeads: stalled.stalledLeads, now }), teams),
  latestComments: async (week) => digestComments((await feedbackOfPeriod({ from: week.from, to: lastDayOf(week), by: 'all', limit: DIGEST_TOP }, { sliceCounts, now, feedbackConfig: feedback, latestComments })).comments, teams),
  dashboardUrl: digest.dashboardUrl ?? `${apiUrl.replace(/\/+$/, '')}/dashboard`,
  linkSigningKey: getLinkSigningKey,
  now,
  sendEmailOnce,
};

export const handler = middy(async (event: DigestEvent) => {
  const scheduledAt = event.scheduledTime !== undefined ? new Date(event.scheduledTime) : now();
  if (Number.isNaN(scheduledAt.getTime())) throw new Error(`scheduledTime must be an ISO instant, received ${JSON.stringify(event.scheduledTime)}`);
  const outcome = await sendWeeklyDigest({ scheduledAt }, ports);
  logger.info('weekly digest', { week: outcome.week.from, sent: outcome.sent, ...(outcome.sent ? { messageId: outcome.messageId } : { reason: outcome.reason }) });
  return { week: outcome.week.from, sent: outcome.sent, subject: outcome.rendered.subject };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, meter));
