import { expect } from 'vitest';
import { allCustomMatcher } from 'aws-sdk-client-mock-vitest';

// Handlers read these once at import; tests use made-up names, never real resources.
process.env.EVENTS_TABLE = 'events-table';
process.env.LEADS_TABLE = 'leads-table';
process.env.JOURNEY_STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:journey';
process.env.API_URL = 'https://api.example.test/';
process.env.SENDER_ADDRESS = 'LeadLoop <leadloop@example.com>';
process.env.SES_CONFIGURATION_SET = 'leadloop-config-set';
process.env.AWS_REGION = 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

expect.extend(allCustomMatcher);
