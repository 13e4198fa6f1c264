import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feedbackOccasions } from '#core/feedback.ts';
import {
  checkLink,
  contactedUrl,
  feedbackUrl,
  handoffActions,
  handoffUrl,
  linkExpiry,
  readableExpiry,
  signLink,
  verifyLink,
  type FeedbackLink,
  type HandoffLink,
  type SignedLink,
} from '#core/links.ts';

const key = 'signing-key-1';
const EXP = 1_775_000_000; // 2026-03-31T23:33:20Z
const link: HandoffLink = { leadId: 'lead-0123456789abcdef0123', cycle: 2, repId: 'rep-sam', action: 'accept', exp: EXP };
const feedback: FeedbackLink = { leadId: 'lead-0123456789abcdef0123', cycle: 2, repId: 'rep-sam', occasion: 'accepted', exp: EXP };

const linkArb: fc.Arbitrary<SignedLink> = fc.oneof(
  fc.record({
    leadId: fc.string({ minLength: 1 }),
    cycle: fc.integer({ min: 1, max: 1_000_000 }),
    repId: fc.string({ minLength: 1 }),
    action: fc.constantFrom(...handoffActions),
    exp: fc.integer({ min: 0, max: 4_000_000_000 }),
  }),
  fc.record({
    leadId: fc.string({ minLength: 1 }),
    cycle: fc.integer({ min: 1, max: 1_000_000 }),
    repId: fc.string({ minLength: 1 }),
    occasion: fc.constantFrom(...feedbackOccasions),
    exp: fc.integer({ min: 0, max: 4_000_000_000 }),
  }),
);

/** A link's fields in one order, to tell whether a change changed anything. */
const canonical = (l: SignedLink) => JSON.stringify(Object.entries(l).sort(([a], [b]) => a.localeCompare(b)));

describe('signing a link', () => {
  it('gives the same base64url signature for the same link and key', () => {
    // Prepare / Act
    const first = signLink(link, key);
    const again = signLink({ ...link }, key);

    // Assess: an HMAC-SHA256 is 32 bytes, 43 base64url characters without padding
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again).toBe(first);
  });

  it('gives different signatures under different keys', () => {
    expect(signLink(link, 'key-a')).not.toBe(signLink(link, 'key-b'));
  });

  it('signs ids whose characters could run into each other apart (no two links sign the same bytes)', () => {
    // Prepare: the same characters split differently between the fields
    const a: HandoffLink = { ...link, leadId: 'lead.1', repId: 'rep' };
    const b: HandoffLink = { ...link, leadId: 'lead', repId: '1.rep' };

    // Act / Assess
    expect(signLink(a, key)).not.toBe(signLink(b, key));
  });
});

describe('verifying a link', () => {
  it('accepts the signature it made', () => {
    expect(verifyLink(link, signLink(link, key), key)).toBe(true);
    expect(verifyLink(feedback, signLink(feedback, key), key)).toBe(true);
  });

  it.each<[string, SignedLink]>([
    ['another lead', { ...link, leadId: 'lead-0123456789abcdef0124' }],
    ['another cycle', { ...link, cycle: 3 }],
    ['another rep', { ...link, repId: 'rep-kim' }],
    ['another action (reject)', { ...link, action: 'reject' }],
    ['another action (contacted)', { ...link, action: 'contacted' }],
    ['a later expiry', { ...link, exp: EXP + 86_400 }],
    ['a feedback page of the same lead, cycle and rep', { ...feedback }],
  ])('refuses the signature for %s', (_, tampered) => {
    expect(verifyLink(tampered, signLink(link, key), key)).toBe(false);
  });

  it('refuses a feedback signature for another occasion', () => {
    expect(verifyLink({ ...feedback, occasion: 'closed' }, signLink(feedback, key), key)).toBe(false);
  });

  it('refuses a signature made with another key, a truncated one, an empty one and a non-ASCII one', () => {
    const signature = signLink(link, key);

    expect(verifyLink(link, signLink(link, 'other-key'), key)).toBe(false);
    expect(verifyLink(link, signature.slice(0, -1), key)).toBe(false);
    expect(verifyLink(link, '', key)).toBe(false);
    expect(verifyLink(link, 'é'.repeat(43), key)).toBe(false);
  });

  it('round-trips any link (property)', () => {
    fc.assert(
      fc.property(linkArb, fc.string({ minLength: 1 }), (anyLink, anyKey) => {
        expect(verifyLink(anyLink, signLink(anyLink, anyKey), anyKey)).toBe(true);
      }),
    );
  });

  it('refuses any link with one field changed (property)', () => {
    const tamperArb = fc.oneof(
      fc.string({ minLength: 1 }).map((leadId) => (l: SignedLink): SignedLink => ({ ...l, leadId })),
      fc.integer({ min: 1, max: 1_000_000 }).map((cycle) => (l: SignedLink): SignedLink => ({ ...l, cycle })),
      fc.string({ minLength: 1 }).map((repId) => (l: SignedLink): SignedLink => ({ ...l, repId })),
      fc.integer({ min: 0, max: 4_000_000_000 }).map((exp) => (l: SignedLink): SignedLink => ({ ...l, exp })),
      fc.constantFrom(...handoffActions).map((action) => (l: SignedLink): SignedLink => {
        const { leadId, cycle, repId, exp } = l;
        return { leadId, cycle, repId, exp, action };
      }),
      fc.constantFrom(...feedbackOccasions).map((occasion) => (l: SignedLink): SignedLink => {
        const { leadId, cycle, repId, exp } = l;
        return { leadId, cycle, repId, exp, occasion };
      }),
    );
    fc.assert(
      fc.property(linkArb, tamperArb, (original, tamper) => {
        const tampered = tamper(original);
        fc.pre(canonical(tampered) !== canonical(original));

        expect(verifyLink(tampered, signLink(original, key), key)).toBe(false);
      }),
    );
  });

  it('refuses a signature with any one character changed (property)', () => {
    fc.assert(
      fc.property(linkArb, fc.nat(), fc.constantFrom(...'ABCabc012-_'), (anyLink, position, replacement) => {
        const signature = signLink(anyLink, key);
        const i = position % signature.length;
        fc.pre(signature[i] !== replacement);
        const tampered = signature.slice(0, i) + replacement + signature.slice(i + 1);

        expect(verifyLink(anyLink, tampered, key)).toBe(false);
      }),
    );
  });
});

describe('checking a followed link against the clock', () => {
  const signature = signLink(link, key);

  it('is valid up to the last second before its expiry', () => {
    expect(checkLink(link, signature, key, new Date((EXP - 1) * 1000))).toBe('valid');
    expect(checkLink(link, signature, key, new Date(EXP * 1000 - 1))).toBe('valid');
  });

  it('is expired from its expiry on', () => {
    expect(checkLink(link, signature, key, new Date(EXP * 1000))).toBe('expired');
    expect(checkLink(link, signature, key, new Date((EXP + 86_400 * 365) * 1000))).toBe('expired');
  });

  it('is invalid, not expired, when the expiry in the link was moved (a forged extension)', () => {
    const extended = { ...link, exp: EXP + 30 * 86_400 };

    expect(checkLink(extended, signature, key, new Date((EXP + 1) * 1000))).toBe('invalid');
  });

  it('is invalid when tampered, however early', () => {
    expect(checkLink({ ...link, repId: 'rep-kim' }, signature, key, new Date(0))).toBe('invalid');
  });
});

describe('the expiry of links made now', () => {
  it('is LINK_LIFETIME_DAYS (30) later, to the second', () => {
    expect(linkExpiry(new Date('2026-03-01T10:30:00.750Z')).toISOString()).toBe('2026-03-31T10:30:00.000Z');
    expect(linkExpiry(new Date('2026-03-01T10:30:00.000Z'), 7).toISOString()).toBe('2026-03-08T10:30:00.000Z');
  });

  it('reads as a time to the minute in UTC', () => {
    expect(readableExpiry(new Date('2026-03-31T10:30:59.000Z'))).toBe('2026-03-31 10:30 UTC');
  });
});

describe('the URLs of links', () => {
  const expiresAt = new Date(EXP * 1000);
  const target = { leadId: link.leadId, cycle: 2, repId: 'rep-sam' };

  it('names the lead, cycle and action in the path and the rep, expiry and signature in the query', () => {
    const url = new URL(handoffUrl('https://api.example.test/', { ...target, action: 'accept' }, key, expiresAt));

    expect(url.origin + url.pathname).toBe('https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/2/accept');
    expect(url.searchParams.get('rep')).toBe('rep-sam');
    expect(url.searchParams.get('exp')).toBe(String(EXP));
    expect(url.searchParams.get('sig')).toBe(signLink(link, key));
  });

  it('makes the "I contacted them" link on the hand-off path, signed for that action only', () => {
    const url = new URL(contactedUrl('https://api.example.test/', target, key, expiresAt));

    expect(url.pathname).toBe('/v1/handoffs/lead-0123456789abcdef0123/2/contacted');
    expect(url.searchParams.get('sig')).toBe(signLink({ ...link, action: 'contacted' }, key));
    expect(url.searchParams.get('sig')).not.toBe(signLink(link, key));
  });

  it('makes the feedback link of an occasion, signed for that occasion', () => {
    const url = new URL(feedbackUrl('https://api.example.test/', { ...target, occasion: 'rejected' }, key, expiresAt));

    expect(url.pathname).toBe('/v1/feedback/lead-0123456789abcdef0123/2/rejected');
    expect(url.searchParams.get('rep')).toBe('rep-sam');
    expect(url.searchParams.get('exp')).toBe(String(EXP));
    expect(url.searchParams.get('sig')).toBe(signLink({ ...feedback, occasion: 'rejected' }, key));
  });

  it('drops a fraction of a second from the expiry, and signs what the URL says', () => {
    const url = new URL(contactedUrl('https://api.example.test/', target, key, new Date(EXP * 1000 + 999)));

    expect(url.searchParams.get('exp')).toBe(String(EXP));
    expect(verifyLink({ ...target, action: 'contacted', exp: EXP }, url.searchParams.get('sig')!, key)).toBe(true);
  });

  it('keeps a stage path of the API URL, with or without a trailing slash', () => {
    const withSlash = handoffUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod/', { ...target, action: 'reject' }, key, expiresAt);
    const withoutSlash = handoffUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod', { ...target, action: 'reject' }, key, expiresAt);

    expect(new URL(withoutSlash).pathname).toBe('/prod/v1/handoffs/lead-0123456789abcdef0123/2/reject');
    expect(withoutSlash).toBe(withSlash);
  });

  it('resolves a link made from a relative base against the page it is on', () => {
    // Prepare: a hand-off page, four segments below the API's root
    const page = 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/handoffs/lead-0123456789abcdef0123/2/accept?rep=rep-sam';

    // Act
    const url = new URL(feedbackUrl('../../../../', { ...target, occasion: 'accepted' }, key, expiresAt), page);

    // Assess
    expect(url.pathname).toBe('/prod/v1/feedback/lead-0123456789abcdef0123/2/accepted');
    expect(url.searchParams.get('sig')).toBe(signLink(feedback, key));
  });

  it('encodes a lead id and rep id that need escaping, and they read back unchanged', () => {
    const odd = { leadId: 'lead/1?x', cycle: 1, repId: 'rep&sig=forged' };

    const url = new URL(handoffUrl('https://api.example.test/', { ...odd, action: 'reject' }, key, expiresAt));

    expect(url.pathname).toBe('/v1/handoffs/lead%2F1%3Fx/1/reject');
    expect(url.searchParams.get('rep')).toBe('rep&sig=forged');
    expect(url.searchParams.getAll('sig')).toEqual([signLink({ ...odd, action: 'reject', exp: EXP }, key)]);
  });
});
