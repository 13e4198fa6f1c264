import { recordTaskToken } from '#adapters/lead-store.ts';
import { resumeJourney } from '#adapters/task-callbacks.ts';
import { journeyStep } from '#commons/step.ts';
import { awaitAcceptance, type AwaitAcceptancePorts, type AwaitInput } from './await-acceptance.ts';

// wiring
const ports: AwaitAcceptancePorts = { recordTaskToken, resumeJourney };

export const handler = journeyStep((input: AwaitInput) => awaitAcceptance(input, ports));
