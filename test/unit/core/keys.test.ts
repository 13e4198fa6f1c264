import { describe, expect, it } from 'vitest';
import { keyHash, keyItemKey } from '#core/keys.ts';

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
