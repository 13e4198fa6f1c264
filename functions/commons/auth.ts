import type { ApiKey } from '#adapters/keys.ts';
import { browserUseRefusal, keyFromAuthorization, keyKindRefusal, type KeyUse } from '#core/keys.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';
import { header, type HttpEvent } from './http.ts';

/** What checking a key needs: looking it up (the keys adapter's findKey). */
export interface KeyLookup {
  findKey: (key: string) => Promise<ApiKey | undefined>;
}

/**
 * Server-side reads (leads, reports) and reports from sales' systems (outcomes)
 * need a server key, as `Authorization: Bearer <key>` or HTTP Basic user.
 * Built once by a handler's wiring, with the keys it looks keys up in.
 */
export function serverKeyCheck(keys: KeyLookup, use: Exclude<KeyUse, 'send events'> = 'read'): (event: HttpEvent) => Promise<ApiKey> {
  return async function requireServerKey(event) {
    const key = keyFromAuthorization(header(event, 'authorization'));
    if (!key) throw new UnauthorizedError('a server key is required as Authorization: Bearer <key>');
    const found = await keys.findKey(key);
    if (!found) throw new UnauthorizedError('the key is not valid');
    const refusal = keyKindRefusal(found, use) ?? browserUseRefusal(found, header(event, 'origin'));
    if (refusal) throw new ForbiddenError(refusal);
    return found;
  };
}
