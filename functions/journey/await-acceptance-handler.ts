import { createLeadStore } from '#adapters/lead-store.ts';
import { createTaskCallbacks } from '#adapters/task-callbacks.ts';
import { dynamodb, sfn } from '#commons/clients.ts';
import { readSettings } from '#commons/settings.ts';
import { journeyStep } from '#commons/step.ts';
import { awaitAcceptance, type AwaitAcceptancePorts, type AwaitInput } from './await-acceptance.ts';

// Wiring, once per cold start: settings → adapters → the use case's ports.
const { leadsTable } = readSettings(['leadsTable']);
const { recordTaskToken } = createLeadStore({ client: dynamodb, leadsTable });
const { resumeJourney } = createTaskCallbacks({ sfn });
const ports: AwaitAcceptancePorts = { recordTaskToken, resumeJourney };

export const handler = journeyStep((input: AwaitInput) => awaitAcceptance(input, ports));
