import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { expect } from 'vitest';

/** What a test says about a request; everything else gets a plausible API Gateway (payload v2) value. */
export interface HttpEventInput {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}

export function httpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const method = input.method ?? 'POST';
  const query = input.queryStringParameters;
  return {
    version: '2.0',
    routeKey: `${method} ${input.path}`,
    rawPath: input.path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { host: 'api.example.test', ...input.headers },
    ...(query && { queryStringParameters: query }),
    ...(input.pathParameters && { pathParameters: input.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: input.path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${method} ${input.path}`,
      stage: '$default',
      time: '01/Mar/2026:12:00:00 +0000',
      timeEpoch: Date.parse('2026-03-01T12:00:00Z'),
    },
    ...(input.body !== undefined && { body: input.body }),
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}

export function lambdaContext(functionName = 'leadloop-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/03/01/[$LATEST]test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** `Authorization: Basic …` with the key as the user, the way Segment libraries send a write key. */
export function basicAuth(user: string, password = ''): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** A key no other test has used, so the per-container key cache never answers for another test. */
export function freshKey(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Where a key is stored: only its SHA-256 is kept. */
export { keyItemKey } from '../../../functions/core/keys.ts';

export function jsonBody(result: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  expect(result.headers?.['content-type']).toBe('application/json');
  return JSON.parse(result.body ?? '') as Record<string, unknown>;
}

/** The field paths a 4xx response names. */
export function issuePaths(result: APIGatewayProxyStructuredResultV2): string[] {
  const body = jsonBody(result) as { issues?: { path: string }[] };
  return (body.issues ?? []).map((issue) => issue.path);
}
