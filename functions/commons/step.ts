import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';

/** The middleware chain every journey step shares. Errors propagate by name to the state machine's Retry/Catch. */
export function journeyStep<I, O>(step: (input: I, context: Context) => Promise<O>) {
  return middy<I, O>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(step);
}
