import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handoffActions, linkUrl, signLink, verifyLink, type HandoffLink } from '#core/links.ts';

const key = 'signing-key-1';
const link: HandoffLink = { leadId: 'lead-0123456789abcdef0123', cycle: 2, repId: 'rep-sam', action: 'accept' };

const linkArb: fc.Arbitrary<HandoffLink> = fc.record({
  leadId: fc.string({ minLength: 1 }),
  cycle: fc.integer({ min: 1, max: 1_000_000 }),
  repId: fc.string({ minLength: 1 }),
  action: fc.constantFrom(...handoffActions),
});

describe('signing a hand-off link', () => {
  it('gives the same base64url signature for the same link and key', () => {
    // Prepare / Act
    const first = signLink(link, key);
    const again = signLink({ ...link }, key);

    // Assess: an HMAC-SHA256 is 32 bytes, 43 base64url characters without padding
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(again).toBe(first);
  });

  it('gives different signatures under different keys', () => {
    // Prepare / Act / Assess
    expect(signLink(link, 'key-a')).not.toBe(signLink(link, 'key-b'));
  });
});

describe('verifying a hand-off link', () => {
  it('accepts the signature it made', () => {
    // Prepare
    const signature = signLink(link, key);

    // Act / Assess
    expect(verifyLink(link, signature, key)).toBe(true);
  });

  it.each<[string, HandoffLink]>([
    ['another lead', { ...link, leadId: 'lead-0123456789abcdef0124' }],
    ['another cycle', { ...link, cycle: 3 }],
    ['another rep', { ...link, repId: 'rep-kim' }],
    ['another action', { ...link, action: 'reject' }],
  ])('refuses the signature for %s', (_, tampered) => {
    // Prepare
    const signature = signLink(link, key);

    // Act / Assess
    expect(verifyLink(tampered, signature, key)).toBe(false);
  });

  it('refuses a signature made with another key, a truncated one, an empty one and a non-ASCII one', () => {
    // Prepare
    const signature = signLink(link, key);

    // Act / Assess
    expect(verifyLink(link, signLink(link, 'other-key'), key)).toBe(false);
    expect(verifyLink(link, signature.slice(0, -1), key)).toBe(false);
    expect(verifyLink(link, '', key)).toBe(false);
    expect(verifyLink(link, 'é'.repeat(43), key)).toBe(false);
  });

  it('round-trips any link (property)', () => {
    fc.assert(
      fc.property(linkArb, fc.string({ minLength: 1 }), (anyLink, anyKey) => {
        // Prepare / Act
        const signature = signLink(anyLink, anyKey);

        // Assess
        expect(verifyLink(anyLink, signature, anyKey)).toBe(true);
      }),
    );
  });

  it('refuses any link with one field changed (property)', () => {
    const tamperArb = fc.oneof(
      fc.string({ minLength: 1 }).map((leadId) => (l: HandoffLink) => ({ ...l, leadId })),
      fc.integer({ min: 1, max: 1_000_000 }).map((cycle) => (l: HandoffLink) => ({ ...l, cycle })),
      fc.string({ minLength: 1 }).map((repId) => (l: HandoffLink) => ({ ...l, repId })),
      fc.constant((l: HandoffLink): HandoffLink => ({ ...l, action: l.action === 'accept' ? 'reject' : 'accept' })),
    );
    fc.assert(
      fc.property(linkArb, tamperArb, (original, tamper) => {
        // Prepare
        const tampered = tamper(original);
        fc.pre(JSON.stringify(tampered) !== JSON.stringify(original));
        const signature = signLink(original, key);

        // Act / Assess
        expect(verifyLink(tampered, signature, key)).toBe(false);
      }),
    );
  });

  it('refuses a signature with any one character changed (property)', () => {
    fc.assert(
      fc.property(linkArb, fc.nat(), fc.constantFrom(...'ABCabc012-_'), (anyLink, position, replacement) => {
        // Prepare
        const signature = signLink(anyLink, key);
        const i = position % signature.length;
        fc.pre(signature[i] !== replacement);
        const tampered = signature.slice(0, i) + replacement + signature.slice(i + 1);

        // Act / Assess
        expect(verifyLink(anyLink, tampered, key)).toBe(false);
      }),
    );
  });
});

describe('the URL of a hand-off link', () => {
  it('names the lead, cycle and action in the path and the rep and signature in the query', () => {
    // Prepare / Act
    const url = new URL(linkUrl('https://api.example.test/', link, key));

    // Assess
    expect(url.origin + url.pathname).toBe('https://api.example.test/v1/handoffs/lead-0123456789abcdef0123/2/accept');
    expect(url.searchParams.get('rep')).toBe('rep-sam');
    expect(url.searchParams.get('sig')).toBe(signLink(link, key));
  });

  it('keeps a stage path of the API URL, with or without a trailing slash', () => {
    // Prepare / Act
    const withSlash = linkUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod/', link, key);
    const withoutSlash = linkUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod', link, key);

    // Assess
    expect(new URL(withoutSlash).pathname).toBe('/prod/v1/handoffs/lead-0123456789abcdef0123/2/accept');
    expect(withoutSlash).toBe(withSlash);
  });

  it('encodes a lead id and rep id that need escaping, and they read back unchanged', () => {
    // Prepare
    const odd: HandoffLink = { leadId: 'lead/1?x', cycle: 1, repId: 'rep&sig=forged', action: 'reject' };

    // Act
    const url = new URL(linkUrl('https://api.example.test/', odd, key));

    // Assess
    expect(url.pathname).toBe('/v1/handoffs/lead%2F1%3Fx/1/reject');
    expect(url.searchParams.get('rep')).toBe('rep&sig=forged');
    expect(url.searchParams.getAll('sig')).toEqual([signLink(odd, key)]);
  });
});
