import { SFNClient } from '@aws-sdk/client-sfn';
import { createDocumentClient } from '../../functions/commons/clients.ts';
import type { ScoringModel } from '../../functions/core/scoring.ts';
import { liveRescorePorts, rescoreAdapters } from '../../functions/rescore/ports.ts';
import { rescoreAll } from '../../functions/rescore/rescore-leads.ts';
import { localCredentials, type LocalDynamoDb } from '../../local/dynamodb.ts';
import { LOCAL_REGION, stateMachineArn } from '../../local/template.ts';
import { fmt } from '../lib/harness.ts';
import { benchTemplate, startTablesWithoutStreams, tableBehind } from '../lib/tables.ts';
import { log, root } from './settings.ts';

export interface BenchTables {
  dynamodb: LocalDynamoDb;
  leadsTable: string;
  eventsTable: string;
  journeyId: string;
}

/** DynamoDB Local alone with the synthesized tables. */
export async function startTables(): Promise<BenchTables> {
  // The tables come from the synthesized template: refresh it when the sources changed, else use it as it is.
  const template = benchTemplate(root, log);

  const leadsTable = tableBehind(template, 'leadsTable');
  const eventsTable = tableBehind(template, 'eventsTable');
  const journeyId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')?.[0] ?? 'Journey';

  const dbStart = performance.now();
  // The events table's stream is left off: nothing consumes it here, the rescore never writes an event, and
  // recording 100,000 stream records would roughly double DynamoDB Local's cost of seeding the events.
  const dynamodb: LocalDynamoDb = await startTablesWithoutStreams(template);
  log(`DynamoDB Local up in ${fmt((performance.now() - dbStart) / 1000, 1)} s at ${dynamodb.endpoint}: ${leadsTable}, ${eventsTable}`);
  return { dynamodb, leadsTable, eventsTable, journeyId };
}

export type RescorePorts = import('../../functions/rescore/rescore-leads.ts').RescorePorts;
export type Adapters = ReturnType<typeof loadAdapters>;

/** The one place the bench wires the product's adapters: built from explicit settings, to the tables of `startTables`. */
export function loadAdapters({ dynamodb, leadsTable, eventsTable, journeyId }: BenchTables) {
  const client = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials: localCredentials });
  // No Step Functions here: the bench's model changes qualify no new lead, so no journey is started.
  const sfn = new SFNClient({ region: LOCAL_REGION, credentials: localCredentials });
  const adapters = rescoreAdapters({ client, sfn, leadsTable, eventsTable, journeyStateMachineArn: stateMachineArn(journeyId) });
  return {
    liveRescorePorts: (model: ScoringModel) => liveRescorePorts(model, adapters),
    rescoreAll,
    history: adapters.history,
    store: adapters.leads,
  };
}
