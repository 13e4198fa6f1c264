/**
 * One small error hierarchy. `expose` marks what may be shown to a client:
 * by default a message below 500 is (the client's mistake, said so), a 5xx's
 * is not (our failure, its detail is logged). Anything not exposed answers a
 * generic message so internals never leak.
 */

export interface FieldIssue {
  path: string;
  message: string;
}

export interface HttpErrorOptions extends ErrorOptions {
  /** Whether the message (and issues) may be shown to the client. @default statusCode < 500 (the middy rule) */
  expose?: boolean;
}

export class HttpError extends Error {
  readonly expose: boolean;
  readonly statusCode: number;
  readonly issues: readonly FieldIssue[] | undefined;
  constructor(statusCode: number, message: string, issues?: readonly FieldIssue[], options: HttpErrorOptions = {}) {
    const { expose, ...errorOptions } = options;
    super(message, errorOptions);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.issues = issues;
    this.expose = expose ?? statusCode < 500;
  }
}

/**
 * A 400 naming each field. An issue with the whole value (an empty path: a
 * body that is `null`, a string, an array) names `body`: a request's query
 * and path parameters are always objects, so only a body can be wrong whole.
 */
export class ValidationError extends HttpError {
  constructor(issues: readonly FieldIssue[], message = 'the request is not valid') {
    super(400, message, issues.map((issue) => (issue.path === '' ? { ...issue, path: 'body' } : issue)));
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'a valid key is required') {
    super(401, message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string, issues?: readonly FieldIssue[]) {
    super(404, message, issues);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number, path = 'body') {
    super(413, `the request is larger than ${limitBytes} bytes`, [{ path, message: `must be at most ${limitBytes} bytes` }]);
    this.name = 'PayloadTooLargeError';
  }
}

/** An email whose send was started before but whose outcome is unknown: it is not sent again. */
export class EmailOutcomeUnknownError extends Error {
  readonly idempotencyKey: string;
  constructor(idempotencyKey: string) {
    super(`an earlier attempt to send ${idempotencyKey} did not record its outcome; not sending it twice`);
    this.name = 'EmailOutcomeUnknownError';
    this.idempotencyKey = idempotencyKey;
  }
}

/**
 * A SendEmail that got no answer from SES (the connection dropped, the request timed out): it may have been
 * sent, so it is not sent again, neither by the SDK's retries nor by the caller's.
 */
export class EmailUnansweredError extends Error {
  /** what the HTTP client saw; not `cause`, which the SDK's retry would follow to a retryable network error */
  readonly original: unknown;
  constructor(original?: unknown) {
    super(`SES did not answer the send (${original instanceof Error ? original.message : String(original)}): it may have been sent`);
    this.name = 'EmailUnansweredError';
    this.original = original;
  }
}

/** A concurrent writer changed the item first; the caller re-reads and tries again. */
export class ConcurrentUpdateError extends Error {
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} was changed concurrently`, options);
    this.name = 'ConcurrentUpdateError';
  }
}

/** A genuine signed link followed after its expiry: the page says it is out of date. */
export class LinkExpiredError extends HttpError {
  /** `advice` says where a fresh link is. */
  constructor(expiredAt: Date, advice = 'The latest email about this lead has a fresh one') {
    super(410, `this link is out of date: it worked until ${expiredAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. ${advice}`);
    this.name = 'LinkExpiredError';
  }
}
