import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { EmailUnansweredError } from './errors.ts';
import { SETTINGS } from './settings.ts';

/**
 * Every AWS call gives up after a while and is retried by the SDK: without a request timeout a call that
 * hangs holds the function until Lambda's own timeout. On AWS 1 s to connect and 3 s for the answer; the
 * local runtime sets one longer time for both (its stand-ins share one busy machine: two hundred requests
 * at once wait more than a second for DynamoDB Local to accept their connections) through
 * LEADLOOP_AWS_REQUEST_TIMEOUT_MS. See decisions: Faults.
 */
export function requestTimeouts(value: string | undefined = process.env[SETTINGS.awsRequestTimeoutMs]) {
  if (value === undefined || value === '') return { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true };
  const requestTimeout = Number(value);
  if (!Number.isInteger(requestTimeout) || requestTimeout <= 0) {
    throw new Error(`${SETTINGS.awsRequestTimeoutMs} must be a whole number of milliseconds above 0, got "${value}"`);
  }
  return { connectionTimeout: requestTimeout, requestTimeout, throwOnRequestTimeout: true };
}

/** A failure before the request reached the service (no connection was made): nothing can have been sent. */
function neverConnected(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || (error.name === 'TimeoutError' && /did not establish a connection/.test(error.message));
}

const REQUEST_TIMEOUTS = /* @__PURE__ */ requestTimeouts();

/**
 * SendEmail has no idempotency token: a send that got no answer may have gone out, so the SDK must not send
 * it again. Such a failure (no HTTP answer at all) leaves as an EmailUnansweredError, which the SDK does not
 * retry; SES's own answers (a throttle, a 5xx: nothing sent) and a request that never connected are still
 * retried. Runs inside the retry step.
 */
export function withoutBlindResends(client: SESv2Client): SESv2Client {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        // an answer from SES leaves the deserializer with $response; a dropped connection or a timeout has none,
        // unless the request never left (no connection): that one the SDK may send again
        if (error instanceof Error && !('$response' in error) && !neverConnected(error)) throw new EmailUnansweredError(error);
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'withoutBlindResends' },
  );
  return client;
}

/**
 * The document client every DynamoDB adapter takes: `undefined` attributes
 * are left out of what is written. With no config, endpoints, region and
 * credentials come from the SDK's standard settings (AWS_ENDPOINT_URL_DYNAMODB,
 * …), so the same code talks to AWS or to the local stand-ins.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}, capture: (client: DynamoDBClient) => DynamoDBClient = (client) => client): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(capture(new DynamoDBClient(config)), { marshallOptions: { removeUndefinedValues: true } });
}

/** Traces the functions' SDK calls as X-Ray subsegments (the functions run with active tracing); does nothing outside Lambda. */
const tracer = /* @__PURE__ */ new Tracer();

/**
 * SDK clients, built once per cold start, for a handler's wiring to hand to
 * the adapters it builds, each captured by the tracer. Adapters never import
 * these. Marked pure, so a bundle keeps only the clients its function uses,
 * and the tracer only with them (see decisions: Bundling).
 */
export const dynamodb = /* @__PURE__ */ createDocumentClient({ requestHandler: REQUEST_TIMEOUTS }, (client) => tracer.captureAWSv3Client(client));
// esbuild drops an unused pure call but keeps its arguments unless they are pure too: hence both marks.
export const sfn = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SFNClient({ requestHandler: REQUEST_TIMEOUTS }));
export const ses = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ withoutBlindResends(/* @__PURE__ */ new SESv2Client({ requestHandler: REQUEST_TIMEOUTS })));
