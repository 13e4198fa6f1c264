import { checkLink, type SignedLink } from '#core/links.ts';
import { ForbiddenError, LinkExpiredError } from './errors.ts';

/**
 * The gate every signed-link page passes first, before reading anything:
 * a link that is not ours (tampered, another rep, another action, another
 * key) is a 403; a genuine one past its expiry is a 410 that says so.
 */
export function requireValidLink(link: SignedLink, signature: string, key: string, now: Date): void {
  const status = checkLink(link, signature, key, now);
  if (status === 'invalid') throw new ForbiddenError('this link is not valid');
  if (status === 'expired') throw new LinkExpiredError(new Date(link.exp * 1000));
}
