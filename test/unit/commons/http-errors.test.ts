import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError, NotFoundError, ValidationError } from '../../../functions/commons/errors.ts';
import { httpHandler } from '../../../functions/commons/http.ts';
import { logger } from '../../../functions/commons/logger.ts';
import { httpEvent, jsonBody, lambdaContext } from '../handlers/http-event.ts';

/** A handler that fails with `error`, called as API Gateway would, asking for JSON or (html) a page. */
function failWith(error: unknown, accept = 'application/json') {
  const handler = httpHandler(async () => {
    throw error;
  });
  return handler(httpEvent({ method: 'GET', path: '/v1/anything', headers: { accept } }), lambdaContext('http'));
}

describe('HTTP errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('which messages reach the client', () => {
    it('exposes a message below 500 by default, and hides one of 500 or above', () => {
      expect(new HttpError(499, 'the client closed the request').expose).toBe(true);
      expect(new NotFoundError('no lead with this id').expose).toBe(true);
      expect(new HttpError(500, 'the config table is missing').expose).toBe(false);
      expect(new HttpError(503, 'DynamoDB throttled').expose).toBe(false);
    });

    it('lets an error say otherwise, and keeps its cause', () => {
      const cause = new Error('the cycle write was refused');

      const error = new HttpError(503, 'the lead is being changed right now; please try again', undefined, { expose: true, cause });

      expect(error.expose).toBe(true);
      expect(error.cause).toBe(cause);
      expect(new HttpError(409, 'internal detail', undefined, { expose: false }).expose).toBe(false);
    });
  });

  describe('the response', () => {
    it('answers a 4xx with its message and the fields it names', async () => {
      const result = await failWith(new ValidationError([{ path: 'batch[0].userId', message: 'either userId or anonymousId is required' }]));

      expect(result.statusCode).toBe(400);
      expect(jsonBody(result)).toEqual({
        error: 'the request is not valid',
        issues: [{ path: 'batch[0].userId', message: 'either userId or anonymousId is required' }],
      });
    });

    it('names the body when the whole body is wrong (a null, a string), not an empty field', async () => {
      const result = await failWith(new ValidationError([{ path: '', message: 'Invalid input: expected object, received null' }]));

      expect(jsonBody(result)).toEqual({ error: 'the request is not valid', issues: [{ path: 'body', message: 'Invalid input: expected object, received null' }] });
    });

    it('shows a 4xx’s message on the page a person gets', async () => {
      const result = await failWith(new NotFoundError('this link has expired'), 'text/html,application/xhtml+xml');

      expect(result.statusCode).toBe(404);
      expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
      expect(result.body).toContain('This link has expired.');
    });

    it('answers a 500 with a generic message, never its own, and logs the detail', async () => {
      const logged = vi.spyOn(logger, 'error');
      const error = new HttpError(500, 'table leads-table-secret has no index gsi1', [{ path: 'gsi1', message: 'missing on leads-table-secret' }]);

      const result = await failWith(error);

      expect(result.statusCode).toBe(500);
      expect(jsonBody(result)).toEqual({ error: 'internal error' });
      expect(result.body).not.toMatch(/secret|gsi1|index/);
      expect(logged).toHaveBeenCalledWith('unhandled error', expect.objectContaining({ error }));
    });

    it('keeps the status of another 5xx, with the generic message', async () => {
      const result = await failWith(new HttpError(503, 'throttled on table leads-table-secret'));

      expect(result.statusCode).toBe(503);
      expect(jsonBody(result)).toEqual({ error: 'internal error' });
    });

    it('shows a generic page, not a 5xx’s message, to a person', async () => {
      const result = await failWith(new HttpError(500, 'table leads-table-secret is missing'), 'text/html');

      expect(result.statusCode).toBe(500);
      expect(result.body).toContain('Something went wrong on our side.');
      expect(result.body).not.toContain('secret');
    });

    it('answers a 5xx that is meant for the client with its message', async () => {
      const result = await failWith(new HttpError(503, 'the lead is being changed right now; please try again', undefined, { expose: true }));

      expect(result.statusCode).toBe(503);
      expect(jsonBody(result)).toEqual({ error: 'the lead is being changed right now; please try again' });
    });

    it('answers any other error as a bare 500 and logs it', async () => {
      const logged = vi.spyOn(logger, 'error');
      const error = new TypeError("Cannot read properties of undefined (reading 'leadId')");

      const result = await failWith(error);

      expect(result.statusCode).toBe(500);
      expect(jsonBody(result)).toEqual({ error: 'internal error' });
      expect(logged).toHaveBeenCalledWith('unhandled error', expect.objectContaining({ error }));
    });
  });
});
