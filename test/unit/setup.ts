import { expect } from 'vitest';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';
import { settingsEnvironment } from '../../functions/commons/settings.ts';

// The environment a handler's wiring reads at its cold start, as its construct sets it; the
// tests that import a whole handler get it here. Made-up names, never real resources.
// Adapters and use cases are built from explicit settings and never read it.
Object.assign(
  process.env,
  settingsEnvironment({
    eventsTable: 'events-table',
    leadsTable: 'leads-table',
    journeyStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:journey',
    nurtureStateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:nurture',
    apiUrl: 'https://api.example.test/',
    senderAddress: 'LeadLoop <leadloop@example.com>',
    sesConfigurationSet: 'leadloop-config-set',
  }),
  { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_LOG_LEVEL: 'SILENT' },
);

expect.extend(allCustomMatcher);
