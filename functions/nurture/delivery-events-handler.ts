import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SNSEvent } from 'aws-lambda';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createNurtureRunner } from '#adapters/nurture-runner.ts';
import { createNurtureStore } from '#adapters/nurture-store.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { logger } from '#commons/logger.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { applyDeliveryEvent, type DeliveryEventPorts } from './delivery-events.ts';

/**
 * SES bounce and complaint events, from the configuration set's event
 * destination (an SNS topic): the addresses are suppressed and their leads
 * leave nurture. A message that is not JSON is logged and dropped (SNS would
 * only deliver it again); a failure to store throws, and SNS retries.
 */
export function deliveryEventsHandler(ports: DeliveryEventPorts) {
  return middy<SNSEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      for (const record of event.Records) {
        let message: unknown;
        try {
          message = JSON.parse(record.Sns.Message);
        } catch {
          logger.warn('SES event that is not JSON dropped', { messageId: record.Sns.MessageId });
          continue;
        }
        const suppressed = await applyDeliveryEvent(message, ports);
        if (suppressed.length > 0) logger.info('addresses suppressed', { count: suppressed.length, reasons: suppressed.map((s) => s.reason) });
      }
    });
}

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable, nurtureStateMachineArn } = readSettings(['leadsTable', 'nurtureStateMachineArn']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { onConsumed } = meter;
const { suppress } = createNurtureStore({ client: dynamodb, leadsTable, onConsumed });
const { leadIdOf } = createLeadStore({ client: dynamodb, leadsTable, onConsumed });
const { stopNurture } = createNurtureRunner({ sfn, nurtureStateMachineArn, client: dynamodb, leadsTable, onConsumed });

export const handler = deliveryEventsHandler({ suppress, leadIdOf, stopNurture });

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
