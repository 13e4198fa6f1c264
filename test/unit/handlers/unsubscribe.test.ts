import { beforeEach, describe, expect, it } from 'vitest';
import type { NurtureProfile } from '../../../functions/adapters/nurture-store.ts';
import type { SuppressionReason } from '../../../functions/core/nurture.ts';
import { unsubscribeUrl } from '../../../functions/core/nurture-email.ts';
import type { UnsubscribePorts } from '../../../functions/nurture/links.ts';
import { unsubscribeHandler } from '../../../functions/nurture/unsubscribe-handler.ts';
import { httpEvent, lambdaContext } from './http-event.ts';

/**
 * The unsubscribe link over HTTP (GET /v1/unsubscribe/{leadId}: the page;
 * POST: the page's button or a mail client's one-click), with in-memory
 * ports: a genuine link in time unsubscribes; one past its expiry is refused
 * with a page that says until when it worked and what to do instead, and
 * nothing is read or written.
 */

const KEY = 'test-link-signing-key';
const NOW = '2026-03-02T10:00:00.000Z';
const LEAD_ID = 'lead-0123456789abcdef0123';
const EMAIL = 'dana@acme.example';

let suppressed: Map<string, { reason: SuppressionReason; at: string }>;
let stopped: string[];
let profilesRead: string[];

function ports(): UnsubscribePorts {
  return {
    now: () => new Date(NOW),
    linkSigningKey: async () => KEY,
    getNurtureProfile: async (leadId) => {
      profilesRead.push(leadId);
      return leadId === LEAD_ID ? ({ leadId, email: EMAIL } as NurtureProfile) : undefined;
    },
    suppress: async (email, reason, at) => void suppressed.set(email, { reason, at }),
    suppressionOf: async (email) => suppressed.get(email)?.reason,
    stopNurture: async (leadId) => void stopped.push(leadId),
  };
}

/** A request to the link an email would carry, with this expiry (epoch seconds). */
function visit(exp: number, method: 'GET' | 'POST', oneClick = false) {
  const url = new URL(unsubscribeUrl('https://api.example.test/', { leadId: LEAD_ID, exp }, KEY));
  return unsubscribeHandler(ports())(
    httpEvent({
      method,
      path: url.pathname,
      pathParameters: { leadId: LEAD_ID },
      queryStringParameters: Object.fromEntries(url.searchParams),
      // a person's browser asks for a page; a mail client's one-click POST says nothing of the kind
      headers: oneClick ? { 'content-type': 'application/x-www-form-urlencoded' } : { accept: 'text/html' },
      ...(oneClick && { body: 'List-Unsubscribe=One-Click' }),
    }),
    lambdaContext('unsubscribe'),
  );
}

const nowSeconds = Date.parse(NOW) / 1000;

beforeEach(() => {
  suppressed = new Map();
  stopped = [];
  profilesRead = [];
});

describe('the unsubscribe link', () => {
  it('unsubscribes while it is in time: the address suppressed, the nurture stopped', async () => {
    const page = await visit(nowSeconds + 1, 'POST');

    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('You are unsubscribed');
    expect(suppressed.get(EMAIL)).toEqual({ reason: 'unsubscribed', at: NOW });
    expect(stopped).toEqual([LEAD_ID]);
  });

  it('refuses it from its expiry on, with a 410 page saying until when it worked and to reply instead; reads and writes nothing', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const page = await visit(nowSeconds, method);

      expect(page.statusCode).toBe(410);
      expect(page.headers?.['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('This link is out of date: it worked until 2026-03-02 10:00 UTC.');
      expect(page.body).toContain('Reply to any of our emails and we will take you off the list');
    }
    expect(profilesRead).toEqual([]);
    expect(suppressed.size).toBe(0);
    expect(stopped).toEqual([]);
  });

  it('refuses a mail client’s one-click POST on an expired link the same way (410, as JSON: it asked for no page), writing nothing', async () => {
    const response = await visit(nowSeconds - 86_400, 'POST', true);

    expect(response.statusCode).toBe(410);
    expect(JSON.parse(String(response.body))).toEqual({ error: 'this link is out of date: it worked until 2026-03-01 10:00 UTC. Reply to any of our emails and we will take you off the list' });
    expect(profilesRead).toEqual([]);
    expect(suppressed.size).toBe(0);
    expect(stopped).toEqual([]);
  });
});
