import { findKey, type ApiKey } from '#adapters/keys.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';
import { header, type HttpEvent } from './http.ts';

/** Server-side reads (leads, reports) need a server key, as `Authorization: Bearer <key>` or HTTP Basic user. */
export async function requireServerKey(event: HttpEvent): Promise<ApiKey> {
  const authorization = header(event, 'authorization') ?? '';
  const key = authorization.startsWith('Bearer ')
    ? authorization.slice(7).trim()
    : authorization.startsWith('Basic ')
      ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0]
      : undefined;
  if (!key) throw new UnauthorizedError('a server key is required as Authorization: Bearer <key>');
  const found = await findKey(key);
  if (!found) throw new UnauthorizedError('the key is not valid');
  if (found.kind !== 'server') throw new ForbiddenError('this needs a server key; a write key can only send events');
  if (header(event, 'origin') !== undefined) throw new ForbiddenError('a server key cannot be used from a browser');
  return found;
}
