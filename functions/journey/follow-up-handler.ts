import { createActivityStore } from '#adapters/activity-store.ts';
import { createEventStore } from '#adapters/event-store.ts';
import { createFollowUpStore } from '#adapters/follow-up-store.ts';
import { createKeys } from '#adapters/keys.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createMailer } from '#adapters/mailer.ts';
import { dynamodb, ses } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { logger } from '#commons/logger.ts';
import { journeyStep } from '#commons/step.ts';
import { repCalendars, serviceAgreement, teams } from '#config/index.ts';
import { contactedUrl, feedbackUrl, linkExpiry } from '#core/links.ts';
import { followUp, type FollowUpPorts, type FollowUpState } from './follow-up.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, eventsTable, apiUrl, senderAddress, sesConfigurationSet } = readSettings(['leadsTable', 'eventsTable', 'apiUrl', 'senderAddress', 'sesConfigurationSet']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { getLead, getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { earliestActivities } = createActivityStore({ client: dynamodb, leadsTable, eventsTable, sales: serviceAgreement.sales, calendars: repCalendars, onConsumed });
const { markFollowUpSent, feedbackGiven } = createFollowUpStore({ client: dynamodb, leadsTable, onConsumed });
const { putEventOnce } = createEventStore({ client: dynamodb, eventsTable, onConsumed });
const { getLinkSigningKey } = createKeys({ client: dynamodb, leadsTable, onConsumed });
const { sendEmailOnce } = createMailer({ client: dynamodb, ses, leadsTable, senderAddress, sesConfigurationSet, onConsumed });
const ports: FollowUpPorts = {
  teams,
  serviceAgreement,
  calendars: repCalendars,
  now: () => new Date(),
  getLead: (leadId) => getLead(leadId),
  getCycle,
  earliestActivities,
  feedbackGiven,
  markFollowUpSent,
  sendEmailOnce,
  putEventOnce,
  links: async ({ leadId, cycle, repId, contacted, occasion }) => {
    const key = await getLinkSigningKey();
    const expiresAt = linkExpiry(new Date());
    const target = { leadId, cycle, repId };
    return {
      ...(contacted && { contactedUrl: contactedUrl(apiUrl, target, key, expiresAt) }),
      ...(occasion && { feedbackUrl: feedbackUrl(apiUrl, { ...target, occasion }, key, expiresAt) }),
      expiresAt: expiresAt.toISOString(),
    };
  },
  warn: (message, details) => logger.warn(message, details),
};

export const handler = journeyStep((state: FollowUpState) => followUp(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
