import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { digest } from '#config/digest.ts';
import { digestReadPorts } from './ports.ts';
import { sendWeeklyDigest, type WeeklyDigestPorts } from './weekly-digest.ts';

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
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress: digest.from ?? senderAddress, sesConfigurationSet, onConsumed });
const now = () => new Date();
const ports: WeeklyDigestPorts = {
  ...digestReadPorts({ client: dynamodb, leadsTable, dashboardUrl: digest.dashboardUrl ?? `${apiUrl.replace(/\/+$/, '')}/dashboard`, onConsumed, now }),
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
