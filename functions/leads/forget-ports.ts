import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OnConsumed } from '#adapters/capacity.ts';
import { createErasureStore } from '#adapters/erasure-store.ts';
import { createJourneyRunner } from '#adapters/journey-runner.ts';
import { createLeadStore } from '#adapters/lead-store.ts';
import { createNurtureRunner } from '#adapters/nurture-runner.ts';
import type { ErasureContext } from '#core/erasure.ts';
import type { ErasedProfile, ForgetPorts } from './forget-lead.ts';

/** Where an erasure reads, deletes and stops: the clients and the names of the stack's resources. */
export interface ForgetSettings {
  client: DynamoDBDocumentClient;
  sfn: SFNClient;
  leadsTable: string;
  eventsTable: string;
  journeyStateMachineArn: string;
  /** without it, a nurture program of the person is not stopped (its next step finds no lead and ends) */
  nurtureStateMachineArn?: string;
  context: ErasureContext;
  onConsumed?: OnConsumed;
}

/** The erasure's ports, wired to DynamoDB and Step Functions (the DELETE handler's and the CLI's wiring). */
export function forgetPorts({ client, sfn, leadsTable, eventsTable, journeyStateMachineArn, nurtureStateMachineArn, context, onConsumed }: ForgetSettings): ForgetPorts {
  const metered = onConsumed && { onConsumed };
  const store = createErasureStore({ client, leadsTable, eventsTable, ...metered });
  const { stopJourneys } = createJourneyRunner({ sfn, journeyStateMachineArn });
  const nurture = nurtureStateMachineArn ? createNurtureRunner({ sfn, nurtureStateMachineArn, client, leadsTable, ...metered }) : undefined;
  return {
    context,
    leadIdOf: createLeadStore({ client, leadsTable, ...metered }).leadIdOf,
    getProfile: async (leadId) => (await store.getProfile(leadId)) as ErasedProfile | undefined,
    leadItems: store.leadItems,
    deleteItems: store.deleteItems,
    deleteEvents: store.deleteEvents,
    putTombstones: store.putTombstones,
    erasedAmong: store.erasedAmong,
    stopPrograms: async (leadId, lastCycle) => {
      await stopJourneys(leadId, lastCycle, 'the person was erased');
      await nurture?.stopNurture(leadId, 'erased');
    },
    now: () => new Date(),
  };
}
