import { storableIssues } from '#core/storable.ts';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describeIssues } from '#core/config-errors.ts';
import * as z from '#core/zod.ts';
import { HttpError, PayloadTooLargeError, ValidationError, type FieldIssue } from './errors.ts';
import { logger } from './logger.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function html(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

function errorPage(message: string, issues: readonly FieldIssue[] = []): string {
  const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const text = escape(message);
  // A person sees which field to fix, as a program does in the JSON.
  const list = issues.length > 0 ? `<ul>${issues.map((i) => `<li><strong>${escape(i.path)}</strong>: ${escape(i.message)}</li>`).join('')}</ul>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>LeadLoop</title></head><body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>Sorry</h1><p>${text.charAt(0).toUpperCase()}${text.slice(1)}.</p>${list}</body></html>`;
}

/**
 * Maps errors to responses in one place: an exposed HttpError (by default
 * any below 500) as it is; anything else is logged and answers a generic
 * message, with the status of a 5xx HttpError (a 503 stays a 503) or a bare 500.
 */
function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      // People clicking links from emails get a page; programs get JSON.
      const wantsHtml = (header(request.event, 'accept') ?? '').includes('text/html');
      if (error instanceof HttpError && error.expose) {
        request.response = wantsHtml
          ? html(error.statusCode, errorPage(error.message, error.issues))
          : json(error.statusCode, { error: error.message, ...(error.issues && { issues: error.issues }) });
        return;
      }
      const statusCode = error instanceof HttpError && error.statusCode >= 500 ? error.statusCode : 500;
      logger.error('unhandled error', { error, statusCode });
      request.response = wantsHtml ? html(statusCode, errorPage('Something went wrong on our side.')) : json(statusCode, { error: 'internal error' });
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
  return bodyBytes(event).toString('utf8');
}

/** The body's bytes as the client sent them (API Gateway hands binary bodies over base64-encoded). */
export function bodyBytes(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export const SUPPORTED_CONTENT_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'identity'] as const;

/** A zlib stream (RFC 1950, what HTTP calls deflate) rather than a raw deflate stream, which some clients send instead. */
function isZlibStream(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0;
}

/**
 * Undoes one content coding with a byte budget: decompression stops as soon
 * as the output would pass `limitBytes`, so a small compressed request cannot
 * expand into a large one.
 */
function decode(coding: string, bytes: Buffer, limitBytes: number): Buffer {
  // One byte over the limit is enough to know the body is too large.
  const options = { maxOutputLength: limitBytes + 1 };
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(bytes, options);
      case 'deflate':
        return isZlibStream(bytes) ? inflateSync(bytes, options) : inflateRawSync(bytes, options);
      case 'br':
        return brotliDecompressSync(bytes, options);
      default:
        return bytes;
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(limitBytes);
    throw new ValidationError([{ path: 'body', message: `not valid ${coding} data (${(error as Error).message})` }]);
  }
}

/**
 * The body with its `Content-Encoding` undone (gzip, deflate, br; several
 * apply in the order listed), refused with 413 once the decoded body passes
 * `limitBytes` and with 415 for a coding we do not know.
 */
export function decodedBody(event: HttpEvent, limitBytes: number): Buffer {
  const codings = (header(event, 'content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const unknown = codings.find((coding) => !(SUPPORTED_CONTENT_ENCODINGS as readonly string[]).includes(coding));
  if (unknown !== undefined) {
    throw new HttpError(415, `the Content-Encoding "${unknown}" is not supported`, [
      { path: 'headers.content-encoding', message: `must be one of ${SUPPORTED_CONTENT_ENCODINGS.join(', ')}` },
    ]);
  }
  let bytes = bodyBytes(event);
  for (const coding of codings.reverse()) bytes = decode(coding, bytes, limitBytes);
  if (bytes.length > limitBytes) throw new PayloadTooLargeError(limitBytes);
  return bytes;
}

/** The JSON body, decompressed if it came compressed, refused with 413 past `limitBytes` (decoded) and 400 when it is not JSON. */
export function parseJsonBody(event: HttpEvent, limitBytes: number): unknown {
  const body = decodedBody(event, limitBytes).toString('utf8');
  if (body.trim() === '') throw new ValidationError([{ path: 'body', message: 'a JSON body is required' }]);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ValidationError([{ path: 'body', message: `not valid JSON (${(error as Error).message})` }]);
  }
}

/**
 * The JSON body as parseJsonBody reads it, refused with a 400 naming each
 * value DynamoDB could not store (a lone surrogate, a number it cannot keep
 * exactly or at all, nesting past its limit): checked before any use case
 * sees it, so nothing half-stored follows.
 */
export function parseStorableJsonBody(event: HttpEvent, limitBytes: number): unknown {
  const body = parseJsonBody(event, limitBytes);
  const issues = storableIssues(body);
  if (issues.length > 0) throw new ValidationError(issues);
  return body;
}

/** Validates at the edge; the error names every offending field. */
export function validate<S extends z.core.$ZodType>(schema: S, value: unknown, pathPrefix = ''): z.infer<S> {
  const result = z.safeParse(schema, value);
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
