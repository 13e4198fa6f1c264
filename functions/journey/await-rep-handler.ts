import { createLeadStore } from '#adapters/lead-store.ts';
import { createRepStore } from '#adapters/rep-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { awaitRep, type AwaitRepInput, type AwaitRepPorts } from './await-rep.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { getCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { recordQueueToken } = createRepStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const { resumeJourney } = createTaskCallbacks({ sfn });
const ports: AwaitRepPorts = { recordQueueToken, getCycle, resumeJourney };

export const handler = journeyStep((input: AwaitRepInput) => awaitRep(input, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
