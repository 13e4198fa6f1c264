import { afterAll, beforeAll, describe } from 'vitest';
import { startTestTables, type TestTables } from '../support/tables.ts';
import { activityStoreContract } from './adapters/activity-store.contract.ts';
import { crmOutcomeStoreContract } from './adapters/crm-outcome-store.contract.ts';
import { reportStoreContract } from './adapters/report-store.contract.ts';
import { decisionsContract } from './adapters/decisions.contract.ts';
import { eventStoreContract } from './adapters/event-store.contract.ts';
import { feedbackStoreContract } from './adapters/feedback-store.contract.ts';
import { keysContract } from './adapters/keys.contract.ts';
import { leadHistoryContract } from './adapters/lead-history.contract.ts';
import { leadStoreContract } from './adapters/lead-store.contract.ts';
import { stalledLeadsContract } from './adapters/stalled-leads.contract.ts';
import { repStoreContract } from './adapters/rep-store.contract.ts';
import { openCyclesContract } from './adapters/open-cycles.contract.ts';

/**
 * The adapters' contract tests, against the stack's tables: DynamoDB Local
 * started once from the synthesized template, or, given
 * LEADLOOP_TEST_LEADS_TABLE and LEADLOOP_TEST_EVENTS_TABLE, those tables on
 * AWS (every test writes under ids of its own).
 */
let tables: TestTables | undefined;
const getTables = () => {
  if (!tables) throw new Error('the tables did not start');
  return tables;
};

beforeAll(async () => {
  tables = await startTestTables();
});

afterAll(async () => {
  await tables?.stop();
});

describe('lead store', () => leadStoreContract(getTables));
describe('lead history', () => leadHistoryContract(getTables));
describe('event store', () => eventStoreContract(getTables));
describe('keys', () => keysContract(getTables));
describe('decisions (racing the escalation ladder on a cycle)', () => decisionsContract(getTables));
describe('activity store', () => activityStoreContract(getTables));
describe('CRM outcome store', () => crmOutcomeStoreContract(getTables));
describe('feedback store', () => feedbackStoreContract(getTables));
describe('report store', () => reportStoreContract(getTables));
describe('stalled leads (the sparse index the lead store keeps)', () => stalledLeadsContract(getTables));
describe('rep store (open leads, round robins, queues)', () => repStoreContract(getTables));
describe('open cycles (what the journey reconciler reads and claims)', () => openCyclesContract(getTables));
