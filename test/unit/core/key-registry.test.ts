import { describe, expect, it } from 'vitest';
import { describeKeyEntry, formatKey, formatKeyId, isKeyId, keyRequestProblems, newKeyEntry, originRefusal, rotationRequest, type KeyRequest } from '#core/key-registry.ts';
import { keyHash } from '#core/keys.ts';

const bytes = (n: number, fill = 0xab) => new Uint8Array(n).fill(fill);
const website: KeyRequest = { kind: 'write', sourceId: 'website', name: 'Marketing site', allowedOrigins: ['https://www.example.com'] };

describe('a new key', () => {
  it('says its kind in its prefix and carries the random bytes as base64url', () => {
    expect(formatKey('write', bytes(24))).toBe(`wk_${'q6ur'.repeat(8)}`);
    expect(formatKey('server', bytes(24))).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
  });

  it('refuses too few random bytes rather than issue a guessable key', () => {
    expect(() => formatKey('write', bytes(8))).toThrow('at least 16 random bytes, got 8');
  });

  it('has a public id that is told apart from a key', () => {
    const id = formatKeyId(bytes(6, 0x0f));
    expect(id).toBe('key_0f0f0f0f0f0f');
    expect(isKeyId(id)).toBe(true);
    expect(isKeyId(formatKey('write', bytes(24)))).toBe(false);
  });
});

describe('allowed origins', () => {
  it('accepts what browsers send as Origin, and * for any', () => {
    for (const origin of ['https://www.example.com', 'http://localhost:8080', '*']) expect(originRefusal(origin)).toBeUndefined();
  });

  it('refuses paths, trailing slashes, upper case, other schemes and non-URLs, saying how to write it', () => {
    expect(originRefusal('https://www.example.com/')).toBe('"https://www.example.com/" is not an origin as browsers send it: write https://www.example.com');
    expect(originRefusal('https://www.example.com/shop')).toContain('write https://www.example.com');
    expect(originRefusal('https://WWW.Example.com')).toContain('write https://www.example.com');
    expect(originRefusal('ftp://example.com')).toBe('"ftp://example.com" is not an http(s) origin');
    expect(originRefusal('www.example.com')).toBe('"www.example.com" is not an origin: write it as https://www.example.com');
  });
});

describe('a key request', () => {
  it('passes when its source, name and origins are sound', () => {
    expect(keyRequestProblems(website)).toEqual([]);
    expect(keyRequestProblems({ kind: 'server', sourceId: 'crm', name: 'crm', allowedOrigins: [] })).toEqual([]);
  });

  it('names every field that breaks a rule', () => {
    const problems = keyRequestProblems({ kind: 'server', sourceId: 'bad source', name: ' ', allowedOrigins: ['https://a.example'] });
    expect(problems).toEqual([
      'source: "bad source" must be 1 to 64 letters, digits, dots, dashes or underscores',
      'name: must be 1 to 100 characters',
      'origin: a server key is never used from a browser, so it takes no origins',
    ]);
    expect(keyRequestProblems({ ...website, allowedOrigins: ['https://ok.example', 'https://bad.example/'] })).toEqual([
      'origin: "https://bad.example/" is not an origin as browsers send it: write https://bad.example',
    ]);
  });
});

describe('a registry entry', () => {
  const key = formatKey('write', bytes(24));
  const entry = newKeyEntry({ ...website, allowedOrigins: ['https://www.example.com', 'https://www.example.com'] }, key, 'key_0102030405', new Date('2026-12-01T10:00:00Z'));

  it('keeps the hash and its prefix, never the key', () => {
    expect(entry.keyHash).toBe(keyHash(key));
    expect(entry.hashPrefix).toBe(keyHash(key).slice(0, 8));
    expect(JSON.stringify(entry)).not.toContain(key);
    expect(entry).toMatchObject({ id: 'key_0102030405', kind: 'write', sourceId: 'website', name: 'Marketing site', allowedOrigins: ['https://www.example.com'], createdAt: '2026-12-01T10:00:00.000Z' });
  });

  it('is listed in one line without the key or the full hash', () => {
    const line = describeKeyEntry({ ...entry, revokedAt: '2026-12-02T00:00:00.000Z' });
    expect(line).toContain('key_0102030405  write  website  "Marketing site"  https://www.example.com');
    expect(line).toContain(`sha256:${entry.hashPrefix}…`);
    expect(line).toContain('revoked 2026-12-02T00:00:00.000Z');
    expect(line).not.toContain(key);
    expect(line).not.toContain(entry.keyHash);
  });

  it('gives its successor the same kind, source, name and origins', () => {
    expect(rotationRequest(entry)).toEqual({ kind: 'write', sourceId: 'website', name: 'Marketing site', allowedOrigins: ['https://www.example.com'] });
  });
});
