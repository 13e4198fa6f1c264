import { describe, expect, it } from 'vitest';
import { browserUseRefusal, keyFromAuthorization, keyHash, keyItemKey, keyKindRefusal } from '#core/keys.ts';

describe('API key hashes', () => {
  it('are the hex SHA-256 of the key, so the key itself is never stored', () => {
    // Prepare: SHA-256("abc") is the FIPS 180-2 test vector ba7816bf…15ad
    const key = 'abc';

    // Act
    const hash = keyHash(key);

    // Assess
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('put a key’s record under its hash', () => {
    // Prepare / Act
    const item = keyItemKey('abc');

    // Assess
    expect(item).toEqual({ pk: 'KEY#ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', sk: 'KEY' });
    expect(JSON.stringify(item)).not.toContain('"abc"');
  });
});

describe('using a key from a browser', () => {
  it('never allows a server key from a browser, but allows it from a server', () => {
    expect(browserUseRefusal({ kind: 'server' }, 'https://www.acme.example')).toBe('a server key cannot be used from a browser');
    expect(browserUseRefusal({ kind: 'server' }, undefined)).toBeUndefined();
  });

  it('allows a write key only from the origins it lists, or any with *', () => {
    const key = { kind: 'write' as const, allowedOrigins: ['https://www.acme.example'] };
    expect(browserUseRefusal(key, 'https://www.acme.example')).toBeUndefined();
    expect(browserUseRefusal(key, 'https://evil.example')).toBe('this write key is not allowed from https://evil.example');
    expect(browserUseRefusal({ kind: 'write', allowedOrigins: ['*'] }, 'https://anything.example')).toBeUndefined();
  });

  it('keeps a write key without listed origins to servers', () => {
    expect(browserUseRefusal({ kind: 'write' }, 'https://www.acme.example')).toBe('this write key is not allowed from https://www.acme.example');
    expect(browserUseRefusal({ kind: 'write' }, undefined)).toBeUndefined();
  });
});

describe('the key an Authorization header carries', () => {
  it('reads Bearer and Basic in any letter case (RFC 7235: schemes are case-insensitive)', () => {
    const basic = Buffer.from('wk_1:').toString('base64');
    expect(['Bearer sk_1', 'bearer sk_1', 'BEARER sk_1', 'BeArEr  sk_1 '].map(keyFromAuthorization)).toEqual(['sk_1', 'sk_1', 'sk_1', 'sk_1']);
    expect([`Basic ${basic}`, `basic ${basic}`, `BASIC ${basic}`].map(keyFromAuthorization)).toEqual(['wk_1', 'wk_1', 'wk_1']);
  });

  it('carries no key for another scheme, a missing one, or a Basic without a user', () => {
    expect(keyFromAuthorization('Digest sk_1')).toBeUndefined();
    expect(keyFromAuthorization('sk_1')).toBeUndefined();
    expect(keyFromAuthorization(undefined)).toBeUndefined();
    expect(keyFromAuthorization(`Basic ${Buffer.from(':password').toString('base64')}`)).toBeUndefined();
  });
});

describe('what a key’s kind allows', () => {
  it('lets write keys send events and server keys read, and neither the other', () => {
    expect(keyKindRefusal({ kind: 'write' }, 'send events')).toBeUndefined();
    expect(keyKindRefusal({ kind: 'server' }, 'read')).toBeUndefined();
    expect(keyKindRefusal({ kind: 'server' }, 'send events')).toBe('this needs a write key; a server key cannot send events');
    expect(keyKindRefusal({ kind: 'write' }, 'read')).toBe('this needs a server key; a write key can only send events');
  });

  it('lets only server keys report outcomes (a CRM, not a browser)', () => {
    expect(keyKindRefusal({ kind: 'server' }, 'report outcomes')).toBeUndefined();
    expect(keyKindRefusal({ kind: 'write' }, 'report outcomes')).toBe('this needs a server key; a write key can only send events');
  });
});
