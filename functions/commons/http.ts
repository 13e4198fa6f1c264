import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { describeIssues } from '#core/config-errors.ts';
import { HttpError, PayloadTooLargeError, ValidationError } from './errors.ts';
import { logger } from './logger.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function html(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

function errorPage(message: string): string {
  const text = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>LeadLoop</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>Sorry</h1><p>${text.charAt(0).toUpperCase()}${text.slice(1)}.</p></body></html>`;
}

/** Maps errors to responses in one place: HttpErrors as they are, anything else as a bare 500. */
function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      // People clicking links from emails get a page; programs get JSON.
      const wantsHtml = (header(request.event, 'accept') ?? '').includes('text/html');
      if (error instanceof HttpError && error.expose) {
        request.response = wantsHtml
          ? html(error.statusCode, errorPage(error.message))
          : json(error.statusCode, { error: error.message, ...(error.issues && { issues: error.issues }) });
        return;
      }
      logger.error('unhandled error', { error });
      request.response = wantsHtml ? html(500, errorPage('Something went wrong on our side.')) : json(500, { error: 'internal error' });
    },
  };
}

/** The one middleware chain every HTTP handler shares. */
export function httpHandler(handler: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors())
    .handler(handler);
}

export function rawBody(event: HttpEvent): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The JSON body, refused with 413 past `limitBytes` and 400 when it is not JSON. */
export function parseJsonBody(event: HttpEvent, limitBytes: number): unknown {
  const body = rawBody(event);
  if (Buffer.byteLength(body, 'utf8') > limitBytes) throw new PayloadTooLargeError(limitBytes);
  if (body.trim() === '') throw new ValidationError([{ path: 'body', message: 'a JSON body is required' }]);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ValidationError([{ path: 'body', message: `not valid JSON (${(error as Error).message})` }]);
  }
}

/** Validates at the edge; the error names every offending field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, pathPrefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    describeIssues(result.error).map((issue) => ({
      path: pathPrefix ? (issue.path ? `${pathPrefix}.${issue.path}`.replace('.[', '[') : pathPrefix) : issue.path,
      message: issue.message,
    })),
  );
}

export function header(event: HttpEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === lower) return value;
  return undefined;
}
