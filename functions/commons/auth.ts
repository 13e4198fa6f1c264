import { findKey, type ApiKey } from '#adapters/keys.ts';
import { browserUseRefusal, keyFromAuthorization, keyKindRefusal } from '#core/keys.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';
import { header, type HttpEvent } from './http.ts';

/** Server-side reads (leads, reports) need a server key, as `Authorization: Bearer <key>` or HTTP Basic user. */
export async function requireServerKey(event: HttpEvent): Promise<ApiKey> {
  const key = keyFromAuthorization(header(event, 'authorization'));
  if (!key) throw new UnauthorizedError('a server key is required as Authorization: Bearer <key>');
  const found = await findKey(key);
  if (!found) throw new UnauthorizedError('the key is not valid');
  const refusal = keyKindRefusal(found, 'read') ?? browserUseRefusal(found, header(event, 'origin'));
  if (refusal) throw new ForbiddenError(refusal);
  return found;
}
