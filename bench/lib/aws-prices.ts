/**
 * Public AWS on-demand prices for US East (N. Virginia), the one table the
 * cost model of the benches reads. Free tiers are left out (a bill per
 * million events should not depend on what else runs in the account), and
 * so are volume tiers past the first (300 million HTTP API requests a month,
 * 7.5 billion Lambda GB-seconds a month). Change a price here, and only
 * here, when AWS changes it; `checked` says when these were last compared
 * with the pricing pages.
 */

export interface Price {
  service: string;
  /** what one unit is */
  unit: string;
  /** US dollars per unit */
  usd: number;
  /** the price as the pricing page states it */
  stated: string;
  source: string;
}

export const PRICES_CHECKED = '2026-12-01';
export const PRICES_REGION = 'us-east-1';

export const AWS_PRICES = {
  httpApiRequest: {
    service: 'API Gateway, HTTP API',
    unit: 'request',
    usd: 1.0 / 1e6,
    stated: '$1.00 per million requests (first 300 million a month; metered in 512 KB increments)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  lambdaRequest: {
    service: 'Lambda',
    unit: 'request',
    usd: 0.2 / 1e6,
    stated: '$0.20 per million requests',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaGbSecondArm: {
    service: 'Lambda',
    unit: 'GB-second, Arm',
    usd: 0.0000133334,
    stated: '$0.0000133334 per GB-second, Arm (first 7.5 billion GB-s a month); duration rounded up to the millisecond',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaGbSecondX86: {
    service: 'Lambda',
    unit: 'GB-second, x86',
    usd: 0.0000166667,
    stated: '$0.0000166667 per GB-second, x86 (first 6 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  dynamodbWriteUnit: {
    service: 'DynamoDB',
    unit: 'write request unit',
    usd: 0.625 / 1e6,
    stated: '$0.625 per million write request units (on-demand, Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamodbReadUnit: {
    service: 'DynamoDB',
    unit: 'read request unit',
    usd: 0.125 / 1e6,
    stated: '$0.125 per million read request units (on-demand, Standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  streamsReadRequest: {
    service: 'DynamoDB Streams',
    unit: 'GetRecords call',
    usd: 0.02 / 1e5,
    stated: '$0.02 per 100,000 streams read request units (one per GetRecords call); none for GetRecords made by a Lambda event source mapping',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  stepFunctionsTransition: {
    service: 'Step Functions, Standard',
    unit: 'state transition',
    usd: 0.025 / 1000,
    stated: '$0.025 per 1,000 state transitions (each retry is one more)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  sesEmail: {
    service: 'SES',
    unit: 'email (per recipient)',
    usd: 0.1 / 1000,
    stated: '$0.10 per 1,000 outbound emails (each recipient counts)',
    source: 'https://aws.amazon.com/ses/pricing/',
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof AWS_PRICES;

/** Lambda's duration price for a function's architecture, as the template states it (`Architectures`). */
export function lambdaGbSecondPrice(architecture: string): Price {
  return architecture === 'arm64' ? AWS_PRICES.lambdaGbSecondArm : AWS_PRICES.lambdaGbSecondX86;
}
