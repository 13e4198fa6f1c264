import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityKeys, normalizeEmail } from '#core/identity.ts';
import { leadIdFor } from '#core/lead-id.ts';

describe('normalizing an email', () => {
  it('trims and lower-cases a valid address', () => {
    // Prepare / Act / Assess
    expect(normalizeEmail('  Jo.Doe@Example.COM\n')).toBe('jo.doe@example.com');
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['an address without a domain', 'jo@'],
    ['an address without a dot in the domain', 'jo@localhost'],
    ['an address with a space inside', 'jo doe@acme.io'],
    ['two at-signs', 'jo@acme@acme.io'],
  ])('gives nothing for %s', (_, value) => {
    // Prepare / Act / Assess
    expect(normalizeEmail(value)).toBeUndefined();
  });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.emailAddress()), (value) => {
        // Prepare / Act
        const once = normalizeEmail(value);

        // Assess
        if (once !== undefined) expect(normalizeEmail(once)).toBe(once);
      }),
    );
  });

  it('ignores letter case and surrounding whitespace (property)', () => {
    const whitespace = fc.array(fc.constantFrom(' ', '\t', '\n', '\r'), { maxLength: 3 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.array(fc.boolean(), { minLength: 1 }),
        whitespace,
        whitespace,
        (email, upper, before, after) => {
          // Prepare: flip the case of some letters and pad with whitespace
          const mixed = [...email].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join('');

          // Act
          const normalized = normalizeEmail(before + mixed + after);

          // Assess
          expect(normalized).toBe(email.toLowerCase());
        },
      ),
    );
  });
});

describe('identity keys', () => {
  it('lists email, then user, then anonymous id', () => {
    // Prepare
    const event = { email: 'jo@acme.io', userId: 'crm-7', anonymousId: 'anon-1' };

    // Act
    const keys = identityKeys(event);

    // Assess
    expect(keys).toEqual(['email:jo@acme.io', 'user:crm-7', 'anon:anon-1']);
  });

  it('leaves out a userId that is the email in another letter case', () => {
    // Prepare
    const event = { email: 'jo@acme.io', userId: ' Jo@Acme.IO ' };

    // Act
    const keys = identityKeys(event);

    // Assess
    expect(keys).toEqual(['email:jo@acme.io']);
  });

  it('is empty for an event without identity', () => {
    // Prepare / Act / Assess
    expect(identityKeys({})).toEqual([]);
  });
});

describe('identity keys of an alias call', () => {
  it('links the earlier anonymous id to the person', () => {
    // Prepare / Act
    const keys = identityKeys({ userId: 'crm-7', previousId: 'anon-9' });

    // Assess
    expect(keys).toEqual(['user:crm-7', 'anon:anon-9']);
  });

  it('treats an email given as previousId as the email identity, normalized', () => {
    // Prepare / Act
    const keys = identityKeys({ userId: 'crm-7', previousId: ' Jo@Acme.IO ' });

    // Assess
    expect(keys).toEqual(['user:crm-7', 'email:jo@acme.io']);
  });
});

describe('lead ids', () => {
  it('follow deterministically from the identity key', () => {
    // Prepare / Act
    const first = leadIdFor('email:jo@acme.io');
    const again = leadIdFor('email:jo@acme.io');

    // Assess
    expect(first).toMatch(/^lead-[0-9a-f]{20}$/);
    expect(again).toBe(first);
  });

  it('differ for different identity keys', () => {
    // Prepare / Act
    const ids = new Set([leadIdFor('email:jo@acme.io'), leadIdFor('user:jo@acme.io'), leadIdFor('anon:jo@acme.io'), leadIdFor('email:al@acme.io')]);

    // Assess
    expect(ids.size).toBe(4);
  });
});
