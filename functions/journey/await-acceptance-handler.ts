import { createLeadStore } from '#adapters/lead-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { awaitAcceptance, type AwaitAcceptancePorts, type AwaitInput } from './await-acceptance.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { recordTaskToken } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { resumeJourney } = createTaskCallbacks({ sfn });
const ports: AwaitAcceptancePorts = { recordTaskToken, resumeJourney };

export const handler = journeyStep((input: AwaitInput) => awaitAcceptance(input, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
