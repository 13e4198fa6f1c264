import { createLeadStore } from '#adapters/lead-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { awaitFollowUp, type AwaitFollowUpInput, type AwaitFollowUpPorts } from './await-follow-up.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { recordTaskToken, getLead } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { resumeJourney } = createTaskCallbacks({ sfn });
const ports: AwaitFollowUpPorts = { recordTaskToken, getLead: (leadId) => getLead(leadId), resumeJourney };

export const handler = journeyStep((input: AwaitFollowUpInput) => awaitFollowUp(input, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
