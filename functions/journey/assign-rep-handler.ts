import { createLeadStore } from '#adapters/lead-store.ts';
import { dynamodb } from '#commons/clients.ts';
import { createMetrics, createUnitMeter, publishMetrics } from '#commons/metrics.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { repCalendars, serviceAgreement, teams } from '#config/index.ts';
import type { JourneyState } from '#core/journey.ts';
import { assignRep, type AssignRepPorts } from './assign-rep.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const metrics = createMetrics();
const meter = createUnitMeter();
const { assignOwner, getCycle, putCycle } = createLeadStore({ client: dynamodb, leadsTable, onConsumed: meter.onConsumed });
const ports: AssignRepPorts = { teams, serviceAgreement, calendars: repCalendars, now: () => new Date(), getCycle, putCycle, assignOwner };

export const handler = journeyStep((state: JourneyState) => assignRep(state, ports));

// Metrics (units consumed, …) are published as one EMF line at the end of each invocation.
handler.use(publishMetrics(metrics, meter));
