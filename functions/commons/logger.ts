import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per function, built once per cold start. */
export const logger = new Logger({ serviceName: 'leadloop' });
