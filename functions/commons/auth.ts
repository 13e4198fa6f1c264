import type { ApiKey } from '#adapters/keys.ts';
import { browserUseRefusal, keyFromAuthorization, keyKindRefusal, type KeyUse } from '#core/keys.ts';
import { checkDashboardToken, isDashboardToken } from '#core/links.ts';
import { ForbiddenError, LinkExpiredError, UnauthorizedError } from './errors.ts';
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

/** What checking a dashboard link needs: the secret links are signed with, and the time. */
export interface DashboardLinkCheck {
  linkSigningKey: () => Promise<string>;
  now: () => Date;
}

/** Who reads the reports: a server key's record, or the signed dashboard link of a weekly digest. */
export type ReportReader = { kind: 'server key'; key: ApiKey } | { kind: 'dashboard link'; expiresAt: Date };

/**
 * The reports take a server key or a dashboard link from the weekly digest
 * (`Bearer dl1.…`, read-only, signed, expiring): a link that is not ours is a
 * 403, a genuine one past its expiry a 410 that says so, as the other signed
 * links. Anything else is checked as a server key. Only the report API uses
 * this: a dashboard link opens nothing else. Without `links`, only server keys.
 */
export function reportReaderCheck(keys: KeyLookup, links: DashboardLinkCheck | undefined): (event: HttpEvent) => Promise<ReportReader> {
  const requireServerKey = serverKeyCheck(keys);
  return async function requireReportReader(event) {
    const credential = keyFromAuthorization(header(event, 'authorization'));
    if (links === undefined || credential === undefined || !isDashboardToken(credential)) return { kind: 'server key', key: await requireServerKey(event) };
    const { status, expiresAt } = checkDashboardToken(credential, await links.linkSigningKey(), links.now());
    if (status === 'invalid') throw new ForbiddenError('this dashboard link is not valid');
    if (status === 'expired') throw new LinkExpiredError(expiresAt!, 'The latest weekly digest has a fresh one, or sign in with a server key');
    return { kind: 'dashboard link', expiresAt: expiresAt! };
  };
}
